from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.catalog.models import Product, ProductComponent
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.exchange.tests.helpers import run
from apps.orders.models import Order
from apps.orders.services import order_transition, payment_record
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.warehouse.models import StockItem
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

PATHS = ["/api/customers/export/", "/api/orders/export/", "/api/products/export/", "/api/warehouse/items/export/"]


def _csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.FLORIST, 403), (Role.COURIER, 403)]
)
def test_role_matrix(member, api_as, path: str, role: str, status: int) -> None:
    response = api_as(member(role)).get(path)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
    else:
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_is_401(api, path: str) -> None:
    assert api.get(path).status_code == 401


def test_bad_format_and_bad_filter_are_400(manager_api) -> None:
    response = manager_api.get("/api/customers/export/?format=pdf")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert manager_api.get("/api/orders/export/?status=lost").status_code == 400
    assert manager_api.get("/api/orders/export/?delivery_date_from=yesterday").status_code == 400


def test_customers_isolated_filtered_and_searched(shop, other_shop, manager_api) -> None:
    customer_create(shop=shop, data={"phone": "87011234567", "name": "Айгерим", "source": "instagram", "tags": ["VIP"]})
    customer_create(shop=shop, data={"phone": "87021112233", "name": "Дана", "source": "walk_in"})
    make_customer(other_shop, phone="+77051112233", name="Чужой")
    rows = _csv(manager_api.get("/api/customers/export/"))
    assert rows[0][:3] == ["телефон", "имя", "email"]
    assert sorted(r[0] for r in rows[1:]) == ["+77011234567", "+77021112233"]
    rows = _csv(manager_api.get("/api/customers/export/?source=instagram"))
    assert [r[0] for r in rows[1:]] == ["+77011234567"]
    rows = _csv(manager_api.get("/api/customers/export/?search=дана"))
    assert [r[1] for r in rows[1:]] == ["Дана"]
    rows = _csv(manager_api.get("/api/customers/export/?tag=VIP", HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[0][:2] == ["phone", "name"] and [r[0] for r in rows[1:]] == ["+77011234567"]


def test_orders_filters_and_xlsx(shop, other_shop, admin_member, manager_api) -> None:
    product = make_product(shop, price="10000")
    first = make_order(shop, admin_member.user, product)
    make_order(shop, admin_member.user, product)
    order_transition(order=first, to="confirmed", actor=admin_member.user, role=Role.ADMIN)
    make_order(other_shop, None, make_product(other_shop))
    rows = _csv(manager_api.get("/api/orders/export/?status=confirmed"))
    assert [r[0] for r in rows[1:]] == [str(first.number)]
    response = manager_api.get("/api/orders/export/?format=xlsx")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert values[0][0] == "номер" and len(values) == 3


@pytest.mark.parametrize("path", PATHS)
def test_query_count_does_not_grow_with_rows(shop, admin_member, manager_api, path: str) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = manager_api.get(path)
            b"".join(response.streaming_content)
        return len(queries)

    def add(n: int) -> None:
        for _ in range(n):
            stem = make_stock(shop, quantity=0)
            product = make_product(shop, recipe={stem: 2})
            order = make_order(shop, admin_member.user, product)
            customer_create(shop=shop, data={"phone": f"+7701{Customer.objects.count() + 1000000:07d}", "tags": ["a"]})
            payment_record(order=order, actor=admin_member.user, amount=order.total, method="cash")

    add(1)
    few = count()
    add(6)
    assert count() == few


def test_text_that_looks_like_a_formula_is_not_one(shop, manager_api) -> None:
    customer_create(shop=shop, data={"phone": "87011234567", "name": '=HYPERLINK("http://x")', "notes": "-1+2"})
    rows = _csv(manager_api.get("/api/customers/export/"))
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][0] == "+77011234567"
    response = manager_api.get("/api/customers/export/?format=xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = book.worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def _export_to(api, path: str, fmt: str, tmp_path: Path, name: str) -> Path:
    response = api.get(f"{path}?format={fmt}")
    assert response.status_code == 200
    target = tmp_path / f"{name}.{fmt}"
    target.write_bytes(b"".join(response.streaming_content))
    return target


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_another_shop_gives_equal_data(
    shop, other_shop, admin_member, manager_api, tmp_path: Path, fmt: str
) -> None:
    rose = StockItemFactory(
        shop=shop, name="Роза Фридом", height_cm=60, category="flower", unit="stem", retail_price="900", min_quantity=5
    )
    from apps.warehouse.services import stock_count_import

    stock_count_import(item=rose, counted_quantity=40, unit_cost=Decimal("350.50"), actor=None)
    eucalyptus = make_stock(shop, name="Эвкалипт", quantity=7, unit_price="120")
    bouquet = make_product(shop, price="15000", sale_price="14000", recipe={rose: 11, eucalyptus: 3})
    Product.objects.filter(pk=bouquet.pk).update(name="11 роз", sku="R-11", description="Классика")
    bouquet.refresh_from_db()
    customer_create(
        shop=shop,
        data={
            "phone": "87011234567",
            "name": "Айгерим",
            "email": "a@example.com",
            "notes": "любит пионы",
            "source": "instagram",
            "tags": ["VIP", "опт"],
            "addresses": [{"address": "ул. Абая 10", "is_default": True}],
            "important_dates": [{"day": 8, "month": 3, "title": "8 марта"}],
        },
    )
    order = make_order(shop, admin_member.user, bouquet, customer=Customer.objects.get(shop=shop, phone="+77011234567"))
    for to in ("confirmed", "in_production", "assembled", "out_for_delivery", "delivered"):
        if to == "out_for_delivery":
            Order.objects.filter(pk=order.pk).update(courier=admin_member.user)
        order_transition(order=order, to=to, actor=admin_member.user, role=Role.ADMIN)
    order.refresh_from_db()
    payment_record(order=order, actor=admin_member.user, amount=order.total, method="kaspi")

    files = {
        kind: _export_to(manager_api, path, fmt, tmp_path, kind)
        for kind, path in [
            ("stock", "/api/warehouse/items/export/"),
            ("products", "/api/products/export/"),
            ("customers", "/api/customers/export/"),
            ("orders", "/api/orders/export/"),
        ]
    }
    for kind in ("stock", "products", "customers", "orders"):
        result = run(kind, files[kind], other_shop)
        assert result.error is None, (kind, result.out)

    def stock_of(s):
        return sorted(
            StockItem.objects.filter(shop=s).values_list(
                "name", "category", "height_cm", "unit", "quantity", "unit_cost", "retail_price", "min_quantity"
            )
        )

    def products_of(s):
        return sorted(
            Product.objects.filter(shop=s).values_list(
                "name", "category", "price", "sale_price", "sku", "description", "is_active"
            )
        )

    def recipes_of(s):
        return sorted(
            ProductComponent.objects.filter(product__shop=s).values_list(
                "product__name", "stock_item__name", "stock_item__height_cm", "quantity"
            )
        )

    def customers_of(s):
        found = []
        for c in Customer.objects.filter(shop=s).order_by("phone"):
            found.append(
                (
                    c.phone,
                    c.name,
                    c.email,
                    c.notes,
                    c.source,
                    sorted(c.tags.values_list("name", flat=True)),
                    list(c.addresses.values_list("address", "is_default")),
                    list(c.important_dates.values_list("day", "month", "title")),
                )
            )
        return found

    def orders_of(s):
        return sorted(
            (
                o.number,
                o.delivery_date,
                o.customer.phone,
                o.recipient_name,
                o.recipient_phone,
                o.delivery_address,
                o.total,
                o.status,
                o.payment_status,
                [(i.name, i.quantity) for i in o.items.all()],
                [(p.amount, p.method) for p in o.payments.all()],
            )
            for o in Order.objects.filter(shop=s)
        )

    for read in (stock_of, products_of, recipes_of, customers_of, orders_of):
        assert read(other_shop) == read(shop), read.__name__


def test_rows_stream_in_batches_by_id(shop, manager_api, monkeypatch) -> None:
    from apps.exchange import exports

    monkeypatch.setattr(exports, "BATCH", 2)
    for n in range(5):
        customer_create(shop=shop, data={"phone": f"+7701000000{n}", "name": f"Клиент {n}"})
    response = manager_api.get("/api/customers/export/?ordering=-name")
    parts = list(response.streaming_content)
    assert len(parts) == 4  # the header, then three batches of at most two rows
    rows = list(csv.reader(io.StringIO(b"".join(parts).decode("utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == [f"Клиент {n}" for n in range(5)]


async def test_the_response_streams_under_asgi_part_by_part() -> None:
    from apps.exchange.api.views import ExportResponse

    pulled: list[int] = []

    def parts():
        for n in range(3):
            pulled.append(n)
            yield f"{n}".encode()

    response = ExportResponse(parts())
    iterator = response.__aiter__()
    assert await iterator.__anext__() == b"0"
    assert pulled == [0]  # not read whole before the first part goes out
    assert [part async for part in iterator] == [b"1", b"2"]
