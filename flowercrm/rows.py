"""Plain-data rows for hot read paths (the ``/ws`` payloads): values rendered exactly as the
API's serializer fields render them, without a serializer.

The serializer stays the one description of a shape (and of its schema); a domain module that
must not import the API (``events`` modules) builds the same dict with these helpers, and a
test compares the two for every role (STYLE: "Hot read paths are plain data").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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


# What ``image_values`` reads of an uploaded image (``values()`` names after a prefix).
IMAGE_COLUMNS = ("id", "file", "thumbnail", "original_name", "size", "content_type", "width", "height")


def image_columns(prefix: str) -> list[str]:
    """The ``values()`` names of ``IMAGE_COLUMNS`` through a relation (``"result_photo__image__"``)."""
    return [prefix + column for column in IMAGE_COLUMNS]


def image_values(row: dict[str, Any], prefix: str, absolute: Callable[[str], str] | None = None) -> dict[str, Any]:
    """``UploadedImageSerializer`` of an image read as ``image_columns(prefix)`` of ``row``;
    ``absolute`` (the request's ``build_absolute_uri``) makes the URLs absolute as the
    serializer does with a request in its context."""
    from flowercrm.models import UploadedImage

    fields = UploadedImage._meta
    url = fields.get_field("file").storage.url(row[prefix + "file"])
    thumbnail_url = fields.get_field("thumbnail").storage.url(row[prefix + "thumbnail"])
    return {
        "id": row[prefix + "id"],
        "url": absolute(url) if absolute else url,
        "thumbnail_url": absolute(thumbnail_url) if absolute else thumbnail_url,
        "name": row[prefix + "original_name"],
        "size": row[prefix + "size"],
        "content_type": row[prefix + "content_type"],
        "width": row[prefix + "width"],
        "height": row[prefix + "height"],
    }
