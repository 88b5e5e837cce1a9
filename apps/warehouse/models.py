"""The stock of stems and materials, and the ledger of every change to it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.warehouse.constants import NAME_MAX_LENGTH, REASON_MAX_LENGTH
from flowercrm.models import SearchableModel, ShopOwnedModel
from flowercrm.search import fold


class StockCategory(models.TextChoices):
    FLOWER = "flower", _("Flowers")
    GREENERY = "greenery", _("Greenery")
    MATERIAL = "material", _("Materials")
    PACKAGING = "packaging", _("Packaging")
    OTHER = "other", pgettext_lazy("stock category", "Other")


class StockUnit(models.TextChoices):
    STEM = "stem", _("stem")
    PCS = "pcs", _("pcs")
    METRE = "m", _("metre")
    PACK = "pack", _("pack")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    CONSUMPTION = "consumption", _("Consumption")
    WRITE_OFF = "write_off", _("Write-off")
    ADJUSTMENT = "adjustment", _("Stocktake")


class WriteOffReason(models.TextChoices):
    WILTED = "wilted", _("Wilted")
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    OTHER = "other", _("Other")


def stock_match_key(name: str, height_cm: int | None) -> str:
    """How a supply line finds its stock item: the case-folded name and the height."""
    return f"{fold(name)}#{height_cm or ''}"


class StockItem(SearchableModel, ShopOwnedModel):
    """One kind of stem or material a shop keeps (e.g. «Роза Фридом 60 см»), with what is on
    hand, what orders have reserved, and what one unit cost on average."""

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    category = models.CharField(
        _("category"), max_length=16, choices=StockCategory.choices, default=StockCategory.FLOWER
    )
    height_cm = models.PositiveSmallIntegerField(_("height, cm"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=StockUnit.choices, default=StockUnit.STEM)
    # Changed only by apps.warehouse.services, always with a movement in the same transaction.
    quantity = models.IntegerField(_("on hand"), default=0, editable=False)
    # Held by confirmed orders (a planning signal; ``available`` may go negative).
    reserved = models.IntegerField(_("reserved"), default=0, editable=False)
    # Weighted average of receipts in the shop's currency.
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    retail_price = models.DecimalField(_("retail price"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    min_quantity = models.IntegerField(_("minimum quantity"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)
    match_key = models.CharField(max_length=260, editable=False)

    search_fields = ("name",)

    class Meta:
        verbose_name = _("stock item")
        verbose_name_plural = _("stock")
        ordering = ["name", "height_cm", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="warehouse_item_quantity_gte_0"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="warehouse_item_reserved_gte_0"),
            models.CheckConstraint(condition=models.Q(min_quantity__gte=0), name="warehouse_item_min_gte_0"),
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="warehouse_item_cost_gte_0"),
            models.CheckConstraint(condition=models.Q(retail_price__gte=0), name="warehouse_item_price_gte_0"),
            models.UniqueConstraint(fields=["shop", "match_key"], name="warehouse_item_name_height_unique"),
        ]
        indexes = [models.Index(fields=["shop", "category"]), models.Index(fields=["shop", "is_active"])]

    def __str__(self) -> str:
        if self.height_cm:
            return gettext("%(name)s %(height)s cm") % {"name": self.name, "height": self.height_cm}
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.match_key = stock_match_key(self.name, self.height_cm)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "match_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "match_key"]
        super().save(*args, **kwargs)

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class StockMovement(ShopOwnedModel):
    """One line of the stock ledger: a change of an item's on-hand quantity, why, by whom and
    for which supply or order. The sum of an item's deltas is its quantity."""

    item = models.ForeignKey(
        StockItem, verbose_name=_("stock item"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    delta = models.IntegerField(_("change"))
    balance_after = models.IntegerField(_("balance after"))
    # For write-offs one of WriteOffReason; for stocktakes free text.
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    # The item's unit cost when the movement happened (values a write-off or a consumption).
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    supply = models.ForeignKey(
        "supplies.Supply",
        verbose_name=_("supply"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
    )

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(delta=0), name="warehouse_movement_delta_nonzero"),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="warehouse_movement_balance_gte_0"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in MovementKind]), name="warehouse_movement_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["shop", "kind", "created_at"]), models.Index(fields=["item", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delta:+d} {self.item}"
