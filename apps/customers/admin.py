"""Customers in the Django admin. Saving goes through ``apps.customers.services`` and
``apps.orders.customers`` (the same rules as the API: E.164 phones unique per shop, one default
address, tags without case duplicates); the forms check the same rules first (the same
functions) so mistakes show next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

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
            raise ValidationError("Теги повторяются (регистр не важен).")


class AddressInline(ShopScopedInline):
    model = CustomerAddress
    formset = AddressFormSet
    fields = ["label", "address", "entrance", "floor", "intercom", "comment", "is_default"]
    extra = 0
    max_num = MAX_ADDRESSES


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
    phone = forms.CharField(label="Телефон", max_length=32)

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


class _Abort(Exception):
    pass


@admin.register(Customer)
class CustomerAdmin(ShopScopedAdmin):
    area = "customers"
    form = CustomerForm
    list_display = ["name", "phone", "email", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["name", "phone"]  # answered by get_search_results (search_text)
    inlines = [AddressInline, ImportantDateInline, TagInline]
    readonly_fields = ["extra_phones_list", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A customer never moves to another shop: their orders stay where they are.
        return [*self.readonly_fields, "shop"] if obj is not None else list(self.readonly_fields)

    @admin.display(description="Дополнительные телефоны")
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
            messages.error(request, exc.detail + _errors_text(exc))
            raise _Abort from exc
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
            messages.error(request, exc.detail + _errors_text(exc))
            raise _Abort from exc

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except _Abort:
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        services.customer_delete(customer=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        for customer in queryset.order_by("id"):
            services.customer_delete(customer=customer)


def _errors_text(exc: DomainError) -> str:
    errors = exc.extra.get("errors")
    return f" {errors}" if errors else ""
