"""What the public tracking page may say about where an order goes: the street, nothing more
(ARCHITECTURE §4 "Tracking"). Addresses are free text typed by people in Russian, Kazakh or
Latin letters, with or without commas, in any order — so when in doubt, show less."""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest
from django.utils import timezone

from apps.orders.models import Order

# Tracking links die this long after the order is delivered or cancelled.
TRACKING_KEPT_FOR = dt.timedelta(days=30)


def tracking_closed(order: Order) -> bool:
    """Tracking links die 30 days after the order is delivered or cancelled."""
    return order.closed_at is not None and timezone.now() - order.closed_at > TRACKING_KEPT_FOR


# Words that begin a house, building, flat, entrance, floor, intercom or office: the street
# ends before them (compared case-folded, without dots and the like).
UNIT_MARKERS = frozenset(
    {
        # Russian
        "д",
        "дом",
        "к",
        "корп",
        "корпус",
        "стр",
        "строение",
        "лит",
        "литер",
        "литера",
        "вл",
        "владение",
        "кв",
        "квартира",
        "пом",
        "помещение",
        "оф",
        "офис",
        "п",
        "под",
        "подъезд",
        "пд",
        "эт",
        "этаж",
        "дмф",
        "домофон",
        "код",
        "вход",
        "блок",
        "секция",
        "уч",
        "участок",
        # Kazakh
        "үй",
        "пәтер",
        "кіреберіс",
        "қабат",
        "кеңсе",
        # Latin
        "d",
        "dom",
        "h",
        "house",
        "bldg",
        "building",
        "block",
        "bl",
        "k",
        "korp",
        "korpus",
        "kv",
        "kvartira",
        "apt",
        "apartment",
        "flat",
        "unit",
        "suite",
        "ste",
        "office",
        "of",
        "entrance",
        "entr",
        "podezd",
        "podyezd",
        "floor",
        "fl",
        "etazh",
        "intercom",
        "code",
        "no",
        "nr",
    }
)
# Words that only say "street", "avenue"…: a street shown as just one of these says nothing.
STREET_MARKERS = frozenset(
    {
        "ул",
        "улица",
        "пр",
        "пр-т",
        "пр-кт",
        "проспект",
        "пер",
        "переулок",
        "б-р",
        "бульвар",
        "мкр",
        "мкр-н",
        "микрорайон",
        "ш",
        "шоссе",
        "пл",
        "площадь",
        "наб",
        "набережная",
        "тупик",
        "проезд",
        "көше",
        "көшесі",
        "даңғылы",
        "шағын",
        "ауданы",
        "st",
        "str",
        "street",
        "ul",
        "ulitsa",
        "ave",
        "avenue",
        "pr",
        "prospekt",
        "mkr",
        "rd",
        "road",
        "blvd",
        "lane",
    }
)
# A first part naming a city is skipped: "г. Алматы, ул. Абая 10", "Алматы қ., Абай даңғылы 10".
CITY_MARKERS = frozenset({"г", "гор", "город", "қ", "қала", "қаласы", "city"})

_PARTS = re.compile(r"[,;\n]+")
_PUNCT = ".:#№-–—/\\()«»\"'"


def _bare(word: str) -> str:
    return word.casefold().strip(_PUNCT)


def street_only(address: str) -> str:
    """The street of ``address`` without house, building, flat, entrance, floor or intercom:
    the words of its first part (a first part naming a city is skipped) up to the first word
    with a digit or a unit marker (``д.``, ``кв``, ``үй``, ``apt``…). «ул. Абая 10, кв 5» →
    «ул. Абая»; «Абая 10/1 кв 5 подъезд 2 этаж 7» → «Абая». Never shows a digit."""
    parts = [part.split() for part in _PARTS.split(address) if part.strip()]
    if len(parts) > 1 and any(_bare(word) in CITY_MARKERS for word in parts[0]):
        parts = parts[1:]
    words: list[str] = []
    for word in parts[0] if parts else []:
        bare = _bare(word)
        if not bare or any(ch.isdigit() for ch in word) or bare in UNIT_MARKERS:
            break
        words.append(word)
    if all(_bare(word) in STREET_MARKERS for word in words):
        return ""
    return " ".join(words).strip(" ,;-–—/\\")


def tracking_path(token: str) -> str:
    """The buyer's tracking page of a token (``/t/<token>``)."""
    return f"/t/{token}"


def tracking_url(order: Order, *, request: HttpRequest | None = None) -> str:
    """The link a manager sends the buyer: the tracking page, absolute when a request tells the
    host (what the order detail, the admin and the storefront answer as ``tracking_url``)."""
    path = tracking_path(order.tracking_token)
    return request.build_absolute_uri(path) if request is not None else path
