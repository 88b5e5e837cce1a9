"""The shop scope (``flowercrm.scopes``): a query on a shop-owned model outside a scope raises,
one inside a scope sees that shop only, a disabled block sees every shop."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from django.test import RequestFactory

from apps.customers.models import Customer, CustomerAddress
from apps.customers.tests.factories import AddressFactory, CustomerFactory
from apps.orders.models import OrderItem
from apps.shops.models import Membership, Shop
from apps.warehouse.models import StockItem
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.scopes import ScopeError, ScopeMiddleware, current_shop_id, scope, scopes_disabled
from flowercrm.testing import run_concurrently

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers(shop: Shop, other_shop: Shop) -> tuple[Customer, Customer]:
    return CustomerFactory(shop=shop), CustomerFactory(shop=other_shop)


def test_an_unscoped_query_raises_on_every_way_to_the_database(two_customers: Any) -> None:
    with scope(shop=None):
        for use in (
            lambda: list(Customer.objects.all()),
            lambda: Customer.objects.filter(name="x").first(),
            lambda: Customer.objects.get(pk=two_customers[0].pk),
            lambda: Customer.objects.exists(),
            lambda: Customer.objects.count(),
            lambda: Customer.objects.filter(pk=0).update(name="y"),
            lambda: Customer.objects.filter(pk=0).delete(),
            lambda: list(Customer.objects.values_list("id", flat=True).iterator()),
            lambda: Customer.objects.create(shop=two_customers[0].shop, phone="+77020000001"),
            lambda: list(CustomerAddress.objects.all()),  # reaches its shop through the customer
            lambda: list(Membership.objects.filter(pk__in=Customer.objects.values("id"))),  # as a subquery
        ):
            with pytest.raises(ScopeError, match="outside a shop scope"):
                use()


def test_no_scope_at_all_is_the_same_as_an_empty_one(two_customers: Any) -> None:
    # A fresh context (a new thread, a process with no entry point) has no scope.
    with pytest.raises(ScopeError):
        contextvars.Context().run(Customer.objects.count)


def test_a_scoped_query_sees_its_shop_only(shop: Shop, other_shop: Shop, two_customers: Any) -> None:
    mine, theirs = two_customers
    AddressFactory(customer=mine)
    AddressFactory(customer=theirs)
    with scope(shop=shop):
        assert list(Customer.objects.values_list("id", flat=True)) == [mine.id]
        assert not Customer.objects.filter(pk=theirs.pk).exists()
        assert Customer.objects.count() == 1
        assert list(CustomerAddress.objects.values_list("customer_id", flat=True)) == [mine.id]
        assert Customer.objects.filter(pk=theirs.pk).update(name="чужой") == 0
        with pytest.raises(Customer.DoesNotExist):
            Customer.objects.get(pk=theirs.pk)
    with scope(shop=other_shop.pk):  # an id works as well
        assert list(Customer.objects.values_list("id", flat=True)) == [theirs.id]


def test_related_access_works_in_the_scope(shop: Shop, two_customers: Any) -> None:
    mine, _ = two_customers
    address = AddressFactory(customer=mine)
    with scope(shop=shop):
        fresh = CustomerAddress.objects.get(pk=address.pk)
        assert fresh.customer.pk == mine.pk  # forward FK: Django's plain _base_manager
        assert list(mine.addresses.all()) == [address]  # related manager: scoped like objects
        assert [a.pk for c in Customer.objects.prefetch_related("addresses") for a in c.addresses.all()] == [address.pk]
    with scope(shop=None):
        assert fresh.customer.pk == mine.pk  # a row already read reaches its parents
        fresh.refresh_from_db()


def test_disabled_passes_and_needs_a_reason(two_customers: Any) -> None:
    with scope(shop=None), scopes_disabled("a test reads both shops"):
        assert Customer.objects.count() == 2
        assert current_shop_id() is None
    with pytest.raises(ValueError, match="reason"), scopes_disabled("  "):
        pass


def test_scopes_nest_and_the_inner_one_wins(shop: Shop, other_shop: Shop, two_customers: Any) -> None:
    mine, theirs = two_customers
    with scopes_disabled("outer"):
        with scope(shop=shop):  # a scope overrides an outer disabled block
            assert list(Customer.objects.values_list("id", flat=True)) == [mine.id]
            with scope(shop=other_shop):
                assert list(Customer.objects.values_list("id", flat=True)) == [theirs.id]
            assert current_shop_id() == shop.id
            with scopes_disabled("inner"):
                assert Customer.objects.count() == 2
            with scope(shop=None), pytest.raises(ScopeError):
                Customer.objects.count()
        assert Customer.objects.count() == 2  # back to the outer state


def test_a_queryset_built_outside_a_scope_is_checked_when_it_is_used(
    shop: Shop, other_shop: Shop, two_customers: Any
) -> None:
    """``ShopRelatedField(queryset=X.objects.all())`` builds its queryset at import time."""
    mine, _ = two_customers
    with scope(shop=None):
        pending = StockItem.objects.all()  # no error yet: nothing reached the database
        customers = Customer.objects.all()
        with pytest.raises(ScopeError):
            list(pending)
    with scope(shop=shop):
        assert list(customers.values_list("id", flat=True)) == [mine.id]  # filtered by the shop in force


@pytest.mark.django_db(transaction=True)  # the threads' connections see committed rows only
def test_threads_of_run_concurrently_carry_the_callers_scope(shop: Shop, two_customers: Any) -> None:
    mine, _ = two_customers
    with scope(shop=shop):
        results = run_concurrently([lambda: list(Customer.objects.values_list("id", flat=True))] * 2)
    assert results == [[mine.id], [mine.id]]


def test_each_request_starts_without_a_shop_and_the_admin_is_disabled(two_customers: Any) -> None:
    seen: list[Any] = []

    def view(request: Any) -> Any:
        try:
            seen.append(Customer.objects.count())
        except ScopeError as exc:
            seen.append(exc)
        return "response"

    middleware = ScopeMiddleware(view)
    # The test body runs with scopes disabled; a request does not inherit that.
    middleware(RequestFactory().get("/api/customers/"))
    middleware(RequestFactory().get("/admin/customers/customer/"))
    assert isinstance(seen[0], ScopeError) and seen[1] == 2
    assert Customer.objects.count() == 2  # the test body's state is back


def test_a_view_that_forgets_its_shop_still_sees_only_its_shop(
    admin_member: Membership, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the test client a request enters its own scope (the test body's disabled state
    does not reach it): a list whose selector forgot the shop still lists the member's shop."""
    from apps.warehouse.api import views

    theirs = StockItemFactory()
    mine = StockItemFactory(shop=admin_member.shop)
    monkeypatch.setattr(views.selectors, "stock_item_list", lambda shop: StockItem.objects.order_by("id"))
    response = api_as(admin_member).get("/api/warehouse/items/")
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["items"]]
    assert ids == [mine.id] and theirs.id not in ids


def test_order_items_are_scoped_through_their_order() -> None:
    assert OrderItem._shop_scope_path == "order__shop"  # type: ignore[attr-defined]
    with scope(shop=None), pytest.raises(ScopeError, match="orders.OrderItem"):
        OrderItem.objects.exists()


def test_a_view_leaves_its_shop_scope_even_when_the_exception_is_re_raised(admin_member: Membership) -> None:
    """DRF re-raises what its handler cannot answer (``finalize_response`` never runs): the
    view still leaves the member's scope, so nothing of that shop stays on the thread."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    from apps.shops.sessions import tokens_issue
    from flowercrm.auth import ShopAuth
    from flowercrm.viewsets import ScopedAPIView

    class Exploding(ScopedAPIView):
        def get(self, request: Any) -> Any:
            assert current_shop_id() == admin_member.shop_id
            raise ValueError("not an API error")

    request = APIRequestFactory().get("/x")
    token = tokens_issue(membership=admin_member).access
    force_authenticate(request, user=admin_member.user, token=ShopAuth(token=token, membership=admin_member))
    with scope(shop=None):
        with pytest.raises(ValueError, match="not an API error"):
            Exploding.as_view()(request)
        assert current_shop_id() is None
        with pytest.raises(ScopeError):
            Customer.objects.exists()


def test_the_admin_is_recognised_under_a_sub_path(two_customers: Any) -> None:
    seen: list[Any] = []
    middleware = ScopeMiddleware(lambda request: seen.append(Customer.objects.count()) or "response")
    request = RequestFactory().get("/admin/customers/customer/", SCRIPT_NAME="/crm")
    assert request.path == "/crm/admin/customers/customer/"
    middleware(request)
    assert seen == [2]
