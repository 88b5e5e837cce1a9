"""The order desk on the admin's order page: transitions, payments and refunds, florist and
courier assignment, comments, the timeline in words and the print views.

``OrderDeskMixin`` is mixed into ``OrderAdmin`` (``apps/orders/admin.py``); every write goes
through ``apps.orders.services``. Each action is a POST (CSRF by ``admin_view``) to
``<id>/desk/<action>/`` that answers with a redirect to the change page and a message: the
order must be one of the user's shops' (else 404) and the user an admin or a manager there
(else 403); a refusal of the service is an error message in words, its ``warnings`` warning
messages. Assembly with other stems than the recipe's (``consumption``) is the API's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.orders import services
from apps.orders.models import EventType, Order, OrderStatus, PaymentMethod
from apps.orders.status import allowed_transitions, transition_for
from apps.orders.timeline import actor_name, field_label, money_text, order_timeline
from apps.orders.tracking import tracking_url
from apps.shops.models import Shop
from apps.shops.selectors import eligible_staff
from flowercrm.admin import ShopScopedAdmin, back_office_roles
from flowercrm.errors import DomainError
from flowercrm.limits import MONEY_MAX
from flowercrm.roles import BACK_OFFICE_ROLES, ELIGIBLE_COURIER_ROLES, ELIGIBLE_FLORIST_ROLES, Role

# Who may be assigned: the API's rule (``EligibleMemberField`` with these roles), an active
# membership of the order's shop; a test holds the two together.
ELIGIBLE_ROLES = {"florist": ELIGIBLE_FLORIST_ROLES, "courier": ELIGIBLE_COURIER_ROLES}


def eligible_members(*, shop: Shop, duty: str) -> QuerySet[User]:
    """The people of ``shop`` who may be its order's florist or courier (``duty``)."""
    return eligible_staff(shop=shop, roles=ELIGIBLE_ROLES[duty])


# --- Forms ----------------------------------------------------------------------------------


class TransitionForm(forms.Form):
    # Any status: a move the table or the role does not allow is the service's refusal.
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=OrderStatus.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=1000)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MONEY_MAX,
        widget=forms.NumberInput(attrs={"placeholder": gettext_lazy("Amount"), "step": "0.01"}),
    )
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=PaymentMethod.choices)
    external_id = forms.CharField(
        label=gettext_lazy("External id"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("External id (optional)")}),
    )
    refund = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return actor_name(obj)


class AssignForm(forms.Form):
    duty = forms.ChoiceField(
        choices=[("florist", gettext_lazy("Florist")), ("courier", gettext_lazy("Courier"))],
        widget=forms.HiddenInput,
    )
    person = PersonChoiceField(
        label=gettext_lazy("Person"), queryset=User.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, shop: Shop, duty: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{duty}_%s")
        super().__init__(*args, **kwargs)
        self.fields["duty"].initial = duty
        field = cast(PersonChoiceField, self.fields["person"])
        field.queryset = eligible_members(shop=shop, duty=duty)
        field.label = _("Florist") if duty == "florist" else _("Courier")


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("A note for the team")}),
    )


# --- Messages in words ----------------------------------------------------------------------


def _flatten(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [text for key, item in value.items() for text in _prefixed(str(key), _flatten(item))]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _flatten(item)]
    return [str(value)] if value not in (None, "") else []


def _prefixed(key: str, texts: list[str]) -> list[str]:
    return texts if key in ("non_field_errors", "__all__") else [f"{field_label(key)}: {text}" for text in texts]


def refusal_text(exc: DomainError, labels: Mapping[str, Any] | None = None) -> str:
    """A service's refusal as one sentence: its detail and what it says about each field
    (named by the form's labels), never a raw dict."""
    parts = [str(exc.detail)]
    errors = exc.extra.get("errors")
    if isinstance(errors, Mapping):
        for name, value in errors.items():
            texts = _flatten(value)
            if not texts:
                continue
            if name in ("non_field_errors", "__all__"):
                parts.append("; ".join(texts))
            else:
                label = (labels or {}).get(name) or field_label(str(name))
                parts.append(f"{label}: {'; '.join(texts)}")
    for line in exc.extra.get("missing") or []:
        if isinstance(line, Mapping):
            parts.append(
                _("%(name)s: needed %(needed)s, on hand %(on_hand)s")
                % {"name": line.get("name", ""), "needed": line.get("needed", ""), "on_hand": line.get("on_hand", "")}
            )
    return " ".join(part for part in parts if part)


def form_errors_text(form: forms.Form) -> str:
    """A form's errors in words: «Сумма: Убедитесь, что это значение больше либо равно 0.01.»"""
    parts = []
    for name, errors in form.errors.items():
        texts = " ".join(str(error) for error in errors)
        field = form.fields.get(name)
        parts.append(f"{field.label}: {texts}" if field is not None and field.label else texts)
    return " ".join(parts)


# --- The mixin ------------------------------------------------------------------------------


class OrderDeskMixin(ShopScopedAdmin):
    """Extra admin views and change-page context for orders."""

    desk_actions = ("transition", "payment", "assign", "comment")

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        views: dict[str, Callable[..., HttpResponse]] = {
            "transition": self.desk_transition_view,
            "payment": self.desk_payment_view,
            "assign": self.desk_assign_view,
            "comment": self.desk_comment_view,
        }
        own = [
            path(
                f"<path:object_id>/desk/{action}/",
                self.admin_site.admin_view(view),
                name="{}_{}_desk_{}".format(*info, action),
            )
            for action, view in views.items()
        ]
        own += [
            path(
                "<path:object_id>/print/",
                self.admin_site.admin_view(self.print_sheet_view),
                name="{}_{}_print".format(*info),
            ),
            path(
                "<path:object_id>/card/",
                self.admin_site.admin_view(self.print_card_view),
                name="{}_{}_card".format(*info),
            ),
        ]
        return own + super().get_urls()

    # --- who may act -------------------------------------------------------------------

    def desk_role(self, request: HttpRequest, order: Order) -> str:
        """The user's role in the order's shop (a superuser is an admin; "" for none)."""
        if request.user.is_superuser:
            return Role.ADMIN
        return back_office_roles(request).get(order.shop_id, "")

    def _visible_order(self, request: HttpRequest, object_id: str) -> Order:
        order = self.get_object(request, unquote(object_id))
        if order is None or not self.has_view_permission(request, order):
            raise Http404
        return cast(Order, order)

    def _acting_order(self, request: HttpRequest, object_id: str) -> tuple[Order, str]:
        order = self._visible_order(request, object_id)
        role = self.desk_role(request, order)
        if role not in BACK_OFFICE_ROLES or not self.has_change_permission(request, order):
            raise PermissionDenied
        return order, role

    def _desk_action(
        self, request: HttpRequest, object_id: str, run: Callable[[Order, str, User], None]
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order, role = self._acting_order(request, object_id)
        try:
            run(order, role, cast(User, request.user))
        except DomainError as exc:
            messages.error(request, refusal_text(exc))
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[order.pk])
        )

    # --- actions -----------------------------------------------------------------------

    def desk_transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(order: Order, role: str, actor: User) -> None:
            form = TransitionForm(request.POST)
            if not form.is_valid():
                messages.error(request, form_errors_text(form))
                return
            to = form.cleaned_data["status"]
            try:
                result = services.order_transition(
                    order=order, to=to, actor=actor, role=role, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                messages.error(request, refusal_text(exc, {"reason": form.fields["reason"].label}))
                return
            messages.success(
                request,
                _("Order №%(number)s: %(status)s.") % {"number": order.number, "status": OrderStatus(to).label},
            )
            self.warn(request, result.warnings)

        return self._desk_action(request, object_id, run)

    def desk_payment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(order: Order, role: str, actor: User) -> None:
            form = PaymentForm(request.POST)
            if not form.is_valid():
                messages.error(request, form_errors_text(form))
                return
            data = form.cleaned_data
            amount = -data["amount"] if data["refund"] else data["amount"]
            try:
                services.payment_record(
                    order=order, actor=actor, amount=amount, method=data["method"], external_id=data["external_id"]
                )
            except DomainError as exc:
                messages.error(request, refusal_text(exc, {name: f.label for name, f in form.fields.items()}))
                return
            text = money_text(abs(amount), order.shop.currency)
            if amount < 0:
                messages.success(request, _("Refund of %(amount)s recorded.") % {"amount": text})
            else:
                messages.success(request, _("Payment of %(amount)s recorded.") % {"amount": text})

        return self._desk_action(request, object_id, run)

    def desk_assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(order: Order, role: str, actor: User) -> None:
            duty = request.POST.get("duty", "")
            if duty not in ELIGIBLE_ROLES:
                messages.error(request, _("Choose whom to assign: a florist or a courier."))
                return
            form = AssignForm(request.POST, shop=order.shop, duty=duty)
            if not form.is_valid():
                messages.error(request, form_errors_text(form))
                return
            person = form.cleaned_data["person"]
            if getattr(order, f"{duty}_id") == (person.pk if person else None):
                messages.info(request, _("Nothing changed."))
                return
            services.order_update(order=order, actor=actor, data={duty: person})
            if person is None:
                text = _("Florist unassigned.") if duty == "florist" else _("Courier unassigned.")
            else:
                text = (_("Florist: %(name)s.") if duty == "florist" else _("Courier: %(name)s.")) % {
                    "name": actor_name(person)
                }
            messages.success(request, text)

        return self._desk_action(request, object_id, run)

    def desk_comment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(order: Order, role: str, actor: User) -> None:
            form = CommentForm(request.POST)
            if not form.is_valid():
                messages.error(request, form_errors_text(form))
                return
            services.order_comment_add(order=order, actor=actor, text=form.cleaned_data["text"])
            messages.success(request, _("Comment added."))

        return self._desk_action(request, object_id, run)

    # --- the change page -----------------------------------------------------------------

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        order = self.get_object(request, unquote(object_id))
        if order is not None and self.has_view_permission(request, order):
            context["desk"] = self.desk_context(request, cast(Order, order))
        return super().change_view(request, object_id, form_url, context)

    def _url(self, name: str, order: Order) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=[order.pk])

    def desk_context(self, request: HttpRequest, order: Order) -> dict[str, Any]:
        """What the desk shows: the buttons of ``allowed_transitions``, payments with totals,
        the assignment and comment forms, the timeline, the print links."""
        shop = order.shop
        currency = shop.currency
        role = self.desk_role(request, order)
        can_act = role in BACK_OFFICE_ROLES and self.has_change_permission(request, order)
        transitions = []
        if can_act:
            for status in allowed_transitions(order, role=role, user_id=request.user.pk):
                row = transition_for(order, status)
                transitions.append(
                    {
                        "status": status,
                        "label": OrderStatus(status).label,
                        "reason_required": bool(row and row.reason_required),
                        "danger": status == OrderStatus.CANCELLED,
                    }
                )
        zone = shop.zoneinfo
        payments = [
            {
                "moment": payment.paid_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
                "amount": money_text(payment.amount, currency),
                "refund": payment.amount < 0,
                "method": payment.get_method_display(),
                "external_id": payment.external_id,
                "actor": actor_name(payment.actor),
            }
            for payment in order.payments.select_related("actor").order_by("paid_at", "id")
        ]
        timeline = order_timeline(order)
        return {
            "order": order,
            "can_act": can_act,
            "status_label": order.get_status_display(),
            "transitions": transitions,
            "payments": payments,
            "total": money_text(order.total, currency),
            "paid": money_text(order.paid_amount, currency),
            "due": money_text(order.amount_due, currency),
            "payment_status": order.get_payment_status_display(),
            "payment_form": PaymentForm(auto_id="id_pay_%s", initial={"amount": order.amount_due or None}),
            "refund_form": PaymentForm(auto_id="id_refund_%s", initial={"refund": True}),
            "assign_forms": [
                AssignForm(shop=shop, duty=duty, initial={"person": getattr(order, f"{duty}_id")})
                for duty in ELIGIBLE_ROLES
            ]
            if can_act
            else [],
            "florist": actor_name(order.florist) if order.florist_id else "",
            "courier": actor_name(order.courier) if order.courier_id else "",
            "comment_form": CommentForm(),
            "timeline": list(reversed(timeline)),
            "urls": {
                **{action: self._url(f"desk_{action}", order) for action in self.desk_actions},
                "print": self._url("print", order),
                "card": self._url("card", order),
                # The buyer's tracking page, to copy into a message (what the API answers too).
                "tracking": tracking_url(order, request=request),
            },
        }

    # --- print views ---------------------------------------------------------------------

    def print_sheet_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The order sheet: who, whom, where, when, what (prices unless ``?prices=0``, the
        florist's copy), the card text and the comments; no admin chrome."""
        order = self._visible_order(request, object_id)
        shop = order.shop
        currency = shop.currency
        with_prices = request.GET.get("prices") != "0"
        items = [
            {
                "name": item.name,
                "quantity": item.quantity,
                "unit_price": money_text(item.unit_price, currency),
                "line_total": money_text(item.line_total, currency),
            }
            for item in order.items.all()
        ]
        comments = [
            entry
            for entry in order_timeline(order)
            if entry.event.type == EventType.COMMENT  # the timeline's one query, the actors with it
        ]
        context = {
            "order": order,
            "shop": shop,
            "customer": order.customer,
            "created": order.created_at.astimezone(shop.zoneinfo).strftime("%d.%m.%Y %H:%M"),
            "items": items,
            "with_prices": with_prices,
            "subtotal": money_text(order.subtotal, currency),
            "delivery_fee": money_text(order.delivery_fee, currency),
            "discount": money_text(order.discount, currency) if order.discount else "",
            "total": money_text(order.total, currency),
            "paid": money_text(order.paid_amount, currency),
            "due": money_text(order.amount_due, currency),
            "florist": actor_name(order.florist) if order.florist_id else "",
            "courier": actor_name(order.courier) if order.courier_id else "",
            "comments": comments,
            "title": _("Order №%(number)s") % {"number": order.number},
        }
        return TemplateResponse(request, "admin/orders/order/print_sheet.html", context)

    def print_card_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The greeting card's text alone, large and centred, to print on a card."""
        order = self._visible_order(request, object_id)
        context = {"order": order, "title": _("Card for order №%(number)s") % {"number": order.number}}
        return TemplateResponse(request, "admin/orders/order/print_card.html", context)
