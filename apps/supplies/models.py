"""Growers and wholesalers, the supplies they deliver and the lines of each supply.

A supply is written as a draft, then received into stock (one ``receipt`` movement per
line, see ``apps.supplies.services.supply_receive``) or cancelled. Amounts are kept in the
supply's currency; ``rate`` converts them into the shop's currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.supplies.constants import PRICE_STEP, RATE_MAX, SUPPLIER_NAME_MAX_LENGTH
from apps.supplies.lines import supply_line_errors
from apps.warehouse.constants import NAME_MAX_LENGTH
from apps.warehouse.models import StockCategory, StockUnit
from flowercrm.limits import QUANTITY_MAX
from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel
from flowercrm.money import quantize_money
from flowercrm.scopes import ShopScopedManager
from flowercrm.search import fold

RATE_ONE = Decimal("1")


class SupplyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("supply status", "Draft")
    RECEIVED = "received", pgettext_lazy("supply status", "Received")
    CANCELLED = "cancelled", pgettext_lazy("supply status", "Cancelled")


def supplier_name_key(name: str) -> str:
    """How suppliers are told apart: the case-folded name (Cyrillic too, on every backend)."""
    return fold(name)


def currency_rate_errors(*, shop_currency: str, currency: str | None, rate: Decimal | None) -> dict[str, str]:
    """The currency rule of a supply (ARCHITECTURE §4), ``{field: message}`` when broken:
    an ISO code of three Latin capitals; a rate > 0 with at most 4 decimals; the shop's own
    currency at rate 1 exactly."""
    code = currency or ""
    if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
        return {"currency": gettext("A currency code is three Latin capitals (KZT, USD, EUR…).")}
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 < rate <= RATE_MAX:
        return {"rate": gettext("The rate is a number above zero.")}
    if rate != rate.quantize(PRICE_STEP):
        return {"rate": gettext("At most 4 decimal places.")}
    if code == shop_currency and rate != RATE_ONE:
        return {"rate": gettext("A supply in %(currency)s has the rate 1.") % {"currency": shop_currency}}
    return {}


class Supplier(SearchableModel, ShopOwnedModel):
    """A grower or wholesaler the shop buys stems and materials from. Names are unique per
    shop regardless of case (``«Голландия опт»`` and ``«голландия ОПТ»`` are one supplier)."""

    name = models.CharField(max_length=SUPPLIER_NAME_MAX_LENGTH, verbose_name=pgettext_lazy("thing", "name"))
    phone = models.CharField(max_length=32, blank=True, default="", verbose_name=_("phone"))
    notes = models.TextField(blank=True, default="", verbose_name=_("notes"))
    # fold(name): the case-insensitive unique key (``Lower()`` folds only ASCII on SQLite).
    name_key = models.CharField(max_length=SUPPLIER_NAME_MAX_LENGTH, editable=False, verbose_name=_("name key"))

    search_fields = ("name",)
    search_phone_fields = ("phone",)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name_key"], name="supplies_supplier_name_ci_unique"),
            models.CheckConstraint(condition=~models.Q(name_key=""), name="supplies_supplier_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = supplier_name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_key"]
        super().save(*args, **kwargs)


class Supply(SearchableModel, ShopOwnedModel):
    """One delivery from a supplier: what arrived, in which currency and at which rate.

    A ``draft`` is edited freely; receiving it puts every line into stock at once and it
    can no longer change; a cancelled draft is kept for the record.
    """

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="supplies", verbose_name=_("supplier")
    )
    date = models.DateField(verbose_name=_("date"))
    # ISO 4217 code of the prices on the lines.
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # Shop-currency units per one unit of ``currency`` (1 when they are the same).
    rate = models.DecimalField(max_digits=12, decimal_places=4, default=RATE_ONE, verbose_name=_("rate"))
    notes = models.TextField(blank=True, default="", verbose_name=_("notes"))
    status = models.CharField(
        max_length=16, choices=SupplyStatus.choices, default=SupplyStatus.DRAFT, verbose_name=_("status")
    )
    received_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("received by"),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("cancelled at"))
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("cancelled by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    search_fields = ("notes",)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("supply")
        verbose_name_plural = _("supplies")
        constraints = [
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="supplies_supply_rate_gt_0"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in SupplyStatus]), name="supplies_supply_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SupplyStatus.RECEIVED) | models.Q(received_at__isnull=False),
                name="supplies_supply_received_at_set",
            ),
        ]
        indexes = [models.Index(fields=["shop", "status", "date"])]

    def __str__(self) -> str:
        if not self.pk:
            return gettext("New supply")
        return gettext("Supply No. %(id)s of %(date)s") % {"id": self.pk, "date": f"{self.date:%d.%m.%Y}"}

    def clean(self) -> None:
        super().clean()
        if self.shop_id is None:
            return
        errors = currency_rate_errors(shop_currency=self.shop.currency, currency=self.currency, rate=self.rate)
        if self.supplier_id is not None and self.supplier.shop_id != self.shop_id:
            errors["supplier"] = gettext("The supplier belongs to another shop.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_draft(self) -> bool:
        return self.status == SupplyStatus.DRAFT

    # Totals read ``lines.all()``: list selectors prefetch the lines, so no query per row.
    @property
    def total(self) -> Decimal:
        """Σ line totals in the supply's currency."""
        return sum((line.total for line in self.lines.all()), Decimal("0.00"))

    @property
    def total_in_shop_currency(self) -> Decimal:
        """Σ line totals converted at ``rate``, each quantized before summing."""
        return sum((line.total_in_shop_currency for line in self.lines.all()), Decimal("0.00"))


class SupplyLine(TimeStampedModel):
    """One line of a supply: so many units of an existing stock item, or of a new item that
    receiving creates, at a purchase price in the supply's currency."""

    supply = models.ForeignKey(Supply, on_delete=models.CASCADE, related_name="lines", verbose_name=_("supply"))
    # Set for lines of existing items; receiving sets it for new items too (and clears new_item_*).
    stock_item = models.ForeignKey(
        "warehouse.StockItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supply_lines",
        verbose_name=_("stock item"),
    )
    new_item_name = models.CharField(
        max_length=NAME_MAX_LENGTH, blank=True, default="", verbose_name=_("new item name")
    )
    new_item_category = models.CharField(
        max_length=16,
        choices=StockCategory.choices,
        blank=True,
        default=StockCategory.FLOWER,
        verbose_name=_("new item category"),
    )
    new_item_height_cm = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("new item height, cm"))
    new_item_unit = models.CharField(
        max_length=8, choices=StockUnit.choices, blank=True, default=StockUnit.STEM, verbose_name=_("new item unit")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    # Per unit, in the supply's currency.
    purchase_price = models.DecimalField(max_digits=12, decimal_places=4, verbose_name=_("purchase price"))
    # The retail price suggested when the line was received (cost × category markup, rounded).
    suggested_retail_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, editable=False, verbose_name=_("suggested retail price")
    )

    objects = ShopScopedManager("supply__shop")

    class Meta:
        verbose_name = _("supply line")
        verbose_name_plural = _("supply lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1) & models.Q(quantity__lte=QUANTITY_MAX),
                name="supplies_line_quantity_range",
            ),
            models.CheckConstraint(condition=models.Q(purchase_price__gte=0), name="supplies_line_price_gte_0"),
            models.CheckConstraint(
                condition=(models.Q(stock_item__isnull=False) & models.Q(new_item_name=""))
                | (models.Q(stock_item__isnull=True) & ~models.Q(new_item_name="")),
                name="supplies_line_item_xor_new",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stock_item or self.new_item_name} × {self.quantity}"

    def clean(self) -> None:
        """The line rules of ``apps.supplies.lines`` (the API's and the parser's too), with the
        supply's shop and rate when the line belongs to one."""
        super().clean()
        try:
            supply: Supply | None = self.supply
        except Supply.DoesNotExist:
            supply = None
        errors = supply_line_errors(
            shop_id=supply.shop_id if supply is not None else None,
            rate=supply.rate if supply is not None else None,
            stock_item=self.stock_item if self.stock_item_id is not None else None,
            new_item_name=self.new_item_name,
            new_item_category=self.new_item_category,
            new_item_height_cm=self.new_item_height_cm,
            new_item_unit=self.new_item_unit,
            quantity=self.quantity,
            purchase_price=self.purchase_price,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def total(self) -> Decimal:
        """quantity × purchase price in the supply's currency, quantized half-up to 0.01."""
        return quantize_money(Decimal(self.quantity) * self.purchase_price)

    @property
    def unit_price_in_shop_currency(self) -> Decimal:
        """The purchase price converted at the supply's rate, to 0.01 (for display; the
        unit cost is computed from the unrounded product)."""
        return quantize_money(self.purchase_price * self.supply.rate)

    @property
    def total_in_shop_currency(self) -> Decimal:
        return quantize_money(Decimal(self.quantity) * self.purchase_price * self.supply.rate)
