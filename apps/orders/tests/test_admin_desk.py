"""The order desk on the admin's order page (``apps.orders.admin_desk``): every action through
the services, refusals and warnings as messages in words, the role matrix, shop isolation,
the buttons equal to ``allowed_transitions``, constant queries, the print views."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.orders import services
from apps.orders.api.serializers.input import OrderUpdateSerializer
from apps.orders.models import EventType, Order, OrderEvent, OrderStatus, Payment, PaymentMethod
from apps.orders.status import TRANSITIONS, allowed_transitions
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.shops.models import MembershipStatus
from flowercrm.limits import MONEY_MAX
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

ACTIONS = ("transition", "payment", "assign", "comment")


def _client(user: Any, lang: str = "ru") -> Client:
    user.is_staff = True
    user.save()
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def manager(member):
    membership = member(Role.MANAGER)
    membership.user.name = "Айгерим"
    membership.user.save()
    return membership.user


@pytest.fixture
def client(manager) -> Client:
    return _client(manager)


@pytest.fixture
def order(shop, manager) -> Order:
    return make_order(shop, manager, make_product(shop, price="15000"), delivery_fee=Decimal(0), card_text="С любовью!")


def url(order: Order, name: str) -> str:
    if name in ACTIONS:
        return reverse(f"admin:orders_order_desk_{name}", args=[order.pk])
    return reverse(f"admin:orders_order_{name}", args=[order.pk])


def shown(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def errors(response) -> list[str]:
    return [text for tag, text in shown(response) if tag == "error"]


def post(client: Client, order: Order, action: str, data: dict[str, Any]):
    response = client.post(url(order, action), data, follow=True)
    assert response.redirect_chain == [(url(order, "change"), 302)]
    return response


def in_words(texts: list[str]) -> bool:
    return bool(texts) and not any(ch in text for text in texts for ch in "{}[]")


def snapshot(order: Order) -> tuple[Any, ...]:
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.paid_amount,
        order.florist_id,
        order.courier_id,
        order.events.count(),
        Payment.objects.filter(order=order).count(),
    )


def test_the_page_gives_the_buyers_tracking_link(client, order) -> None:
    html = client.get(url(order, "change")).content.decode()
    link = f"http://testserver/t/{order.tracking_token}"
    assert f'href="{link}"' in html
    assert client.get(link).status_code == 200  # the tracking page itself, no login needed


# --- Transitions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "method"),
    [
        (OrderStatus.NEW, "delivery"),
        (OrderStatus.CONFIRMED, "delivery"),
        (OrderStatus.ASSEMBLED, "delivery"),
        (OrderStatus.ASSEMBLED, "pickup"),
        (OrderStatus.OUT_FOR_DELIVERY, "delivery"),
        (OrderStatus.DELIVERED, "delivery"),
    ],
)
def test_the_buttons_are_the_callers_allowed_transitions(client, order, manager, status, method) -> None:
    Order.objects.filter(pk=order.pk).update(status=status, delivery_method=method)
    order.refresh_from_db()
    expected = allowed_transitions(order, role=Role.MANAGER, user_id=manager.pk)
    page = client.get(url(order, "change"))
    desk = page.context["desk"]
    assert [move["status"] for move in desk["transitions"]] == expected
    html = page.content.decode()
    assert [s for s in OrderStatus.values if f'data-status="{s}"' in html] == [
        s for s in OrderStatus.values if s in expected
    ]
    needs_reason = {move["status"] for move in desk["transitions"] if move["reason_required"]}
    assert needs_reason == {s for s in expected if TRANSITIONS[(status, s)].reason_required}


def test_confirm_through_the_service_with_its_warnings(client, shop, manager) -> None:
    stem = make_stock(shop, quantity=1)
    order = make_order(shop, manager, make_product(shop, recipe={stem: 3}))
    response = post(client, order, "transition", {"status": "confirmed"})
    order.refresh_from_db()
    stem.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and stem.reserved == 3
    assert ("success", f"Заказ №{order.number}: Подтверждён.") in shown(response)
    assert any(tag == "warning" and "Резерв больше остатка" in text for tag, text in shown(response))
    assert order.events.filter(type=EventType.STATUS_CHANGED, actor=manager).count() == 1


def test_cancel_needs_a_reason_and_the_refusal_is_in_words(client, order) -> None:
    before = snapshot(order)
    response = post(client, order, "transition", {"status": "cancelled", "reason": "  "})
    assert snapshot(order) == before
    assert in_words(errors(response)) and "Укажите причину." in errors(response)[0]
    response = post(client, order, "transition", {"status": "cancelled", "reason": "передумали"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "передумали"


def test_a_move_not_in_the_table_is_refused_in_words(client, order) -> None:
    before = snapshot(order)
    response = post(client, order, "transition", {"status": "delivered"})
    assert errors(response) == ["Нельзя перевести заказ из «Новый» в «Доставлен»."]
    response = post(client, order, "transition", {"status": "nonsense"})
    assert in_words(errors(response)) and errors(response)[0].startswith("Статус:")
    assert snapshot(order) == before


def test_dispatch_without_a_courier_is_refused(client, order) -> None:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ASSEMBLED)
    before = snapshot(order)
    response = post(client, order, "transition", {"status": "out_for_delivery"})
    assert errors(response) == ["Назначьте курьера перед отправкой."]
    assert snapshot(order) == before


# --- Payments ---------------------------------------------------------------------------


def test_record_a_payment_and_a_refund(client, order, manager) -> None:
    response = post(client, order, "payment", {"amount": "5000", "method": "kaspi", "external_id": "KSP-1"})
    assert ("success", "Оплата 5 000 ₸ записана.") in shown(response)
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.method, payment.external_id, payment.actor) == (
        Decimal("5000.00"),
        PaymentMethod.KASPI,
        "KSP-1",
        manager,
    )
    response = post(client, order, "payment", {"amount": "2000", "method": "cash", "refund": "on"})
    assert ("success", "Возврат 2 000 ₸ записан.") in shown(response)
    order.refresh_from_db()
    assert order.paid_amount == Decimal("3000.00")
    desk = client.get(url(order, "change")).context["desk"]
    assert (desk["total"], desk["paid"], desk["due"]) == ("15 000 ₸", "3 000 ₸", "12 000 ₸")
    assert [p["amount"] for p in desk["payments"]] == ["5 000 ₸", "-2 000 ₸"]
    assert [p["method"] for p in desk["payments"]] == ["Kaspi", "Наличные"]


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "0", "method": "cash"},
        {"amount": "-5", "method": "cash"},
        {"amount": "abc", "method": "cash"},
        {"amount": "1e20", "method": "cash"},
        {"amount": str(MONEY_MAX + 1), "method": "cash"},
        {"amount": "10.001", "method": "cash"},
        {"amount": "100", "method": "bitcoin"},
        {"amount": "100", "method": "cash", "external_id": "x" * 101},
        {"amount": "", "method": "cash"},
        {"method": "cash"},
    ],
)
def test_bad_payment_input_writes_nothing(client, order, data) -> None:
    before = snapshot(order)
    response = post(client, order, "payment", data)
    assert in_words(errors(response)), shown(response)
    assert snapshot(order) == before


def test_the_services_refusal_of_a_payment_is_a_message(client, order) -> None:
    before = snapshot(order)
    response = post(client, order, "payment", {"amount": "20000", "method": "cash"})
    assert in_words(errors(response)) and "Сумма: Оплата больше остатка к оплате" in errors(response)[0]
    response = post(client, order, "payment", {"amount": "100", "method": "cash", "refund": "on"})
    assert in_words(errors(response)) and "Возврат больше оплаченного" in errors(response)[0]
    assert snapshot(order) == before


# --- Assignment -------------------------------------------------------------------------


@pytest.fixture
def people(shop, other_shop, member):
    """Everyone who might be offered: eligible or not, of this shop or another."""
    made = {
        "florist": member(Role.FLORIST),
        "courier": member(Role.COURIER),
        "admin": member(Role.ADMIN),
        "inactive_courier": member(Role.COURIER, is_active=False),
        "invited_courier": member(Role.COURIER, is_active=False, status=MembershipStatus.INVITED),
        "foreign_courier": member(Role.COURIER, shop=other_shop),
        "foreign_florist": member(Role.FLORIST, shop=other_shop),
    }
    return {key: membership.user for key, membership in made.items()}


def _choices(client: Client, order: Order) -> dict[str, set[int]]:
    forms = client.get(url(order, "change")).context["desk"]["assign_forms"]
    return {form.fields["duty"].initial: {user.pk for user in form.fields["person"].queryset} for form in forms}


def test_choices_are_the_eligible_members_of_the_orders_shop_only(client, order, people, manager) -> None:
    choices = _choices(client, order)
    assert choices["courier"] == {people["courier"].pk, people["admin"].pk, manager.pk}
    assert choices["florist"] == {people["florist"].pk, people["admin"].pk, manager.pk}
    # The same rule as the API's florist_id / courier_id.
    candidates = [*people.values(), manager, UserFactory()]
    for duty, chosen in choices.items():
        accepted = {
            user.pk
            for user in candidates
            if OrderUpdateSerializer(
                data={f"{duty}_id": user.pk}, partial=True, context={"shop": order.shop}
            ).is_valid()
        }
        assert accepted == chosen, duty


def test_assign_and_unassign_the_courier_and_the_florist(client, order, people) -> None:
    courier, florist = people["courier"], people["florist"]
    response = post(client, order, "assign", {"duty": "courier", "person": courier.pk})
    assert ("success", f"Курьер: {courier.name}.") in shown(response)
    response = post(client, order, "assign", {"duty": "florist", "person": florist.pk})
    order.refresh_from_db()
    assert (order.courier, order.florist) == (courier, florist)
    assert order.events.filter(type=EventType.ASSIGNED).count() == 2
    response = post(client, order, "assign", {"duty": "courier", "person": ""})
    assert ("success", "Курьер снят с заказа.") in shown(response)
    order.refresh_from_db()
    assert order.courier is None and order.florist == florist
    events = order.events.count()
    response = post(client, order, "assign", {"duty": "courier", "person": ""})
    assert ("info", "Ничего не изменилось.") in shown(response)
    assert order.events.count() == events


@pytest.mark.parametrize(
    ("duty", "who"),
    [
        ("courier", "florist"),
        ("florist", "courier"),
        ("courier", "inactive_courier"),
        ("courier", "invited_courier"),
        ("courier", "foreign_courier"),
        ("florist", "foreign_florist"),
        ("courier", "nobody"),
        ("pilot", "courier"),
    ],
)
def test_an_ineligible_person_is_refused(client, order, people, duty, who) -> None:
    before = snapshot(order)
    person = people[who].pk if who in people else "999999999"
    response = post(client, order, "assign", {"duty": duty, "person": person})
    assert in_words(errors(response)), shown(response)
    assert snapshot(order) == before


def test_a_closed_order_is_not_reassigned(client, order, people) -> None:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)
    before = snapshot(order)
    response = post(client, order, "assign", {"duty": "courier", "person": people["courier"].pk})
    assert errors(response) == ["Заказ закрыт и не редактируется."]
    assert snapshot(order) == before


# --- Comments ---------------------------------------------------------------------------


def test_add_a_comment(client, order, manager) -> None:
    response = post(client, order, "comment", {"text": "  Позвонить в 9  "})
    assert ("success", "Комментарий добавлен.") in shown(response)
    event = order.events.get(type=EventType.COMMENT)
    assert (event.data, event.actor) == ({"text": "Позвонить в 9"}, manager)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_a_bad_comment_writes_nothing(client, order, text) -> None:
    before = snapshot(order)
    response = post(client, order, "comment", {"text": text})
    assert in_words(errors(response)), shown(response)
    assert snapshot(order) == before


# --- Who may act ------------------------------------------------------------------------

VALID = {
    "transition": {"status": "confirmed"},
    "payment": {"amount": "100", "method": "cash"},
    "assign": {"duty": "courier", "person": ""},
    "comment": {"text": "заметка"},
}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, "superuser"])
@pytest.mark.parametrize("action", ACTIONS)
def test_admins_managers_and_superusers_act(order, manager, member, role, action) -> None:
    user = UserFactory(is_superuser=True) if role == "superuser" else member(role).user
    before = snapshot(order)
    data = {**VALID[action], "person": manager.pk} if action == "assign" else VALID[action]
    response = post(_client(user), order, action, data)
    assert not errors(response), shown(response)
    assert snapshot(order) != before


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER])
@pytest.mark.parametrize("action", ACTIONS)
def test_florists_and_couriers_cannot_act_even_as_staff(order, member, role, action) -> None:
    membership = member(role)
    Order.objects.filter(pk=order.pk).update(courier=membership.user, status=OrderStatus.CONFIRMED)
    before = snapshot(order)
    response = _client(membership.user).post(url(order, action), VALID[action])
    assert response.status_code == 404
    for view in ("print", "card"):
        assert _client(membership.user).get(url(order, view)).status_code == 404
    assert snapshot(order) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_manager_of_another_shop_gets_404_and_nothing_changes(other_shop, member, people, action) -> None:
    their_admin = member(Role.ADMIN, shop=other_shop).user
    theirs = make_order(other_shop, their_admin, make_product(other_shop, price="1000"))
    outsider = member(Role.MANAGER).user  # a manager of ``shop`` only
    member(Role.FLORIST, shop=other_shop, user=outsider)  # and a florist there: still no desk
    before = snapshot(theirs)
    data = {**VALID[action], "person": people["foreign_courier"].pk} if action == "assign" else VALID[action]
    response = _client(outsider).post(url(theirs, action), data)
    assert response.status_code == 404
    assert snapshot(theirs) == before
    for view in ("print", "card"):
        assert _client(outsider).get(url(theirs, view)).status_code == 404


def test_the_assignment_choices_never_list_another_shops_people(client, order, people) -> None:
    html = client.get(url(order, "change")).content.decode()
    for key in ("foreign_courier", "foreign_florist", "inactive_courier", "invited_courier"):
        assert f'value="{people[key].pk}"' not in html
        assert people[key].name not in html


def test_actions_need_post_and_csrf(order, manager) -> None:
    client = _client(manager)
    for action in ACTIONS:
        assert client.get(url(order, action)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    before = snapshot(order)
    assert strict.post(url(order, "comment"), {"text": "x"}).status_code == 403
    assert snapshot(order) == before


def test_messages_follow_the_users_language(order, manager) -> None:
    client = _client(manager, lang="en")
    response = post(client, order, "payment", {"amount": "5000", "method": "kaspi"})
    assert ("success", "Payment of 5 000 ₸ recorded.") in shown(response)
    response = post(client, order, "transition", {"status": "cancelled"})
    assert errors(response) and "Reason:" in errors(response)[0]
    page = client.get(url(order, "change")).content.decode()
    assert "payment 5 000 ₸ (Kaspi)" in page and "Timeline" in page


# --- The page ---------------------------------------------------------------------------


def test_the_page_shows_the_desk_and_the_timeline(client, order, manager, people) -> None:
    services.payment_record(order=order, actor=manager, amount=Decimal(5000), method=PaymentMethod.KASPI)
    services.order_update(order=order, actor=manager, data={"courier": people["courier"]})
    html = client.get(url(order, "change")).content.decode()
    assert "Айгерим — оплата 5 000 ₸ (Kaspi)" in html
    assert f"Айгерим — назначен курьер: {people['courier'].name}" in html
    assert f"Айгерим — создан заказ №{order.number} на 15 000 ₸" in html
    assert url(order, "print") in html and url(order, "card") in html
    services.order_comment_add(order=order, actor=manager, text="<script>alert(1)</script>")
    html = client.get(url(order, "change")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for action in ACTIONS:
        assert f'action="{url(order, action)}"' in html


def _page_queries(client: Client, order: Order) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(order, "change")).status_code == 200
    return len(captured)


def test_the_page_queries_do_not_grow_with_events_and_payments(client, order, manager, people) -> None:
    services.order_update(order=order, actor=manager, data={"courier": people["courier"], "florist": people["florist"]})
    services.payment_record(order=order, actor=manager, amount=Decimal(100), method=PaymentMethod.CASH)
    few = _page_queries(client, order)
    for n in range(10):
        actor = people["courier"] if n % 2 else manager
        services.order_comment_add(order=order, actor=actor, text=f"заметка {n}")
        services.payment_record(order=order, actor=actor, amount=Decimal(100), method=PaymentMethod.CARD)
    assert OrderEvent.objects.filter(order=order).count() > 20
    assert _page_queries(client, order) == few


# --- Print views ------------------------------------------------------------------------


def test_the_order_sheet(client, order, manager) -> None:
    services.order_comment_add(order=order, actor=manager, text="Осторожно, лилии")
    response = client.get(url(order, "print"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (f"Заказ №{order.number}", "01.12.2026", "10:00–12:00", "Дана", "+77017654321", "ул. Абая 10, кв 5"):
        assert text in html, text
    assert order.items.get().name in html and "С любовью!" in html and "Осторожно, лилии" in html
    assert "15 000 ₸" in html
    assert 'id="header"' not in html and "@media print" in html  # no admin chrome
    florist_copy = client.get(url(order, "print") + "?prices=0").content.decode()
    assert "15 000 ₸" not in florist_copy and order.items.get().name in florist_copy


def test_the_card(client, order, shop, manager) -> None:
    html = client.get(url(order, "card")).content.decode()
    assert "С любовью!" in html and 'id="header"' not in html
    assert "Дана" not in html and "15 000" not in html  # the card text only
    empty = make_order(shop, manager, make_product(shop), card_text="")
    assert "нет текста открытки" in client.get(url(empty, "card")).content.decode()
