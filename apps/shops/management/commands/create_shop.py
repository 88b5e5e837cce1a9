"""``manage.py create_shop NAME --admin-phone PHONE [--admin-password PW]``"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.shops.services import shop_create
from flowercrm.errors import DomainError
from flowercrm.phone import normalize_phone


class Command(BaseCommand):
    help = (
        "Create a shop and its first admin. An existing user with that phone is reused and keeps "
        "their password. The password comes from --admin-password, FLOWERCRM_ADMIN_PASSWORD, or a prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--admin-phone", required=True)
        parser.add_argument("--admin-password", default=None)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--currency", default="KZT")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            phone = normalize_phone(options["admin_phone"])
        except ValidationError:
            raise CommandError(f"Not a phone number: {options['admin_phone']!r}") from None
        password = options["admin_password"] or os.environ.get("FLOWERCRM_ADMIN_PASSWORD") or None
        if password is None and sys.stdin.isatty():
            password = getpass.getpass(f"Password for {phone} (empty: keep/none): ") or None
        try:
            shop, staff = shop_create(
                name=options["name"],
                admin_phone=phone,
                admin_password=password,
                admin_name=options["admin_name"],
                currency=options["currency"].upper(),
            )
        except DomainError as exc:
            errors = exc.extra.get("errors")
            raise CommandError(f"{exc.detail} {errors or ''}".strip()) from None
        if staff.existing_user:
            note = " (existing user, password unchanged)"
        elif not password:
            note = " (no password set: this admin logs in with a Telegram code until they set one)"
        else:
            note = ""
        self.stdout.write(self.style.SUCCESS(f"Shop #{shop.id} «{shop.name}» created; admin {phone}{note}."))
