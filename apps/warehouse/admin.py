"""Stock in the back office. Quantities are read-only here too: items are created and edited
through the same services as the API, and stock changes only through the write-off and
stocktake pages (``<item>/write-off/``, ``<item>/stocktake/``), which call the services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from apps.accounts.models import User
from apps.warehouse import services
from apps.warehouse.constants import HEIGHT_MAX_CM, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from apps.warehouse.models import StockItem, StockMovement, WriteOffReason, stock_match_key
from flowercrm import roles
from flowercrm.admin import ShopScopedAdmin
from flowercrm.errors import DomainError, InsufficientStock
from flowercrm.limits import QUANTITY_MAX

EDITABLE_FIELDS = ["name", "category", "height_cm", "unit", "retail_price", "min_quantity", "is_active"]


class _Abort(Exception):
    pass


class StockItemForm(forms.ModelForm):
    height_cm = forms.IntegerField(label="Высота, см", min_value=1, max_value=HEIGHT_MAX_CM, required=False)
    min_quantity = forms.IntegerField(label="Минимальный остаток", min_value=0, max_value=QUANTITY_MAX, initial=0)

    class Meta:
        model = StockItem
        fields = ["shop", *EDITABLE_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        shop = data.get("shop") or getattr(self.instance, "shop", None)
        name = data.get("name")
        if shop is not None and name:
            key = stock_match_key(name, data.get("height_cm"))
            if StockItem.objects.filter(shop=shop, match_key=key).exclude(pk=self.instance.pk).exists():
                self.add_error("name", "Позиция с таким названием и высотой уже есть.")
        return data


class WriteOffForm(forms.Form):
    quantity = forms.IntegerField(label="Количество", min_value=1, max_value=QUANTITY_MAX)
    reason = forms.ChoiceField(label="Причина", choices=WriteOffReason.choices)
    note = forms.CharField(
        label="Комментарий", max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == WriteOffReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", "Опишите причину списания.")
        return data


class StocktakeForm(forms.Form):
    counted_quantity = forms.IntegerField(label="Посчитано", min_value=0, max_value=QUANTITY_MAX)
    reason = forms.CharField(label="Причина", max_length=REASON_MAX_LENGTH, initial="Инвентаризация")


@admin.register(StockItem)
class StockItemAdmin(ShopScopedAdmin):
    area = "warehouse"
    form = StockItemForm
    search_fields = ["name"]  # shows the search box; ShopScopedAdmin searches search_text
    list_display = [
        "name",
        "height_cm",
        "category",
        "unit",
        "quantity",
        "reserved",
        "available",
        "unit_cost",
        "retail_price",
        "min_quantity",
        "is_active",
        "stock_actions",
    ]
    list_filter = ["category", "is_active"]
    list_select_related = ["shop"]
    ordering = ["name", "height_cm", "id"]
    readonly_fields = ["quantity", "reserved", "available", "unit_cost", "stock_actions", "created_at", "updated_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["shop", *EDITABLE_FIELDS]
        if obj is not None:
            fields += self.readonly_fields
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "shop"] if obj is not None else list(self.readonly_fields)

    @admin.display(description="Доступно")
    def available(self, obj: StockItem) -> int:
        return obj.available

    @admin.display(description="Склад")
    def stock_actions(self, obj: StockItem) -> str:
        if obj.pk is None:
            return ""
        info = self.opts.app_label, self.opts.model_name
        return format_html(
            '<a href="{}">Списать</a> · <a href="{}">Инвентаризация</a>',
            reverse("admin:{}_{}_write_off".format(*info), args=[obj.pk]),
            reverse("admin:{}_{}_stocktake".format(*info), args=[obj.pk]),
        )

    # --- writes go through the services -------------------------------------------------

    def save_model(self, request: HttpRequest, obj: StockItem, form: Any, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in EDITABLE_FIELDS if f in form.cleaned_data}
        try:
            if change:
                saved = services.stock_item_update(item=obj, data=data)
            else:
                saved = services.stock_item_create(shop=form.cleaned_data["shop"], data=data)
        except DomainError as exc:
            messages.error(request, exc.detail)
            raise _Abort from exc
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: StockItem) -> None:
        try:
            services.stock_item_delete(item=obj)
        except DomainError as exc:
            messages.error(request, exc.detail)
            raise _Abort from exc

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the service
        return actions

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except _Abort:
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except _Abort:
            return HttpResponseRedirect(reverse("admin:warehouse_stockitem_change", args=[unquote(object_id)]))

    # --- write-off and stocktake pages ----------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/write-off/",
                self.admin_site.admin_view(self.write_off_view),
                name="{}_{}_write_off".format(*info),
            ),
            path(
                "<path:object_id>/stocktake/",
                self.admin_site.admin_view(self.stocktake_view),
                name="{}_{}_stocktake".format(*info),
            ),
        ]
        return own + super().get_urls()

    def _operation_item(self, request: HttpRequest, object_id: str, permission: str) -> StockItem:
        item = self.get_object(request, unquote(object_id))
        if item is None:
            raise Http404
        if not self._allowed(request, permission, item):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return cast(StockItem, item)

    def _operation(self, request: HttpRequest, item: StockItem, form: forms.Form, title: str, run: Any) -> HttpResponse:
        if request.method == "POST" and form.is_valid():
            try:
                run(form.cleaned_data)
            except InsufficientStock as exc:
                on_hand = exc.extra["missing"][0]["on_hand"]
                form.add_error(None, f"{exc.detail} На складе {on_hand}.")
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"{title}: готово.")
                return HttpResponseRedirect(reverse("admin:warehouse_stockitem_change", args=[item.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": item,
            "title": title,
            "form": form,
        }
        return TemplateResponse(request, "admin/warehouse/stockitem/stock_operation.html", context)

    def write_off_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        item = self._operation_item(request, object_id, "write_off")
        form = WriteOffForm(request.POST if request.method == "POST" else None)
        return self._operation(
            request,
            item,
            form,
            "Списание",
            lambda d: services.stock_write_off(
                item=item,
                quantity=d["quantity"],
                reason=d["reason"],
                note=d["note"],
                actor=cast(User, request.user),
            ),
        )

    def stocktake_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        item = self._operation_item(request, object_id, roles.WRITE)
        form = StocktakeForm(request.POST if request.method == "POST" else None)
        return self._operation(
            request,
            item,
            form,
            "Инвентаризация",
            lambda d: services.stock_adjust(
                item=item,
                counted_quantity=d["counted_quantity"],
                reason=d["reason"],
                actor=cast(User, request.user),
            ),
        )


@admin.register(StockMovement)
class StockMovementAdmin(ShopScopedAdmin):
    """The ledger, read-only: every line is written by a service."""

    area = "warehouse"
    search_text_path = "item__search_text"
    search_fields = ["item__name"]
    list_display = ["created_at", "item", "kind", "delta", "balance_after", "unit_cost", "reason", "actor", "shop"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["item", "actor", "shop"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.opts.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
