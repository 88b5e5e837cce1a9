"""Every write to orders: intake, edits, the status machine, payments, comments, issues.

Each public service is atomic, locks the order row it changes, appends to the event log,
and leaves stock consistent with the order (reservations at confirmation, consumption at
assembly).

Lock order. Every write that touches orders takes its row locks in one global order, so two
writes never wait for each other in a cycle (PostgreSQL would kill one as a deadlock: a 500):

1. the shop's order counter (``OrderCounter``; only intake takes it);
2. customers, in ``id`` order (intake by phone or by id; ``apps.customers.services`` edits
   and merges, which never take the counter);
3. the order row (``FOR UPDATE OF`` the order only, never its customer or shop), then its
   production task;
4. stock items, all of a write's items at once, in ``id`` order (``_lock_stock``), before the
   warehouse services change them.

Intake takes the number *before* it looks up or locks the buyer: the foreign key to the
customer needs that row (``FOR KEY SHARE``) when the order commits, so a request that held the
counter while another held the customer and waited for the counter would deadlock. Nothing
that holds an order or stock lock ever waits for a counter or a customer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.catalog.models import Product
from apps.catalog.selectors import product_annotate
from apps.customers.models import Customer
from apps.orders.events import publish_order_event
from apps.orders.models import (
    DeliveryMethod,
    EventType,
    IssueType,
    Order,
    OrderCounter,
    OrderEvent,
    OrderItem,
    OrderReservation,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from apps.orders.notifications import schedule_notifications
from apps.orders.status import BEFORE_ASSEMBLY, role_may, transition_for
from apps.orders.warnings import OrderWarning, delivery_warnings, stock_warnings
from apps.production.services import task_follow_order, task_sync_florist
from apps.shops.models import DeliveryZone, Shop
from apps.warehouse.models import StockItem
from apps.warehouse.services import stock_consume, stock_release, stock_reserve
from flowercrm.errors import AddressRequired, Conflict, Forbidden, Invalid, InvalidTransition
from flowercrm.limits import MONEY_MAX
from flowercrm.locking import lock_row, lock_rows
from flowercrm.money import quantize_money
from flowercrm.roles import Role

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal("0.00")
S = OrderStatus

# Fields a PATCH may change while the order is open, in the event log's before/after.
DETAIL_FIELDS = (
    "recipient_name",
    "recipient_phone",
    "is_anonymous",
    "delivery_method",
    "delivery_address",
    "delivery_entrance",
    "delivery_floor",
    "delivery_intercom",
    "address_needs_clarification",
    "call_before",
    "surprise",
    "delivery_date",
    "delivery_time_from",
    "delivery_time_to",
    "card_text",
    "comment",
    "source",
)
MONEY_FIELDS = ("delivery_fee", "discount")
COURIER_ISSUES = frozenset({IssueType.RECIPIENT_UNAVAILABLE, IssueType.WRONG_ADDRESS})


money = quantize_money


def order_log_event(*, order: Order, type: str, actor: User | None, data: dict[str, Any] | None = None) -> OrderEvent:
    """Append to the order's event log (the history shown in the detail and replayed on /ws)
    and publish it to the order's live audiences once the transaction commits."""
    event = OrderEvent.objects.create(shop_id=order.shop_id, order=order, type=type, actor=actor, data=data or {})
    publish_order_event(order=order, event=event)
    schedule_notifications(event)
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(timespec="minutes") if isinstance(value, dt.time) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (Customer, DeliveryZone)):
        return value.pk
    return value


def _next_number(shop: Shop) -> int:
    """The next shop-local order number; the counter row is locked until commit, so
    concurrent creates get consecutive, unique numbers."""
    OrderCounter.objects.get_or_create(shop=shop)
    counter = OrderCounter.objects.select_for_update().get(shop=shop)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


# --- Items and money --------------------------------------------------------------------


def _build_items(*, shop: Shop, lines: list[Mapping[str, Any]]) -> list[OrderItem]:
    """Order lines priced from the catalog: ``[{"product": Product, "quantity": int}]``."""
    if not lines:
        raise Invalid({"items": ["Добавьте хотя бы одну позицию."]})
    ids = [line["product"].id for line in lines]
    products = {p.id: p for p in product_annotate(Product.objects.filter(shop=shop, id__in=ids))}
    errors: list[dict[str, Any]] = []
    items = []
    for line in lines:
        product = products.get(line["product"].id)
        if product is None or not product.is_active:
            errors.append({"product_id": ["Товар недоступен для заказа."]})
            continue
        unit_price = product.effective_price
        line_total = money(unit_price * line["quantity"])
        if line_total > MONEY_MAX:
            errors.append({"quantity": [f"Сумма строки больше {MONEY_MAX}."]})
            continue
        errors.append({})
        items.append(
            OrderItem(
                product=product,
                name=product.name,
                quantity=line["quantity"],
                unit_price=unit_price,
                unit_cost=product.cost,
                line_total=line_total,
            )
        )
    if any(errors):
        raise Invalid({"items": errors})
    return items


def _recompute_totals(order: Order, items: list[OrderItem]) -> None:
    order.subtotal = money(sum((item.line_total for item in items), ZERO))
    # Every amount is stored in 12 digits with 2 decimals (a larger sum would fail in the database).
    if order.subtotal > MONEY_MAX:
        raise Invalid({"items": [f"Сумма заказа больше {MONEY_MAX}."]})
    if order.discount > order.subtotal + order.delivery_fee:
        raise Invalid({"discount": ["Скидка больше суммы заказа с доставкой."]})
    order.total = order.subtotal + order.delivery_fee - order.discount
    if order.total > MONEY_MAX:
        raise Invalid({"delivery_fee": [f"Сумма заказа с доставкой больше {MONEY_MAX}."]})
    order.payment_status = payment_status_for(order, has_refund=None)


def _default_fee(shop: Shop, method: str, zone: DeliveryZone | None) -> Decimal:
    if method == DeliveryMethod.PICKUP:
        return ZERO
    if zone is not None:
        return zone.fee
    return shop.default_delivery_fee


def _validate_address(order: Order) -> None:
    if (
        order.delivery_method == DeliveryMethod.DELIVERY
        and not order.delivery_address.strip()
        and not order.address_needs_clarification
    ):
        raise Invalid({"delivery_address": ["Укажите адрес доставки или отметьте «адрес уточняется»."]})


def _buyer(*, shop: Shop, data: Mapping[str, Any]) -> Customer:
    """The buyer, locked (lock order step 2). Called with the counter already held."""
    from apps.customers.services import customer_upsert_by_phone

    if data.get("customer_obj") is not None:
        known: Customer = data["customer_obj"]
        # Merged away or deleted since the serializer found it: a 400 on the field, not a
        # foreign-key failure at commit.
        return lock_row(
            Customer.objects.filter(shop=shop),
            known.pk,
            vanished=Invalid({"customer_id": ["Клиент не найден: его удалили или объединили с другим."]}),
        )
    buyer = data["customer"]
    return customer_upsert_by_phone(
        shop=shop,
        phone=buyer["phone"],
        name=buyer.get("name", ""),
        email=buyer.get("email", ""),
        source=data.get("source", ""),
    )


# --- Create and edit --------------------------------------------------------------------


@transaction.atomic
def order_create(*, shop: Shop, actor: User, data: Mapping[str, Any]) -> Order:
    """Take an order. Prices come from the catalog (what the client sends is ignored); the
    buyer is found by phone (only blanks filled) or created; nothing is written unless all of
    it is valid."""
    order = Order(shop=shop, created_by=actor, status=S.NEW)
    for name in DETAIL_FIELDS:
        if name in data:
            setattr(order, name, data[name])
    order.delivery_zone = data.get("delivery_zone")
    _validate_address(order)
    items = _build_items(shop=shop, lines=data["items"])
    fee = data.get("delivery_fee")
    order.delivery_fee = fee if fee is not None else _default_fee(shop, order.delivery_method, order.delivery_zone)
    order.discount = data.get("discount") or ZERO
    _recompute_totals(order, items)
    # Counter first, then the customer (the module's lock order).
    order.number = _next_number(shop)
    order.customer = _buyer(shop=shop, data=data)
    order.save()
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    order_log_event(
        order=order,
        type=EventType.CREATED,
        actor=actor,
        data={"number": order.number, "total": str(order.total), "items": [[i.name, i.quantity] for i in items]},
    )
    return order


def _lock(order: Order) -> Order:
    # Only the order's row: the customer's services lock the customer, then its orders.
    return lock_row(Order.objects.select_for_update(of=("self",)).select_related("customer"), order.pk)


@transaction.atomic
def order_update(*, order: Order, actor: User, data: Mapping[str, Any]) -> Order:
    """Edit an open order: details until it is delivered or cancelled, items only while it is
    new or confirmed (the reservation follows), money and assignments by the office."""
    order = _lock(order)
    if order.status in (S.DELIVERED, S.CANCELLED):
        raise Conflict("Заказ закрыт и не редактируется.")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def change(name: str, value: Any) -> None:
        old = getattr(order, name)
        if old != value:
            before[name], after[name] = _jsonable(old), _jsonable(value)
            setattr(order, name, value)

    for name in DETAIL_FIELDS:
        if name in data:
            change(name, data[name])
    if "delivery_zone" in data:
        change("delivery_zone", data["delivery_zone"])
    if order.delivery_method == DeliveryMethod.PICKUP and "delivery_fee" not in data and "delivery_method" in after:
        change("delivery_fee", ZERO)
    for name in MONEY_FIELDS:
        if name in data and data[name] is not None:
            change(name, data[name])
    if order.delivery_time_from is not None and order.delivery_time_to is not None:
        if order.delivery_time_to < order.delivery_time_from:
            raise Invalid({"delivery_time_to": ["Окно доставки заканчивается раньше, чем начинается."]})
    elif (order.delivery_time_from is None) != (order.delivery_time_to is None):
        raise Invalid({"delivery_time_to": ["Укажите оба конца окна доставки или ни одного."]})
    _validate_address(order)

    items = list(order.items.all())
    if "items" in data:
        if order.status not in (S.NEW, S.CONFIRMED):
            raise Conflict("Состав заказа меняется только до начала сборки.")
        old_items = [[i.name, i.quantity] for i in items]
        order.items.all().delete()
        items = _build_items(shop=order.shop, lines=data["items"])
        for item in items:
            item.order = order
        OrderItem.objects.bulk_create(items)
        before["items"], after["items"] = old_items, [[i.name, i.quantity] for i in items]
        if order.status == S.CONFIRMED:
            _lock_stock(order.shop, [*order.reservations.values_list("stock_item_id", flat=True), *recipe_lines(order)])
            _release_reservations(order)
            _reserve(order)
    _recompute_totals(order, items)

    assigned = []
    for role_field in ("florist", "courier"):
        if role_field in data:
            old_user = getattr(order, role_field)
            new_user = data[role_field]
            if (old_user and old_user.pk) != (new_user and new_user.pk):
                setattr(order, role_field, new_user)
                assigned.append((role_field, old_user, new_user))
    order.save()
    if any(role_field == "florist" for role_field, _, _ in assigned):
        task_sync_florist(order=order)
    if before:
        order_log_event(order=order, type=EventType.EDITED, actor=actor, data={"before": before, "after": after})
    for role_field, old_user, new_user in assigned:
        order_log_event(
            order=order,
            type=EventType.ASSIGNED,
            actor=actor,
            data={
                "role": role_field,
                "before": {"id": old_user.pk, "name": old_user.name} if old_user else None,
                "after": {"id": new_user.pk, "name": new_user.name} if new_user else None,
            },
        )
    return order


# --- The status machine -----------------------------------------------------------------


@dataclass
class TransitionResult:
    order: Order
    shortages: list[dict[str, Any]] = field(default_factory=list)
    # Allowed but probably a mistake (``apps.orders.warnings``); answered as ``warnings``.
    warnings: list[OrderWarning] = field(default_factory=list)
    # What assembly took from on-hand stock: ``{stock_item_id: quantity}``.
    consumed: dict[int, int] = field(default_factory=dict)


def recipe_lines(order: Order) -> dict[int, int]:
    """``{stock_item_id: quantity}`` the order's items take by their recipes now."""
    lines: dict[int, int] = defaultdict(int)
    rows = OrderItem.objects.filter(order=order, product__components__isnull=False).values_list(
        "quantity", "product__components__stock_item_id", "product__components__quantity"
    )
    for ordered, stock_item_id, per_product in rows:
        lines[stock_item_id] += per_product * ordered
    return dict(lines)


def _reserve(order: Order) -> None:
    lines = recipe_lines(order)
    if lines:
        OrderReservation.objects.bulk_create(
            [OrderReservation(order=order, stock_item_id=k, quantity=v) for k, v in sorted(lines.items())]
        )
        stock_reserve(shop=order.shop, lines=lines)


def _lock_stock(shop: Shop, item_ids: Iterable[int]) -> None:
    """Lock every stock row a write will touch, at once and in ``id`` order (lock order step
    4). A write that releases one set of rows and then reserves or consumes another would
    otherwise lock them in two passes, each sorted but not sorted together, and two such
    writes could wait for each other."""
    ids = set(item_ids)
    if ids:
        lock_rows(StockItem.objects.filter(shop=shop), ids)


def _check_stock_lines(shop: Shop, lines: Mapping[int, int] | None, field: str) -> None:
    """Every stock item of ``lines`` belongs to ``shop`` (the serializer checked it too)."""
    if not lines:
        return
    found = set(StockItem.objects.filter(shop=shop, id__in=list(lines)).values_list("id", flat=True))
    unknown = sorted(set(lines) - found)
    if unknown:
        raise Invalid({field: [f"Складские позиции не найдены: {', '.join(map(str, unknown))}."]})


def assembly_lines(
    order: Order,
    *,
    reserved: Mapping[int, int],
    consumption: Mapping[int, int] | None = None,
    extra_consumption: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """``{stock_item_id: quantity}`` an assembly takes from on-hand stock (ARCHITECTURE §11.1):

    - ``consumption`` is the florist's full actual use: it replaces the reserved lines;
    - ``extra_consumption`` is added to the reserved lines;
    - neither: the reserved lines (the recipe as it was at confirmation, or the recipe now
      if nothing was reserved).

    On a re-assembly (assembled → in_production → assembled) the recipe was taken already,
    so only what is sent is taken: ``consumption`` or ``extra_consumption``, never the recipe
    again."""
    if consumption:
        return dict(consumption)
    lines: dict[int, int] = defaultdict(int)
    if not order.recipe_consumed:
        for item_id, quantity in (reserved or recipe_lines(order)).items():
            lines[item_id] += quantity
    for item_id, quantity in (extra_consumption or {}).items():
        lines[item_id] += quantity
    return dict(lines)


def _release_reservations(order: Order) -> None:
    lines = dict(order.reservations.values_list("stock_item_id", "quantity"))
    if lines:
        stock_release(shop=order.shop, lines=lines)
        order.reservations.all().delete()


def _shortages(order: Order) -> list[dict[str, Any]]:
    ids = list(order.reservations.values_list("stock_item_id", flat=True))
    return [
        {"stock_item_id": item.id, "name": item.name, "needed": item.reserved, "on_hand": item.quantity}
        for item in StockItem.objects.filter(id__in=ids, reserved__gt=F("quantity")).order_by("id")
    ]


@transaction.atomic
def order_transition(
    *,
    order: Order,
    to: str,
    actor: User,
    role: str,
    reason: str = "",
    consumption: Mapping[int, int] | None = None,
    extra_consumption: Mapping[int, int] | None = None,
) -> TransitionResult:
    """Move an order along the status machine (``apps.orders.status.TRANSITIONS``) and do
    what follows from it: reserve, release or consume stock, close the order. A move not in
    the table is ``InvalidTransition`` (409); one the role may not make is ``Forbidden``.

    Assembly takes ``assembly_lines``: ``consumption`` (the full actual use, replacing the
    reserved lines) or ``extra_consumption`` (added to them) — both at once is ``Invalid``;
    an empty list counts as not sent. Stock items of another shop are ``Invalid``. The
    result carries ``shortages`` and ``warnings`` of a confirmation (``apps.orders.warnings``)."""
    order = _lock(order)
    frm = order.status
    transition = transition_for(order, to)
    if transition is None:
        raise InvalidTransition(f"Нельзя перевести заказ из «{S(frm).label}» в «{S(to).label}».")
    if not role_may(transition, role=role, order=order, user_id=actor.pk):
        raise Forbidden("Этот переход вам недоступен.")
    reason = reason.strip()
    if transition.reason_required and not reason:
        raise Invalid({"reason": ["Укажите причину."]})
    if consumption and extra_consumption:
        raise Invalid(
            {"extra_consumption": ["Укажите consumption (весь расход) или extra_consumption (сверх резерва), не оба."]}
        )
    for name, lines in (("consumption", consumption), ("extra_consumption", extra_consumption)):
        if lines and to != S.ASSEMBLED:
            raise Invalid({name: ["Расход указывается только при сборке."]})
        _check_stock_lines(order.shop, lines, name)

    result = TransitionResult(order=order)
    if to == S.CONFIRMED and frm == S.NEW:
        order.confirmed_at = timezone.now()  # florists see it from now on (apps.orders.visibility)
        _reserve(order)
        result.shortages = _shortages(order)
        result.warnings = [*delivery_warnings(order), *stock_warnings(result.shortages)]
    elif to == S.IN_PRODUCTION and frm == S.CONFIRMED:
        if role == Role.FLORIST and order.florist_id is None:
            order.florist = actor
    elif to == S.ASSEMBLED and frm == S.IN_PRODUCTION:
        reserved = dict(order.reservations.values_list("stock_item_id", "quantity"))
        lines = assembly_lines(order, reserved=reserved, consumption=consumption, extra_consumption=extra_consumption)
        _lock_stock(order.shop, [*lines, *reserved])
        if lines:
            stock_consume(shop=order.shop, lines=lines, actor=actor, note=f"Заказ №{order.number}", order=order)
        _release_reservations(order)
        order.recipe_consumed = True
        result.consumed = lines
    elif to == S.OUT_FOR_DELIVERY:
        if not order.delivery_address.strip():
            raise AddressRequired("Уточните адрес доставки перед отправкой.")
        if order.courier_id is None:
            raise Conflict("Назначьте курьера перед отправкой.")
    elif to == S.NEW and frm == S.CONFIRMED:
        order.confirmed_at = None
        _release_reservations(order)
    elif to == S.CANCELLED:
        if frm in BEFORE_ASSEMBLY:
            _release_reservations(order)
        order.cancel_reason = reason

    if to in (S.DELIVERED, S.CANCELLED):
        order.closed_at = timezone.now()
    order.status = to
    order.save()
    task_follow_order(order=order, frm=frm, to=to, reason=reason)
    data: dict[str, Any] = {"before": frm, "after": to}
    if reason:
        data["reason"] = reason
    if consumption:
        data["consumption"] = [[k, v] for k, v in sorted(consumption.items())]
    elif extra_consumption:
        data["extra_consumption"] = [[k, v] for k, v in sorted(extra_consumption.items())]
    order_log_event(order=order, type=EventType.STATUS_CHANGED, actor=actor, data=data)
    return result


# --- Payments, comments, issues ---------------------------------------------------------


def payment_status_for(order: Order, *, has_refund: bool | None) -> str:
    if has_refund is None:
        has_refund = order.pk is not None and order.payments.filter(amount__lt=0).exists()
    has_payments = order.pk is not None and order.payments.exists()
    if not has_payments:
        return PaymentStatus.UNPAID
    if has_refund and order.paid_amount == 0:
        return PaymentStatus.REFUNDED
    if order.paid_amount >= order.total:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID


@transaction.atomic
def payment_record(
    *,
    order: Order,
    actor: User,
    amount: Decimal,
    method: str,
    external_id: str = "",
    paid_at: dt.datetime | None = None,
) -> Payment:
    """Record money received (or, negative, refunded). Paying beyond the total or refunding
    beyond what was paid is refused."""
    order = _lock(order)
    amount = money(amount)
    if amount == 0:
        raise Invalid({"amount": ["Сумма не может быть нулевой."]})
    if amount > 0 and order.status == S.CANCELLED:
        raise Invalid({"amount": ["Заказ отменён: можно только вернуть деньги."]})
    paid = order.paid_amount + amount
    if amount > 0 and paid > order.total:
        raise Invalid({"amount": [f"Оплата больше остатка к оплате ({order.total - order.paid_amount})."]})
    if paid < 0:
        raise Invalid({"amount": [f"Возврат больше оплаченного ({order.paid_amount})."]})
    payment = Payment.objects.create(
        order=order,
        amount=amount,
        method=method,
        external_id=external_id,
        paid_at=paid_at or timezone.now(),
        actor=actor,
    )
    order.paid_amount = paid
    order.payment_status = payment_status_for(order, has_refund=amount < 0 or None)
    order.save(update_fields=["paid_amount", "payment_status", "updated_at"])
    order_log_event(
        order=order,
        type=EventType.PAYMENT,
        actor=actor,
        data={"payment_id": payment.id, "amount": str(amount), "method": method, "paid_amount": str(paid)},
    )
    return payment


@transaction.atomic
def order_comment_add(*, order: Order, actor: User, text: str) -> OrderEvent:
    """An internal note on the order (staff only; never on tracking)."""
    text = text.strip()
    if not text:
        raise Invalid({"text": ["Напишите комментарий."]})
    order = _lock(order)
    return order_log_event(order=order, type=EventType.COMMENT, actor=actor, data={"text": text})


@transaction.atomic
def order_issue_report(*, order: Order, actor: User, role: str, type: str, comment: str = "") -> Order:
    """Flag a problem (not a status). Couriers report only delivery problems."""
    if role == Role.COURIER and type not in COURIER_ISSUES:
        raise Forbidden("Курьер сообщает только о проблемах доставки.")
    order = _lock(order)
    order.issue_type, order.issue_comment = type, comment.strip()
    order.save(update_fields=["issue_type", "issue_comment", "updated_at"])
    order_log_event(order=order, type=EventType.ISSUE, actor=actor, data={"type": type, "comment": order.issue_comment})
    return order


@transaction.atomic
def order_issue_resolve(*, order: Order, actor: User, comment: str = "") -> Order:
    """Clear the problem flag."""
    order = _lock(order)
    if not order.issue_type:
        raise Conflict("У заказа нет открытой проблемы.")
    previous = order.issue_type
    order.issue_type, order.issue_comment = "", ""
    order.save(update_fields=["issue_type", "issue_comment", "updated_at"])
    order_log_event(
        order=order, type=EventType.ISSUE, actor=actor, data={"type": previous, "resolved": True, "comment": comment}
    )
    return order


TRACKING_KEPT_FOR = dt.timedelta(days=30)


def tracking_closed(order: Order) -> bool:
    """Tracking links die 30 days after the order is delivered or cancelled."""
    return order.closed_at is not None and timezone.now() - order.closed_at > TRACKING_KEPT_FOR


def orders_reindex_for_customer(*, customer: Customer) -> int:
    """Refresh ``search_text`` of the customer's orders after their name or phone changed (or
    orders moved to them in a merge), so order search finds them by the buyer as they are now."""
    orders = list(Order.objects.filter(customer=customer).select_related("customer"))
    for order in orders:
        order.search_text = order.compute_search_text()
    Order.objects.bulk_update(orders, ["search_text"], batch_size=500)
    return len(orders)
