"""The people who buy: customers of a shop with their addresses, tags and dates to remember."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel
from flowercrm.scopes import ShopScopedManager
from flowercrm.search import build_search_text


class Source(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    INSTAGRAM = "instagram", _("Instagram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    WEBSITE = "website", _("Website")
    MARKETPLACE = "marketplace", _("Marketplace")
    # Orders placed by buyers themselves through the public storefront API (§11.6).
    STOREFRONT = "storefront", _("Storefront")
    OTHER = "other", _("Other")


# Days in each month of a leap year: 29 February is a valid important date (it falls on
# 28 February in other years, see ``apps.customers.selectors``).
DAYS_IN_MONTH = {month: calendar.monthrange(2000, month)[1] for month in range(1, 13)}


def day_in_month_error(*, day: int, month: int) -> str | None:
    """Why ``day.month`` is no date (31 April, 30 February), or ``None``."""
    if month in DAYS_IN_MONTH and day and day > DAYS_IN_MONTH[month]:
        return gettext("This month has at most %(days)s days.") % {"days": DAYS_IN_MONTH[month]}
    return None


ONE_DEFAULT_ADDRESS = _("Only one address can be the default.")


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

    phone = models.CharField(max_length=16, verbose_name=_("phone"))
    name = models.CharField(max_length=150, blank=True, default="", verbose_name=pgettext_lazy("person", "name"))
    email = models.EmailField(blank=True, default="", verbose_name=_("email"))
    notes = models.TextField(blank=True, default="", verbose_name=_("notes"))
    source = models.CharField(max_length=16, choices=Source.choices, blank=True, default="", verbose_name=_("source"))

    search_fields = ("name", "email")
    search_phone_fields = ("phone",)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "phone"], name="customers_customer_phone_unique"),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="customers_customer_phone_e164"),
        ]

    def __str__(self) -> str:
        return f"{self.name or gettext('No name')} ({self.phone})"

    def compute_search_text(self) -> str:
        # Extra phones (e.g. of a customer merged into this one) find the customer too.
        extra = list(self.extra_phones.values_list("phone", flat=True)) if self.pk else []
        return self.search_text_of({f: getattr(self, f) for f in self.search_fields}, [self.phone, *extra])

    @classmethod
    def search_text_of(cls, values: Mapping[str, Any], phones: Iterable[str]) -> str:
        """The ``search_text`` of a customer whose ``search_fields`` hold ``values`` and whose
        phones (main and extra) are ``phones`` (a file import computes it without the row)."""
        return build_search_text(*(values.get(f) for f in cls.search_fields), phones=phones)


class CustomerPhone(ShopOwnedModel):
    """Another phone of a customer — typically the phone of a duplicate merged into them:
    order intake and search by it find this customer. A phone is unique within the shop among
    main and extra phones together (this table's constraint, plus the services' check against
    ``Customer.phone``)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="extra_phones", verbose_name=_("customer")
    )
    phone = models.CharField(max_length=16, verbose_name=_("phone"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("extra phone")
        verbose_name_plural = _("extra phones")
        constraints = [
            models.UniqueConstraint(fields=["shop", "phone"], name="customers_extra_phone_unique"),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="customers_extra_phone_e164"),
        ]

    def __str__(self) -> str:
        return self.phone


class CustomerTag(TimeStampedModel):
    """A label on a customer («VIP», «корпоратив»)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags", verbose_name=_("customer"))
    name = models.CharField(max_length=50, verbose_name=_("tag"))

    objects = ShopScopedManager("customer__shop")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="customers_tag_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="customers_tag_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerAddress(TimeStampedModel):
    """A place the customer sends flowers to (home, office, mother's flat)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    label = models.CharField(max_length=100, blank=True, default="", verbose_name=_("label"))
    address = models.CharField(max_length=500, verbose_name=_("address"))
    entrance = models.CharField(max_length=20, blank=True, default="", verbose_name=_("entrance"))
    floor = models.CharField(max_length=20, blank=True, default="", verbose_name=_("floor"))
    intercom = models.CharField(max_length=50, blank=True, default="", verbose_name=_("intercom"))
    comment = models.TextField(blank=True, default="", verbose_name=_("comment"))
    is_default = models.BooleanField(default=False, verbose_name=_("default"))

    objects = ShopScopedManager("customer__shop")

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
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

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="important_dates", verbose_name=_("customer")
    )
    day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(31)], verbose_name=_("day")
    )
    month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)], verbose_name=_("month")
    )
    title = models.CharField(max_length=200, verbose_name=_("occasion"))
    remind_days_before = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(60)], verbose_name=_("remind days before")
    )

    objects = ShopScopedManager("customer__shop")

    class Meta:
        verbose_name = _("important date")
        verbose_name_plural = _("important dates")
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

    important_date = models.ForeignKey(
        ImportantDate, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("important date")
    )
    occurrence = models.DateField(verbose_name=_("occurrence"))
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))

    objects = ShopScopedManager("important_date__customer__shop")

    class Meta:
        verbose_name = _("date reminder")
        verbose_name_plural = _("date reminders")
        constraints = [models.UniqueConstraint(fields=["important_date", "occurrence"], name="customers_reminder_once")]

    def __str__(self) -> str:
        return f"{self.important_date} {self.occurrence}"
