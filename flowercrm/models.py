"""Base models every app builds on."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from flowercrm.scopes import ShopScopedManager
from flowercrm.search import build_search_text


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ShopOwnedModel(TimeStampedModel):
    """A business row that belongs to one shop (the tenant). Deleting a shop with data is
    refused (``PROTECT``)."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))

    # Queries outside the row's shop scope raise (``flowercrm.scopes``).
    objects = ShopScopedManager()

    class Meta:
        abstract = True


class SearchableModel(models.Model):
    """Keeps a case-folded ``search_text`` column from ``search_fields`` (and the digits of
    ``search_phone_fields``) on every save. ``QuerySet.update()`` bypasses it, so services
    that change searchable fields save the row."""

    search_fields: ClassVar[tuple[str, ...]] = ()
    search_phone_fields: ClassVar[tuple[str, ...]] = ()

    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = self.compute_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_text" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    def compute_search_text(self) -> str:
        return build_search_text(
            *(getattr(self, f) for f in self.search_fields),
            phones=[getattr(self, f) or "" for f in self.search_phone_fields],
        )


class UploadedImage(ShopOwnedModel):
    """A photo a member of the shop uploaded (a product picture, a bouquet before delivery, a
    proof of delivery). The bytes were checked and re-encoded on upload (``flowercrm.images``)
    and live in the default storage under an unguessable key in the shop's folder; ``file`` and
    ``thumbnail`` hold the storage keys, and URLs are built when read (S3 URLs expire).

    An image is uploaded first and attached by id to exactly one product image, order photo or
    task result later (``flowercrm.uploads.image_attach``); ``attached_at`` is set then. Images
    never attached are removed after a day (``image_purge_unattached``).
    """

    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        WEBP = "image/webp", "WebP"

    uploaded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), max_length=255, unique=True)
    thumbnail = models.FileField(_("thumbnail"), max_length=255)
    original_name = models.CharField(_("original name"), max_length=255, blank=True, default="")
    size = models.PositiveIntegerField(_("size"), help_text=_("Bytes of the stored (re-encoded) file."))
    content_type = models.CharField(_("content type"), max_length=16, choices=ContentType.choices)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    attached_at = models.DateTimeField(_("attached"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("uploaded image")
        verbose_name_plural = _("uploaded images")
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="flowercrm_image_size_gt_0"),
            models.CheckConstraint(
                condition=models.Q(width__gt=0, height__gt=0), name="flowercrm_image_dimensions_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(content_type__in=["image/jpeg", "image/png", "image/webp"]),
                name="flowercrm_image_content_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or f"image {self.pk}"

    @property
    def is_attached(self) -> bool:
        return self.attached_at is not None

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def thumbnail_url(self) -> str:
        return self.thumbnail.url


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for a POST: the first answer is kept for 24 hours and
    replayed to retries with the same body (``flowercrm.idempotency``). The table keeps the
    name it had when the key lived in the orders app."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="+")
    # Null for a public endpoint (the storefront's checkout), whose scope names the buyer.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "orders_idempotencykey"
        constraints = [
            models.UniqueConstraint(fields=["shop", "user", "scope", "key"], name="orders_idempotency_unique"),
            # NULLs are distinct in a unique index: keys without a user get their own.
            models.UniqueConstraint(
                fields=["shop", "scope", "key"],
                condition=models.Q(user__isnull=True),
                name="idempotency_public_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.key
