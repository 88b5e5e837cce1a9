"""Shop slugs: the unique, URL-safe public key of a shop (ARCHITECTURE §11.6), generated
from its name — Cyrillic transliterated — with a numeric suffix when taken."""

from __future__ import annotations

from collections.abc import Callable

from django.core.validators import RegexValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

SLUG_MAX_LENGTH = 64
SLUG_FALLBACK = "shop"

validate_slug = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z",
    _("Shop address: lower-case Latin letters, digits and hyphens between them."),
)

# Russian and Kazakh letters (lower case; upper case is folded first).
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def slug_base(name: str) -> str:
    """``"Ромашка & Co"`` → ``"romashka-co"`` (``"shop"`` when nothing Latin remains)."""
    base = slugify(transliterate(name), allow_unicode=False).replace("_", "-")
    base = "-".join(part for part in base.split("-") if part)
    return base[: SLUG_MAX_LENGTH - 8].strip("-") or SLUG_FALLBACK


def unique_slug(name: str, *, taken: Callable[[str], bool]) -> str:
    """The slug of ``name``; ``-2``, ``-3`` … appended while ``taken(slug)``."""
    base = slug_base(name)
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate
