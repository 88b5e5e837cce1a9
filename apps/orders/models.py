"""Orders from intake to delivery: what was sold, to whom, for whom, when, and everything
that happened to it (the event log)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel
from flowercrm.scopes import ShopScopedManager


class OrderStatus(models.TextChoices):
    NEW = "new", "Новый"
    CONFIRMED = "confirmed", "Подтверждён"
    IN_PRODUCTION = "in_production", "Собирается"
    ASSEMBLED = "assembled", "Собран"
    READY_FOR_PICKUP = "ready_for_pickup", "Готов к выдаче"
    OUT_FOR_DELIVERY = "out_for_delivery", "В пути"
    DELIVERED = "delivered", "Доставлен"
    CANCELLED = "cancelled", "Отменён"


FINAL_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED})


class DeliveryMethod(models.TextChoices):
    DELIVERY = "delivery", "Доставка"
    PICKUP = "pickup", "Самовывоз"


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Не оплачен"
    PARTIALLY_PAID = "partially_paid", "Частично оплачен"
    PAID = "paid", "Оплачен"
    REFUNDED = "refunded", "Возврат"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Наличные"
    CARD = "card", "Карта"
    KASPI = "kaspi", "Kaspi"
    TRANSFER = "transfer", "Перевод"
    QR = "qr", "QR"


class IssueType(models.TextChoices):
    WRONG_ADDRESS = "wrong_address", "Неверный адрес"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable", "Получатель недоступен"
    QUALITY = "quality", "Качество"
    LATE = "late", "Опоздание"
    OTHER = "other", "Другое"


class EventType(models.TextChoices):
    CREATED = "created", "Создан"
    EDITED = "edited", "Изменён"
    STATUS_CHANGED = "status_changed", "Смена статуса"
    PAYMENT = "payment", "Оплата"
    ASSIGNED = "assigned", "Назначение"
    COMMENT = "comment", "Комментарий"
    PHOTO = "photo", "Фото"
    ISSUE = "issue", "Проблема"


class PhotoKind(models.TextChoices):
    BOUQUET = "bouquet", "Букет перед доставкой"
    DELIVERY_PROOF = "delivery_proof", "Подтверждение доставки"
    OTHER = "other", "Другое"


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


class OrderCounter(models.Model):
    """The last order number used by a shop (numbers are sequential per shop)."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    objects = ShopScopedManager()

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.last_number}"


class Order(SearchableModel, ShopOwnedModel):
    """One order: a buyer pays for items that a recipient gets on a date, delivered or
    picked up. Its status changes only through ``apps.orders.services.order_transition``."""

    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders")
    recipient_name = models.CharField(max_length=150, blank=True, default="")
    recipient_phone = models.CharField(max_length=16, blank=True, default="")
    is_anonymous = models.BooleanField(default=False)

    delivery_method = models.CharField(max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.DELIVERY)
    delivery_address = models.CharField(max_length=500, blank=True, default="")
    delivery_entrance = models.CharField(max_length=20, blank=True, default="")
    delivery_floor = models.CharField(max_length=20, blank=True, default="")
    delivery_intercom = models.CharField(max_length=50, blank=True, default="")
    address_needs_clarification = models.BooleanField(default=False)
    delivery_zone = models.ForeignKey(
        "shops.DeliveryZone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    call_before = models.BooleanField(default=False)
    surprise = models.BooleanField(default=False)
    delivery_date = models.DateField()
    delivery_time_from = models.TimeField(null=True, blank=True)
    delivery_time_to = models.TimeField(null=True, blank=True)

    card_text = models.TextField(blank=True, default="")
    comment = models.TextField(blank=True, default="")
    source = models.CharField(max_length=16, blank=True, default="")

    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    delivery_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # Σ payments (refunds are negative), kept by the payment service.
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID)

    florist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tracking_token = models.CharField(max_length=64, unique=True, default=new_tracking_token, editable=False)

    # The recipe was taken from stock at the first assembly; later assemblies take only
    # the extra stems sent with them.
    recipe_consumed = models.BooleanField(default=False)
    issue_type = models.CharField(max_length=24, choices=IssueType.choices, blank=True, default="")
    issue_comment = models.TextField(blank=True, default="")
    cancel_reason = models.TextField(blank=True, default="")
    # When the order reached delivered or cancelled (tracking closes 30 days later).
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the order was confirmed; null while it is new (cleared when sent back to new).
    # Florists see a cancelled order only if it was confirmed when cancelled (§11.1).
    confirmed_at = models.DateTimeField(null=True, blank=True)

    search_fields = ("number", "recipient_name", "customer_name")
    search_phone_fields = ("recipient_phone", "customer_phone")

    class Meta:
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
        ]

    def __str__(self) -> str:
        return f"№{self.number}"

    def clean(self) -> None:
        """The delivery window and the address, checked for every writer (API, admin, services)."""
        super().clean()
        errors: dict[str, str] = {}
        start, end = self.delivery_time_from, self.delivery_time_to
        if start is not None and end is not None and end < start:
            errors["delivery_time_to"] = "Окно доставки заканчивается раньше, чем начинается."
        elif (start is None) != (end is None):
            errors["delivery_time_to"] = "Укажите оба конца окна доставки или ни одного."
        if (
            self.delivery_method == DeliveryMethod.DELIVERY
            and not self.delivery_address.strip()
            and not self.address_needs_clarification
        ):
            errors["delivery_address"] = "Укажите адрес доставки или отметьте «адрес уточняется»."
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

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="order_items")
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    objects = ShopScopedManager("order__shop")

    class Meta:
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

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    stock_item = models.ForeignKey("warehouse.StockItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    objects = ShopScopedManager("order__shop")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "stock_item"], name="orders_reservation_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_reservation_quantity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.stock_item_id} × {self.quantity}"


class Payment(TimeStampedModel):
    """Money received for an order (a refund is a negative amount)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    external_id = models.CharField(max_length=100, blank=True, default="")
    paid_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ShopScopedManager("order__shop")

    class Meta:
        ordering = ["paid_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="orders_payment_nonzero")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.method})"


class OrderEvent(models.Model):
    """One entry of an order's history: who did what and when (also what /ws replays)."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ShopScopedManager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["shop", "id"]), models.Index(fields=["order", "id"])]

    def __str__(self) -> str:
        return f"{self.order} {self.type}"


class OrderPhoto(TimeStampedModel):
    """A photo of an order: the bouquet before delivery (shown on tracking), the courier's
    proof of delivery, or anything else worth keeping."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="photos")
    image = models.OneToOneField("flowercrm.UploadedImage", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=PhotoKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ShopScopedManager("order__shop")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in PhotoKind]), name="orders_photo_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"
