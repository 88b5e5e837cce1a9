"""Races on PostgreSQL with real threads: a customer that disappears between a request's
look-up and its row lock (merged away, deleted) is a 404 — or a 409 when a merge of the
caller's own removed it — never a 500 (issue 11, ``flowercrm.locking``).

``race_with_open_transaction`` makes each race deterministic: the request reads the row while
the other transaction has removed it but not committed, then waits for its lock, and finds it
gone when the other commits. ``run_concurrently`` rounds add the free-running interleavings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.customers import services
from apps.customers.models import Customer, CustomerPhone
from apps.customers.tests.factories import CustomerFactory
from apps.orders.customers import customer_merge
from apps.orders.models import Order
from apps.orders.tests.factories import make_order
from apps.shops.models import Membership, Shop
from flowercrm.errors import Invalid
from flowercrm.roles import Role
from flowercrm.testing import assert_error, race_with_open_transaction, run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/customers/"
ROUNDS = 8


@pytest.fixture
def manager(member: Callable[..., Membership]) -> Membership:
    return member(Role.MANAGER)


def _merge(shop: Shop, keep: Customer, merge: Customer) -> Callable[[], Any]:
    return lambda: customer_merge(shop=shop, keep=keep, merge=merge, actor=None)


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_editing_a_customer_merged_away_meanwhile_is_404(
    requires_postgres: None,
    shop: Shop,
    manager: Membership,
    api_as: Callable[[Membership], APIClient],
    method: str,
) -> None:
    keep = CustomerFactory(shop=shop)
    merged = CustomerFactory(shop=shop, phone="+77017654321")
    client = api_as(manager)
    body = {"name": "Новое имя", "phone": "+77017654321"} if method != "delete" else None

    outcome, response = race_with_open_transaction(
        _merge(shop, keep, merged), lambda: getattr(client, method)(f"{URL}{merged.id}/", body, format="json")
    )

    assert not isinstance(outcome, BaseException), outcome
    assert not isinstance(response, BaseException), response  # a DoesNotExist here was the 500
    body = assert_error(response, 404, "not_found")
    assert "объединили" in body["detail"]
    assert not Customer.objects.filter(pk=merged.pk).exists()
    assert CustomerPhone.objects.get(phone="+77017654321").customer_id == keep.pk  # untouched by the edit


def test_merge_whose_kept_customer_was_merged_away_meanwhile_is_409(
    requires_postgres: None, shop: Shop, manager: Membership, api_as: Callable[[Membership], APIClient]
) -> None:
    winner = CustomerFactory(shop=shop)
    keep = CustomerFactory(shop=shop)  # merged into ``winner`` by the other request
    other = CustomerFactory(shop=shop)
    order = make_order(other.shop, customer=other)
    client = api_as(manager)

    outcome, response = race_with_open_transaction(
        _merge(shop, winner, keep),
        lambda: client.post(f"{URL}merge/", {"keep_id": keep.id, "merge_id": other.id}, format="json"),
    )

    assert not isinstance(outcome, BaseException), outcome
    assert not isinstance(response, BaseException), response
    assert_error(response, 409, "conflict")
    order.refresh_from_db()
    assert order.customer_id == other.pk and Customer.objects.filter(pk=other.pk).exists()  # nothing moved


def test_free_running_merges_and_edits_never_500(
    requires_postgres: None, shop: Shop, member: Callable[..., Membership], api_as: Callable[[Membership], APIClient]
) -> None:
    """Each round merges M into K while another request edits (even rounds) or deletes (odd
    rounds) M, released together. Every answer is one of the contract's, never a 500."""
    merger, editor = api_as(member(Role.MANAGER)), api_as(member(Role.ADMIN))
    seen: Counter[tuple[str, int]] = Counter()
    for round_ in range(ROUNDS):
        keep = CustomerFactory(shop=shop)
        merged = CustomerFactory(shop=shop)
        make_order(keep.shop, customer=keep)
        edit_kind = "patch" if round_ % 2 == 0 else "delete"

        def edit(merged: Customer = merged, kind: str = edit_kind) -> Any:
            if kind == "patch":
                return editor.patch(f"{URL}{merged.id}/", {"notes": "правка"}, format="json")
            return editor.delete(f"{URL}{merged.id}/")

        def merge(keep: Customer = keep, merged: Customer = merged) -> Any:
            return merger.post(f"{URL}merge/", {"keep_id": keep.id, "merge_id": merged.id}, format="json")

        merge_response, edit_response = run_concurrently([merge, edit])
        for response in (merge_response, edit_response):
            assert not isinstance(response, BaseException), response
        # The edit first: the merge follows (200) or finds M deleted (400 on merge_id: it
        # was gone when the body was validated; 409: it went while the merge waited).
        assert merge_response.status_code in (200, 400, 409), merge_response.json()
        allowed_edit = {200, 404} if edit_kind == "patch" else {204, 404}
        assert edit_response.status_code in allowed_edit, edit_response.content
        seen[("merge", merge_response.status_code)] += 1
        seen[(edit_kind, edit_response.status_code)] += 1
        assert Order.objects.filter(customer=keep).exists()
    print(f"\n{ROUNDS} rounds: {dict(sorted(seen.items()))}")  # noqa: T201


# --- one phone, two tables: a main phone and someone else's extra phone at the same instant ---


PHONE = "+77055550000"


def test_a_new_main_phone_and_the_same_extra_phone_at_once_one_wins(requires_postgres: None, shop: Shop) -> None:
    """Each table's unique index alone lets both commit; the phone's lock makes the second
    writer wait and then see the first (``apps.customers.services.phones.lock_phones``)."""
    other = CustomerFactory(shop=shop)

    created, refused = race_with_open_transaction(
        lambda: services.customer_create(shop=shop, data={"phone": PHONE}),
        lambda: services.customer_update(customer=other, data={"extra_phones": [PHONE]}),
    )

    assert isinstance(created, Customer), created
    assert isinstance(refused, Invalid) and list(refused.extra["errors"]) == ["extra_phones"], refused
    assert not CustomerPhone.objects.filter(phone=PHONE).exists()


def test_a_new_extra_phone_and_the_same_main_phone_at_once_one_wins(requires_postgres: None, shop: Shop) -> None:
    other = CustomerFactory(shop=shop)

    updated, refused = race_with_open_transaction(
        lambda: services.customer_update(customer=other, data={"extra_phones": [PHONE]}),
        lambda: services.customer_create(shop=shop, data={"phone": PHONE}),
    )

    assert isinstance(updated, Customer), updated
    assert isinstance(refused, Invalid) and refused.extra["errors"] == {"phone": [services.EXTRA_PHONE_TAKEN]}
    assert not Customer.objects.filter(shop=shop, phone=PHONE).exists()


def test_intake_of_a_phone_becoming_an_extra_phone_finds_its_owner(requires_postgres: None, shop: Shop) -> None:
    owner = CustomerFactory(shop=shop)

    _, found = race_with_open_transaction(
        lambda: services.customer_update(customer=owner, data={"extra_phones": [PHONE]}),
        lambda: services.customer_upsert_by_phone(shop=shop, phone=PHONE, name="Новый"),
    )

    assert isinstance(found, Customer) and found.pk == owner.pk, found
    assert not Customer.objects.filter(shop=shop, phone=PHONE).exists()
