"""Plain-data rows for hot read paths (the ``/ws`` payloads): values rendered exactly as the
API's serializer fields render them, without a serializer.

The serializer stays the one description of a shape (and of its schema); a domain module that
must not import the API (``events`` modules) builds the same dict with these helpers, and a
test compares the two for every role (STYLE: "Hot read paths are plain data").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from flowercrm.models import UploadedImage

CENT = Decimal("0.01")


def money(value: Decimal | None) -> str:
    """``MoneyField``: a string with two decimals (``"15000.00"``); ``""`` for None."""
    if value is None:
        return ""
    return f"{(value if type(value) is Decimal else Decimal(value)).quantize(CENT):f}"


def moment(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str | None:
    """``DateTimeField``: ISO 8601 in ``tz``, by default the current time zone (UTC as ``Z``)."""
    if not value:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def day(value: dt.date | None) -> str | None:
    """``DateField``: ISO 8601."""
    return value.isoformat() if value else None


def hhmm(value: dt.time | None) -> str | None:
    """The ``HH:MM`` ``TimeField`` of the API."""
    return value.strftime("%H:%M") if value is not None else None


def person(user: Any) -> dict[str, Any] | None:
    """``{"id", "name"}`` of a user (``PersonSerializer``), or None."""
    return None if user is None else {"id": user.pk, "name": str(user.name)}


def image(value: UploadedImage) -> dict[str, Any]:
    """``UploadedImageSerializer`` without a request (relative URLs)."""
    return {
        "id": value.pk,
        "url": value.url,
        "thumbnail_url": value.thumbnail_url,
        "name": value.original_name,
        "size": value.size,
        "content_type": value.content_type,
        "width": value.width,
        "height": value.height,
    }
