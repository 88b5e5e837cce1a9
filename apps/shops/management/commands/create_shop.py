"""``manage.py create_shop NAME --admin-phone PHONE [--admin-password PW] [--slug SLUG]
[--allow-duplicate-name]``"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext

from apps.shops.selectors import shops_named
from apps.shops.services import shop_create
from flowercrm.errors import DomainError
from flowercrm.management.base import TranslatedCommand
from flowercrm.phone import normalize_phone
from flowercrm.scopes import scopes_disabled


class Command(TranslatedCommand):
    help = (
        "Create a shop and its first admin. An existing user with that phone is reused and keeps "
        "their password. The password comes from --admin-password, FLOWERCRM_ADMIN_PASSWORD, or a prompt. "
        "Shop names need not be unique, but a name another shop already has is refused unless "
        "--allow-duplicate-name is given (a re-run must not make a second shop); the slug is generated "
        "from the name unless --slug is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--admin-phone", required=True)
        parser.add_argument("--admin-password", default=None)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--currency", default="KZT")
        parser.add_argument("--slug", default="", help="The shop's public address (default: from the name).")
        parser.add_argument(
            "--allow-duplicate-name", action="store_true", help="Create the shop even if another has this name."
        )

    @scopes_disabled("creates a shop: no shop scope exists before it")
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            phone = normalize_phone(options["admin_phone"])
        except ValidationError:
            raise CommandError(gettext("Not a phone number: %(phone)r") % {"phone": options["admin_phone"]}) from None
        same_name = shops_named(name=options["name"])
        if same_name and not options["allow_duplicate_name"]:
            existing = ", ".join(f"#{s.id} {s.slug}" for s in same_name)
            raise CommandError(
                gettext(
                    "The shop “%(name)s” already exists (%(existing)s). "
                    "Another shop with the same name: --allow-duplicate-name."
                )
                % {"name": options["name"].strip(), "existing": existing}
            )
        password = options["admin_password"] or os.environ.get("FLOWERCRM_ADMIN_PASSWORD") or None
        if password is None and sys.stdin.isatty():
            password = (
                getpass.getpass(gettext("Password for %(phone)s (empty: keep/none): ") % {"phone": phone}) or None
            )
        try:
            shop, staff = shop_create(
                name=options["name"],
                admin_phone=phone,
                admin_password=password,
                admin_name=options["admin_name"],
                currency=options["currency"].upper(),
                slug=options["slug"],
            )
        except DomainError as exc:
            errors = exc.extra.get("errors")
            raise CommandError(f"{exc.detail} {errors or ''}".strip()) from None
        if staff.existing_user:
            note = gettext(" (existing user, password unchanged)")
        elif not password:
            note = gettext(" (no password set: this admin logs in with a Telegram code until they set one)")
        else:
            note = ""
        self.stdout.write(
            self.style.SUCCESS(
                gettext("Shop #%(id)s “%(name)s” (%(slug)s) created; admin %(phone)s%(note)s.")
                % {"id": shop.id, "name": shop.name, "slug": shop.slug, "phone": phone, "note": note}
            )
        )
