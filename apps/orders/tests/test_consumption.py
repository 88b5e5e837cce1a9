"""What assembly takes from stock (ARCHITECTURE §11.1; issue 11, item 3): ``consumption``
replaces the reserved recipe lines, ``extra_consumption`` adds to them, both is a 400 — on the
order's transition and on the task's ``complete`` — and the ledger says exactly that."""

from __future__ import annotations

import pytest

from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.warehouse.models import StockItem, StockMovement
from flowercrm.errors import Invalid
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def eucalyptus(shop):
    return make_stock(shop, name="Эвкалипт", quantity=40)


@pytest.fixture
def in_production(shop, office, rose):
    """An order whose recipe (25 roses) was reserved at confirmation, now being made."""
    order = make_order(shop, office.user, make_product(shop, recipe={rose: 25}))
    for to in (S.CONFIRMED, S.IN_PRODUCTION):
        order_transition(order=order, to=to, actor=office.user, role=Role.ADMIN)
    return order


def ledger(order: Order) -> dict[int, int]:
    """``{stock_item_id: Σ delta}`` of the order's consumption movements."""
    rows: dict[int, int] = {}
    for item_id, delta in StockMovement.objects.filter(order=order, kind="consumption").values_list("item_id", "delta"):
        rows[item_id] = rows.get(item_id, 0) + delta
    return rows


def stock(item: StockItem) -> tuple[int, int]:
    item.refresh_from_db()
    return item.quantity, item.reserved


def assemble(client, order: Order, **body):
    return client.post(f"/api/orders/{order.id}/transition/", {"status": "assembled", **body}, format="json")


def test_nothing_sent_takes_the_reserved_recipe(in_production, office, api_as, rose) -> None:
    assert stock(rose) == (100, 25)
    assert assemble(api_as(office), in_production).status_code == 200
    assert ledger(in_production) == {rose.id: -25}
    assert stock(rose) == (75, 0)


def test_extra_consumption_is_added_to_the_reserved_recipe(in_production, florist, api_as, rose, eucalyptus) -> None:
    """The bug: "2 extra eucalyptus" sent as ``consumption`` left the 25 roses on the books.
    Sent as ``extra_consumption`` they are taken with the recipe."""
    response = assemble(
        api_as(florist), in_production, extra_consumption=[{"stock_item_id": eucalyptus.id, "quantity": 2}]
    )
    assert response.status_code == 200, response.json()
    assert ledger(in_production) == {rose.id: -25, eucalyptus.id: -2}
    assert stock(rose) == (75, 0)
    assert stock(eucalyptus) == (38, 0)
    event = OrderEvent.objects.filter(order=in_production, type="status_changed").latest("id")
    assert event.data["extra_consumption"] == [[eucalyptus.id, 2]]


def test_extra_consumption_of_a_recipe_item_adds_to_its_line(in_production, office, api_as, rose) -> None:
    lines = [{"stock_item_id": rose.id, "quantity": 2}, {"stock_item_id": rose.id, "quantity": 1}]
    assert assemble(api_as(office), in_production, extra_consumption=lines).status_code == 200
    assert ledger(in_production) == {rose.id: -28}
    assert stock(rose) == (72, 0)


def test_consumption_is_the_full_actual_use_and_replaces_the_recipe(
    in_production, florist, api_as, rose, eucalyptus
) -> None:
    lines = [{"stock_item_id": rose.id, "quantity": 23}, {"stock_item_id": eucalyptus.id, "quantity": 2}]
    assert assemble(api_as(florist), in_production, consumption=lines).status_code == 200
    assert ledger(in_production) == {rose.id: -23, eucalyptus.id: -2}
    assert stock(rose) == (77, 0)  # the reservation is released whatever was used
    assert stock(eucalyptus) == (38, 0)


def test_consumption_and_extra_consumption_together_are_400_and_change_nothing(
    in_production, office, api_as, rose, eucalyptus
) -> None:
    line = [{"stock_item_id": eucalyptus.id, "quantity": 2}]
    body = assert_error(
        assemble(api_as(office), in_production, consumption=line, extra_consumption=line), 400, "invalid"
    )
    assert "extra_consumption" in body["errors"]
    with pytest.raises(Invalid):
        order_transition(
            order=in_production,
            to=S.ASSEMBLED,
            actor=office.user,
            role=Role.ADMIN,
            consumption={eucalyptus.id: 2},
            extra_consumption={eucalyptus.id: 2},
        )
    in_production.refresh_from_db()
    assert in_production.status == S.IN_PRODUCTION
    assert ledger(in_production) == {}
    assert stock(rose) == (100, 25)


def test_another_shops_stock_item_is_400(in_production, office, api_as, other_shop, rose) -> None:
    foreign = make_stock(other_shop, name="Чужая роза", quantity=10)
    for field in ("consumption", "extra_consumption"):
        line = [{"stock_item_id": foreign.id, "quantity": 1}]
        body = assert_error(assemble(api_as(office), in_production, **{field: line}), 400, "invalid")
        assert field in body["errors"]
        # The service checks the shop too (the admin and commands call it directly).
        with pytest.raises(Invalid) as caught:
            order_transition(
                order=in_production, to=S.ASSEMBLED, actor=office.user, role=Role.ADMIN, **{field: {foreign.id: 1}}
            )
        assert field in caught.value.extra["errors"]
    assert stock(foreign) == (10, 0)
    assert stock(rose) == (100, 25)


def test_consumption_only_with_assembly(shop, office, api_as, rose) -> None:
    order = make_order(shop, office.user, make_product(shop, recipe={rose: 1}))
    line = [{"stock_item_id": rose.id, "quantity": 1}]
    body = assert_error(
        api_as(office).post(
            f"/api/orders/{order.id}/transition/", {"status": "confirmed", "extra_consumption": line}, format="json"
        ),
        400,
        "invalid",
    )
    assert "extra_consumption" in body["errors"]


def test_reassembly_takes_only_what_is_sent_never_the_recipe_again(
    in_production, office, api_as, rose, eucalyptus
) -> None:
    client = api_as(office)
    assert assemble(client, in_production).status_code == 200
    back = {"status": "in_production", "reason": "переделать"}
    assert client.post(f"/api/orders/{in_production.id}/transition/", back, format="json").status_code == 200
    line = [{"stock_item_id": eucalyptus.id, "quantity": 3}]
    assert assemble(client, in_production, extra_consumption=line).status_code == 200
    assert ledger(in_production) == {rose.id: -25, eucalyptus.id: -3}
    assert client.post(f"/api/orders/{in_production.id}/transition/", back, format="json").status_code == 200
    assert assemble(client, in_production, consumption=[{"stock_item_id": rose.id, "quantity": 4}]).status_code == 200
    assert ledger(in_production) == {rose.id: -29, eucalyptus.id: -3}
    assert stock(rose) == (71, 0)


def test_task_complete_takes_both_fields(in_production, florist, api_as, rose, eucalyptus) -> None:
    task = ProductionTask.objects.get(order=in_production)
    client = api_as(florist)
    line = [{"stock_item_id": eucalyptus.id, "quantity": 2}]
    both = client.post(
        f"/api/production/tasks/{task.id}/complete/", {"consumption": line, "extra_consumption": line}, format="json"
    )
    assert "extra_consumption" in assert_error(both, 400, "invalid")["errors"]
    done = client.post(f"/api/production/tasks/{task.id}/complete/", {"extra_consumption": line}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"
    assert ledger(in_production) == {rose.id: -25, eucalyptus.id: -2}
    assert stock(rose) == (75, 0)


def test_task_complete_with_consumption_replaces_the_recipe(in_production, florist, api_as, rose, eucalyptus) -> None:
    task = ProductionTask.objects.get(order=in_production)
    line = [{"stock_item_id": eucalyptus.id, "quantity": 2}]
    done = api_as(florist).post(f"/api/production/tasks/{task.id}/complete/", {"consumption": line}, format="json")
    assert done.status_code == 200, done.json()
    assert ledger(in_production) == {eucalyptus.id: -2}
    assert stock(rose) == (100, 0)


def test_the_schema_describes_both_fields_in_words(api) -> None:
    schema = api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    for name in ("TransitionRequest", "TaskCompleteRequest"):
        properties = components[name]["properties"]
        assert "replaces the recipe lines" in properties["consumption"]["description"]
        assert "added to the recipe lines" in properties["extra_consumption"]["description"]
