"""The people who buy: customers of a shop with their addresses, tags and dates to remember."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel


class Source(models.TextChoices):
    PHONE = "phone", "Звонок"
    WALK_IN = "walk_in", "В магазине"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"
    WEBSITE = "website", "Сайт"
    MARKETPLACE = "marketplace", "Маркетплейс"
    OTHER = "other", "Другое"


SOURCE_EN = {
    "phone": "Phone call",
    "walk_in": "Walk-in",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "website": "Website",
    "marketplace": "Marketplace",
    "other": "Other",
}


class Customer(SearchableModel, ShopOwnedModel):
    """A buyer of the shop, known by their phone number (unique within the shop)."""

    phone = models.CharField(max_length=16)
    name = models.CharField(max_length=150, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    source = models.CharField(max_length=16, choices=Source.choices, blank=True, default="")

    search_fields = ("name", "email")
    search_phone_fields = ("phone",)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "phone"], name="customers_customer_phone_unique"),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="customers_customer_phone_e164"),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'Без имени'} ({self.phone})"


class CustomerTag(TimeStampedModel):
    """A label on a customer («VIP», «корпоратив»)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="customers_tag_unique")]

    def __str__(self) -> str:
        return self.name


class CustomerAddress(TimeStampedModel):
    """A place the customer sends flowers to (home, office, mother's flat)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=100, blank=True, default="")
    address = models.CharField(max_length=500)
    entrance = models.CharField(max_length=20, blank=True, default="")
    floor = models.CharField(max_length=20, blank=True, default="")
    intercom = models.CharField(max_length=50, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_default=True), name="customers_address_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.address


class ImportantDate(TimeStampedModel):
    """A yearly date the shop reminds the manager of (a wife's birthday, an anniversary)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="important_dates")
    day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(31)])
    month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    title = models.CharField(max_length=200)
    remind_days_before = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(60)])

    class Meta:
        ordering = ["month", "day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day__gte=1, day__lte=31, month__gte=1, month__lte=12),
                name="customers_date_day_month_range",
            ),
            models.CheckConstraint(condition=models.Q(remind_days_before__lte=60), name="customers_date_remind_range"),
        ]

    def __str__(self) -> str:
        return f"{self.day:02d}.{self.month:02d} {self.title}"
