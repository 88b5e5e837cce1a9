"""The supply list: supplier, status, dates, amount, lines; filters scoped to the shop; the
actions' refusals and results in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.text import capfirst

from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory
from apps.supplies.models import Supply, SupplyLine, SupplyStatus
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory, SupplyLineFactory
from flowercrm.roles import Role
from flowercrm.tests.admin_data import admin_browser

pytestmark = pytest.mark.django_db

SUPPLIES = "/admin/supplies/supply/"


@pytest.fixture
def manager(shop: Shop) -> Client:
    return admin_browser(MembershipFactory(shop=shop, role=Role.MANAGER))


def _act(client: Client, action: str, supplies: list[Supply]) -> list[str]:
    response = client.post(SUPPLIES, {"action": action, "_selected_action": [s.pk for s in supplies]}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_receiving_an_empty_draft_is_refused_in_words(manager: Client, shop: Shop) -> None:
    empty = SupplyFactory(shop=shop)
    shown = _act(manager, "receive_selected", [empty])
    rows = str(capfirst(SupplyLine._meta.verbose_name_plural))
    assert shown == [f"{empty}: Проверьте введённые данные. {rows}: В поставке нет строк."]
    empty.refresh_from_db()
    assert empty.status == SupplyStatus.DRAFT


def test_receiving_says_how_many_in_russian(manager: Client, shop: Shop) -> None:
    supplies = [SupplyFactory(shop=shop, lines=1), SupplyFactory(shop=shop, lines=2)]
    assert _act(manager, "receive_selected", supplies) == ["Принято поставок: 2."]


def test_the_list_shows_amount_and_lines_and_filters_by_status_and_supplier(
    manager: Client, shop: Shop, other_shop: Shop
) -> None:
    roses = SupplierFactory(shop=shop, name="Розы Кении")
    tulips = SupplierFactory(shop=shop, name="Тюльпаны Голландии")
    draft = SupplyFactory(shop=shop, supplier=roses, date=dt.date(2026, 11, 28))
    SupplyLineFactory(supply=draft, quantity=10, purchase_price=Decimal("150.0000"))
    SupplyLineFactory(supply=draft, quantity=5, purchase_price=Decimal("100.0000"))
    other = SupplyFactory(shop=shop, supplier=tulips, lines=1)
    SupplyFactory(shop=other_shop, lines=1)
    response = manager.get(SUPPLIES)
    html = response.content.decode()
    assert '<td class="field-total_display">2000.00 KZT</td>' in html
    assert '<td class="field-lines_count">2</td>' in html
    rows = {s.pk for s in response.context["cl"].result_list}
    assert rows == {draft.pk, other.pk}
    by_supplier = manager.get(SUPPLIES, {"supplier__id__exact": str(roses.pk)}).context["cl"].result_list
    assert [s.pk for s in by_supplier] == [draft.pk]
    by_status = manager.get(SUPPLIES, {"status__exact": "draft"}).context["cl"].result_list
    assert {s.pk for s in by_status} == {draft.pk, other.pk}


def test_supplier_list_counts_supplies(manager: Client, shop: Shop) -> None:
    roses = SupplierFactory(shop=shop, name="Розы Кении")
    SupplyFactory(shop=shop, supplier=roses, date=dt.date(2026, 11, 1))
    SupplyFactory(shop=shop, supplier=roses, date=dt.date(2026, 11, 20))
    html = manager.get("/admin/supplies/supplier/").content.decode()
    assert '<td class="field-supplies_count">2</td>' in html


def test_the_search_finds_a_supply_by_its_suppliers_name_or_phone_and_by_its_notes(
    manager: Client, shop: Shop, other_shop: Shop
) -> None:
    roses = SupplierFactory(shop=shop, name="Розы Кении", phone="+77011112233")
    tulips = SupplierFactory(shop=shop, name="Тюльпаны Голландии")
    by_roses = SupplyFactory(shop=shop, supplier=roses)
    noted = SupplyFactory(shop=shop, supplier=tulips, notes="Пришло с опозданием")
    SupplyFactory(shop=other_shop, supplier=SupplierFactory(shop=other_shop, name="Розы Кении"))

    def found(term: str) -> set[int]:
        response = manager.get(SUPPLIES, {"q": term})
        assert response.status_code == 200
        return {s.pk for s in response.context["cl"].result_list}

    assert found("РОЗЫ") == {by_roses.pk}
    assert found("8 701 111") == {by_roses.pk}
    assert found("опоздан") == {noted.pk}
    assert found("пионы") == set()
