"""Bounds of a customer that every layer shares (services, serializers, the admin), written
once so no layer imports another to learn them."""

from __future__ import annotations

MAX_ADDRESSES = 20
MAX_DATES = 50
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_EXTRA_PHONES = 20  # what an edit may send; a merge adds beyond it
MAX_NOTES = 5000  # what the API accepts (the column itself is unbounded)
MAX_UPCOMING_DAYS = 366
