"""A manager of one shop never sees another shop's rows: not in the lists, the search, the
autocompletes or the list filters. Every name of the other shop carries the word «Чужой», so
"not on the page" is one text check."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import support

support.require_browser()

from playwright.sync_api import expect  # noqa: E402  (only once the skip above did not happen)

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from apps.shops.models import Membership, Shop

    LoginAs = Callable[[Membership], None]

pytestmark = [pytest.mark.browser]

MINE, THEIRS = "Свой", "Чужой"

LISTS = [
    "/admin/orders/order/",
    "/admin/customers/customer/",
    "/admin/catalog/product/",
    "/admin/warehouse/stockitem/",
    "/admin/supplies/supply/",
    "/admin/supplies/supplier/",
    "/admin/production/productiontask/",
    "/admin/shops/membership/",
    "/admin/accounts/user/",
]


@pytest.fixture
def shops(shop: Shop, other_shop: Shop, sent: object) -> dict[str, dict[str, Any]]:
    other_shop.name = "Чужой магазин"
    return {
        MINE: support.fill_shop(shop, label=MINE, phone_block="111"),
        THEIRS: support.fill_shop(other_shop, label=THEIRS, phone_block="222"),
    }


def body_text(page: Page) -> str:
    return page.locator("body").inner_text()


def test_lists_and_their_filters_show_only_my_shop(
    page: Page, login_as: LoginAs, shops: dict[str, dict[str, Any]]
) -> None:
    login_as(shops[MINE]["manager"])
    seen: dict[str, bool] = {}
    for path in LISTS:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        text = body_text(page)  # the rows and the filter sidebar (its related-object choices)
        seen[path] = MINE in text
        assert THEIRS not in text, f"{path} shows another shop's rows"
    assert all(seen.values()), seen  # the check above looked at pages that list something

    page.goto("/admin/production/productiontask/")
    expect(page.locator("#changelist-filter")).to_contain_text("Флорист Свой")
    # Another shop's florist or courier typed into the URL lets nothing of theirs in.
    theirs = shops[THEIRS]
    for path in (
        f"/admin/production/productiontask/?florist__id__exact={theirs['florist'].user_id}",
        f"/admin/orders/order/?courier__id__exact={theirs['courier'].user_id}",
    ):
        page.goto(path)
        assert THEIRS not in body_text(page), path


def test_another_shops_row_cannot_be_opened(page: Page, login_as: LoginAs, shops: dict[str, dict[str, Any]]) -> None:
    login_as(shops[MINE]["manager"])
    theirs = shops[THEIRS]
    for path in (
        f"/admin/orders/order/{theirs['orders'][0].pk}/change/",
        f"/admin/customers/customer/{theirs['customer'].pk}/change/",
        f"/admin/catalog/product/{theirs['products'][0].pk}/change/",
        f"/admin/warehouse/stockitem/{theirs['stock'][0].pk}/change/",
        f"/admin/supplies/supply/{theirs['supply'].pk}/change/",
        f"/admin/production/productiontask/{theirs['task'].pk}/change/",
    ):
        page.goto(path)
        assert page.url.endswith("/admin/"), (path, page.url)  # Django: "… does not exist", back to the index
        assert THEIRS not in body_text(page), path


def test_search_finds_only_my_shops_rows(page: Page, login_as: LoginAs, shops: dict[str, dict[str, Any]]) -> None:
    """The search box, typed into as a manager would, with terms both shops' rows match."""
    login_as(shops[MINE]["manager"])
    for path, term, expected in (
        ("/admin/customers/customer/", "Айгерим", "Айгерим Сейтказиева Свой"),
        ("/admin/customers/customer/", "8 702", "Дана Муратова 0 Свой"),  # a phone, as typed
        ("/admin/orders/order/", "Айгерим", "+77017654321"),  # found by the buyer; the list shows the recipient
        ("/admin/catalog/product/", "букет", "Букет «Нежность» Свой"),
        ("/admin/warehouse/stockitem/", "РОЗА", "Роза Эквадор Свой"),
        ("/admin/supplies/supply/", "марта", "Цветы Голландии» Свой"),
    ):
        page.goto(path)
        search = page.locator("#searchbar")
        search.fill(term)
        search.press("Enter")
        page.wait_for_load_state()
        results = page.locator("#result_list")
        expect(results).to_contain_text(expected)
        assert THEIRS not in body_text(page), (path, term)


# Autocomplete sources: (app, model, field) whose target admin answers Django's autocomplete view
# (what a select2 widget asks while one types), with a term both shops' rows match.
AUTOCOMPLETES = [
    ("orders", "order", "customer", "Айгерим", "Айгерим Сейтказиева Свой"),
    ("orders", "order", "customer", "702", "Дана Муратова 1 Свой"),
    ("orders", "orderitem", "product", "букет", "Букет «Нежность» Свой"),
    ("catalog", "productcomponent", "stock_item", "роза", "Роза Эквадор Свой"),
    ("orders", "order", "courier", "", "Курьер Свой"),
    ("production", "productiontask", "florist", "Флорист", "Флорист Свой"),
]


def test_autocomplete_offers_only_my_shops_rows(
    page: Page, login_as: LoginAs, shops: dict[str, dict[str, Any]]
) -> None:
    """The admin's autocomplete endpoint, as a select2 widget calls it while one types (the
    widgets of the order desk are driven by hand in test_order_desk.py)."""
    login_as(shops[MINE]["manager"])
    for app, model, field, term, expected in AUTOCOMPLETES:
        params = {"app_label": app, "model_name": model, "field_name": field, "term": term}
        response = page.request.get("/admin/autocomplete/", params=params)
        assert response.status == 200, (params, response.status, response.text()[:300])
        texts = [row["text"] for row in json.loads(response.text())["results"]]
        assert any(expected in text for text in texts), (params, texts)
        assert not any(THEIRS in text for text in texts), (params, texts)
