"""Orders from intake to delivery: what was sold, to whom, for whom, when, and everything
that happened to it (the event log)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel
from flowercrm.scopes import ShopScopedManager


class OrderStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("order status", "New")
    CONFIRMED = "confirmed", pgettext_lazy("order status", "Confirmed")
    IN_PRODUCTION = "in_production", pgettext_lazy("order status", "In production")
    ASSEMBLED = "assembled", pgettext_lazy("order status", "Assembled")
    READY_FOR_PICKUP = "ready_for_pickup", pgettext_lazy("order status", "Ready for pickup")
    OUT_FOR_DELIVERY = "out_for_delivery", pgettext_lazy("order status", "Out for delivery")
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


FINAL_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED})


class DeliveryMethod(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    PICKUP = "pickup", _("Pickup")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", pgettext_lazy("payment status", "Unpaid")
    PARTIALLY_PAID = "partially_paid", pgettext_lazy("payment status", "Partially paid")
    PAID = "paid", pgettext_lazy("payment status", "Paid")
    REFUNDED = "refunded", pgettext_lazy("payment status", "Refunded")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    KASPI = "kaspi", _("Kaspi")
    TRANSFER = "transfer", _("Bank transfer")
    QR = "qr", _("QR")


class IssueType(models.TextChoices):
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    RECIPIENT_UNAVAILABLE = "recipient_unavailable", _("Recipient unavailable")
    QUALITY = "quality", _("Quality")
    LATE = "late", _("Late")
    OTHER = "other", _("Other")


class EventType(models.TextChoices):
    CREATED = "created", pgettext_lazy("order event", "Created")
    EDITED = "edited", pgettext_lazy("order event", "Edited")
    STATUS_CHANGED = "status_changed", pgettext_lazy("order event", "Status changed")
    PAYMENT = "payment", pgettext_lazy("order event", "Payment")
    ASSIGNED = "assigned", pgettext_lazy("order event", "Assigned")
    COMMENT = "comment", pgettext_lazy("order event", "Comment")
    PHOTO = "photo", pgettext_lazy("order event", "Photo")
    ISSUE = "issue", pgettext_lazy("order event", "Issue")


class PhotoKind(models.TextChoices):
    BOUQUET = "bouquet", _("Bouquet before delivery")
    DELIVERY_PROOF = "delivery_proof", _("Proof of delivery")
    OTHER = "other", _("Other")


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


class OrderCounter(models.Model):
    """The last order number used by a shop (numbers are sequential per shop)."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    objects = ShopScopedManager()

    class Meta:
        verbose_name = _("order counter")
        verbose_name_plural = _("order counters")

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.last_number}"


class Order(SearchableModel, ShopOwnedModel):
    """One order: a buyer pays for items that a recipient gets on a date, delivered or
    picked up. Its status changes only through ``apps.orders.services.order_transition``."""

    number = models.PositiveIntegerField(verbose_name=_("number"))
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW, verbose_name=_("status")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    recipient_name = models.CharField(max_length=150, blank=True, default="", verbose_name=_("recipient"))
    recipient_phone = models.CharField(max_length=16, blank=True, default="", verbose_name=_("recipient's phone"))
    is_anonymous = models.BooleanField(default=False, verbose_name=_("anonymous"))

    delivery_method = models.CharField(
        max_length=10,
        choices=DeliveryMethod.choices,
        default=DeliveryMethod.DELIVERY,
        verbose_name=_("delivery method"),
    )
    delivery_address = models.CharField(max_length=500, blank=True, default="", verbose_name=_("delivery address"))
    delivery_entrance = models.CharField(max_length=20, blank=True, default="", verbose_name=_("entrance"))
    delivery_floor = models.CharField(max_length=20, blank=True, default="", verbose_name=_("floor"))
    delivery_intercom = models.CharField(max_length=50, blank=True, default="", verbose_name=_("intercom"))
    address_needs_clarification = models.BooleanField(default=False, verbose_name=_("address to be clarified"))
    delivery_zone = models.ForeignKey(
        "shops.DeliveryZone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery zone"),
    )
    call_before = models.BooleanField(default=False, verbose_name=_("call before delivery"))
    surprise = models.BooleanField(default=False, verbose_name=_("surprise"))
    delivery_date = models.DateField(verbose_name=_("delivery date"))
    delivery_time_from = models.TimeField(null=True, blank=True, verbose_name=_("window from"))
    delivery_time_to = models.TimeField(null=True, blank=True, verbose_name=_("window to"))

    card_text = models.TextField(blank=True, default="", verbose_name=_("card text"))
    comment = models.TextField(blank=True, default="", verbose_name=_("comment"))
    source = models.CharField(max_length=16, blank=True, default="", verbose_name=_("source"))

    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"), verbose_name=_("subtotal"))
    delivery_fee = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), verbose_name=_("delivery fee")
    )
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"), verbose_name=_("discount"))
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"), verbose_name=_("total"))
    # Σ payments (refunds are negative), kept by the payment service.
    paid_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), verbose_name=_("paid amount")
    )
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID, verbose_name=_("payment status")
    )

    florist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("florist"),
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("courier"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    tracking_token = models.CharField(
        max_length=64, unique=True, default=new_tracking_token, editable=False, verbose_name=_("tracking token")
    )

    # The recipe was taken from stock at the first assembly; later assemblies take only
    # the extra stems sent with them.
    recipe_consumed = models.BooleanField(default=False, verbose_name=_("recipe taken from stock"))
    issue_type = models.CharField(
        max_length=24, choices=IssueType.choices, blank=True, default="", verbose_name=_("issue")
    )
    issue_comment = models.TextField(blank=True, default="", verbose_name=_("issue comment"))
    cancel_reason = models.TextField(blank=True, default="", verbose_name=_("cancellation reason"))
    # When the order reached delivered or cancelled (tracking closes 30 days later).
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # When the order was confirmed; null while it is new (cleared when sent back to new).
    # Florists see a cancelled order only if it was confirmed when cancelled (§11.1).
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))

    search_fields = ("number", "recipient_name", "customer_name")
    search_phone_fields = ("recipient_phone", "customer_phone")

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="orders_order_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in OrderStatus]), name="orders_order_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(subtotal__gte=0, delivery_fee__gte=0, discount__gte=0, total__gte=0),
                name="orders_order_money_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_time_from__isnull=True, delivery_time_to__isnull=True)
                | models.Q(
                    delivery_time_from__isnull=False,
                    delivery_time_to__isnull=False,
                    delivery_time_to__gte=models.F("delivery_time_from"),
                ),
                name="orders_order_window_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "delivery_date"]),
            models.Index(fields=["shop", "delivery_date", "delivery_time_from"]),
            models.Index(fields=["shop", "courier", "status"]),
            models.Index(fields=["shop", "customer"]),
            # The default list order (newest first).
            models.Index(fields=["shop", "-created_at", "-id"], name="orders_order_shop_newest"),
            # Receivables (apps.reports): what is owed, oldest delivery first.
            models.Index(fields=["shop", "payment_status", "delivery_date"], name="orders_order_shop_payment"),
        ]

    def __str__(self) -> str:
        return gettext("No. %(number)s") % {"number": self.number}

    def clean(self) -> None:
        """The delivery window and the address, checked for every writer (API, admin, services)."""
        super().clean()
        errors: dict[str, str] = {}
        start, end = self.delivery_time_from, self.delivery_time_to
        if start is not None and end is not None and end < start:
            errors["delivery_time_to"] = gettext("The delivery window ends before it starts.")
        elif (start is None) != (end is None):
            errors["delivery_time_to"] = gettext("Give both ends of the delivery window or neither.")
        if (
            self.delivery_method == DeliveryMethod.DELIVERY
            and not self.delivery_address.strip()
            and not self.address_needs_clarification
        ):
            errors["delivery_address"] = gettext("Give the delivery address or tick “address to be clarified”.")
        if errors:
            raise ValidationError(errors)

    @property
    def customer_name(self) -> str:
        return self.customer.name if self.customer_id else ""

    @property
    def customer_phone(self) -> str:
        return self.customer.phone if self.customer_id else ""

    @property
    def amount_due(self) -> Decimal:
        return max(self.total - self.paid_amount, Decimal("0.00"))


class OrderItem(TimeStampedModel):
    """A line of an order with the name, price and cost as they were when it was sold."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="order_items", verbose_name=_("product")
    )
    name = models.CharField(max_length=200, verbose_name=pgettext_lazy("thing", "name"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("unit price"))
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), verbose_name=_("unit cost")
    )
    line_total = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("line total"))

    objects = ShopScopedManager("order__shop")

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=100_000), name="orders_item_quantity_range"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, unit_cost__gte=0, line_total__gte=0),
                name="orders_item_money_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class OrderReservation(models.Model):
    """Stock held for an order at confirmation; released exactly as stored."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("order"))
    stock_item = models.ForeignKey(
        "warehouse.StockItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("stock item")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))

    objects = ShopScopedManager("order__shop")

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(fields=["order", "stock_item"], name="orders_reservation_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_reservation_quantity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.stock_item_id} × {self.quantity}"


class Payment(TimeStampedModel):
    """Money received for an order (a refund is a negative amount)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, verbose_name=_("payment method"))
    external_id = models.CharField(max_length=100, blank=True, default="", verbose_name=_("external ID"))
    paid_at = models.DateTimeField(verbose_name=_("paid at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = ShopScopedManager("order__shop")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="orders_payment_nonzero")]
        # Reports (apps.reports) read the payments of a period by payment time.
        indexes = [models.Index(fields=["paid_at"], name="orders_payment_paid_at")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.method})"


class OrderEvent(models.Model):
    """One entry of an order's history: who did what and when (also what /ws replays)."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    type = models.CharField(max_length=20, choices=EventType.choices, verbose_name=_("event type"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, verbose_name=_("details"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("time"))

    objects = ShopScopedManager()

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["id"]
        indexes = [models.Index(fields=["shop", "id"]), models.Index(fields=["order", "id"])]

    def __str__(self) -> str:
        return f"{self.order} {self.type}"


class OrderPhoto(TimeStampedModel):
    """A photo of an order: the bouquet before delivery (shown on tracking), the courier's
    proof of delivery, or anything else worth keeping."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="photos", verbose_name=_("order"))
    image = models.OneToOneField(
        "flowercrm.UploadedImage", on_delete=models.PROTECT, related_name="+", verbose_name=_("image")
    )
    kind = models.CharField(max_length=16, choices=PhotoKind.choices, verbose_name=_("kind"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ShopScopedManager("order__shop")

    class Meta:
        verbose_name = _("order photo")
        verbose_name_plural = _("order photos")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in PhotoKind]), name="orders_photo_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"
