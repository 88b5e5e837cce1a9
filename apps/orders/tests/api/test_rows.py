"""The ``/ws`` rows are the list endpoint's rows: ``apps.orders.rows.order_row`` (plain data,
so ``apps.orders.events`` never imports the API) gives exactly the dict of each role's summary
serializer, and the feed carries it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.orders.api.serializers import output_serializer
from apps.orders.events import order_payload
from apps.orders.models import Order
from apps.orders.rows import order_row
from apps.orders.selectors import order_list
from apps.orders.services import payment_record
from apps.orders.tests.factories import make_order, make_product
from flowercrm import events
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shop, member):
    office, florist, courier = member(Role.MANAGER), member(Role.FLORIST), member(Role.COURIER)
    product = make_product(shop)
    named = make_order(shop, office.user, product, quantity=2, courier=courier.user, discount=Decimal("100.50"))
    anonymous = make_order(
        shop,
        office.user,
        product,
        is_anonymous=True,
        courier=courier.user,
        delivery_time_from=None,
        delivery_time_to=None,
    )
    Order.objects.filter(pk=named.pk).update(florist=florist.user, issue_type="late", status="confirmed")
    payment_record(order=named, actor=office.user, amount=Decimal("1000"), method="cash")
    Order.objects.filter(pk=anonymous.pk).update(status="assembled")
    return shop, office, florist, courier, [named.pk, anonymous.pk]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER])
def test_order_row_is_the_roles_summary_serializer(world, role) -> None:
    shop, office, florist, courier, ids = world
    user = {Role.FLORIST: florist, Role.COURIER: courier}.get(role, office).user
    orders = list(order_list(shop=shop, role=role, user=user).filter(pk__in=ids).order_by("id"))
    assert len(orders) == 2
    serializer = output_serializer(role, detail=False)
    with timezone.override(shop.zoneinfo):
        for order in orders:
            row = order_row(order, role=role, user_id=user.pk)
            expected = dict(serializer(order, context={"role": role}).data)
            expected["allowed_transitions"] = row["allowed_transitions"]  # the serializer needs a request
            assert row == expected
            assert list(row) == list(expected)  # the same keys in the same order


def test_the_rows_render_every_kind_of_value(world) -> None:
    shop, office, florist, courier, (named_id, anonymous_id) = world
    orders = {o.pk: o for o in order_list(shop=shop, role=Role.COURIER, user=courier.user)}
    with timezone.override(dt.UTC):
        named = order_row(orders[named_id], role=Role.COURIER, user_id=courier.user.pk)
        anonymous = order_row(orders[anonymous_id], role=Role.COURIER, user_id=courier.user.pk)
        office_row = order_row(orders[named_id], role=Role.MANAGER)
    assert named["buyer"] is not None and anonymous["buyer"] is None
    assert (named["delivery_time_from"], anonymous["delivery_time_from"]) == ("10:00", None)
    assert named["delivery_date"] == "2026-12-01"
    assert named["amount_due"] == f"{orders[named_id].amount_due:.2f}"  # money: two decimals, a string
    assert office_row["discount"] == "100.50" and office_row["paid_amount"] == "1000.00"
    assert office_row["florist"] == {"id": florist.user.pk, "name": florist.user.name}
    assert office_row["created_at"].endswith("Z")  # UTC as the API writes it


def test_the_feed_payload_is_the_row_of_each_audience(world) -> None:
    shop, office, florist, courier, (named_id, anonymous_id) = world
    order = order_list(shop=shop, role=Role.MANAGER, user=office.user).get(pk=named_id)
    order.shop = shop
    with timezone.override(shop.zoneinfo):
        assert order_payload(order, events.OFFICE) == order_row(order, role=Role.MANAGER)
        assert order_payload(order, events.FLOOR) == order_row(order, role=Role.FLORIST)
        mine = events.courier_audience(courier.user.pk)
        assert order_payload(order, mine) == order_row(order, role=Role.COURIER, user_id=courier.user.pk)
    assert order_payload(order, events.courier_audience(office.user.pk)) is None  # not their order
