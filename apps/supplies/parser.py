"""The supply text paste: a supplier's price list pasted as text becomes supply lines.

One line per item, ``name [height] price quantity`` (ARCHITECTURE §11.1): with three trailing
numbers they are height, price and quantity; with two, price and quantity (no height). The
name is the rest (it may contain spaces)::

    Роза Фридом 60 250,50 450
    Эвкалипт Цинерея - 1200 10
    Эвкалипт 350 10

- height: a whole number of centimetres (1..500) or ``-`` for none (a ``-`` before the price
  is always the height);
- price: digits with ``,`` or ``.`` as the decimal separator (at most 4 decimals), no
  thousands separators;
- quantity: a whole number 1..100000.

Blank lines are skipped. A bad line is reported by its 1-based number and never stops the
others. Empty text (or only blank lines) is not an error: no items, no errors.

Matching, per item: the stock item with the same case-folded name and height
(``stock_match_key``) — ``"match": "exact"``; else the one active item of that height whose
name contains the line's name, or is contained in it — ``"match": "partial"`` (so «Фридом 60»
finds «Роза Фридом» 60); else ``"match": null`` and up to three ``suggestions`` by name
similarity.
"""

from __future__ import annotations

import difflib
import heapq
import re
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.shops.models import Shop
from apps.supplies.constants import MAX_LINES
from apps.supplies.lines import supply_line_errors
from apps.warehouse.constants import HEIGHT_MAX_CM, NAME_MAX_LENGTH
from apps.warehouse.models import StockItem, stock_match_key
from flowercrm.errors import Invalid
from flowercrm.limits import QUANTITY_MAX
from flowercrm.search import fold

MAX_TEXT_LENGTH = 100_000  # characters
# Non-blank lines are bounded by ``MAX_LINES``, those of one supply (a pasted list becomes one).
MAX_SUGGESTIONS = 3
# Suggestions stay cheap: one query for candidates sharing a first word (at most this many
# words and rows), and difflib only over the best few candidates of each distinct name.
MAX_SUGGESTION_WORDS = 100
MAX_CANDIDATE_ROWS = 1000
MAX_SCORED_CANDIDATES = 10

_HEIGHT = re.compile(r"[0-9]{1,4}", re.ASCII)
_NOT_A_HEIGHT = 0  # a number too long to be a height: out of range for the line rules
_PRICE = re.compile(r"([0-9]{1,8})(?:[.,]([0-9]{1,4}))?", re.ASCII)
_QUANTITY = re.compile(r"[0-9]{1,6}", re.ASCII)
FORMAT_HINT = _("Expected “Name [height] price quantity”, e.g. “Rose Freedom 60 250,50 450” or “Eucalyptus 350 10”.")
MATCH_EXACT = "exact"
MATCH_PARTIAL = "partial"
# Partial matching reads the shop's active items of the pasted heights, at most this many.
MAX_PARTIAL_CANDIDATES = 5000
_HEIGHT_TOKEN = re.compile(r"-|[0-9]+", re.ASCII)


def _split(tokens: list[str]) -> tuple[str, str | None, str, str]:
    """``(name, height, price, quantity)`` tokens: three trailing numbers are height, price
    and quantity; two are price and quantity (no height)."""
    if len(tokens) >= 4 and _HEIGHT_TOKEN.fullmatch(tokens[-3]):
        *name_tokens, height_raw, price_raw, quantity_raw = tokens
        return " ".join(name_tokens), height_raw, price_raw, quantity_raw
    *name_tokens, price_raw, quantity_raw = tokens
    return " ".join(name_tokens), None, price_raw, quantity_raw


def _parse_line(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    tokens = raw.split()
    if len(tokens) < 3:
        return None, str(FORMAT_HINT)
    name, height_raw, price_raw, quantity_raw = _split(tokens)
    height: int | None = None
    if height_raw is not None and height_raw != "-":
        height = int(height_raw) if _HEIGHT.fullmatch(height_raw) else _NOT_A_HEIGHT
    match = _PRICE.fullmatch(price_raw)
    price = Decimal(f"{match[1]}.{match[2] or '0'}") if match else None
    quantity = int(quantity_raw) if _QUANTITY.fullmatch(quantity_raw) else None
    # The ranges are the supply line's (``apps.supplies.lines``); the messages quote the text.
    broken = supply_line_errors(
        shop_id=None, rate=None, new_item_name=name, new_item_height_cm=height, quantity=quantity, purchase_price=price
    )
    messages = {
        "new_item_name": gettext("The name is longer than %(limit)s characters.") % {"limit": NAME_MAX_LENGTH},
        "new_item_height_cm": gettext("The height is a whole number from 1 to %(max)s or “-”, not “%(value)s”.")
        % {"max": HEIGHT_MAX_CM, "value": height_raw},
        "purchase_price": gettext(
            "The price is a number with “,” or “.” (up to 4 decimal places, no thousands separators), not “%(value)s”."
        )
        % {"value": price_raw},
        "quantity": gettext("The quantity is a whole number from 1 to %(max)s, not “%(value)s”.")
        % {"max": QUANTITY_MAX, "value": quantity_raw},
    }
    problems = [message for field, message in messages.items() if field in broken]
    if problems or price is None:
        return None, " ".join(problems)
    # Money strings: at least two decimals, as typed beyond that ("250" → "250.00", "1.2345").
    shown = price if -price.as_tuple().exponent > 2 else price.quantize(Decimal("0.01"))  # type: ignore[operator]
    return {"name": name, "height_cm": height, "purchase_price": str(shown), "quantity": quantity}, None


def _item_ref(item: StockItem) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "height_cm": item.height_cm, "unit": item.unit}


class _Suggester:
    """Up to three items most like a name: candidates containing its first word, narrowed by
    the number of shared words, ranked by difflib's ratio of the names; among equal names
    the same height first. Work is cached per first word and per distinct name."""

    def __init__(self, candidates: list[StockItem]) -> None:
        self.candidates = candidates
        self.names = {c.id: fold(c.name) for c in candidates}
        self.words = {c.id: set(c.search_text.split()) for c in candidates}
        self.pools: dict[str, list[StockItem]] = {}
        self.scored: dict[str, list[tuple[float, StockItem]]] = {}

    def _score(self, folded: str) -> list[tuple[float, StockItem]]:
        words = folded.split()
        if words[0] not in self.pools:
            self.pools[words[0]] = [c for c in self.candidates if words[0] in c.search_text]
        pool = self.pools[words[0]]
        if len(pool) > MAX_SCORED_CANDIDATES:
            wanted = set(words)
            pool = heapq.nlargest(MAX_SCORED_CANDIDATES, pool, key=lambda c: len(wanted & self.words[c.id]))
        matcher = difflib.SequenceMatcher(None)
        matcher.set_seq2(folded)  # difflib caches its analysis of seq2: the line's name
        scored = []
        for candidate in pool:
            matcher.set_seq1(self.names[candidate.id])
            scored.append((matcher.ratio(), candidate))
        return scored

    def suggest(self, name: str, height: int | None) -> list[StockItem]:
        folded = fold(name)
        if folded not in self.scored:
            self.scored[folded] = self._score(folded)
        ranked = sorted(self.scored[folded], key=lambda rc: (-rc[0], rc[1].height_cm != height, rc[1].name, rc[1].id))
        return [c for _, c in ranked[:MAX_SUGGESTIONS]]


def supply_text_parse(*, shop: Shop, text: str) -> dict[str, list[dict[str, Any]]]:
    """Parse a pasted list into ``{"items": [...], "errors": [{"line", "message"}]}``.

    Each item: ``line``, ``name``, ``height_cm``, ``purchase_price`` (a decimal string),
    ``quantity``, ``match`` (``"exact"``, ``"partial"`` or null), ``stock_item_id`` and
    ``stock_item`` (the match, or null) and ``suggestions`` (``[{"id", "name", "height_cm",
    "unit"}]``, empty when matched). Text over 100 000 characters or 500 non-blank lines is a
    400. Three queries at most.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid({"text": [gettext("At most %(limit)s characters.") % {"limit": MAX_TEXT_LENGTH}]})
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if row.strip()]
    if len(numbered) > MAX_LINES:
        raise Invalid({"text": [gettext("At most %(limit)s lines at a time.") % {"limit": MAX_LINES}]})

    items: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for number, row in numbered:
        parsed, message = _parse_line(row)
        if parsed is None:
            errors.append({"line": number, "message": message})
        else:
            items.append({"line": number, **parsed})
    if not items:
        return {"items": items, "errors": errors}

    keys = {stock_match_key(item["name"], item["height_cm"]) for item in items}
    matched = {i.match_key: i for i in StockItem.objects.filter(shop=shop, match_key__in=keys)}
    for item in items:
        found = matched.get(stock_match_key(item["name"], item["height_cm"]))
        if found is not None:
            item.update(match=MATCH_EXACT, stock_item_id=found.id, stock_item=_item_ref(found), suggestions=[])
    _match_partially(shop=shop, items=[item for item in items if "match" not in item])
    unmatched = [item for item in items if "match" not in item]
    candidates: list[StockItem] = []
    if unmatched:
        first_words = list(dict.fromkeys(fold(item["name"]).split()[0] for item in unmatched))[:MAX_SUGGESTION_WORDS]
        candidates = list(
            StockItem.objects.filter(shop=shop, is_active=True)
            .filter(reduce(or_, (Q(search_text__contains=word) for word in first_words)))
            .only("id", "name", "height_cm", "unit", "search_text")
            .order_by("name", "height_cm", "id")[:MAX_CANDIDATE_ROWS]
        )
    suggester = _Suggester(candidates)
    for item in unmatched:
        item.update(
            match=None,
            stock_item_id=None,
            stock_item=None,
            suggestions=[_item_ref(c) for c in suggester.suggest(item["name"], item["height_cm"])],
        )
    return {"items": items, "errors": errors}


def _match_partially(*, shop: Shop, items: list[dict[str, Any]]) -> None:
    """Give each of ``items`` the one active stock item of its height whose folded name
    contains the line's folded name or is contained in it (``"match": "partial"``); items
    with none or several such candidates are left alone. One query."""
    if not items:
        return
    heights = {item["height_cm"] for item in items}
    by_height = Q(height_cm__in=[h for h in heights if h is not None])
    if None in heights:
        by_height |= Q(height_cm__isnull=True)
    pools: dict[int | None, list[tuple[str, StockItem]]] = {}
    rows = (
        StockItem.objects.filter(shop=shop, is_active=True)
        .filter(by_height)
        .only("id", "name", "height_cm", "unit")
        .order_by("id")[:MAX_PARTIAL_CANDIDATES]
    )
    for row in rows:
        pools.setdefault(row.height_cm, []).append((fold(row.name), row))
    found: dict[tuple[str, int | None], StockItem | None] = {}
    for item in items:
        key = (fold(item["name"]), item["height_cm"])
        if key not in found:
            name = key[0]
            hits = [row for folded, row in pools.get(key[1], []) if name in folded or folded in name]
            found[key] = hits[0] if len(hits) == 1 else None
        match = found[key]
        if match is not None:
            item.update(match=MATCH_PARTIAL, stock_item_id=match.id, stock_item=_item_ref(match), suggestions=[])
