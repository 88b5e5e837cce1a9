"""``create_shop`` (``seed_demo`` lives in apps.orders: tests/test_seed_demo.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops.management.commands.create_shop import Command as CreateShop
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import ShopFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "shop-owner-pass-1"


@pytest.fixture(autouse=True)
def _no_env_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWERCRM_ADMIN_PASSWORD", raising=False)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def login(phone: str, password: str) -> dict[str, object]:
    response = APIClient().post("/api/auth/login", {"username": phone, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    body: dict[str, object] = response.json()
    return body


def test_create_shop_with_a_new_admin() -> None:
    out = run("create_shop", "  Лилия  ", "--admin-phone", "8 701 555 00 01", "--admin-password", NEW_PASSWORD)
    shop = Shop.objects.get(name="Лилия")
    assert (shop.currency, shop.time_zone) == ("KZT", "Asia/Almaty")
    membership = Membership.objects.get(shop=shop)
    assert (membership.role, membership.is_active, membership.user.phone) == (Role.ADMIN, True, "+77015550001")
    assert membership.user.is_staff
    assert "+77015550001" in out
    body = login("+77015550001", NEW_PASSWORD)
    assert (body["shop"], body["role"]) == ({"id": shop.id, "name": "Лилия"}, "admin")


def test_create_shop_options() -> None:
    run(
        "create_shop",
        "Roza",
        "--admin-phone",
        "+79161234567",
        "--admin-password",
        NEW_PASSWORD,
        "--admin-name",
        "Ольга",
        "--currency",
        "rub",
    )
    shop = Shop.objects.get(name="Roza")
    assert shop.currency == "RUB"
    assert User.objects.get(phone="+79161234567").name == "Ольга"


def test_create_shop_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWERCRM_ADMIN_PASSWORD", NEW_PASSWORD)
    run("create_shop", "Лилия", "--admin-phone", "87015550001")
    login("+77015550001", NEW_PASSWORD)


def test_create_shop_reuses_an_existing_user_and_keeps_their_password() -> None:
    existing = UserFactory(phone="+77015550001", name="Старое имя")
    out = run(
        "create_shop",
        "Лилия",
        "--admin-phone",
        "+7 (701) 555-00-01",
        "--admin-password",
        "another-pass-42",
        "--admin-name",
        "Новое имя",
    )
    assert "существующий пользователь, пароль не изменён" in out
    existing.refresh_from_db()
    assert existing.name == "Старое имя"
    assert existing.check_password(PASSWORD)
    assert login("+77015550001", PASSWORD)["shop"] == {"id": Shop.objects.get(name="Лилия").id, "name": "Лилия"}
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", ["Лилия", "ЛИЛИЯ", "лилия", " Лилия "])
def test_duplicate_shop_name_is_refused_case_insensitively(name: str) -> None:
    ShopFactory(name="Лилия")
    with pytest.raises(CommandError, match="уже существует"):
        run("create_shop", name, "--admin-phone", "+77015550001", "--admin-password", NEW_PASSWORD)
    assert Shop.objects.count() == 1
    assert not User.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "phone", "", "+7 701 555 00 01 99"])
def test_bad_phone_is_refused(phone: str) -> None:
    with pytest.raises(CommandError, match="номер телефона"):
        run("create_shop", "Лилия", "--admin-phone", phone, "--admin-password", NEW_PASSWORD)
    assert not Shop.objects.exists()


@pytest.mark.parametrize("password", ["12345678", "short", "x" * 129])
def test_weak_password_is_refused_and_nothing_is_written(password: str) -> None:
    with pytest.raises(CommandError):
        run("create_shop", "Лилия", "--admin-phone", "+77015550001", "--admin-password", password)
    assert not Shop.objects.exists()
    assert not User.objects.exists()


def test_errors_exit_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    ShopFactory(name="Лилия")
    with pytest.raises(SystemExit) as exc:
        CreateShop().run_from_argv(["manage.py", "create_shop", "Лилия", "--admin-phone", "+77015550001"])
    assert exc.value.code != 0
    assert "уже существует" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        CreateShop().run_from_argv(["manage.py", "create_shop", "Новый", "--admin-phone", "nope"])
    assert exc.value.code != 0


def test_create_shop_without_a_password_says_how_the_admin_logs_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    out = run("create_shop", "Тюльпан", "--admin-phone", "+77015550077")
    assert "Telegram" in out
    assert not User.objects.get(phone="+77015550077").has_usable_password()
