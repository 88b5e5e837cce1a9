"""Shared pieces of the browser tests: finding Chromium, logging in, building a shop's data.

The tests drive Debian's ``chromium`` through Playwright for Python; nothing downloads a
browser. ``require_browser()`` is called at the top of every test module: without the
``playwright`` package or a Chromium binary the module is skipped at collection, with the reason.

Environment:

- ``FLOWERCRM_CHROMIUM``: the browser binary to use (default: ``chromium`` on the PATH, then
  ``chromium-browser``); ``FLOWERCRM_CHROMIUM=none`` skips the browser tests as on a machine
  without Chromium.
- ``FLOWERCRM_SCREENSHOTS=1``: ``test_screenshots.py`` writes the README's screenshots to
  ``docs/screenshots/``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from apps.shops.models import Membership, Shop

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".artifacts" / "browser"
SCREENSHOTS = ROOT / "docs" / "screenshots"

VIEWPORT = {"width": 1366, "height": 768}
LOCALE = "ru-RU"
# Without the background-networking flags Chromium keeps calling home, and a closed network
# refuses those connections; the sandbox needs user namespaces a CI container rarely has.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every wait in the tests is bounded by this (ms): a slow page fails, it never hangs.
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    """The Chromium binary the tests drive, or None."""
    override = os.environ.get("FLOWERCRM_CHROMIUM", "").strip()
    if override:
        return None if override.lower() == "none" else shutil.which(override)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package (pip install -e '.[dev]')"
    if os.environ.get("FLOWERCRM_CHROMIUM", "").strip().lower() == "none":
        return "browser tests turned off (FLOWERCRM_CHROMIUM=none)"
    if chromium_path() is None:
        return (
            "browser tests need Chromium: no `chromium` or `chromium-browser` on the PATH "
            "(apt-get install chromium; FLOWERCRM_CHROMIUM names another binary)"
        )
    return None


def require_browser() -> None:
    """Skip the calling test module at collection when no browser can be driven."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason, allow_module_level=True)


# --- People and logging in --------------------------------------------------------------------

PASSWORD = "correct-horse-battery-9"  # apps.accounts.tests.factories.PASSWORD


def staff(shop: Shop, role: str, phone: str, name: str = "") -> Membership:
    """A member added the way the API and the admin add one (``staff_add`` keeps ``is_staff`` in
    step with the roles: only admins and managers get into the admin)."""
    from apps.shops import services

    return services.staff_add(
        shop=shop, phone=phone, name=name or f"{role} {shop.name}", role=role, password=PASSWORD
    ).membership


def login_form(page: Page, phone: str, password: str = PASSWORD) -> None:
    """Log in through the admin's login page, as a person would."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Телефон").fill(phone)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def login_session(context: BrowserContext, base_url: str, membership: Membership) -> None:
    """Log in without the form (a session cookie made by Django's test client): for the
    scenarios that are about what a logged-in person sees, not about logging in."""
    from django.conf import settings
    from django.test import Client

    from apps.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=membership.user_id))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])


# --- Measuring ----------------------------------------------------------------------------------


def overflow(page: Page) -> dict[str, Any]:
    """How wide the page is against the visible width (px)."""
    return dict(
        page.evaluate(
            "() => ({scrollWidth: document.documentElement.scrollWidth,"
            " clientWidth: document.documentElement.clientWidth})"
        )
    )


# --- A shop with a realistic day ------------------------------------------------------------------


def tomorrow() -> dt.date:
    """Tomorrow in the shops' time zone (the tests' shops keep the default one)."""
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=1)


def fill_shop(shop: Shop, *, label: str, phone_block: str) -> dict[str, Any]:
    """A shop's day, every visible name carrying ``label`` (so a page can be searched for
    another shop's rows): staff, stock, products with recipes, a regular customer with several
    addresses, dates and phones, orders (one confirmed: a production task with a florist), a
    supply. ``phone_block`` is 3 digits that make the phones of this shop unique."""
    from apps.customers.tests.factories import AddressFactory, ImportantDateFactory, TagFactory
    from apps.orders.models import Order
    from apps.orders.services import order_transition
    from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
    from apps.production.models import ProductionTask
    from apps.supplies.tests.factories import SupplyFactory, SupplyLineFactory
    from flowercrm.roles import Role

    manager = staff(shop, Role.MANAGER, f"+7701{phone_block}0001", name=f"Менеджер {label}")
    florist = staff(shop, Role.FLORIST, f"+7701{phone_block}0002", name=f"Флорист {label}")
    courier = staff(shop, Role.COURIER, f"+7701{phone_block}0003", name=f"Курьер {label}")
    rose = make_stock(shop, name=f"Роза Эквадор {label}", quantity=200, unit_price="450")
    eucalyptus = make_stock(shop, name=f"Эвкалипт Цинерея {label}", quantity=80, unit_price="300")
    bouquet = make_product(shop, price="18500", recipe={rose: 15, eucalyptus: 3})
    bouquet.name = f"Букет «Нежность» {label}"
    bouquet.save(update_fields=["name"])
    basket = make_product(shop, price="32000", recipe={rose: 25})
    basket.name = f"Корзина роз {label}"
    basket.save(update_fields=["name"])
    regular = make_customer(shop, phone=f"+7702{phone_block}1001", name=f"Айгерим Сейтказиева {label}")
    for n, address in enumerate(
        [
            "ул. Абая 150/230, кв. 45, подъезд 3, домофон 45К",
            "мкр. Самал-2, д. 58, офис 12 (бизнес-центр «Нурлы Тау»)",
            "пр. Достык 240, ЖК «Хан Тенгри», блок Б, кв. 118",
        ]
    ):
        AddressFactory(customer=regular, address=f"{address} {label}", label=f"Адрес {n + 1}")
    ImportantDateFactory(customer=regular, title=f"День рождения мамы {label}", day=12, month=4)
    ImportantDateFactory(customer=regular, title=f"Годовщина свадьбы {label}", day=3, month=9)
    TagFactory(customer=regular, name="постоянный")
    for n in range(2):
        make_customer(shop, phone=f"+7702{phone_block}100{n + 2}", name=f"Дана Муратова {n} {label}")
    orders = []
    for n, product in enumerate([bouquet, basket, bouquet]):
        orders.append(
            make_order(
                shop,
                manager.user,
                product,
                customer=regular,
                quantity=n + 1,
                delivery_date=tomorrow(),
                delivery_address=f"пр. Достык 240, ЖК «Хан Тенгри», блок Б, кв. 118 {label}",
                card_text=f"С днём рождения! Пусть каждый день будет солнечным. {label}",
                courier=courier.user,
            )
        )
    order_transition(order=orders[0], to="confirmed", actor=manager.user, role=Role.MANAGER)
    ProductionTask.objects.filter(order=orders[0]).update(florist=florist.user)
    Order.objects.filter(pk=orders[0].pk).update(florist=florist.user)
    supply = SupplyFactory(shop=shop, supplier__name=f"ТОО «Цветы Голландии» {label}", notes=f"К 8 марта {label}")
    SupplyLineFactory(supply=supply, stock_item=rose, quantity=100)
    SupplyLineFactory(supply=supply, stock_item=eucalyptus, quantity=40)
    return {
        "manager": manager,
        "florist": florist,
        "courier": courier,
        "customer": regular,
        "products": [bouquet, basket],
        "stock": [rose, eucalyptus],
        "orders": orders,
        "task": ProductionTask.objects.get(order=orders[0]),
        "supply": supply,
    }
