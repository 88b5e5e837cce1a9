"""The admin's import page (preview, confirm) and "export selected" actions (issue 14)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from apps.customers.models import Customer
from apps.exchange import admin as exchange_admin
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.shops.models import Membership, Shop
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

IMPORT = "/admin/customers/customer/import/"
CHANGELISTS = {
    "customers": "/admin/customers/customer/",
    "products": "/admin/catalog/product/",
    "stock": "/admin/warehouse/stockitem/",
    "orders": "/admin/orders/order/",
}
API = {
    "customers": "/api/customers/export/",
    "products": "/api/products/export/",
    "stock": "/api/warehouse/items/export/",
    "orders": "/api/orders/export/",
}


@pytest.fixture(autouse=True)
def _upload_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setattr(exchange_admin, "UPLOAD_DIR", folder)
    return folder


def _browser(membership: Membership) -> Client:
    membership.user.is_staff = True
    membership.user.save()
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def browser(member: Callable[..., Membership]) -> Client:
    return _browser(member(Role.MANAGER))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _upload(client: Client, content: bytes, shop: Shop, *, name: str = "c.csv", **extra: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "shop": str(shop.pk), **extra}
    return client.post(IMPORT, data)


GOOD = [["phone", "name"], ["8 701 123 45 67", "Айгерим"], ["+7 (702) 111-22-33", "Дана"]]
WITH_BAD = [*GOOD, ["не телефон", "Ошибка"]]


def _confirm(client: Client, response: Any) -> Any:
    return client.post(IMPORT, {"confirm": "1", "token": response.context["token"]})


def test_preview_counts_and_errors_writes_nothing(browser: Client, shop: Shop) -> None:
    response = _upload(browser, _csv_bytes(WITH_BAD), shop)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.failed) == (2, 1)
    errors = response.context["errors"]
    assert errors[0].line == 4 and errors[0].value == "не телефон"
    assert b"report-failed" in response.content and "не телефон" in response.content.decode()
    assert b'name="confirm"' not in response.content  # failed rows, all-or-nothing
    assert Customer.objects.count() == 0


def test_confirm_writes(browser: Client, shop: Shop, _upload_dir: Path) -> None:
    preview = _upload(browser, _csv_bytes(GOOD), shop)
    assert Customer.objects.count() == 0
    response = _confirm(browser, preview)
    assert response.status_code == 302 and response["Location"] == CHANGELISTS["customers"]
    assert sorted(Customer.objects.filter(shop=shop).values_list("phone", flat=True)) == [
        "+77011234567",
        "+77021112233",
    ]
    assert not list(_upload_dir.iterdir())  # the kept file is gone
    # A second confirm of the same token finds nothing.
    again = _confirm(browser, preview)
    assert again.status_code == 302 and Customer.objects.count() == 2


def test_keep_the_good_rows(browser: Client, shop: Shop) -> None:
    preview = _upload(browser, _csv_bytes(WITH_BAD), shop, partial="on")
    assert b'name="confirm"' in preview.content
    _confirm(browser, preview)
    assert Customer.objects.filter(shop=shop).count() == 2


def test_over_the_row_limit_is_refused(browser: Client, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange_admin, "MAX_ROWS", 2)
    response = _upload(browser, _csv_bytes(WITH_BAD), shop)
    assert response.status_code == 200 and "report" not in response.context
    (message,) = response.context["form"].errors["file"]
    assert "manage.py import_customers" in message and "2" in message  # the page is in Russian
    assert Customer.objects.count() == 0


def test_twenty_thousand_is_the_limit() -> None:
    assert exchange_admin.MAX_ROWS == 20_000


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", b""),
        ("binary.csv", bytes(range(256)) * 8),
        ("nul.csv", b"phone,name\n\x00\x00\x00,\x00\n"),
        ("columns.csv", b"foo,bar\n1,2\n"),
        ("header-only.csv", b"phone,name\n"),
        ("latin.csv", "phone,name\n87011234567,Ærø\n".encode("utf-16")),
        ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100),
        ("big.csv", b"x" * (exchange_admin.MAX_UPLOAD_BYTES + 1)),
    ],
)
def test_bad_files_are_messages_not_500(browser: Client, shop: Shop, name: str, content: bytes) -> None:
    response = _upload(browser, content, shop, name=name)
    assert response.status_code == 200
    assert Customer.objects.count() == 0
    if "report" not in response.context:
        assert response.context["form"].errors


def test_wrong_columns_message(browser: Client, shop: Shop) -> None:
    response = _upload(browser, b"foo,bar\n1,2\n", shop)
    assert response.context["form"].errors["file"]


def test_xlsx_preview(browser: Client, shop: Shop, tmp_path: Path) -> None:
    from apps.exchange.tests.helpers import write_xlsx

    path = write_xlsx(tmp_path / "c.xlsx", [["Телефон", "Имя"], ["87011234567", "Айгерим"]])
    response = _upload(browser, path.read_bytes(), shop, name="c.xlsx")
    assert response.context["report"].created == 1


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.FLORIST, 403), (Role.COURIER, 403)]
)
@pytest.mark.parametrize("kind", list(CHANGELISTS))
def test_role_matrix(member: Callable[..., Membership], role: str, status: int, kind: str) -> None:
    client = _browser(member(role))
    assert client.get(CHANGELISTS[kind] + "import/").status_code == status
    if status == 200:
        assert (CHANGELISTS[kind] + "import/").encode() in client.get(CHANGELISTS[kind]).content


def test_superuser_picks_a_shop(shop: Shop, other_shop: Shop, django_user_model: Any) -> None:
    user = django_user_model.objects.create_superuser(phone="+77000000001", password="x")
    client = Client()
    client.force_login(user)
    response = _upload(client, _csv_bytes(GOOD), other_shop)
    _confirm(client, response)
    assert Customer.objects.filter(shop=other_shop).count() == 2


def test_cannot_import_into_another_shop(browser: Client, shop: Shop, other_shop: Shop) -> None:
    response = _upload(browser, _csv_bytes(GOOD), other_shop)
    assert response.status_code == 200 and response.context["form"].errors["shop"]
    # A forged token is refused too.
    browser.post(IMPORT, {"confirm": "1", "token": "0" * 32})
    assert Customer.objects.count() == 0


def _action(client: Client, kind: str, ids: list[int], file_format: str = "csv") -> Any:
    return client.post(
        CHANGELISTS[kind], {"action": f"export_selected_{file_format}", "_selected_action": [str(i) for i in ids]}
    )


def _rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _objects(shop: Shop) -> dict[str, list[int]]:
    stock = make_stock(shop, name=f"Роза {shop.pk}")
    product = make_product(shop, recipe={stock: 3})
    customer = make_customer(shop, name=f"Клиент {shop.name}")
    order = make_order(shop)
    return {"customers": [customer.pk], "products": [product.pk], "stock": [stock.pk], "orders": [order.pk]}


@pytest.mark.parametrize("kind", list(CHANGELISTS))
def test_export_selected_equals_the_export_endpoint(
    member: Callable[..., Membership], api_as: Callable[..., Any], shop: Shop, kind: str
) -> None:
    membership = member(Role.MANAGER)
    _objects(shop)
    model_ids = _all_ids(kind, shop)
    rows = _rows(_action(_browser(membership), kind, model_ids))
    api_rows = _rows(api_as(membership).get(API[kind]))
    assert rows == api_rows and len(rows) > 1


def _all_ids(kind: str, shop: Shop) -> list[int]:
    from apps.catalog.models import Product
    from apps.orders.models import Order
    from apps.warehouse.models import StockItem

    model = {"customers": Customer, "products": Product, "stock": StockItem, "orders": Order}[kind]
    return list(model.objects.filter(shop=shop).values_list("pk", flat=True))


@pytest.mark.parametrize("kind", list(CHANGELISTS))
def test_export_selected_of_another_shop_yields_nothing(browser: Client, other_shop: Shop, kind: str) -> None:
    _objects(other_shop)
    response = _action(browser, kind, _all_ids(kind, other_shop))
    assert response.status_code == 200 and response.streaming
    assert len(_rows(response)) == 1  # the header only


def test_export_selected_xlsx(browser: Client, shop: Shop) -> None:
    customer = make_customer(shop, name="Айгерим")
    response = _action(browser, "customers", [customer.pk], "xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and "Айгерим" in rows[1]


def test_florist_has_no_export_action(member: Callable[..., Membership], shop: Shop) -> None:
    customer = make_customer(shop)
    response = _action(_browser(member(Role.FLORIST)), "customers", [customer.pk])
    assert not getattr(response, "streaming", False)


def test_stale_uploads_are_swept(browser: Client, shop: Shop, _upload_dir: Path) -> None:
    import os

    _upload_dir.mkdir(parents=True, exist_ok=True)
    old = _upload_dir / "0123.csv"
    old.write_bytes(b"phone\n")
    os.utime(old, (0, 0))
    _upload(browser, _csv_bytes(GOOD), shop)
    assert not old.exists() and len(list(_upload_dir.iterdir())) == 1  # the new preview's file
