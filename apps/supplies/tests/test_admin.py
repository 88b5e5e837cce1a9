from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from apps.shops.models import Membership, Shop
from apps.supplies.models import Supplier, Supply, SupplyStatus
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory
from apps.warehouse.models import StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/supplies/supply/"


@pytest.fixture
def staff(member: Callable[..., Membership]) -> Client:
    membership = member(Role.MANAGER)
    membership.user.is_staff = True
    membership.user.save()
    client = Client()
    client.force_login(membership.user)
    return client


def _action(client: Client, action: str, supplies: list[Supply]) -> Any:
    return client.post(CHANGELIST, {"action": action, "_selected_action": [s.pk for s in supplies]}, follow=True)


def _add_form(shop: Shop, supplier: Supplier, **overrides: Any) -> dict[str, Any]:
    data = {
        "shop": shop.pk,
        "supplier": supplier.pk,
        "date": "2026-11-25",
        "currency": "KZT",
        "rate": "1",
        "notes": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-stock_item": "",
        "lines-0-new_item_name": "Гвоздика",
        "lines-0-new_item_category": "flower",
        "lines-0-new_item_height_cm": "60",
        "lines-0-new_item_unit": "stem",
        "lines-0-quantity": "25",
        "lines-0-purchase_price": "80.5",
    }
    data.update(overrides)
    return data


def test_changelist_shows_only_the_staff_members_shops(staff: Client, shop: Shop, other_shop: Shop) -> None:
    own = SupplyFactory(shop=shop, lines=2)
    foreign = SupplyFactory(shop=other_shop, lines=1)
    response = staff.get(CHANGELIST)
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {own.pk}
    assert staff.get(f"{CHANGELIST}{foreign.pk}/change/").status_code == 302  # "does not exist" redirect
    assert staff.get(f"{CHANGELIST}{own.pk}/change/").status_code == 200


def test_receive_action_goes_through_the_service_once(staff: Client, shop: Shop) -> None:
    item = StockItemFactory(shop=shop, retail_price=Decimal("0"))
    supply = SupplyFactory(shop=shop)
    supply.lines.create(stock_item=item, quantity=7, purchase_price=Decimal("100"))
    response = _action(staff, "receive_selected", [supply])
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.quantity, item.unit_cost, item.retail_price) == (7, Decimal("100.00"), Decimal("200.00"))
    supply.refresh_from_db()
    assert supply.status == SupplyStatus.RECEIVED and supply.received_by is not None

    response = _action(staff, "receive_selected", [supply])
    assert any("уже принята" in str(m) for m in response.context["messages"])
    item.refresh_from_db()
    assert item.quantity == 7
    assert StockMovement.objects.filter(supply=supply).count() == 1


def test_cancel_action(staff: Client, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=1)
    _action(staff, "cancel_selected", [supply])
    supply.refresh_from_db()
    assert supply.status == SupplyStatus.CANCELLED


def test_received_supply_is_read_only(staff: Client, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=1, notes="до")
    _action(staff, "receive_selected", [supply])
    page = staff.get(f"{CHANGELIST}{supply.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    lines = page.context["inline_admin_formsets"][0]
    assert not lines.has_add_permission and not lines.has_change_permission and not lines.has_delete_permission
    response = staff.post(f"{CHANGELIST}{supply.pk}/change/", {"notes": "после"})
    assert response.status_code == 403
    assert staff.post(f"{CHANGELIST}{supply.pk}/delete/", {"post": "yes"}).status_code == 403
    supply.refresh_from_db()
    assert supply.notes == "до"
    assert "delete_selected" not in staff.get(CHANGELIST).content.decode()


def test_add_a_draft_with_lines(staff: Client, shop: Shop) -> None:
    supplier = SupplierFactory(shop=shop)
    response = staff.post(f"{CHANGELIST}add/", _add_form(shop, supplier))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    supply = Supply.objects.get(shop=shop)
    assert supply.status == SupplyStatus.DRAFT and supply.created_by is not None
    line = supply.lines.get()
    assert (line.new_item_name, line.quantity, line.purchase_price) == ("Гвоздика", 25, Decimal("80.5"))
    assert not StockItem.objects.exists()  # nothing reaches stock before receiving


@pytest.mark.parametrize(
    "overrides",
    [
        {"rate": "2"},  # the shop's currency at a rate other than 1
        {"currency": "usd", "rate": "400"},
        {"lines-0-new_item_name": ""},  # neither an item nor a new name
        {"lines-0-quantity": "0"},
    ],
)
def test_add_refuses_bad_drafts(staff: Client, shop: Shop, overrides: dict[str, str]) -> None:
    supplier = SupplierFactory(shop=shop)
    response = staff.post(f"{CHANGELIST}add/", _add_form(shop, supplier, **overrides))
    assert response.status_code == 200  # the form again, with errors
    assert not Supply.objects.exists()


def test_add_refuses_another_shops_supplier_and_items(staff: Client, shop: Shop, other_shop: Shop) -> None:
    foreign_supplier = SupplierFactory(shop=other_shop)
    foreign_item = StockItemFactory(shop=other_shop)
    own_supplier = SupplierFactory(shop=shop)
    assert staff.post(f"{CHANGELIST}add/", _add_form(shop, foreign_supplier)).status_code == 200
    form = _add_form(shop, own_supplier, **{"lines-0-stock_item": str(foreign_item.pk), "lines-0-new_item_name": ""})
    assert staff.post(f"{CHANGELIST}add/", form).status_code == 200
    assert not Supply.objects.exists()


def test_supplier_admin_goes_through_the_service(staff: Client, shop: Shop) -> None:
    SupplierFactory(shop=shop, name="Голландия")
    url = "/admin/supplies/supplier/add/"
    response = staff.post(url, {"shop": shop.pk, "name": "ГОЛЛАНДИЯ", "phone": "", "notes": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    response = staff.post(url, {"shop": shop.pk, "name": "  Кения  опт ", "phone": "8 701 123 45 67", "notes": ""})
    assert response.status_code == 302
    created = Supplier.objects.get(shop=shop, name="Кения опт")
    assert created.phone == "+77011234567"


def test_a_manager_of_two_shops_cannot_link_one_shops_supply_to_the_others_rows(
    member: Callable[..., Membership], shop: Shop, other_shop: Shop
) -> None:
    """The dropdowns offer the rows of every shop the user writes in; the form still refuses a
    supplier or a stock item of another shop than the supply's (as the API answers 400)."""
    mine = member(Role.MANAGER)
    member(Role.MANAGER, shop=other_shop, user=mine.user)
    mine.user.is_staff = True
    mine.user.save()
    client = Client()
    client.force_login(mine.user)
    own_supplier, foreign_supplier = SupplierFactory(shop=shop), SupplierFactory(shop=other_shop)
    foreign_item = StockItemFactory(shop=other_shop)
    before = Supply.objects.count()
    response = client.post(f"{CHANGELIST}add/", _add_form(shop, foreign_supplier))
    assert response.status_code == 200 and "supplier" in response.context["adminform"].form.errors
    foreign_line = {"lines-0-stock_item": foreign_item.pk, "lines-0-new_item_name": ""}
    response = client.post(f"{CHANGELIST}add/", _add_form(shop, own_supplier, **foreign_line))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0].get("stock_item")
    assert Supply.objects.count() == before
    # An existing draft cannot be switched to another shop's supplier or items either.
    draft = SupplyFactory(shop=shop, supplier=own_supplier)
    data = _add_form(shop, foreign_supplier, **foreign_line)
    data.pop("shop")
    response = client.post(f"{CHANGELIST}{draft.pk}/change/", data)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.supplier_id == own_supplier.pk and not draft.lines.exists()
    # The same forms with the supply's own shop's rows are saved.
    response = client.post(f"{CHANGELIST}add/", _add_form(shop, own_supplier))
    assert response.status_code == 302
    assert Supply.objects.count() == before + 2
