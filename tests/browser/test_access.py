"""Who gets into the admin: florists and couriers are refused, a manager works there in Russian."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser import support

support.require_browser()

from playwright.sync_api import expect  # noqa: E402  (only once the skip above did not happen)

from apps.accounts.models import User  # noqa: E402
from flowercrm.roles import Role  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from apps.shops.models import Membership, Shop

    LoginAs = Callable[[Membership], None]

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize(("role", "phone"), [(Role.FLORIST, "+77010000301"), (Role.COURIER, "+77010000302")])
def test_florist_and_courier_cannot_log_in(page: Page, shop: Shop, role: str, phone: str) -> None:
    support.staff(shop, role, phone)

    support.login_form(page, "8 701 000 03 0" + phone[-1])  # the phone as people type it

    expect(page).to_have_url("/admin/login/?next=/admin/")
    expect(page.locator(".errornote")).to_contain_text("пароль")
    page.goto("/admin/orders/order/")
    expect(page).to_have_url("/admin/login/?next=/admin/orders/order/")


def test_a_courier_left_with_admin_access_sees_nothing(page: Page, shop: Shop) -> None:
    """Defence in depth: even a courier whose ``is_staff`` is set by hand (say, left over from
    a demotion) finds no shop data in the admin — it reads the role from the membership."""
    courier = support.staff(shop, Role.COURIER, "+77010000303")
    User.objects.filter(pk=courier.user_id).update(is_staff=True)

    support.login_form(page, "+77010000303")

    expect(page.locator("#content")).to_contain_text("недостаточно полномочий")
    for path in ("/admin/orders/order/", "/admin/customers/customer/", "/admin/warehouse/stockitem/"):
        response = page.goto(path)
        assert response is not None and response.status == 403, (path, response and response.status)


def test_manager_logs_in_and_sees_the_admin_in_russian(page: Page, shop: Shop) -> None:
    support.staff(shop, Role.MANAGER, "+77010000304", name="Айгерим")

    support.login_form(page, "8 701 000 03 04")  # (the field takes 16 characters)

    expect(page).to_have_url("/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("link", name="Выйти").or_(page.get_by_role("button", name="Выйти"))).to_be_visible()
    content = page.locator("#content")
    expect(content).to_contain_text("Заказы")
    expect(content).to_contain_text("Клиенты")
    page.get_by_role("link", name="Заказы", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Администрирование приложения «Заказы»")


LISTS = [
    "/admin/orders/order/",
    "/admin/customers/customer/",
    "/admin/catalog/product/",
    "/admin/warehouse/stockitem/",
    "/admin/supplies/supply/",
    "/admin/production/productiontask/",
]


def test_the_manager_reads_model_names_in_russian(page: Page, login_as: LoginAs, shop: Shop) -> None:
    """Every caption a manager reads on the index and the lists' headings is Russian: no
    "Выберите order для изменения" (the brand name in the header is the one Latin word)."""
    login_as(support.staff(shop, Role.MANAGER, "+77010000305"))
    page.goto("/admin/")
    english = {
        text.strip()
        for text in page.locator("#content-main caption, #content-main th[scope=row]").all_inner_texts()
        if re.search(r"[A-Za-z]", text.replace("FlowerCRM", "").replace("FLOWERCRM", ""))
    }
    for path in LISTS:
        page.goto(path)
        heading = page.locator("#content h1").inner_text()
        if re.search(r"[A-Za-z]", heading) or not heading.startswith("Выберите"):
            english.add(f"{path}: {heading}")
    assert not english, sorted(english)
