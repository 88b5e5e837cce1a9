"""Orders in the back office: the dispatcher's list, and taking and editing an order.

Every write goes through the services the API uses: the add form is validated by the API's
``OrderCreateSerializer`` and saved by ``order_create`` (prices from the catalog), the change
form by ``OrderUpdateSerializer`` and ``order_update``. A refusal of either is shown on the
form, in words, with everything the manager typed still there, and nothing is written. The
status, payments, assignments, comments and the timeline are the order desk's
(``apps.orders.admin_desk.OrderDeskMixin``).

"Today" in the list's delivery filter is each shop's own day (``flowercrm.admin_filters``):
a superuser looking at shops in several zones gets every shop's own today.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import ForeignKey, Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.customers.models import Source
from apps.exchange.admin import ExchangeAdminMixin
from apps.orders import services
from apps.orders.admin_desk import OrderDeskMixin
from apps.orders.api.serializers.input import OrderCreateSerializer, OrderUpdateSerializer
from apps.orders.models import (
    FINAL_STATUSES,
    DeliveryMethod,
    Order,
    OrderItem,
    OrderPhoto,
    OrderStatus,
    PaymentStatus,
)
from apps.orders.warnings import order_warnings
from apps.shops.models import Shop
from flowercrm import roles
from flowercrm.admin import (
    ShopScopedAdmin,
    ShopScopedInline,
    ShopScopedReadOnlyInline,
    back_office_roles,
    image_preview,
)
from flowercrm.admin_filters import ShopDateListFilter, eligible_member_filter
from flowercrm.errors import DomainError
from flowercrm.limits import QUANTITY_MAX

# --- The list -------------------------------------------------------------------------------

STATUS_COLOURS = {
    OrderStatus.NEW: "#1f6feb",
    OrderStatus.CONFIRMED: "#6f42c1",
    OrderStatus.IN_PRODUCTION: "#d97706",
    OrderStatus.ASSEMBLED: "#0d9488",
    OrderStatus.READY_FOR_PICKUP: "#7c3aed",
    OrderStatus.OUT_FOR_DELIVERY: "#0284c7",
    OrderStatus.DELIVERED: "#15803d",
    OrderStatus.CANCELLED: "#6b7280",
}
PAYMENT_COLOURS = {
    PaymentStatus.UNPAID: "#b91c1c",
    PaymentStatus.PARTIALLY_PAID: "#d97706",
    PaymentStatus.PAID: "#15803d",
    PaymentStatus.REFUNDED: "#6b7280",
}
ADDRESS_CHARS = 36


def badge(label: object, colour: str) -> str:
    return format_html(
        # A long label ("Готов к выдаче") may wrap inside its badge rather than widen the table.
        '<span style="display:inline-block;background:{};color:#fff;padding:1px 7px;border-radius:9px;'
        'font-size:11px;line-height:1.35;text-align:center">{}</span>',
        colour,
        label,
    )


class DeliveryDateFilter(ShopDateListFilter):
    """``?delivery=today|tomorrow|week`` and ``?delivery_from=…&delivery_to=…`` (the dashboard
    links here with these names)."""

    title = _("delivery date")
    parameter = "delivery"
    field = "delivery_date"


class PaymentFilter(admin.SimpleListFilter):
    """``?payment=unpaid|partial|paid|refunded|owing``; ``owing`` is what the shop still has
    to collect: unpaid or partially paid, not cancelled."""

    title = _("payment status")
    parameter_name = "payment"
    OWING = "owing"
    STATUSES = {
        "unpaid": PaymentStatus.UNPAID,
        "partial": PaymentStatus.PARTIALLY_PAID,
        "paid": PaymentStatus.PAID,
        "refunded": PaymentStatus.REFUNDED,
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            *((value, status.label) for value, status in self.STATUSES.items()),
            (self.OWING, _("Owing (unpaid or partly paid)")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == self.OWING:
            return queryset.filter(payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID]).exclude(
                status=OrderStatus.CANCELLED
            )
        if value in self.STATUSES:
            return queryset.filter(payment_status=self.STATUSES[value])
        return queryset


# --- Items ----------------------------------------------------------------------------------


class ActiveProductAutocomplete(AutocompleteJsonView):
    """The item inline's product search: active products of the user's shops (of the order's
    shop when the widget knows it), with their price."""

    def get_queryset(self) -> QuerySet[Any]:
        products = super().get_queryset().filter(is_active=True)
        shop = self.request.GET.get("shop", "")
        return products.filter(shop_id=int(shop)) if shop.isdigit() and len(shop) < 19 else products

    def serialize_result(self, obj: Model, to_field_name: str) -> dict[str, str]:
        product = cast(Product, obj)
        price = number_format(product.effective_price, decimal_pos=2, force_grouping=True)
        return {"id": str(getattr(product, to_field_name)), "text": f"{product.name} · {price}"}


class ProductSelect(AutocompleteSelect):
    """The admin's autocomplete widget, asking ``ActiveProductAutocomplete`` instead."""

    url_name = "%s:orders_order_product_autocomplete"

    def __init__(self, *args: Any, shop_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shop_id = shop_id

    def get_url(self) -> str:
        url = super().get_url()
        return f"{url}?shop={self.shop_id}" if self.shop_id else url


class ItemForm(forms.ModelForm):
    # The bounds of an ordered quantity (the API's and the database's), so a 0 is an error on
    # its row rather than a constraint's message.
    quantity = forms.IntegerField(label=capfirst(_("quantity")), min_value=1, max_value=QUANTITY_MAX, initial=1)

    class Meta:
        model = OrderItem
        fields = ["product", "quantity"]


class ItemFormSet(BaseInlineFormSet):
    def lines(self) -> list[dict[str, int]]:
        """The rows as the API's ``items``: ``[{"product_id", "quantity"}]``."""
        return [
            {"product_id": form.cleaned_data["product"].pk, "quantity": form.cleaned_data["quantity"]}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("product")
        ]


class OrderItemInline(ShopScopedInline):
    """Items: a product and a quantity. Prices come from the catalog when the order is saved
    and are shown afterwards; the list is replaced as a whole (while the order is new or
    confirmed, the service's rule)."""

    model = OrderItem
    form = ItemForm
    formset = ItemFormSet
    fields = ["product", "quantity", "unit_price", "line_total"]
    readonly_fields = ["unit_price", "line_total"]
    autocomplete_fields = ["product"]

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 2 if obj is None else 0

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("product")

    def _items_open(self, obj: Any) -> bool:
        return obj is None or obj.status in (OrderStatus.NEW, OrderStatus.CONFIRMED)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._items_open(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._items_open(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._items_open(obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._order_shop_id = obj.shop_id if obj is not None else _implicit_shop_id(request)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "product":
            kwargs["widget"] = ProductSelect(
                db_field, self.admin_site, shop_id=getattr(self, "_order_shop_id", None), using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrderPhotoInline(ShopScopedReadOnlyInline):
    """The order's photos with previews (added and removed through the API, which removes the
    files)."""

    model = OrderPhoto
    fields = readonly_fields = ("preview", "kind", "created_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("image", "created_by")

    @admin.display(description=_("Photo"))
    def preview(self, obj: OrderPhoto) -> str:
        return image_preview(obj.image, height=120)


# --- The form -------------------------------------------------------------------------------

# The order's details on the form, in the API's names (``delivery_zone`` is ``delivery_zone_id``
# there); the service's DETAIL_FIELDS plus the zone and the money a manager enters.
DETAILS = [*services.DETAIL_FIELDS, "delivery_zone", *services.MONEY_FIELDS]
# Form fields named differently in the API body (and so in its errors).
API_NAMES = {"delivery_zone": "delivery_zone_id", "customer": "customer_id"}
FORM_NAMES = {**{api: form for form, api in API_NAMES.items()}, "customer_obj": "customer"}


class OrderForm(forms.ModelForm):
    new_customer_phone = forms.CharField(
        label=capfirst(_("new buyer's phone")),
        required=False,
        max_length=32,
        help_text=_("When the buyer is not found above: any format, e.g. 8 701 123 45 67."),
    )
    new_customer_name = forms.CharField(label=capfirst(_("new buyer's name")), required=False, max_length=150)
    source = forms.ChoiceField(label=capfirst(_("source")), required=False, choices=[("", "—"), *Source.choices])
    delivery_fee = forms.DecimalField(
        label=capfirst(_("delivery fee")),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=_("Empty: the zone's fee, else the shop's default (0 for pickup)."),
    )
    discount = forms.DecimalField(
        label=capfirst(_("discount")), required=False, min_value=Decimal(0), max_digits=12, decimal_places=2
    )

    # What the services refused on the previous try of this very POST (see OrderAdmin).
    refusal: Mapping[str | None, list[str]] | None = None

    class Meta:
        model = Order
        fields: list[str] = []
        widgets = {
            "card_text": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "comment": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "customer" in self.fields:  # or a new buyer's phone (checked in clean)
            self.fields["customer"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.instance.pk is None and "customer" in self.fields:
            picked, phone = cleaned.get("customer"), cleaned.get("new_customer_phone", "").strip()
            if picked and phone:
                self.add_error("new_customer_phone", gettext("A buyer is picked above: clear one of the two."))
            elif not picked and not phone and "customer" not in self.errors:
                self.add_error("customer", gettext("Find the buyer or enter a new buyer's phone below."))
        for field, errors in (self.refusal or {}).items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)
        return cleaned


class _Refused(Exception):
    """A serializer or a service refused the save; the form is shown again with these errors."""

    def __init__(self, errors: Mapping[str | None, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _messages(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [m for key, v in value.items() for m in _messages(v) if key]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _messages(v)]
    return [str(value)] if str(value) else []


def _refusal(errors: Mapping[str, Any]) -> dict[str | None, list[str]]:
    """An API error body's ``errors`` (nested like the payload) as form errors in words:
    ``{form field or None: [messages]}``; items become "Line 2: …"."""
    result: dict[str | None, list[str]] = {}

    def add(field: str | None, messages_: list[str]) -> None:
        result.setdefault(field, []).extend(messages_)

    for key, value in errors.items():
        if key == "items" and isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            for number, line in enumerate(value, start=1):
                for message in _messages(line):
                    add(None, [gettext("Line %(number)s: %(message)s") % {"number": number, "message": message}])
        elif key == "items":
            add(None, [gettext("Items: %(message)s") % {"message": m} for m in _messages(value)])
        elif key == "customer" and isinstance(value, Mapping):
            for part, nested in value.items():
                add("new_customer_phone" if part == "phone" else "new_customer_name", _messages(nested))
        elif key in ("non_field_errors", "detail"):
            add(None, _messages(value))
        else:
            add(FORM_NAMES.get(key, key), _messages(value))
    return result


def _domain_refusal(exc: DomainError) -> dict[str | None, list[str]]:
    errors = exc.extra.get("errors")
    if isinstance(errors, Mapping) and errors:
        return _refusal(errors)
    return {None: [str(exc.detail)]}


def _implicit_shop_id(request: HttpRequest) -> int | None:
    """The one shop a staff user takes orders for, when there is only one."""
    if request.user.is_superuser:
        return None
    shops = [sid for sid, role in back_office_roles(request).items() if roles.can(role, "orders", roles.WRITE)]
    return shops[0] if len(shops) == 1 else None


def _api_value(name: str, value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    return "" if value is None and name in ("source",) else value


# --- The admin ------------------------------------------------------------------------------


@admin.register(Order)
class OrderAdmin(OrderDeskMixin, ExchangeAdminMixin, ShopScopedAdmin):
    exchange_kind = "orders"  # import page and "export selected" (apps.exchange.admin)
    area = "orders"
    form = OrderForm
    list_display = [
        "number",
        "status_badge",
        "delivery",
        "recipient",
        "short_address",
        "people",
        "money",
    ]
    list_display_links = ["number"]
    list_select_related = ["shop", "florist", "courier"]
    list_per_page = 50
    search_fields = ["number"]  # the box; the search itself is the kernel's folded search_text
    search_help_text = _("Number, a name in any case, or a phone in any format (8 701…, +7 (701)…, 701…).")
    show_facets = admin.ShowFacets.NEVER
    ordering = ["-delivery_date", "delivery_time_from", "-id"]
    autocomplete_fields = ["customer"]
    inlines = [OrderItemInline, OrderPhotoInline]

    # -- list ----------------------------------------------------------------------------

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        if self._multi_shop(request):
            columns.insert(1, "shop")
        return columns

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters: list[Any] = [
            DeliveryDateFilter,
            "status",
            PaymentFilter,
            ("florist", eligible_member_filter(roles.ELIGIBLE_FLORIST_ROLES)),
            ("courier", eligible_member_filter(roles.ELIGIBLE_COURIER_ROLES)),
            "delivery_method",
        ]
        if self._multi_shop(request):
            filters.append(("shop", admin.RelatedOnlyFieldListFilter))
        return filters

    def _multi_shop(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) or len(self._shops_with(request, roles.READ)) > 1

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Order) -> str:
        return badge(obj.get_status_display(), STATUS_COLOURS.get(OrderStatus(obj.status), "#6b7280"))

    @admin.display(description=_("delivery"), ordering="delivery_date")
    def delivery(self, obj: Order) -> str:
        day = obj.delivery_date.strftime("%d.%m")
        start, end = obj.delivery_time_from, obj.delivery_time_to
        if start is None or end is None:
            window = gettext("any time")
        elif start == end:
            window = start.strftime("%H:%M")
        else:
            window = f"{start:%H:%M}–{end:%H:%M}"
        # Either part stays whole; a narrow column puts the window under the date.
        return format_html(
            '<span style="white-space:nowrap">{} ·</span> <span style="white-space:nowrap">{}</span>', day, window
        )

    @admin.display(description=_("recipient"))
    def recipient(self, obj: Order) -> str:
        if not obj.recipient_name and not obj.recipient_phone:
            return "—"
        return format_html(
            '<span style="overflow-wrap:anywhere">{}</span><br><small style="white-space:nowrap">{}</small>',
            obj.recipient_name,
            obj.recipient_phone,
        )

    @admin.display(description=_("address"))
    def short_address(self, obj: Order) -> str:
        if obj.delivery_method == DeliveryMethod.PICKUP:
            return gettext("pickup")
        if not obj.delivery_address.strip():
            return gettext("to be clarified")
        return format_html(
            '<span title="{}" style="overflow-wrap:anywhere">{}</span>',
            obj.delivery_address,
            Truncator(obj.delivery_address).chars(ADDRESS_CHARS),
        )

    # Two facts per cell keep the table within a 1,366 px screen beside the filters.
    @admin.display(description=_("people"))
    def people(self, obj: Order) -> str:
        def name(user: User | None) -> str:
            return (user.name or user.phone) if user is not None else "—"

        return format_html(
            '<span title="{}" style="overflow-wrap:anywhere">{}</span><br>'
            '<span title="{}" style="overflow-wrap:anywhere">{}</span>',
            gettext("florist"),
            name(obj.florist),
            gettext("courier"),
            name(obj.courier),
        )

    @admin.display(description=_("sum"), ordering="total")
    def money(self, obj: Order) -> str:
        status = PaymentStatus(obj.payment_status)
        return format_html(
            '<span style="white-space:nowrap">{}</span><br>{}',
            number_format(obj.total, decimal_pos=2, force_grouping=True),
            badge(status.label, PAYMENT_COLOURS.get(status, "#6b7280")),
        )

    # -- permissions ---------------------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders are cancelled, never deleted

    # -- the form ------------------------------------------------------------------------

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        inlines = list(super().get_inlines(request, obj))
        return inlines if obj is not None else [i for i in inlines if i is not OrderPhotoInline]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        delivery = [
            "delivery_method",
            "delivery_zone",
            "delivery_address",
            ("delivery_entrance", "delivery_floor", "delivery_intercom"),
            ("address_needs_clarification", "call_before", "surprise"),
            "delivery_date",
            ("delivery_time_from", "delivery_time_to"),
        ]
        if obj is None:
            buyer: list[Any] = ["customer", ("new_customer_phone", "new_customer_name")]
            if _implicit_shop_id(request) is None:
                buyer.insert(0, "shop")
            money: list[Any] = ["delivery_fee", "discount"]
            head: list[Any] = [(_("Buyer"), {"fields": buyer})]
        else:
            money = ["delivery_fee", "discount", ("subtotal", "total"), ("paid_amount", "payment_status")]
            head = [
                (
                    _("Order"),
                    {"fields": [("number", "status"), "shop", "customer", ("florist", "courier"), "created_at"]},
                ),
            ]
        return [
            *head,
            (_("Recipient"), {"fields": ["recipient_name", "recipient_phone", "is_anonymous"]}),
            (_("Delivery"), {"fields": delivery}),
            (_("Card and comment"), {"fields": ["card_text", "comment", "source"]}),
            (_("Money"), {"fields": money}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        fixed = [
            "number",
            "status",
            "shop",
            "customer",
            "florist",
            "courier",
            "created_at",
            "subtotal",
            "total",
            "paid_amount",
            "payment_status",
        ]
        if obj.status in FINAL_STATUSES:  # closed: the service edits nothing any more
            return [*fixed, *DETAILS]
        return fixed

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_flowercrm_order_refusal", None)
        return type(form.__name__, (form,), {"refusal": refusal})

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "delivery_zone" and field is not None and self._multi_shop(request):
            field.queryset = cast(QuerySet[Any], field.queryset).select_related("shop")
            field.label_from_instance = lambda zone: f"{zone.shop} · {zone}"  # type: ignore[method-assign,assignment]
        return field

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "product-autocomplete/",
                self.admin_site.admin_view(ActiveProductAutocomplete.as_view(admin_site=self.admin_site)),
                name="orders_order_product_autocomplete",
            ),
            *super().get_urls(),
        ]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as exc:
            # The refused attempt was rolled back (the admin's transaction); show the same POST
            # again with the reasons on the form, so nothing the manager typed is lost.
            request._flowercrm_order_refusal = exc.errors  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        """Nothing is saved from the form itself: ``save_related`` hands the details and the
        items to the service in one call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        items = next((fs for fs in formsets if isinstance(fs, ItemFormSet)), None)
        for formset in formsets:
            if formset is not items:
                self.save_formset(request, form, formset, change)
        if items is not None:  # saved by the service, not by the formset (the change message reads these)
            items.new_objects, items.changed_objects, items.deleted_objects = [], [], []
        actor = cast(User, request.user)
        try:
            if change:
                order = self._update(request, form, items, actor)
            else:
                order = self._create(request, form, items, actor)
        except DomainError as exc:
            raise _Refused(_domain_refusal(exc)) from exc
        if order is None:
            return
        instance: Order = form.instance
        for field in Order._meta.concrete_fields:
            setattr(instance, field.attname, getattr(order, field.attname))
        instance._state.adding = False
        self.warn(request, order_warnings(order))

    def _payload(self, form: Any, names: list[str]) -> dict[str, Any]:
        return {API_NAMES.get(name, name): _api_value(name, form.cleaned_data.get(name)) for name in names}

    def _create(self, request: HttpRequest, form: Any, items: ItemFormSet | None, actor: User) -> Order:
        cleaned = form.cleaned_data
        shop_id = _implicit_shop_id(request) or (cleaned["shop"].pk if cleaned.get("shop") else None)
        if shop_id is None:
            raise _Refused({"shop": [gettext("Choose the shop that takes the order.")]})
        shop = Shop.objects.get(pk=shop_id)
        body = self._payload(form, [n for n in DETAILS if n in form.fields and cleaned.get(n) not in (None, "")])
        if cleaned.get("customer"):
            body["customer_id"] = cleaned["customer"].pk
        else:
            body["customer"] = {"phone": cleaned["new_customer_phone"], "name": cleaned.get("new_customer_name", "")}
        lines = items.lines() if items is not None else []
        if lines:  # none: the serializer says the items are required
            body["items"] = lines
        data = OrderCreateSerializer(data=body, context={"shop": shop})
        if not data.is_valid():
            raise _Refused(_refusal(data.errors))
        return services.order_create(shop=shop, actor=actor, data=data.validated_data)

    def _update(self, request: HttpRequest, form: Any, items: ItemFormSet | None, actor: User) -> Order | None:
        order = Order.objects.select_related("shop").get(pk=form.instance.pk)
        changed = [n for n in DETAILS if n in form.changed_data]
        body = self._payload(form, changed)
        for name in ("delivery_fee", "discount"):  # emptied: keep the amount as it is
            if name in body and body[name] is None:
                del body[name]
        if items is not None and items.has_changed():
            body["items"] = items.lines()
        if not body:
            return None
        data = OrderUpdateSerializer(data=body, partial=True, context={"shop": order.shop})
        if not data.is_valid():
            raise _Refused(_refusal(data.errors))
        return services.order_update(order=order, actor=actor, data=data.validated_data)

    def response_add(self, request: HttpRequest, obj: Order, post_url_continue: str | None = None) -> HttpResponse:
        """After taking an order, show it: its prices come from the catalog and are seen only
        now."""
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        messages.success(
            request,
            gettext("Order №%(number)s is taken: total %(total)s.")
            % {"number": obj.number, "total": number_format(obj.total, decimal_pos=2, force_grouping=True)},
        )
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[obj.pk]))
