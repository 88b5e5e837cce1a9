"""The base of commands whose output people read.

Django 5.2 leaves the language alone in a command (only ``@no_translations`` handlers, like
``makemigrations``, deactivate it), so a command speaks whatever language happens to be active
— the default when it runs from a shell, but anything when it is called from code. These
commands always answer in ``LANGUAGE_CODE`` (Russian) unless ``--language`` names another.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation


class TranslatedCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help=f"The language of the output (default: {settings.LANGUAGE_CODE}).",
        )
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
