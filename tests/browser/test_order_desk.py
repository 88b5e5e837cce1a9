"""The main scenario of a manager's day in the admin, in a real browser: a manager logs in, adds
an order for a new customer with two items, confirms it, records a Kaspi payment, assigns a
courier and sees each step in the timeline; the dispatcher filters tomorrow's deliveries by
courier; the desk's autocompletes offer only the manager's shop's rows.

Controls are found by their labels and Django's names (``#id_<field>``, ``<prefix>-N-product``)
and the desk's buttons by the Russian a manager reads.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import support

support.require_browser()

from playwright.sync_api import expect  # noqa: E402  (only once the skip above did not happen)

from apps.orders.models import Order, OrderStatus, PaymentMethod  # noqa: E402
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock  # noqa: E402
from flowercrm.roles import Role  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Locator, Page

    from apps.shops.models import Membership, Shop

    LoginAs = Callable[[Membership], None]


pytestmark = pytest.mark.browser


# --- Locating the desk's fields by what a manager reads --------------------------------------------


def field(scope: Page | Locator, label: str, name: str = "") -> Locator:
    """The form control whose label matches ``label`` (a regular expression, any case; Django
    adds a colon to labels), or whose ``name`` is ``name`` (a model field's name)."""
    by_label = scope.get_by_label(re.compile(label, re.IGNORECASE))
    return (scope.locator(f"[name={name}]").or_(by_label) if name else by_label).first


def choose(scope: Page | Locator, label: str, option: str, name: str = "") -> None:
    """Pick ``option`` (its visible text) in the ``<select>`` labelled ``label``."""
    control = field(scope, label, name)
    value = control.locator("option", has_text=option).first.get_attribute("value")
    control.select_option(value=value)


def autocomplete(page: Page, select: Locator, typed: str, pick: str | None = None) -> list[str]:
    """Type ``typed`` into the select2 widget of ``select`` (Django's autocomplete); pick the
    option containing ``pick`` (when given). Returns the options offered."""
    select.locator("xpath=following-sibling::span[contains(@class,'select2')][1]").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(typed)
    options = page.locator(".select2-results__option:not(.loading-results)")
    expect(options.first).to_be_visible()
    page.wait_for_timeout(300)  # select2 debounces the query (250 ms)
    expect(page.locator(".select2-results__option.loading-results")).to_have_count(0)
    offered = options.all_inner_texts()
    if pick is not None:
        options.filter(has_text=pick).first.click()
    else:
        search.press("Escape")
    return offered


def save_and_continue(page: Page) -> None:
    page.locator("[name=_continue]").or_(page.get_by_role("button", name="Сохранить", exact=True)).first.click()
    page.wait_for_load_state()


def timeline(page: Page) -> Locator:
    """The order's timeline (a region titled «История»/«Хронология»/«События», else the page)."""
    titled = page.locator("fieldset, section, div.module, .inline-group").filter(
        has=page.get_by_role("heading", name=re.compile("Истори|Хронолог|События|Лента", re.IGNORECASE))
    )
    return titled.last if titled.count() else page.locator("#content")


# --- Data ----------------------------------------------------------------------------------------


@pytest.fixture
def desk(shop: Shop, other_shop: Shop, sent: object) -> dict[str, Any]:
    manager = support.staff(shop, Role.MANAGER, "+77015550001", name="Айгерим")
    courier = support.staff(shop, Role.COURIER, "+77015550002", name="Ерлан Курьеров")
    other_courier = support.staff(shop, Role.COURIER, "+77015550003", name="Тимур Курьеров")
    rose = make_stock(shop, name="Роза Эквадор 60 см", quantity=200, unit_price="450")
    bouquet = make_product(shop, price="18500", recipe={rose: 15})
    basket = make_product(shop, price="32000", recipe={rose: 25})
    bouquet.name, basket.name = "Букет «Нежность»", "Корзина роз"
    bouquet.save(update_fields=["name"])
    basket.save(update_fields=["name"])
    make_customer(shop, phone="+77025550010", name="Айгуль Постоянная")
    # Another shop with look-alike names: never offered.
    foreign = support.staff(other_shop, Role.MANAGER, "+77015559001", name="Чужой менеджер")
    make_customer(other_shop, phone="+77025559010", name="Айгуль Чужая")
    foreign_product = make_product(other_shop, price="9000")
    foreign_product.name = "Букет Чужой"
    foreign_product.save(update_fields=["name"])
    return {
        "manager": manager,
        "courier": courier,
        "other_courier": other_courier,
        "products": (bouquet, basket),
        "foreign": foreign,
    }


# --- The scenarios ---------------------------------------------------------------------------------


def test_a_manager_takes_confirms_pays_and_assigns_an_order(page: Page, desk: dict[str, Any]) -> None:
    support.login_form(page, "8 701 555 00 01")
    page.goto("/admin/orders/order/")
    page.get_by_role("link", name=re.compile("Добавить заказ", re.IGNORECASE)).click()

    # The buyer: a new customer, entered by phone and name.
    page.get_by_label("Телефон нового покупателя").fill("8 (707) 123-45-67")
    page.get_by_label("Имя нового покупателя").fill("Мадина Новая")
    page.get_by_label("Получатель:", exact=True).fill("Дана Сейтова")
    page.get_by_label("Телефон получателя").fill("8 701 765 43 21")
    choose(page, r"способ получения", "Доставка", "delivery_method")
    page.get_by_label("Адрес доставки").fill("ул. Абая 10, кв 5")
    page.get_by_label("Дата доставки").fill(support.tomorrow().strftime("%d.%m.%Y"))
    page.get_by_label("Окно с").fill("10:00")
    page.get_by_label("Окно до").fill("12:00")
    page.get_by_label("Текст открытки").fill("С днём рождения!")

    # Two items, by product autocomplete and quantity.
    products = page.locator("select[name$='-product']")
    if products.count() < 2:
        page.get_by_role("link", name=re.compile("Добавить ещ", re.IGNORECASE)).first.click()
    autocomplete(page, products.nth(0), "нежн", pick="Букет «Нежность»")
    page.locator("input[name$='-quantity']").nth(0).fill("1")
    autocomplete(page, products.nth(1), "корзин", pick="Корзина роз")
    page.locator("input[name$='-quantity']").nth(1).fill("2")
    save_and_continue(page)

    expect(page.locator(".errornote, .errorlist")).to_have_count(0)
    order = Order.objects.get(shop=desk["manager"].shop, customer__name="Мадина Новая")
    assert order.subtotal == 18500 + 2 * 32000  # prices from the catalog
    assert order.customer.phone == "+77071234567"
    content = page.locator("#content")
    expect(content).to_contain_text("Букет «Нежность»")
    expect(content).to_contain_text("Корзина роз")
    expect(timeline(page)).to_contain_text("Айгерим")

    # Confirm: a button of the allowed transitions.
    page.locator("input.desk-move[value*='Подтверждён']").click()
    page.wait_for_load_state()
    expect(timeline(page)).to_contain_text(re.compile(r"Новый\s*→\s*Подтверждён"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED

    # A Kaspi payment of the whole total.
    payment = page.locator("form.desk-pay")
    payment.locator("[name=amount]").fill(str(order.total))
    payment.locator("[name=method]").select_option(value=PaymentMethod.KASPI)
    payment.get_by_role("button", name="Записать").click()
    page.wait_for_load_state()
    expect(timeline(page)).to_contain_text("Kaspi")
    order.refresh_from_db()
    assert (order.paid_amount, order.payments.get().method) == (order.total, PaymentMethod.KASPI)

    # The courier: only eligible members are offered.
    courier_field = page.get_by_label("Курьер:", exact=True)
    offered = courier_field.locator("option").all_inner_texts()
    assert any("Ерлан" in text for text in offered), offered
    assert not any("Чужой" in text for text in offered), offered
    choose(page, r"^курьер", "Ерлан")
    courier_field.locator("xpath=ancestor::form[1]").get_by_role("button", name="Назначить").click()
    page.wait_for_load_state()
    expect(timeline(page)).to_contain_text("Ерлан")
    order.refresh_from_db()
    assert order.courier_id == desk["courier"].user_id


def test_the_dispatcher_filters_tomorrows_deliveries_by_courier(
    page: Page, login_as: LoginAs, shop: Shop, desk: dict[str, Any]
) -> None:
    manager, courier, other = desk["manager"], desk["courier"].user, desk["other_courier"].user
    bouquet = desk["products"][0]
    tomorrow = support.tomorrow()
    mine = make_order(shop, manager.user, bouquet, delivery_date=tomorrow, courier=courier, recipient_name="Дана")
    other_courier = make_order(shop, manager.user, bouquet, delivery_date=tomorrow, courier=other)
    not_tomorrow = make_order(
        shop, manager.user, bouquet, delivery_date=tomorrow + dt.timedelta(days=1), courier=courier
    )
    login_as(manager)

    page.goto(f"/admin/orders/order/?delivery=tomorrow&courier__id__exact={courier.pk}")

    assert "e=1" not in page.url, page.url  # Django's "invalid filter" redirect
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    numbers = rows.locator("th, td:not(.action-checkbox)").first.inner_text()  # past the checkbox of "export selected"
    assert str(mine.number) in numbers, numbers
    shown = page.locator("#result_list").inner_text()
    for order in (other_courier, not_tomorrow):
        assert f"/admin/orders/order/{order.pk}/change/" not in page.content()
    assert "Ерлан" in shown or "Курьеров" in shown  # the courier column
    # The sidebar names the chosen filters in words.
    sidebar = page.locator("#changelist-filter")
    expect(sidebar).to_contain_text("Завтра")
    expect(sidebar).to_contain_text("Ерлан")


def test_the_desks_autocompletes_offer_only_my_shop(page: Page, login_as: LoginAs, desk: dict[str, Any]) -> None:
    login_as(desk["manager"])
    page.goto("/admin/orders/order/add/")
    customer = page.locator("select[name=customer]")
    offered = autocomplete(page, customer, "Айгуль")
    assert any("Айгуль Постоянная" in text for text in offered), offered
    assert not any("Чуж" in text for text in offered), offered
    offered = autocomplete(page, customer, "702 555")  # a phone as typed
    assert not any("Чуж" in text for text in offered), offered
    offered = autocomplete(page, page.locator("select[name$='-product']").first, "Букет")
    assert any("Нежность" in text for text in offered), offered
    assert not any("Чуж" in text for text in offered), offered
