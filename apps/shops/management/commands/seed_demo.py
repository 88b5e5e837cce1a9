"""``manage.py seed_demo``: a demo shop «Ромашка» with one person per role (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.accounts.models import User
from apps.shops.models import Membership, Shop
from apps.shops.services import shop_create, staff_add
from flowercrm.roles import Role
from flowercrm.scopes import scopes_disabled

DEMO_SHOP = "Ромашка"
DEMO_SLUG = "romashka"  # how the demo shop is found again (names are not unique)
DEMO_PASSWORD = "demo-flowers-2026"  # noqa: S105 - printed demo login, refused in production
DEMO_STAFF = [
    ("+77010000001", "Алия Админова", Role.ADMIN),
    ("+77010000002", "Марат Менеджеров", Role.MANAGER),
    ("+77010000003", "Дана Флористова", Role.FLORIST),
    ("+77010000004", "Ерлан Курьеров", Role.COURIER),
]


class Command(BaseCommand):
    help = "Create the demo shop «Ромашка» with an admin, a manager, a florist and a courier (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow in production.")

    @transaction.atomic
    @scopes_disabled("creates the demo shop and fills it: no shop scope exists before it")
    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("seed_demo creates known passwords; refused in production (use --force).")
        shop = Shop.objects.filter(slug=DEMO_SLUG).first()
        admin_phone, admin_name, _ = DEMO_STAFF[0]
        if shop is None:
            shop, _staff = shop_create(
                name=DEMO_SHOP,
                slug=DEMO_SLUG,
                admin_phone=admin_phone,
                admin_password=DEMO_PASSWORD,
                admin_name=admin_name,
            )
        for phone, name, role in DEMO_STAFF:
            if not Membership.objects.filter(shop=shop, user__phone=phone).exists():
                staff_add(shop=shop, phone=phone, name=name, role=role, password=DEMO_PASSWORD, invite_existing=False)
        self.stdout.write(self.style.SUCCESS(f"Demo shop «{shop.name}» (#{shop.id}) is ready. Logins:"))
        for phone, name, role in DEMO_STAFF:
            user = User.objects.get(phone=phone)
            note = "" if user.check_password(DEMO_PASSWORD) else " (password was changed)"
            self.stdout.write(f"  {role:<8} {phone}  {DEMO_PASSWORD}{note}  — {name}")
        self.stdout.write(self.extra_output())

    def extra_output(self) -> str:
        return "  Admin: http://127.0.0.1:8000/admin/   API docs: http://127.0.0.1:8000/api/docs/"
