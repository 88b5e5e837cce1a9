"""The people who buy: customers of a shop with their addresses, tags and dates to remember."""

from __future__ import annotations

import calendar
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel
from flowercrm.scopes import ShopScopedManager
from flowercrm.search import build_search_text


class Source(models.TextChoices):
    PHONE = "phone", "Звонок"
    WALK_IN = "walk_in", "В магазине"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"
    WEBSITE = "website", "Сайт"
    MARKETPLACE = "marketplace", "Маркетплейс"
    OTHER = "other", "Другое"


# Days in each month of a leap year: 29 February is a valid important date (it falls on
# 28 February in other years, see ``apps.customers.selectors``).
DAYS_IN_MONTH = {month: calendar.monthrange(2000, month)[1] for month in range(1, 13)}


def day_in_month_error(*, day: int, month: int) -> str | None:
    """Why ``day.month`` is no date (31 April, 30 February), or ``None``."""
    if month in DAYS_IN_MONTH and day and day > DAYS_IN_MONTH[month]:
        return f"В этом месяце не больше {DAYS_IN_MONTH[month]} дней."
    return None


ONE_DEFAULT_ADDRESS = "Основным может быть только один адрес."


def check_one_default_address(defaults: Iterable[bool]) -> None:
    """A customer's addresses have at most one default: ``defaults`` are the ``is_default``
    flags of the whole list (the services, the API and the admin's inline check it here; the
    partial unique index ``customers_address_one_default`` is its database form)."""
    if sum(1 for is_default in defaults if is_default) > 1:
        raise ValidationError(ONE_DEFAULT_ADDRESS)


def normalize_tag(raw: str) -> str:
    """A tag as stored: runs of whitespace made one space, none at the ends."""
    return " ".join(raw.split())


def tag_key(raw: str) -> str:
    """What makes two tags the same tag: their normalised spelling, case ignored."""
    return normalize_tag(raw).casefold()


def days_in_month_q() -> models.Q:
    """The database form of ``day <= DAYS_IN_MONTH[month]``."""
    by_length: dict[int, list[int]] = {}
    for month, length in DAYS_IN_MONTH.items():
        by_length.setdefault(length, []).append(month)
    q = models.Q()
    for length, months in sorted(by_length.items()):
        q |= models.Q(month__in=months, day__lte=length)
    return q


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

    def compute_search_text(self) -> str:
        # Extra phones (e.g. of a customer merged into this one) find the customer too.
        extra = list(self.extra_phones.values_list("phone", flat=True)) if self.pk else []
        return build_search_text(*(getattr(self, f) for f in self.search_fields), phones=[self.phone, *extra])


class CustomerPhone(ShopOwnedModel):
    """Another phone of a customer — typically the phone of a duplicate merged into them:
    order intake and search by it find this customer. A phone is unique within the shop among
    main and extra phones together (this table's constraint, plus the services' check against
    ``Customer.phone``)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="extra_phones")
    phone = models.CharField(max_length=16)

    class Meta:
        ordering = ["id"]
        verbose_name = "дополнительный телефон"
        verbose_name_plural = "дополнительные телефоны"
        constraints = [
            models.UniqueConstraint(fields=["shop", "phone"], name="customers_extra_phone_unique"),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="customers_extra_phone_e164"),
        ]

    def __str__(self) -> str:
        return self.phone


class CustomerTag(TimeStampedModel):
    """A label on a customer («VIP», «корпоратив»)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    objects = ShopScopedManager("customer__shop")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="customers_tag_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="customers_tag_name_not_blank"),
        ]

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

    objects = ShopScopedManager("customer__shop")

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_default=True), name="customers_address_one_default"
            ),
            models.CheckConstraint(condition=~models.Q(address=""), name="customers_address_not_blank"),
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

    objects = ShopScopedManager("customer__shop")

    class Meta:
        ordering = ["month", "day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day__gte=1, day__lte=31, month__gte=1, month__lte=12),
                name="customers_date_day_month_range",
            ),
            models.CheckConstraint(condition=models.Q(remind_days_before__lte=60), name="customers_date_remind_range"),
            models.CheckConstraint(condition=days_in_month_q(), name="customers_date_day_in_month"),
        ]

    def __str__(self) -> str:
        return f"{self.day:02d}.{self.month:02d} {self.title}"

    def clean(self) -> None:
        super().clean()
        error = day_in_month_error(day=self.day, month=self.month)
        if error:
            raise ValidationError({"day": [error]})


class DateReminder(models.Model):
    """A reminder about one occurrence of an important date that was sent to the shop's
    managers (so a daily re-run never sends it twice)."""

    important_date = models.ForeignKey(ImportantDate, on_delete=models.CASCADE, related_name="reminders")
    occurrence = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = ShopScopedManager("important_date__customer__shop")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["important_date", "occurrence"], name="customers_reminder_once")]

    def __str__(self) -> str:
        return f"{self.important_date} {self.occurrence}"
