"""Stock in the back office. Quantities are read-only here too: items are created and edited
through the same services as the API, and stock changes only through the write-off and
stocktake pages (``<item>/write-off/``, ``<item>/stocktake/``), which call the services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.exchange.admin import ExchangeAdminMixin
from apps.warehouse import services
from apps.warehouse.constants import HEIGHT_MAX_CM, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from apps.warehouse.models import StockItem, StockMovement, WriteOffReason, stock_match_key
from apps.warehouse.selectors import low_stock_q
from flowercrm import roles
from flowercrm.admin import ShopScopedAdmin, refusal_text
from flowercrm.errors import DomainError, InsufficientStock
from flowercrm.limits import QUANTITY_MAX

EDITABLE_FIELDS = ["name", "category", "height_cm", "unit", "retail_price", "min_quantity", "is_active"]


class StockItemForm(forms.ModelForm):
    height_cm = forms.IntegerField(label=_("Height, cm"), min_value=1, max_value=HEIGHT_MAX_CM, required=False)
    min_quantity = forms.IntegerField(label=_("Minimum stock"), min_value=0, max_value=QUANTITY_MAX, initial=0)

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
                self.add_error("name", gettext("An item with this name and height already exists."))
        return data


class WriteOffForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=QUANTITY_MAX)
    reason = forms.ChoiceField(label=_("Reason"), choices=WriteOffReason.choices)
    note = forms.CharField(
        label=_("Comment"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == WriteOffReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", gettext("Describe the reason for the write-off."))
        return data


class StocktakeForm(forms.Form):
    counted_quantity = forms.IntegerField(label=_("Counted"), min_value=0, max_value=QUANTITY_MAX)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, initial=_("Stocktake"))


class LowStockFilter(admin.SimpleListFilter):
    """``?low=yes``: items whose available quantity is at or below their minimum (the
    warehouse's one definition, ``low_stock_q``; the dashboard links here)."""

    title = _("stock level")
    parameter_name = "low"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Low stock")), ("no", _("Enough stock"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(low_stock_q())
        if self.value() == "no":
            return queryset.exclude(low_stock_q())
        return queryset


@admin.register(StockItem)
class StockItemAdmin(ExchangeAdminMixin, ShopScopedAdmin):
    exchange_kind = "stock"  # import page and "export selected" (apps.exchange.admin)
    area = "warehouse"
    form = StockItemForm
    search_fields = ["name"]  # shows the search box; ShopScopedAdmin searches search_text
    # Ten figures beside the filters on a 1366 px screen: the columns carry short headers.
    list_display = [
        "name",
        "category",
        "height_column",
        "unit_column",
        "on_hand_column",
        "reserved_column",
        "available",
        "min_column",
        "cost_column",
        "price_column",
        "shop",
    ]
    list_filter = [LowStockFilter, "category", "is_active", "shop"]
    list_select_related = ["shop"]
    list_per_page = 50
    ordering = ["name", "height_cm", "id"]
    readonly_fields = ["quantity", "reserved", "available", "unit_cost", "stock_actions", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(available_quantity=F("quantity") - F("reserved"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["shop", *EDITABLE_FIELDS]
        if obj is not None:
            fields += self.readonly_fields
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "shop"] if obj is not None else list(self.readonly_fields)

    @admin.display(description=_("Height"), ordering="height_cm", empty_value="—")
    def height_column(self, obj: StockItem) -> int | None:
        return obj.height_cm

    @admin.display(description=pgettext_lazy("short column header", "Unit"), ordering="unit")
    def unit_column(self, obj: StockItem) -> str:
        return obj.get_unit_display()

    @admin.display(description=_("On hand"), ordering="quantity")
    def on_hand_column(self, obj: StockItem) -> int:
        return obj.quantity

    @admin.display(description=_("Reserved"), ordering="reserved")
    def reserved_column(self, obj: StockItem) -> int:
        return obj.reserved

    @admin.display(description=_("Min."), ordering="min_quantity")
    def min_column(self, obj: StockItem) -> int:
        return obj.min_quantity

    @admin.display(description=pgettext_lazy("short column header", "Cost"), ordering="unit_cost")
    def cost_column(self, obj: StockItem) -> Any:
        return obj.unit_cost

    @admin.display(description=_("Price"), ordering="retail_price")
    def price_column(self, obj: StockItem) -> Any:
        return obj.retail_price

    @admin.display(description=_("Available"), ordering="available_quantity")
    def available(self, obj: StockItem) -> Any:
        """Negative when more is promised to orders than is on hand: shown in red."""
        if obj.available < 0:
            return format_html('<strong class="fc-negative">{}</strong>', obj.available)
        return obj.available

    @admin.display(description=_("Stock"))
    def stock_actions(self, obj: StockItem) -> str:
        if obj.pk is None:
            return ""
        info = self.opts.app_label, self.opts.model_name
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:{}_{}_write_off".format(*info), args=[obj.pk]),
            gettext("Write off"),
            reverse("admin:{}_{}_stocktake".format(*info), args=[obj.pk]),
            gettext("Stocktake"),
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
            self.refuse(request, exc)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: StockItem) -> None:
        try:
            services.stock_item_delete(item=obj)
        except DomainError as exc:
            self.refuse(request, exc)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the service
        return actions

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
            raise PermissionDenied
        return cast(StockItem, item)

    def _operation(self, request: HttpRequest, item: StockItem, form: forms.Form, title: str, run: Any) -> HttpResponse:
        if request.method == "POST" and form.is_valid():
            try:
                run(form.cleaned_data)
            except InsufficientStock as exc:
                on_hand = exc.extra["missing"][0]["on_hand"]
                form.add_error(
                    None, gettext("%(reason)s On hand: %(on_hand)s.") % {"reason": exc.detail, "on_hand": on_hand}
                )
            except DomainError as exc:
                form.add_error(None, refusal_text(exc, StockMovement))
            else:
                messages.success(request, gettext("%(operation)s: done.") % {"operation": title})
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
            gettext("Write-off"),
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
            gettext("Stocktake"),
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
    search_text_paths = ("item__search_text",)
    search_fields = ["item__name"]
    list_display = ["created_at", "item", "kind", "delta", "balance_after", "unit_cost", "reason", "actor", "shop"]
    list_filter = ["kind", "created_at", "actor", "shop"]
    list_select_related = ["item", "actor", "shop"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.opts.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
