"""Base models every app builds on."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from flowercrm.search import build_search_text


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ShopOwnedModel(TimeStampedModel):
    """A business row that belongs to one shop (the tenant). Deleting a shop with data is
    refused (``PROTECT``)."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="+")

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
