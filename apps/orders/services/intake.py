"""Taking and editing orders: details, items priced from the catalog, money, assignments.

Fields are applied by ``flowercrm.updates.model_update`` (the event log's before/after); the
rules about the order's own fields (the delivery window, the address) are ``Order.clean()``,
run by ``model_validate`` for every writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils.translation import gettext

from apps.catalog.models import Product
from apps.catalog.selectors import product_annotate
from apps.customers.models import Customer
from apps.customers.services import customer_upsert_by_phone
from apps.orders.models import DeliveryMethod, EventType, Order, OrderCounter, OrderItem, OrderStatus
from apps.orders.services.log import order_lock, order_log_assignment, order_log_event
from apps.orders.services.payments import payment_status_for
from apps.orders.services.stock import reserve_again
from apps.production import queue
from apps.shops.models import DeliveryZone, Shop
from flowercrm.errors import Conflict, Invalid
from flowercrm.limits import MONEY_MAX, QUANTITY_MAX
from flowercrm.locking import lock_row
from flowercrm.money import quantize_money
from flowercrm.updates import Changes, model_update, model_validate

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
ASSIGNMENT_FIELDS = ("florist", "courier")
# Set by the services (or checked against the shop by the serializers), not validated per field.
NOT_VALIDATED = ("shop", "number", "customer", "delivery_zone", "florist", "courier", "created_by")


def _validate(order: Order) -> None:
    model_validate(order, exclude=NOT_VALIDATED)


def _next_number(shop: Shop) -> int:
    """The next shop-local order number, in one statement: the counter row is created or
    incremented and stays locked until commit, so concurrent creates get consecutive, unique
    numbers (PostgreSQL and SQLite >= 3.35 both take ``ON CONFLICT … RETURNING``)."""
    table = connection.ops.quote_name(OrderCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (shop_id, last_number) VALUES (%s, 1) "  # noqa: S608 - our own table name
            f"ON CONFLICT (shop_id) DO UPDATE SET last_number = {table}.last_number + 1 RETURNING last_number",
            [shop.pk],
        )
        return int(cursor.fetchone()[0])


def _build_items(*, shop: Shop, lines: list[Mapping[str, Any]], allow_inactive: bool = False) -> list[OrderItem]:
    """Order lines priced from the catalog: ``[{"product": Product, "quantity": int}]``
    (``allow_inactive``: a product taken off sale, for orders of the past)."""
    if not lines:
        raise Invalid({"items": [gettext("Add at least one item.")]})
    ids = [line["product"].id for line in lines]
    # The cost is annotated (``recipe_cost``): the recipe, extras and pictures are not needed.
    products = {p.id: p for p in product_annotate(Product.objects.filter(shop=shop, id__in=ids)).prefetch_related(None)}
    errors: list[dict[str, Any]] = []
    items = []
    for line in lines:
        product = products.get(line["product"].id)
        if product is None or not (product.is_active or allow_inactive):
            errors.append({"product_id": [gettext("The product is not available for ordering.")]})
            continue
        quantity = line["quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= QUANTITY_MAX:
            errors.append({"quantity": [gettext("Quantity from 1 to %(max)s.") % {"max": QUANTITY_MAX}]})
            continue
        unit_price = product.effective_price
        line_total = quantize_money(unit_price * line["quantity"])
        if line_total > MONEY_MAX:
            errors.append({"quantity": [gettext("The line total is over %(max)s.") % {"max": MONEY_MAX}]})
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
    order.subtotal = quantize_money(sum((item.line_total for item in items), ZERO))
    # Every amount is stored in 12 digits with 2 decimals (a larger sum would fail in the database).
    if order.subtotal > MONEY_MAX:
        raise Invalid({"items": [gettext("The order total is over %(max)s.") % {"max": MONEY_MAX}]})
    if order.discount > order.subtotal + order.delivery_fee:
        raise Invalid({"discount": [gettext("The discount is more than the order total with delivery.")]})
    order.total = order.subtotal + order.delivery_fee - order.discount
    if order.total > MONEY_MAX:
        raise Invalid(
            {"delivery_fee": [gettext("The order total with delivery is over %(max)s.") % {"max": MONEY_MAX}]}
        )
    order.payment_status = payment_status_for(order, has_refund=None)


def _default_fee(shop: Shop, method: str, zone: DeliveryZone | None) -> Decimal:
    if method == DeliveryMethod.PICKUP:
        return ZERO
    if zone is not None:
        return zone.fee
    return shop.default_delivery_fee


def _buyer(*, shop: Shop, data: Mapping[str, Any]) -> Customer:
    """The buyer, locked (lock order step 2). Called with the counter already held."""
    if data.get("customer_obj") is not None:
        known: Customer = data["customer_obj"]
        # Merged away or deleted since the serializer found it: a 400 on the field, not a
        # foreign-key failure at commit.
        return lock_row(
            Customer.objects.filter(shop=shop),
            known.pk,
            vanished=Invalid(
                {"customer_id": [gettext("Customer not found: it was deleted or merged with another one.")]}
            ),
        )
    buyer = data["customer"]
    return customer_upsert_by_phone(
        shop=shop,
        phone=buyer["phone"],
        name=buyer.get("name", ""),
        email=buyer.get("email", ""),
        source=data.get("source", ""),
    )


def _item_names(items: list[OrderItem]) -> list[list[Any]]:
    return [[item.name, item.quantity] for item in items]


@transaction.atomic
def order_create(
    *, shop: Shop, actor: User | None, data: Mapping[str, Any], event_data: Mapping[str, Any] | None = None
) -> Order:
    """Take an order. Prices come from the catalog (what the client sends is ignored); the
    buyer is found by phone (only blanks filled) or created; nothing is written unless all of
    it is valid. ``actor`` is None for an order the buyer placed (the storefront);
    ``event_data`` joins the ``created`` event (e.g. the buyer's payment preference)."""
    order = Order(shop=shop, created_by=actor, status=S.NEW)
    model_update(instance=order, fields=(*DETAIL_FIELDS, "delivery_zone"), data=data, validate=False, save=False)
    _validate(order)
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
        data={**(event_data or {}), "number": order.number, "total": str(order.total), "items": _item_names(items)},
    )
    return order


def _apply_details(order: Order, data: Mapping[str, Any]) -> Changes:
    """The details and money of ``data`` on ``order`` (not saved); a switch to pickup without
    a fee sent drops the fee."""
    changes = model_update(
        instance=order, fields=(*DETAIL_FIELDS, "delivery_zone"), data=data, validate=False, save=False
    )
    if (
        order.delivery_method == DeliveryMethod.PICKUP
        and "delivery_fee" not in data
        and "delivery_method" in changes.after
    ):
        changes.merge(
            model_update(
                instance=order, fields=["delivery_fee"], data={"delivery_fee": ZERO}, validate=False, save=False
            )
        )
    money = {name: data[name] for name in MONEY_FIELDS if data.get(name) is not None}
    return changes.merge(model_update(instance=order, fields=MONEY_FIELDS, data=money, validate=False, save=False))


def _replace_items(order: Order, lines: list[Mapping[str, Any]], changes: Changes) -> list[OrderItem]:
    """New items priced now, while the order is new or confirmed (the reservation follows)."""
    if order.status not in (S.NEW, S.CONFIRMED):
        raise Conflict(gettext("The items of an order change only before assembly starts."))
    old_items = _item_names(list(order.items.all()))
    order.items.all().delete()
    items = _build_items(shop=order.shop, lines=lines)
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    changes.add("items", old_items, _item_names(items))
    if order.status == S.CONFIRMED:
        reserve_again(order)
    return items


def _apply_assignments(order: Order, data: Mapping[str, Any]) -> list[tuple[str, User | None, User | None]]:
    """``(role, before, after)`` of the florist and courier ``data`` changes (set, not saved)."""
    assigned = []
    for role_field in ASSIGNMENT_FIELDS:
        if role_field in data:
            old_user, new_user = getattr(order, role_field), data[role_field]
            if (old_user and old_user.pk) != (new_user and new_user.pk):
                setattr(order, role_field, new_user)
                assigned.append((role_field, old_user, new_user))
    return assigned


@transaction.atomic
def order_update(*, order: Order, actor: User, data: Mapping[str, Any]) -> Order:
    """Edit an open order: details until it is delivered or cancelled, items only while it is
    new or confirmed (the reservation follows), money and assignments by the office."""
    order = order_lock(order)
    if order.status in (S.DELIVERED, S.CANCELLED):
        raise Conflict(gettext("The order is closed and cannot be edited."))
    changes = _apply_details(order, data)
    _validate(order)
    items = _replace_items(order, data["items"], changes) if "items" in data else list(order.items.all())
    _recompute_totals(order, items)
    assigned = _apply_assignments(order, data)
    order.save()
    if any(role_field == "florist" for role_field, _, _ in assigned):
        queue.task_sync_florist(order)
    if changes:
        order_log_event(order=order, type=EventType.EDITED, actor=actor, data=changes.as_event_data())
    for role_field, old_user, new_user in assigned:
        order_log_assignment(order=order, actor=actor, role=role_field, before=old_user, after=new_user)
    return order


def orders_reindex_for_customer(*, customer: Customer) -> int:
    """Refresh ``search_text`` of the customer's orders after their name or phone changed (or
    orders moved to them in a merge), so order search finds them by the buyer as they are now."""
    orders = list(Order.objects.filter(customer=customer).select_related("customer"))
    for order in orders:
        order.search_text = order.compute_search_text()
    Order.objects.bulk_update(orders, ["search_text"], batch_size=500)
    return len(orders)
