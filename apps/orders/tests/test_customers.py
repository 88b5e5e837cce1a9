"""The order side of customer work (``apps.orders.customers``): the list's order statistics,
the buyers a florist may see, the merge that moves orders, and the edit that re-indexes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.customers.models import Customer
from apps.customers.services import customer_upsert_by_phone
from apps.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    ImportantDateFactory,
    TagFactory,
)
from apps.orders.customers import customer_list, customer_list_for_florist, customer_merge, customer_update
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.tests.factories import make_order
from apps.shops.models import Membership, Shop
from flowercrm.errors import Conflict, Invalid
from flowercrm.testing import run_threads

pytestmark = pytest.mark.django_db

PHONE = "+77011234567"


# --- statistics ----------------------------------------------------------------------------


def test_stats_exclude_cancelled_orders(shop: Shop) -> None:
    # §11.1: counts and the last order from non-cancelled orders; total_spent is the money
    # actually received (payments net of refunds), whatever the order totals say.
    customer = CustomerFactory(shop=shop)
    first = timezone.make_aware(dt.datetime(2026, 1, 10, 12, 0))
    last = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))
    make_order(
        customer.shop,
        customer=customer,
        status=OrderStatus.DELIVERED,
        total="15000.50",
        created_at=first,
        payments=("15000.50",),
    )
    make_order(
        customer.shop,
        customer=customer,
        status=OrderStatus.NEW,
        total="4999.50",
        created_at=last,
        payments=("1000.00",),
    )
    make_order(
        customer.shop,
        customer=customer,
        status=OrderStatus.CANCELLED,
        total="100000.00",
        created_at=timezone.make_aware(dt.datetime(2026, 6, 1)),
        payments=("100000.00", "-100000.00"),
    )

    row = customer_list(shop=shop).get(pk=customer.pk)

    assert row.orders_count == 2  # type: ignore[attr-defined]
    assert row.total_spent == Decimal("16000.50")  # type: ignore[attr-defined]
    assert row.last_order_at == last  # type: ignore[attr-defined]


def test_total_spent_is_money_received_net_of_refunds(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(
        customer.shop,
        customer=customer,
        status=OrderStatus.DELIVERED,
        total="5000.00",
        payments=("3000.00", "2000.00", "-500.25"),
    )
    make_order(
        customer.shop, customer=customer, status=OrderStatus.NEW, total="9000.00"
    )  # nothing paid yet: nothing spent
    # Paid, then cancelled without a refund: the shop kept the money.
    make_order(customer.shop, customer=customer, status=OrderStatus.CANCELLED, total="700.00", payments=("700.00",))
    make_order(shop, customer=CustomerFactory(shop=shop), total="1.00", payments=("1.00",))  # someone else's

    row = customer_list(shop=shop).get(pk=customer.pk)

    assert row.total_spent == Decimal("5199.75")  # type: ignore[attr-defined]
    assert row.orders_count == 2  # type: ignore[attr-defined]


def test_stats_of_a_customer_without_orders(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer.shop, customer=customer, status=OrderStatus.CANCELLED, total="10.00")
    row = customer_list(shop=shop).get(pk=customer.pk)
    assert (row.orders_count, row.total_spent, row.last_order_at) == (0, Decimal("0.00"), None)  # type: ignore[attr-defined]


def test_stats_are_not_multiplied_by_tags_and_addresses(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    for i in range(3):
        TagFactory(customer=customer, name=f"t{i}")
        AddressFactory(customer=customer)
    make_order(customer.shop, customer=customer, total="100.10", payments=("100.10",))
    make_order(customer.shop, customer=customer, total="200.20", payments=("150.00", "50.20"))
    other = CustomerFactory(shop=shop)
    make_order(other.shop, customer=other, total="999.00", payments=("999.00",))

    row = customer_list(shop=shop).filter(tags__name__in=["t0", "t1"]).distinct().get(pk=customer.pk)
    assert (row.orders_count, row.total_spent) == (2, Decimal("300.30"))  # type: ignore[attr-defined]


def test_list_is_scoped_to_the_shop(shop: Shop, other_shop: Shop) -> None:
    mine = CustomerFactory(shop=shop)
    CustomerFactory(shop=other_shop)
    assert list(customer_list(shop=shop)) == [mine]


@pytest.mark.parametrize(
    ("status", "confirmed", "visible"),
    [(s, s != OrderStatus.NEW, s != OrderStatus.NEW) for s in OrderStatus]
    # §11.1: a cancelled order only if it had been confirmed.
    + [(OrderStatus.CANCELLED, False, False)],
)
def test_florist_sees_buyers_of_orders_from_confirmation_on(
    shop: Shop, status: str, confirmed: bool, visible: bool
) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer.shop, customer=customer, status=status, confirmed_at=timezone.now() if confirmed else None)
    assert list(customer_list_for_florist(shop=shop)) == ([customer] if visible else [])


# --- merge ---------------------------------------------------------------------------------


@pytest.fixture
def actor(member: Callable[..., Membership]) -> Any:
    return member("manager").user


def test_merge_moves_everything_and_deletes_the_merged_row(shop: Shop, actor: Any) -> None:
    keep = CustomerFactory(shop=shop, phone=PHONE, name="Айгерим", email="", notes="Любит пионы", source="")
    merge = CustomerFactory(
        shop=shop,
        phone="+77017654321",
        name="Айгерим Б.",
        email="a@example.kz",
        notes="Звонить после 18",
        source="phone",
    )
    keep_home = AddressFactory(customer=keep, address="ул. Абая 10", is_default=True)
    AddressFactory(customer=merge, address="ул. Абая 10")  # the same place: dropped
    office = AddressFactory(customer=merge, address="пр. Достык 5", is_default=True)
    ImportantDateFactory(customer=keep, day=8, month=3, title="8 марта")
    ImportantDateFactory(customer=merge, day=8, month=3, title="8 Марта")  # same date: dropped
    birthday = ImportantDateFactory(customer=merge, day=1, month=6, title="День рождения")
    TagFactory(customer=keep, name="VIP")
    TagFactory(customer=merge, name="vip")
    TagFactory(customer=merge, name="корпоратив")
    keep_order = make_order(keep.shop, customer=keep, total="1000.00", created_event=False)
    moved = [
        make_order(merge.shop, customer=merge, total="2000.00", created_event=False),
        make_order(merge.shop, customer=merge, status=OrderStatus.CANCELLED, created_event=False),
    ]

    result = customer_merge(shop=shop, keep=keep, merge=merge, actor=actor)

    assert result.pk == keep.pk
    assert not Customer.objects.filter(pk=merge.pk).exists()
    keep.refresh_from_db()
    assert keep.name == "Айгерим"  # known data is kept
    assert keep.email == "a@example.kz" and keep.source == "phone"  # blanks filled
    assert keep.notes == "Любит пионы\n\nЗвонить после 18\n\nОбъединён с клиентом +77017654321 (Айгерим Б.)."
    assert set(Order.objects.filter(customer=keep).values_list("id", flat=True)) == {
        keep_order.id,
        *(o.id for o in moved),
    }

    addresses = {a.pk: a.is_default for a in keep.addresses.all()}
    assert addresses == {keep_home.pk: True, office.pk: False}
    dates = set(keep.important_dates.values_list("id", flat=True))
    assert birthday.pk in dates and len(dates) == 2
    assert sorted(keep.tags.values_list("name", flat=True)) == ["VIP", "корпоратив"]

    events = list(OrderEvent.objects.order_by("order_id"))
    assert [e.order_id for e in events] == [o.id for o in moved]
    for event in events:
        assert event.type == "edited" and event.actor_id == actor.pk and event.shop_id == shop.id
        assert event.data == {"before": {"customer_id": merge.pk}, "after": {"customer_id": keep.pk}, "reason": "merge"}


def test_merge_default_address_moves_when_keep_has_none(shop: Shop, actor: Any) -> None:
    keep = CustomerFactory(shop=shop)
    merge = CustomerFactory(shop=shop)
    AddressFactory(customer=keep, address="a")
    moved = AddressFactory(customer=merge, address="b", is_default=True)
    customer_merge(shop=shop, keep=keep, merge=merge, actor=actor)
    moved.refresh_from_db()
    assert moved.customer_id == keep.pk and moved.is_default


def test_merge_same_customer_is_invalid(shop: Shop, actor: Any) -> None:
    customer = CustomerFactory(shop=shop)
    with pytest.raises(Invalid):
        customer_merge(shop=shop, keep=customer, merge=customer, actor=actor)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_merge_with_another_shops_customer_is_invalid(shop: Shop, other_shop: Shop, actor: Any) -> None:
    keep = CustomerFactory(shop=shop)
    theirs = CustomerFactory(shop=other_shop)
    make_order(theirs.shop, customer=theirs)
    with pytest.raises(Invalid) as exc:
        customer_merge(shop=shop, keep=keep, merge=theirs, actor=actor)
    assert list(exc.value.extra["errors"]) == ["merge_id"]
    assert Order.objects.get().customer_id == theirs.pk


def test_merge_over_the_limits_is_a_conflict_and_changes_nothing(shop: Shop, actor: Any) -> None:
    keep = CustomerFactory(shop=shop)
    merge = CustomerFactory(shop=shop)
    for i in range(15):
        TagFactory(customer=keep, name=f"a{i}")
        TagFactory(customer=merge, name=f"b{i}")
    order = make_order(merge.shop, customer=merge, created_event=False)
    with pytest.raises(Conflict):
        customer_merge(shop=shop, keep=keep, merge=merge, actor=actor)
    order.refresh_from_db()
    assert order.customer_id == merge.pk and OrderEvent.objects.count() == 0
    assert keep.tags.count() == 15 and merge.tags.count() == 15


@pytest.mark.django_db(transaction=True)
def test_crossed_concurrent_merges_neither_deadlock_nor_500(requires_postgres: None, shop: Shop) -> None:
    a = CustomerFactory(shop=shop)
    b = CustomerFactory(shop=shop)
    make_order(a.shop, customer=a)
    make_order(b.shop, customer=b)

    def work(i: int) -> Any:
        keep, merge = (a, b) if i == 0 else (b, a)
        return customer_merge(shop=shop, keep=keep, merge=merge, actor=None).pk

    results = run_threads(2, work)
    merged = [r for r in results if isinstance(r, int)]
    # Issue 11: the loser's customer was merged away by the winner — a 409, not a 400.
    refused = [r for r in results if isinstance(r, Conflict) and "объединили" in r.detail]
    assert len(merged) == 1 and len(refused) == 1, results
    assert Customer.objects.filter(shop=shop).count() == 1
    assert Order.objects.filter(customer_id=merged[0]).count() == 2


def test_upsert_by_a_merged_phone_finds_the_kept_customer(shop: Shop, actor: Any) -> None:
    keep = CustomerFactory(shop=shop, name="Айгерим")
    merge = CustomerFactory(shop=shop, phone="+77017654321", name="")
    customer_merge(shop=shop, keep=keep, merge=merge, actor=actor)

    found = customer_upsert_by_phone(shop=shop, phone="8 (701) 765-43-21", name="Другое имя")

    assert found.pk == keep.pk and found.name == "Айгерим"
    assert Customer.objects.filter(shop=shop).count() == 1
    assert "77017654321" in Customer.objects.get(pk=keep.pk).search_text


# --- edit ----------------------------------------------------------------------------------


def test_edit_reindexes_the_customers_orders(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop, name="Дана", phone=PHONE)
    order = make_order(customer.shop, customer=customer, recipient_name="", recipient_phone="")
    order.search_text = order.compute_search_text()
    order.save(update_fields=["search_text"])

    customer_update(customer=customer, data={"name": "Жанна", "phone": "+77017654321"})

    order.refresh_from_db()
    assert "жанна" in order.search_text and "77017654321" in order.search_text
    assert "дана" not in order.search_text and "77011234567" not in order.search_text
