"""``Idempotency-Key`` for POSTs that create something (an order, a payment).

The key row is inserted first, in the same transaction as the work. A concurrent retry's
insert waits on the unique index until the first commits, then finds the stored answer and
replays it; if the first failed and rolled back, the retry does the work itself. Keys are
scoped to (shop, user, endpoint) and kept for 24 hours (``idempotency_purge`` removes older
ones; ``manage.py maintenance`` runs it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.response import Response

from flowercrm.errors import Conflict, IdempotencyMismatch, Invalid
from flowercrm.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP_FOR = dt.timedelta(hours=24)


def _canonical_hash(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(
    *, request: Any, shop: Any, scope: str, handler: Callable[[], Response], required: bool = False
) -> Response:
    """Run ``handler`` once per ``Idempotency-Key``; replay its status and body to retries.

    Keys are the caller's (shop, user, ``scope``); a public endpoint has no user, so its
    ``scope`` names whom the key belongs to. ``required``: a request without the header is a
    400 (public endpoints, where a double tap must never make two orders)."""
    key = request.headers.get(HEADER)
    if key is None:
        if required:
            raise Invalid({HEADER: [gettext("The Idempotency-Key header is required.")]})
        with transaction.atomic():
            return handler()
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise Invalid({HEADER: [gettext("Idempotency key: 1 to 255 printable characters.")]})
    request_hash = _canonical_hash(request.data)
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    lookup = {"shop": shop, "user": user, "scope": scope, "key": key}
    with transaction.atomic():
        IdempotencyKey.objects.filter(**lookup, created_at__lt=timezone.now() - KEEP_FOR).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(**lookup, request_hash=request_hash)
        except IntegrityError:
            record = IdempotencyKey.objects.select_for_update().get(**lookup)
            if record.request_hash != request_hash:
                raise IdempotencyMismatch() from None
            if record.response_status is None:
                raise Conflict(gettext("A request with this key is still running.")) from None
            return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replay": "true"})
        response = handler()
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
        return response


def idempotency_purge() -> int:
    """Delete keys older than ``KEEP_FOR`` (their answers are no longer replayed). Returns how
    many were deleted."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
