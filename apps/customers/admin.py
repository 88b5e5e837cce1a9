"""Customers in the Django admin. Saving goes through ``apps.customers.services`` and
``apps.orders.customers`` (the same rules as the API: E.164 phones unique per shop, one default
address, tags without case duplicates); the forms check the same rules first (the same
functions) so mistakes show next to the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.customers import services
from apps.customers.constants import MAX_ADDRESSES, MAX_DATES, MAX_TAGS
from apps.customers.models import (
    Customer,
    CustomerAddress,
    CustomerTag,
    ImportantDate,
    check_one_default_address,
    tag_key,
)
from apps.customers.selectors import date_window_q
from apps.exchange.admin import ExchangeAdminMixin
from apps.orders import customers as order_side
from flowercrm.admin import ShopScopedAdmin, ShopScopedInline
from flowercrm.errors import DomainError
from flowercrm.phone import normalize_phone


def _live_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm]:
    return [
        f
        for f in formset.forms
        if f.has_changed() or f.instance.pk
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class AddressFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        check_one_default_address(f.cleaned_data.get("is_default", False) for f in _live_forms(self))


class TagFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        names = [tag_key(f.cleaned_data["name"]) for f in _live_forms(self) if f.cleaned_data.get("name")]
        if len(names) != len(set(names)):
            raise ValidationError(gettext("Tags repeat (letter case does not matter)."))


class AddressInline(ShopScopedInline):
    model = CustomerAddress
    formset = AddressFormSet
    fields = ["label", "address", "entrance", "floor", "intercom", "comment", "is_default"]
    extra = 0
    max_num = MAX_ADDRESSES

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A two-line comment: the row of an address fits the screen (admin.css sizes the rest).
        if db_field.name == "comment":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 24, "class": "vLargeTextField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ImportantDateInline(ShopScopedInline):
    model = ImportantDate
    fields = ["day", "month", "title", "remind_days_before"]
    extra = 0
    max_num = MAX_DATES


class TagInline(ShopScopedInline):
    model = CustomerTag
    formset = TagFormSet
    fields = ["name"]
    extra = 0
    max_num = MAX_TAGS


class CustomerForm(forms.ModelForm):
    phone = forms.CharField(label=_("Phone"), max_length=32)

    class Meta:
        model = Customer
        fields = ["shop", "phone", "name", "email", "source", "notes"]

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        shop_id = cleaned["shop"].pk if cleaned.get("shop") else self.instance.shop_id
        phone = cleaned.get("phone")
        if shop_id and phone:
            # The services' rule (main and extra phones together), shown next to the field.
            error = services.phone_taken(shop_id=shop_id, phone=phone, customer=self.instance)
            if error:
                self.add_error("phone", error)
        return cleaned


class HasOrdersFilter(admin.SimpleListFilter):
    """Customers who ordered (not counting cancelled orders) and those who never did."""

    title = _("orders")
    parameter_name = "has_orders"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Has orders")), ("no", _("No orders"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(orders_count__gt=0)
        if self.value() == "no":
            return queryset.filter(orders_count=0)
        return queryset


class UpcomingDateFilter(admin.SimpleListFilter):
    """Customers with an important date (a birthday, an anniversary) coming within a week or a
    month — whom to call with an offer. Counted from today's date in the admin's time zone."""

    title = _("important dates")
    parameter_name = "upcoming"
    WINDOWS = {"7": 7, "30": 30}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("7", _("Within 7 days")), ("30", _("Within 30 days"))]

    @staticmethod
    def today() -> dt.date:
        return timezone.localdate()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        days = self.WINDOWS.get(self.value() or "")
        if days is None:
            return queryset
        dates = ImportantDate.objects.filter(date_window_q(today=self.today(), days=days))
        return queryset.filter(Exists(dates.filter(customer=OuterRef("pk"))))


class TagFilter(admin.SimpleListFilter):
    """The tags the user's customers carry (the most used first)."""

    title = _("tag")
    parameter_name = "tag"
    LIMIT = 30

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        customers = model_admin.get_queryset(request).values("pk")
        names = (
            CustomerTag.objects.filter(customer__in=customers)
            .order_by("name")
            .values_list("name", flat=True)
            .distinct()[: self.LIMIT]
        )
        return [(name, name) for name in names]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        return queryset.filter(Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), name=self.value())))


@admin.register(Customer)
class CustomerAdmin(ExchangeAdminMixin, ShopScopedAdmin):
    exchange_kind = "customers"  # import page and "export selected" (apps.exchange.admin)
    area = "customers"
    form = CustomerForm
    list_display = ["name", "phone", "orders_count", "total_spent", "last_order", "tags_list", "source", "shop"]
    list_filter = [HasOrdersFilter, UpcomingDateFilter, TagFilter, "source", "shop"]
    search_fields = ["name", "phone"]  # answered by get_search_results (search_text)
    inlines = [AddressInline, ImportantDateInline, TagInline]
    readonly_fields = ["extra_phones_list", "orders_count", "total_spent", "last_order", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["shop", "phone", "name", "email", "source", "notes"]}),
        (
            _("Statistics"),
            {"fields": ["orders_count", "total_spent", "last_order", "extra_phones_list", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The statistics of the API's list (one subquery each) and the tags of the page.
        return order_side.customers_with_stats(super().get_queryset(request)).prefetch_related("tags")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A customer never moves to another shop: their orders stay where they are.
        return [*self.readonly_fields, "shop"] if obj is not None else list(self.readonly_fields)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets if obj is not None else self.fieldsets[:1]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "notes":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 4, "cols": 60, "class": "vLargeTextField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("Orders"), ordering="orders_count")
    def orders_count(self, obj: Customer) -> int:
        return getattr(obj, "orders_count", 0)

    @admin.display(description=_("Total spent"), ordering="total_spent")
    def total_spent(self, obj: Customer) -> Any:
        return getattr(obj, "total_spent", None)

    @admin.display(description=_("Last order"), ordering="last_order_at", empty_value="—")
    def last_order(self, obj: Customer) -> Any:
        value = getattr(obj, "last_order_at", None)
        # SQLite hands a subquery's timestamp back as text.
        return parse_datetime(value) if isinstance(value, str) else value

    @admin.display(description=_("Tags"))
    def tags_list(self, obj: Customer) -> str:
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    @admin.display(description=_("Extra phones"))
    def extra_phones_list(self, obj: Customer) -> str:
        """Phones of duplicates merged into this customer (order intake finds them by these)."""
        if obj.pk is None:
            return "—"
        return ", ".join(obj.extra_phones.values_list("phone", flat=True)) or "—"

    # Saving: the main form and the inlines are collected and handed to the services.

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in ("phone", "name", "email", "source", "notes")}
        try:
            if change:
                saved = order_side.customer_update(customer=obj, data=data)
            else:
                saved = services.customer_create(shop=form.cleaned_data["shop"], data=data)
        except DomainError as exc:
            self.refuse(request, exc)
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data: dict[str, Any] = {}
        for formset in formsets:
            # What the admin's change message reads (formset.save() would have set them).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            rows = [f.cleaned_data for f in _live_forms(formset)]
            if formset.model is CustomerAddress:
                data["addresses"] = [{k: r[k] for k in services.ADDRESS_FIELDS} for r in rows]
            elif formset.model is ImportantDate:
                data["important_dates"] = [{k: r[k] for k in services.DATE_FIELDS} for r in rows]
            elif formset.model is CustomerTag:
                data["tags"] = [r["name"] for r in rows]
        try:
            order_side.customer_update(customer=form.instance, data=data)
        except DomainError as exc:
            self.refuse(request, exc)

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        try:
            services.customer_delete(customer=obj)
        except DomainError as exc:
            self.refuse(request, exc)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        for customer in queryset.order_by("id"):
            try:
                services.customer_delete(customer=customer)
            except DomainError as exc:
                self.refuse(request, exc)
