# ruff: noqa: F811
"""The buyer's tracking page on a phone: at 375 and 390 px wide nothing scrolls sideways; the
recipient is masked, the buyer never shown, the bouquet photo loads; an unknown token is a
404 page. Served by daphne (``live_asgi``), which serves the uploaded photo as well."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import support

# The fixtures of the daphne server, imported: the parameters below name them (F811).
from tests.browser.live_asgi import asgi_context, asgi_server  # noqa: F401

support.require_browser()

from playwright.sync_api import expect  # noqa: E402

if TYPE_CHECKING:
    from apps.orders.models import Order
    from apps.shops.models import Shop

pytestmark = [pytest.mark.browser]
PHONES = [{"width": 375, "height": 667}, {"width": 390, "height": 844}]


@pytest.fixture
def order_with_photo(shop: Shop, sent: object) -> Order:
    """An assembled delivery order with a bouquet photo, attached the way a florist does."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from apps.orders.models import Order, OrderStatus
    from apps.orders.tests.factories import make_customer, make_order, make_product
    from apps.shops.sessions import tokens_issue
    from flowercrm.roles import Role
    from flowercrm.tests.image_corpus import jpeg

    shop.name = "Ромашка"
    shop.save(update_fields=["name"])
    manager = support.staff(shop, Role.MANAGER, "+77016660001", name="Менеджер")
    buyer = make_customer(shop, phone="+77019998877", name="Секретный Покупатель")
    order = make_order(
        shop,
        manager.user,
        make_product(shop, price="18500"),
        customer=buyer,
        quantity=2,
        card_text="Тайное послание",
        delivery_address="ул. Абая 150/230, кв. 45, подъезд 3, домофон 45К",
        delivery_time_from="10:00",
        delivery_time_to="12:00",
    )
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.ASSEMBLED, recipient_phone="+77011234521", recipient_name="Дана Сейтова"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(membership=manager).access}")
    upload = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    added = client.post(
        f"/api/orders/{order.pk}/photos/", {"image_id": upload.json()["id"], "kind": "bouquet"}, format="json"
    )
    assert added.status_code == 201, added.content
    order.refresh_from_db()
    return order


@pytest.mark.parametrize("viewport", PHONES, ids=lambda v: f"{v['width']}px")
def test_the_tracking_page_fits_a_phone_and_masks(asgi_context, order_with_photo, viewport: dict[str, Any]) -> None:
    page = asgi_context(viewport=viewport).new_page()
    response = page.goto(f"/t/{order_with_photo.tracking_token}")
    assert response is not None and response.status == 200
    assert response.headers["x-robots-tag"] == "noindex"
    assert response.headers["referrer-policy"] == "no-referrer"
    expect(page.locator(".status-label")).to_have_text("Собран")
    expect(page.locator(".recipient")).to_contain_text("+7 701 *** ** 21")
    expect(page.locator(".address")).to_have_text("ул. Абая")
    expect(page.locator(".shop-name")).to_have_text("Ромашка")
    expect(page.locator(".items")).to_contain_text("× 2")
    photo = page.locator(".photo img")
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.photo img').complete")
    assert photo.evaluate("img => img.naturalWidth") > 0
    text = page.locator("body").inner_text()
    for secret in ("Секретный", "9998877", "Тайное", "Сейтова", "1234521", "кв. 45", "18500", "18 500"):
        assert secret not in text
    width = support.overflow(page)
    assert width["scrollWidth"] <= width["clientWidth"], width
    if viewport["width"] == 390 and support.os.environ.get("FLOWERCRM_SCREENSHOTS") == "1":
        support.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(support.SCREENSHOTS / "tracking.png"), full_page=True)


def test_an_unknown_token_is_a_404_page(asgi_context) -> None:
    page = asgi_context(viewport=PHONES[0]).new_page()
    response = page.goto("/t/" + "Z" * 40)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Заказ не найден")
    width = support.overflow(page)
    assert width["scrollWidth"] <= width["clientWidth"], width
