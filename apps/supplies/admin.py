"""Admin of suppliers and supplies. Drafts are edited with their lines inline and saved
through the same services as the API (the inline's rows are checked by ``SupplyLine.clean``,
the line rules of ``apps.supplies.lines``); receiving and cancelling are admin actions that
call the services too, and a received or cancelled supply is read-only."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.supplies import services
from apps.supplies.models import Supplier, Supply, SupplyLine, SupplyStatus, supplier_name_key
from flowercrm import roles
from flowercrm.admin import ShopScopedAdmin, ShopScopedInline, refusal_text
from flowercrm.errors import DomainError
from flowercrm.phone import normalize_phone


class SupplierAdminForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["shop", "name", "phone", "notes"]

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        shop, name = data.get("shop") or getattr(self.instance, "shop", None), data.get("name")
        if shop is not None and name:
            taken = Supplier.objects.filter(shop=shop, name_key=supplier_name_key(name))
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("name", gettext("A supplier with this name already exists."))
        return data


@admin.register(Supplier)
class SupplierAdmin(ShopScopedAdmin):
    area = "supplies"
    form = SupplierAdminForm
    list_display = ["name", "phone", "supplies_count", "last_supply", "shop"]
    list_filter = ["shop"]
    search_fields = ["name", "phone"]
    list_select_related = ["shop"]
    ordering = ["name", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .annotate(supply_count=Count("supplies", distinct=True), last_supply_date=Max("supplies__date"))
        )

    @admin.display(description=_("Supplies"), ordering="supply_count")
    def supplies_count(self, obj: Supplier) -> int:
        return getattr(obj, "supply_count", 0)

    @admin.display(description=_("Last supply"), ordering="last_supply_date", empty_value="—")
    def last_supply(self, obj: Supplier) -> Any:
        return getattr(obj, "last_supply_date", None)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["shop"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Supplier, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in ("name", "phone", "notes") if k in form.cleaned_data}
        try:
            if change:
                services.supplier_update(supplier=obj, data=data)
            else:
                obj.pk = services.supplier_create(shop=form.cleaned_data["shop"], data=data).pk
        except DomainError as exc:
            self.refuse(request, exc)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A supplier with supplies is protected; one without may go.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.supplies.exists())


SUPPLY_FORM_FIELDS = ("supplier", "date", "currency", "rate", "notes")
LINE_FORM_FIELDS = (
    "stock_item",
    "new_item_name",
    "new_item_category",
    "new_item_height_cm",
    "new_item_unit",
    "quantity",
    "purchase_price",
)


def _is_draft(supply: Model | None) -> bool:
    return supply is None or cast(Supply, supply).status == SupplyStatus.DRAFT


class SupplyLineInline(ShopScopedInline):
    """Lines of a draft; read-only once the supply is received or cancelled."""

    model = SupplyLine
    extra = 0
    fields = [
        "stock_item",
        "new_item_name",
        "new_item_category",
        "new_item_height_cm",
        "new_item_unit",
        "quantity",
        "purchase_price",
        "suggested_retail_price",
    ]
    readonly_fields = ["suggested_retail_price"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Supply)
class SupplyAdmin(ShopScopedAdmin):
    area = "supplies"
    list_display = ["__str__", "supplier", "status", "date", "received_at", "total_display", "lines_count", "shop"]
    list_filter = ["status", "date", "supplier", "shop"]
    search_fields = ["supplier__name", "notes"]
    search_text_paths = ("search_text", "supplier__search_text")
    list_select_related = ["supplier", "shop"]
    date_hierarchy = "date"
    inlines = [SupplyLineInline]
    actions = ["receive_selected", "cancel_selected"]
    fields = [
        "shop",
        "supplier",
        "date",
        "currency",
        "rate",
        "notes",
        "status",
        "total_display",
        "total_in_shop_currency_display",
        "created_by",
        "received_at",
        "received_by",
        "cancelled_at",
        "cancelled_by",
    ]
    AUDIT_FIELDS = [
        "status",
        "total_display",
        "total_in_shop_currency_display",
        "created_by",
        "received_at",
        "received_by",
        "cancelled_at",
        "cancelled_by",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("lines")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(self.AUDIT_FIELDS)
        # The shop of an existing supply never changes; its lines name that shop's items.
        return ["shop", *self.AUDIT_FIELDS]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Bulk deletion would skip the drafts-only rule.
        actions.pop("delete_selected", None)
        return actions

    # --- saving through the services -------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Supply, form: Any, change: bool) -> None:
        """A new draft is created by ``supply_create`` (its lines follow in ``save_related``),
        an existing one changed by ``supply_update``: the rules of the API."""
        data = {name: form.cleaned_data[name] for name in SUPPLY_FORM_FIELDS if name in form.cleaned_data}
        try:
            if change:
                services.supply_update(supply=obj, actor=cast(User, request.user), data=data)
            else:
                created = services.supply_create(
                    shop=form.cleaned_data["shop"], actor=cast(User, request.user), data=data
                )
                obj.pk = created.pk
                obj._state.adding = False
        except DomainError as exc:
            self.refuse(request, exc)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The lines inline, when changed, replaces the draft's lines through ``supply_update``."""
        form.save_m2m()
        for formset in formsets:
            # Fills new/changed/deleted_objects for the history message; the service writes.
            formset.save(commit=False)
            if formset.model is not SupplyLine or not formset.has_changed():
                continue
            kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            lines = [{name: row.get(name) for name in LINE_FORM_FIELDS} for row in kept]
            try:
                services.supply_update(supply=form.instance, actor=cast(User, request.user), data={"lines": lines})
            except DomainError as exc:
                self.refuse(request, exc)

    @admin.display(description=_("Amount"))
    def total_display(self, obj: Supply) -> str:
        return f"{obj.total} {obj.currency}"

    @admin.display(description=_("Amount (shop currency)"))
    def total_in_shop_currency_display(self, obj: Supply) -> str:
        return f"{obj.total_in_shop_currency} {obj.shop.currency}"

    @admin.display(description=_("Lines"))
    def lines_count(self, obj: Supply) -> int:
        return len(obj.lines.all())  # prefetched for the page

    def _run(self, request: HttpRequest, queryset: QuerySet[Supply], service: Any) -> int:
        done = 0
        for supply in queryset.order_by("id"):
            if not self._allowed(request, roles.WRITE, supply):
                messages.error(request, gettext("%(supply)s: not allowed.") % {"supply": supply})
                continue
            try:
                service(supply=supply, actor=cast(User, request.user))
            except DomainError as exc:
                messages.error(request, f"{supply}: {refusal_text(exc, Supply)}")
            else:
                done += 1
        return done

    @admin.action(description=_("Receive the selected supplies into stock"))
    def receive_selected(self, request: HttpRequest, queryset: QuerySet[Supply]) -> None:
        done = self._run(request, queryset, services.supply_receive)
        if done:
            messages.success(request, gettext("Supplies received: %(count)d.") % {"count": done})

    @admin.action(description=_("Cancel the selected drafts"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Supply]) -> None:
        done = self._run(request, queryset, services.supply_cancel)
        if done:
            messages.success(request, gettext("Supplies cancelled: %(count)d.") % {"count": done})
