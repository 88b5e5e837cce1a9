"""The admin kernel's lists and refusals (``flowercrm.admin``) over every admin of the back
office but orders: refusals in words, relation filters scoped to the user's shops, the role
matrix, pages that render with a working day's rows and fit the screen, and changelists whose
query count does not grow with the rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.text import capfirst
from django.utils.translation import gettext

from apps.catalog.models import Product
from apps.orders.tests.factories import make_stock
from apps.production.models import ProductionTask
from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory
from apps.supplies.models import Supplier, Supply, SupplyLine
from flowercrm.admin import refusal_text
from flowercrm.errors import InsufficientStock, Invalid
from flowercrm.roles import Role
from flowercrm.tests.admin_data import admin_browser, fill_shop, queries_of

pytestmark = pytest.mark.django_db

FOREIGN = "Чужестранец"

# Every list of the back office this part owns (orders have their own tests).
CHANGELISTS = [
    "/admin/customers/customer/",
    "/admin/catalog/product/",
    "/admin/warehouse/stockitem/",
    "/admin/warehouse/stockmovement/",
    "/admin/supplies/supplier/",
    "/admin/supplies/supply/",
    "/admin/production/productiontask/",
    "/admin/shops/shop/",
    "/admin/shops/membership/",
    "/admin/accounts/user/",
    "/admin/flowercrm/uploadedimage/",
]


def _label(model: Any, field: str) -> str:
    return str(capfirst(model._meta.get_field(field).verbose_name))


# --- refusals in words ------------------------------------------------------------------------


def test_a_refusal_names_the_field_by_its_verbose_name_never_a_dict() -> None:
    exc = Invalid({"sale_price": ["Должна быть меньше цены."], "non_field_errors": ["Проверьте состав."]})
    text = refusal_text(exc, Product)
    assert text == f"{exc.detail} {_label(Product, 'sale_price')}: Должна быть меньше цены. Проверьте состав."
    assert not re.search(r"[{}\[\]']", text)


def test_a_refusal_of_nested_rows_names_the_rows_and_their_fields() -> None:
    exc = Invalid({"lines": [{}, {"quantity": ["Не меньше 1."]}], "supplier_id": ["Поставщик не найден."]})
    text = refusal_text(exc, Supply)
    rows = str(capfirst(SupplyLine._meta.verbose_name_plural))
    row = gettext("row %(number)s") % {"number": 2}
    assert f"{rows}, {row}, {_label(SupplyLine, 'quantity')}: Не меньше 1." in text
    assert f"{_label(Supply, 'supplier')}: Поставщик не найден." in text
    assert not re.search(r"[{}\[\]']", text)


def test_a_refusal_lists_what_stock_is_missing() -> None:
    exc = InsufficientStock([{"stock_item_id": 1, "name": "Роза", "needed": 5, "on_hand": 2}])
    text = refusal_text(exc)
    assert text.startswith(exc.detail)
    assert (
        gettext("%(name)s: needed %(needed)s, on hand %(on_hand)s")
        % {
            "name": "Роза",
            "needed": 5,
            "on_hand": 2,
        }
        in text
    )


def test_a_django_validation_error_reads_the_same_way() -> None:
    text = refusal_text(ValidationError({"price": ["Укажите цену."]}), Product)
    assert text == f"{_label(Product, 'price')}: Укажите цену."
    assert refusal_text(ValidationError("Просто нельзя")) == "Просто нельзя."


def test_a_refused_admin_save_shows_the_message_in_words(shop: Shop) -> None:
    """``ShopScopedAdmin.refuse`` end to end: the supplier service refuses over-long notes
    (the form does not know the limit); the page says so in words and nothing is saved."""
    manager = MembershipFactory(shop=shop, role=Role.MANAGER)
    client = admin_browser(manager)
    response = client.post(
        "/admin/supplies/supplier/add/",
        {"shop": shop.pk, "name": "Розы Кении", "phone": "", "notes": "x" * 5001},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1, shown
    assert shown[0].startswith(Invalid({}).detail)
    assert f"{_label(Supplier, 'notes')}: " in shown[0]
    assert not re.search(r"[{}\[\]']", shown[0])
    assert not Supplier.objects.exists()


# --- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_admins_and_managers_open_every_list(shop: Shop, role: str) -> None:
    client = admin_browser(MembershipFactory(shop=shop, role=role))
    for url in CHANGELISTS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER])
def test_florists_and_couriers_are_refused_even_when_marked_staff(shop: Shop, role: str) -> None:
    membership = MembershipFactory(shop=shop, role=role)
    staff = admin_browser(membership, staff=True)
    for url in CHANGELISTS:
        assert staff.get(url).status_code == 403, url
    plain = admin_browser(membership, staff=False)
    for url in CHANGELISTS:
        response = plain.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/"), url


# --- a working day's pages ---------------------------------------------------------------------


@pytest.fixture
def day(shop: Shop, other_shop: Shop) -> Any:
    fill_shop(other_shop, tag=FOREIGN, rows=2)
    return fill_shop(shop, tag="Свой", rows=3)


def _pages(day: Any) -> list[str]:
    first = {
        "customers/customer": day.customers[0].pk,
        "catalog/product": day.products[0].pk,
        "warehouse/stockitem": day.stock[-1].pk,
        "supplies/supply": day.supplies[1].pk,  # a draft: its lines are editable
        "supplies/supplier": day.supplies[0].supplier_id,
        "production/productiontask": ProductionTask.objects.filter(order=day.orders[0]).get().pk,
        "shops/membership": day.florist.pk,
    }
    pages = list(CHANGELISTS)
    for path, pk in first.items():
        pages += [f"/admin/{path}/{pk}/change/"]
    pages += [
        f"/admin/{p}/add/" for p in ("customers/customer", "catalog/product", "warehouse/stockitem", "supplies/supply")
    ]
    return pages


def test_every_page_renders_a_working_day_fits_the_screen_and_shows_no_foreign_rows(day: Any) -> None:
    """The cheap part of "no page wider than 1366 px" (the browser tests measure it): every page
    links the admin stylesheet that narrows inlines and wraps list cells, and no tabular inline
    keeps Django's 40-column, 10-row text areas (the customer page was 2,590 px wide)."""
    client = admin_browser(day.admin)
    for url in _pages(day):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "flowercrm/admin.css" in html, url
        assert FOREIGN not in html, url
        # Text areas of inline rows are named like ``addresses-0-comment``.
        for tag in re.findall(r'<textarea[^>]*name="[a-z_]+-(?:\d+|__prefix__)-[^"]+"[^>]*>', html):
            assert 'rows="10"' not in tag, (url, tag)


@pytest.mark.parametrize("url", [u for u in CHANGELISTS if "uploadedimage" not in u])
def test_changelist_queries_do_not_grow_with_the_rows(shop: Shop, url: str) -> None:
    first = fill_shop(shop, tag="А", rows=5)
    client = admin_browser(first.admin)
    few = queries_of(client, url)
    fill_shop(shop, tag="Б", rows=25, admin=first.admin)
    assert queries_of(client, url) == few


# --- relation filters, scoped ------------------------------------------------------------------


def _choices(client: Client, url: str, field_path: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    for spec in response.context["cl"].filter_specs:
        if getattr(spec, "field_path", None) == field_path:
            return {str(label) for _pk, label in spec.lookup_choices}
    raise AssertionError(f"no filter on {field_path}")


def test_florist_filter_offers_only_the_shops_eligible_members(day: Any, shop: Shop) -> None:
    MembershipFactory(shop=shop, role=Role.COURIER, user__name="Свой Курьер")
    client = admin_browser(day.admin)
    choices = _choices(client, "/admin/production/productiontask/", "florist")
    assert any("Свой Флористова" in c for c in choices)
    assert any("Свой Администраторова" in c for c in choices)  # admins may make bouquets too
    assert not any(FOREIGN in c or "Курьер" in c for c in choices), choices


def test_supplier_filter_offers_only_the_shops_suppliers(day: Any) -> None:
    choices = _choices(admin_browser(day.admin), "/admin/supplies/supply/", "supplier")
    assert len(choices) == 3 and not any(FOREIGN in c for c in choices), choices


def test_a_manager_of_two_shops_sees_the_shop_column_and_filter_of_their_shops_only(
    day: Any, shop: Shop, other_shop: Shop
) -> None:
    third = Shop.objects.create(name="Третий магазин")
    second = fill_shop(third, tag="Второй", rows=1)
    MembershipFactory(shop=third, role=Role.MANAGER, user=day.admin.user)
    client = admin_browser(day.admin)
    response = client.get("/admin/warehouse/stockitem/")
    assert "shop" in response.context["cl"].list_display
    assert _choices(client, "/admin/warehouse/stockitem/", "shop") == {shop.name, third.name}
    ids = {item.pk for item in response.context["cl"].result_list}
    assert ids == {i.pk for i in day.stock} | {i.pk for i in second.stock}
    single = admin_browser(MembershipFactory(shop=shop, role=Role.MANAGER))
    assert "shop" not in single.get("/admin/warehouse/stockitem/").context["cl"].list_display


# --- autocompletes ------------------------------------------------------------------------------


def _autocomplete(client: Client, app: str, model: str, field: str, term: str) -> list[str]:
    response = client.get(
        "/admin/autocomplete/", {"app_label": app, "model_name": model, "field_name": field, "term": term}
    )
    assert response.status_code == 200, response.content[:300]
    return [row["text"] for row in response.json()["results"]]


def test_autocompletes_offer_only_the_shops_rows(day: Any) -> None:
    client = admin_browser(day.admin)
    suppliers = _autocomplete(client, "supplies", "supply", "supplier", "голландские")
    assert len(suppliers) == 3 and not any(FOREIGN in s for s in suppliers)
    # A customer by a phone typed another way (8 instead of +7, spaces): only this shop's.
    phone = day.customers[0].phone
    typed = f"8 {phone[2:5]} {phone[5:8]} {phone[8:]}"
    assert _autocomplete(client, "orders", "order", "customer", typed) == [str(day.customers[0])]
    items = _autocomplete(client, "supplies", "supplyline", "stock_item", "эвкалипт")
    assert len(items) == 1 and FOREIGN not in items[0]


def test_a_stock_operation_page_renders_in_words(day: Any) -> None:
    item = make_stock(day.admin.shop, name="Свой Гипсофила", quantity=3)
    page = admin_browser(day.admin).get(f"/admin/warehouse/stockitem/{item.pk}/write-off/")
    assert page.status_code == 200
    assert "admin/warehouse/stockitem/stock_operation.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert "На складе: <strong>3</strong>, в резерве: 0" in html  # the template's Russian
    assert "Списание" in html
