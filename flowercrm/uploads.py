"""Uploaded images: the services every app uses to store, attach and delete them.

How an app uses an image (products, order photos, task results, delivery proofs):

1. The client uploads the file: ``POST /api/upload/image`` → ``{"id", "url", ...}``.
2. The client sends ``"image_id": <id>`` to the app's endpoint; the input serializer declares
   ``image_id = ShopImageField()`` (400 on the field for another shop's or an unknown id).
3. The app's service, in its own transaction, calls ``image_attach(shop=..., image_id=...)``
   and stores the image in its own row with ``OneToOneField(UploadedImage, on_delete=PROTECT)``.
   Attaching is once only: an image already used elsewhere is a 400, so deleting one owner's
   image can never pull the file out from under another.
4. Removing it: the app's service deletes its own row, then calls ``image_delete(image=...)``;
   the files leave storage after the transaction commits.

Storage is Django's ``default_storage`` (the filesystem under ``MEDIA_ROOT``, or S3 when
configured); nothing here knows which. Keys are stored, URLs are built when read.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from flowercrm.errors import Invalid, RateLimited, TooLarge
from flowercrm.images import ProcessedImage, process_image
from flowercrm.limits import MAX_ID
from flowercrm.models import UploadedImage
from flowercrm.scopes import scopes_disabled

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from apps.accounts.models import User
    from apps.shops.models import Shop

logger = logging.getLogger(__name__)

ORIGINAL_NAME_MAX = 255
UNATTACHED_TTL = timedelta(hours=24)
QUOTA_WINDOW = timedelta(hours=1)


def image_key(*, shop_id: int, extension: str) -> str:
    """A fresh, unguessable storage key in the shop's folder: ``shops/<id>/images/<32 chars>.<ext>``."""
    return f"shops/{shop_id}/images/{secrets.token_urlsafe(24)}.{extension}"


def clean_original_name(name: str | None) -> str:
    """The client's file name for display only: no path, no control characters, bounded."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:ORIGINAL_NAME_MAX]


def image_upload(*, shop: Shop, uploaded_by: User | None, upload: UploadedFile) -> UploadedImage:
    """Check, re-encode and store an uploaded image of ``shop``.

    Guarantees: a person stores at most ``UPLOADS_PER_HOUR`` images in any hour (across shops
    and server processes: the rows are counted), the next one is 429 ``throttled`` with
    ``Retry-After``; a file over ``MAX_UPLOAD_BYTES`` is 413 ``too_large``, anything that is not
    a sound JPEG/PNG/WebP within the pixel bound is 415/400 (``flowercrm.images``), and on any
    refusal or failure nothing is left behind — no row and no file in storage. What is stored is
    only the re-encoded image and its thumbnail, under unguessable keys.

    Call it outside a transaction (as the upload view does): storage is not transactional, so a
    caller's rollback after this returns would leave the two files without a row.
    """
    if uploaded_by is not None:
        _check_quota(user=uploaded_by)  # before the decoding work; checked again under a lock
    size = upload.size or 0
    if size > settings.MAX_UPLOAD_BYTES:
        raise TooLarge(
            gettext("The file is larger than %(mb)d MB.") % {"mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise Invalid({"file": [gettext("The file is empty.")]})
    processed = process_image(upload)
    return _store(shop=shop, uploaded_by=uploaded_by, processed=processed, name=clean_original_name(upload.name))


def _store(*, shop: Shop, uploaded_by: User | None, processed: ProcessedImage, name: str) -> UploadedImage:
    saved: list[str] = []
    try:
        key = image_key(shop_id=shop.pk, extension=processed.extension)
        saved.append(default_storage.save(key, ContentFile(processed.content)))
        thumb_key = key.rsplit(".", 1)[0] + f"_thumb.{processed.extension}"
        saved.append(default_storage.save(thumb_key, ContentFile(processed.thumbnail)))
        with transaction.atomic():
            if uploaded_by is not None:
                # One uploader's concurrent requests queue here, so the count is exact.
                # FOR NO KEY UPDATE: rows referencing the user can still be inserted meanwhile.
                users = get_user_model().objects.select_for_update(no_key=True).filter(pk=uploaded_by.pk)
                list(users.values_list("pk", flat=True))
                _check_quota(user=uploaded_by)
            return UploadedImage.objects.create(
                shop=shop,
                uploaded_by=uploaded_by,
                file=saved[0],
                thumbnail=saved[1],
                original_name=name,
                size=len(processed.content),
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
            )
    except BaseException:
        _delete_files(saved)
        raise


def upload_quota_wait(*, user: User) -> int:
    """Seconds until ``user`` may store another image (0 when under ``UPLOADS_PER_HOUR``):
    when the oldest of the last ``UPLOADS_PER_HOUR`` uploads leaves the hour."""
    limit = settings.UPLOADS_PER_HOUR
    now = timezone.now()
    with scopes_disabled("the quota is per person: their uploads in every shop count"):
        recent = list(
            UploadedImage.objects.filter(uploaded_by=user, created_at__gt=now - QUOTA_WINDOW)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
    if len(recent) < limit:
        return 0
    return max(1, math.ceil((recent[-1] + QUOTA_WINDOW - now).total_seconds()))


def _check_quota(*, user: User) -> None:
    wait = upload_quota_wait(user=user)
    if wait:
        raise RateLimited(
            wait,
            gettext("At most %(limit)d images an hour. Try again in %(minutes)d min.")
            % {"limit": settings.UPLOADS_PER_HOUR, "minutes": math.ceil(wait / 60)},
        )


@transaction.atomic
def image_attach(*, shop: Shop, image_id: int, field: str = "image_id") -> UploadedImage:
    """Mark an uploaded image of ``shop`` as used by the caller's row (call it inside the
    caller's transaction, so a rollback un-attaches it too).

    Refuses with 400 on ``field``: an id that is not an image of ``shop`` (another shop's image
    answers exactly like a missing one) and an image that is already attached. A conditional
    update, so of two concurrent attaches of one image exactly one wins.
    """
    if isinstance(image_id, bool) or not isinstance(image_id, int) or not 1 <= image_id <= MAX_ID:
        raise Invalid({field: [gettext("An image id is expected.")]})
    now = timezone.now()
    claimed = UploadedImage.objects.filter(pk=image_id, shop=shop, attached_at__isnull=True).update(
        attached_at=now, updated_at=now
    )
    if not claimed:
        if UploadedImage.objects.filter(pk=image_id, shop=shop).exists():
            raise Invalid({field: [gettext("This image is already in use.")]})
        raise Invalid({field: [gettext("Image with id=%(id)s not found.") % {"id": image_id}]})
    return UploadedImage.objects.get(pk=image_id)


@transaction.atomic
def image_delete(*, image: UploadedImage) -> None:
    """Delete an image: the row now, its files from storage once the transaction commits (a
    rollback keeps both). The caller deletes its own row that references the image first."""
    keys = [image.file.name or "", image.thumbnail.name or ""]
    image.delete()
    transaction.on_commit(lambda: _delete_files(keys), robust=True)


def image_purge_unattached(*, older_than: timedelta = UNATTACHED_TTL) -> int:
    """Delete images uploaded more than ``older_than`` ago and never attached (for the
    ``maintenance`` command). Returns how many were deleted."""
    cutoff = timezone.now() - older_than
    stale = UploadedImage.objects.filter(attached_at__isnull=True, created_at__lt=cutoff)
    deleted = 0
    for pk in stale.order_by("id").values_list("id", flat=True):
        with transaction.atomic():
            # Lock and re-check: an attach may have won the race since the list was read; while
            # the row is locked, a concurrent attach waits and then finds it gone.
            image = UploadedImage.objects.select_for_update().filter(pk=pk, attached_at__isnull=True).first()
            if image is not None:
                image_delete(image=image)
                deleted += 1
    return deleted


def image_get(*, shop: Shop, image_id: int) -> UploadedImage | None:
    """An image of ``shop`` by id, or None (another shop's image included)."""
    if isinstance(image_id, bool) or not 1 <= image_id <= MAX_ID:
        return None
    return UploadedImage.objects.filter(shop=shop, pk=image_id).first()


def _delete_files(keys: list[Any]) -> None:
    for key in keys:
        if not key:
            continue
        try:
            default_storage.delete(key)
        except Exception:  # a storage hiccup must not undo the work; the file is only orphaned
            logger.exception("Could not delete %s from storage", key)
