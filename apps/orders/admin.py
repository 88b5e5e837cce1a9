"""Orders in the back office: read the whole story, edit details and move the status through
the same services as the API (no raw edits of status, totals or stock)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.models import User
from apps.orders import services
from apps.orders.admin_desk import OrderDeskMixin
from apps.orders.models import Order, OrderEvent, OrderItem, OrderPhoto, OrderStatus, Payment
from apps.orders.services import DETAIL_FIELDS
from apps.orders.status import allowed_transitions
from apps.orders.warnings import order_warnings
from flowercrm.admin import ShopScopedAdmin, ShopScopedReadOnlyInline, back_office_roles, image_preview
from flowercrm.errors import DomainError

# The order details a back-office user edits here; the delivery method (it changes the fee)
# and the source are changed through the API.
EDITABLE = [name for name in DETAIL_FIELDS if name not in ("delivery_method", "source")]


class OrderItemInline(ShopScopedReadOnlyInline):
    model = OrderItem
    fields = readonly_fields = ("name", "quantity", "unit_price", "unit_cost", "line_total")


class PaymentInline(ShopScopedReadOnlyInline):
    model = Payment
    fields = readonly_fields = ("paid_at", "amount", "method", "external_id", "actor")


class OrderEventInline(ShopScopedReadOnlyInline):
    model = OrderEvent
    fields = readonly_fields = ("created_at", "type", "actor", "data")


class OrderPhotoInline(ShopScopedReadOnlyInline):
    """The order's photos with previews (added and removed through the API, which removes the
    files)."""

    model = OrderPhoto
    fields = readonly_fields = ("preview", "kind", "created_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("image", "created_by")

    @admin.display(description="Фото")
    def preview(self, obj: OrderPhoto) -> str:
        return image_preview(obj.image, height=120)


class OrderAdminForm(forms.ModelForm):
    transition_to = forms.ChoiceField(label="Перевести в статус", required=False)
    transition_reason = forms.CharField(label="Причина", required=False, max_length=1000)

    class Meta:
        model = Order
        fields = EDITABLE


@admin.register(Order)
class OrderAdmin(OrderDeskMixin, ShopScopedAdmin):
    area = "orders"
    form = OrderAdminForm
    list_display = [
        "number",
        "shop",
        "status",
        "delivery_date",
        "delivery_time_from",
        "customer",
        "total",
        "payment_status",
    ]
    list_filter = ["status", "delivery_method", "payment_status", "delivery_date"]
    search_fields = ["number", "recipient_name", "recipient_phone", "customer__name", "customer__phone"]
    list_select_related = ["shop", "customer"]
    date_hierarchy = "delivery_date"
    inlines = [OrderItemInline, OrderPhotoInline]
    readonly_fields = [
        "shop",
        "number",
        "status",
        "customer",
        "delivery_method",
        "subtotal",
        "delivery_fee",
        "discount",
        "total",
        "paid_amount",
        "payment_status",
        "florist",
        "courier",
        "tracking_token",
        "issue_type",
        "issue_comment",
        "cancel_reason",
        "created_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.readonly_fields, *EDITABLE, "transition_to", "transition_reason"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # orders are taken through the API, which prices them from the catalog

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders are cancelled, never deleted

    def _role(self, request: HttpRequest, order: Order) -> str:
        if request.user.is_superuser:
            return "admin"
        return back_office_roles(request).get(order.shop_id, "")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        choices = [("", "—")]
        if obj is not None:
            allowed = allowed_transitions(obj, role=self._role(request, obj), user_id=request.user.pk)
            choices += [(s, OrderStatus(s).label) for s in allowed]
        cast(forms.ChoiceField, form.base_fields["transition_to"]).choices = choices
        return form

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        actor = cast(User, request.user)
        original = Order.objects.get(pk=obj.pk)
        try:
            changed = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
            if changed:
                updated = services.order_update(order=original, actor=actor, data=changed)
                self.warn(request, order_warnings(updated))
            target = form.cleaned_data.get("transition_to")
            if target:
                result = services.order_transition(
                    order=original,
                    to=target,
                    actor=actor,
                    role=self._role(request, original),
                    reason=form.cleaned_data.get("transition_reason", ""),
                )
                self.warn(request, result.warnings)
        except DomainError as exc:
            self.refuse(request, exc)
