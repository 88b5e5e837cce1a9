# ruff: noqa: F811
"""The live board in a real browser on a real ASGI server (daphne): a card appears within 2 s
of an order created through the API, moves with its status, leaves when cancelled; after the
server drops the socket the board says so, reconnects with ``since`` and shows what it
missed; florists see no money; couriers cannot open it; another shop's orders never show."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser import support

# The fixtures of the daphne server, imported: the parameters below name them (F811).
from tests.browser.live_asgi import asgi_context, asgi_server  # noqa: F401

support.require_browser()

from playwright.sync_api import expect  # noqa: E402

if TYPE_CHECKING:
    from apps.shops.models import Membership, Shop

pytestmark = [pytest.mark.browser]
APPEARS_WITHIN_MS = 2_000


def token(membership: Membership) -> str:
    from apps.shops.sessions import tokens_issue

    return tokens_issue(membership=membership).access


def api(server: Any, membership: Membership) -> httpx.Client:
    return httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token(membership)}"}, timeout=10)


def create_order(client: httpx.Client, product_id: int, *, recipient: str) -> dict[str, Any]:
    from django.utils import timezone

    body = {
        "customer": {"phone": "+7 701 123 45 67", "name": "Айгерим"},
        "recipient_name": recipient,
        "recipient_phone": "87017654321",
        "delivery_method": "delivery",
        "delivery_address": "ул. Абая 10, кв 5",
        "delivery_date": timezone.localdate().isoformat(),
        "delivery_time_from": "22:00",
        "delivery_time_to": "23:00",
        "items": [{"product_id": product_id, "quantity": 2}],
    }
    response = client.post("/api/orders/", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def transition(client: httpx.Client, order_id: int, to: str, reason: str = "") -> None:
    body = {"status": to, **({"reason": reason} if reason else {})}
    response = client.post(f"/api/orders/{order_id}/transition/", json=body)
    assert response.status_code == 200, response.text


def open_board(context: Any) -> Any:
    page = context.new_page()
    response = page.goto("/board/")
    assert response is not None and response.status == 200
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


@pytest.fixture
def floor(shop: Shop, other_shop: Shop) -> dict[str, Any]:
    from apps.orders.tests.factories import make_product
    from flowercrm.roles import Role

    return {
        "manager": support.staff(shop, Role.MANAGER, "+77015550001", name="Менеджер Ромашки"),
        "florist": support.staff(shop, Role.FLORIST, "+77015550002", name="Флорист Ромашки"),
        "courier": support.staff(shop, Role.COURIER, "+77015550003", name="Курьер Ромашки"),
        "stranger": support.staff(other_shop, Role.MANAGER, "+77015550009", name="Чужой менеджер"),
        "product": make_product(shop, price="18500"),
        "other_product": make_product(other_shop, price="7700"),
    }


def test_a_card_appears_moves_and_leaves_without_a_reload(asgi_server, asgi_context, floor) -> None:
    page = open_board(asgi_context(floor["manager"]))
    page.evaluate("window.__notReloaded = true")
    with api(asgi_server, floor["manager"]) as client:
        started = time.monotonic()
        order = create_order(client, floor["product"].pk, recipient="Дана Живая")
        card = page.locator(f'[data-column="new"] .card[data-id="{order["id"]}"]')
        expect(card).to_be_visible(timeout=APPEARS_WITHIN_MS)
        appeared = time.monotonic() - started
        expect(card).to_contain_text("Дана Живая")
        expect(card).to_contain_text("× 2")
        transition(client, order["id"], "confirmed")
        expect(page.locator(f'[data-column="confirmed"] .card[data-id="{order["id"]}"]')).to_be_visible()
        expect(page.locator(f'[data-column="new"] .card[data-id="{order["id"]}"]')).to_have_count(0)
        transition(client, order["id"], "cancelled", reason="Клиент передумал")
        expect(page.locator(f'.card[data-id="{order["id"]}"]')).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    print(f"\ncard appeared {appeared * 1000:.0f} ms after the API call was sent")  # noqa: T201


def test_after_the_server_drops_the_socket_it_reconnects_and_catches_up(
    asgi_server, asgi_context, floor, sent: object
) -> None:
    """The order is made here while the server is down (``sent`` keeps its live event out of
    the channel layer): only the replay of ``since`` can bring it to the board."""
    from apps.orders.tests.factories import make_order

    page = open_board(asgi_context(floor["manager"]))
    asgi_server.stop()
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    expect(page.locator(".connection-offline")).to_be_visible()
    from django.utils import timezone

    missed = make_order(
        floor["manager"].shop,
        floor["manager"].user,
        floor["product"],
        delivery_date=timezone.localdate(),
        recipient_name="Пропущенный Заказ",
    )
    asgi_server.start()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator(f'.card[data-id="{missed.pk}"]')).to_contain_text("Пропущенный")


def test_a_florists_board_shows_no_money(asgi_server, asgi_context, floor) -> None:
    page = open_board(asgi_context(floor["florist"]))
    expect(page.locator('[data-column="new"]')).to_have_count(0)
    with api(asgi_server, floor["manager"]) as client:
        order = create_order(client, floor["product"].pk, recipient="Флористу Видно")
        transition(client, order["id"], "confirmed")
    card = page.locator(f'[data-column="confirmed"] .card[data-id="{order["id"]}"]')
    expect(card).to_be_visible()
    text = page.locator("body").inner_text()
    for money in ("18500", "18 500", "37000", "37 000", "₸", "KZT"):
        assert money not in text
    expect(page.locator(".flag-unpaid")).to_have_count(0)
    page.reload()
    expect(page.locator(f'.card[data-id="{order["id"]}"]')).to_be_visible()
    assert "37000" not in page.content() and "18500" not in page.content()


def test_a_courier_cannot_open_the_board(asgi_context, floor) -> None:
    page = asgi_context(floor["courier"]).new_page()
    response = page.goto("/board/")
    assert response is not None and response.status == 403
    expect(page.locator(".card")).to_have_count(0)


def test_another_shops_orders_never_appear(asgi_server, asgi_context, floor) -> None:
    page = open_board(asgi_context(floor["manager"]))
    with api(asgi_server, floor["stranger"]) as theirs, api(asgi_server, floor["manager"]) as mine:
        foreign = create_order(theirs, floor["other_product"].pk, recipient="Чужой Получатель")
        own = create_order(mine, floor["product"].pk, recipient="Свой Получатель")
    expect(page.locator(f'.card[data-id="{own["id"]}"]')).to_be_visible()
    expect(page.locator(f'.card[data-id="{foreign["id"]}"]')).to_have_count(0)
    assert "Чужой" not in page.locator("body").inner_text()


def test_the_board_of_a_busy_day(asgi_context, floor, shop: Shop, sent: object) -> None:
    """Every column filled, every flag shown, the type large; with ``FLOWERCRM_SCREENSHOTS=1``
    the README's ``docs/screenshots/board.png`` (1366×768)."""
    import datetime as dt
    import os

    from django.utils import timezone

    from apps.orders.models import Order, OrderStatus
    from apps.orders.tests.factories import make_order, make_product

    S = OrderStatus
    shop.name = "Ромашка"
    shop.save(update_fields=["name"])
    florist = floor["florist"].user
    products = [floor["product"], make_product(shop, price="32000"), make_product(shop, price="9000")]
    names = ["Букет «Нежность»", "Корзина 51 роза", "Моно-букет тюльпанов"]
    for product, name in zip(products, names, strict=True):
        product.name = name
        product.save(update_fields=["name"])
    plan = [
        (S.NEW, "09:00", "Дана", {}),
        (S.NEW, "15:00", "Алия", {"address_needs_clarification": True}),
        (S.CONFIRMED, "10:00", "Мадина", {}),
        (S.CONFIRMED, "18:00", "Ерлан", {}),
        (S.IN_PRODUCTION, "08:00", "Айгуль", {"florist": florist}),
        (S.IN_PRODUCTION, "13:00", "Жанна", {"florist": florist, "issue_type": "quality"}),
        (S.ASSEMBLED, "12:00", "Сауле", {"florist": florist}),
        (S.OUT_FOR_DELIVERY, "11:00", "Асель", {"florist": florist}),
        (S.READY_FOR_PICKUP, "12:30", "Тимур", {"florist": florist, "delivery_method": "pickup"}),
        (S.DELIVERED, "09:30", "Гульнара", {"florist": florist}),
    ]
    today = timezone.localdate()
    for n, (status, start, recipient, extra) in enumerate(plan):
        order = make_order(
            shop,
            floor["manager"].user,
            products[n % 3],
            quantity=1 + n % 2,
            delivery_date=today,
            delivery_time_from=start,
            delivery_time_to=(dt.datetime.strptime(start, "%H:%M") + dt.timedelta(hours=2)).strftime("%H:%M"),  # noqa: DTZ007
            recipient_name=recipient,
        )
        Order.objects.filter(pk=order.pk).update(status=status, **extra)
    page = open_board(asgi_context(floor["manager"]))
    expect(page.locator(".card")).to_have_count(len(plan))
    # Readable from three metres. (Read in one call: the replay of the last seconds' events may
    # rebuild a card between finding a node and reading its style.)
    font_px = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.card-number')).fontSize)")
    assert font_px >= 22, font_px
    width = support.overflow(page)
    assert width["scrollWidth"] <= width["clientWidth"], width
    if os.environ.get("FLOWERCRM_SCREENSHOTS") == "1":
        support.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(support.SCREENSHOTS / "board.png"))


def test_a_board_on_one_process_sees_an_order_taken_through_another(asgi_server, asgi_context, floor) -> None:
    """Two server processes sharing PostgreSQL and the Redis channel layer (scale-out by
    configuration): the board holds its socket on one, the order arrives through the other."""
    import os

    from tests.browser.live_asgi import Daphne

    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: the in-memory channel layer does not cross processes")
    page = open_board(asgi_context(floor["manager"]))
    other = Daphne()
    other.start()
    try:
        with api(other, floor["manager"]) as client:
            order = create_order(client, floor["product"].pk, recipient="Через Другой Процесс")
        expect(page.locator(f'[data-column="new"] .card[data-id="{order["id"]}"]')).to_be_visible(
            timeout=APPEARS_WITHIN_MS
        )
    finally:
        other.stop()
