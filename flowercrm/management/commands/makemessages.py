"""``makemessages`` for this project: the one place that says which folders hold no
translatable strings, so ``make messages``, the catalog test and a person running the command
by hand extract the same set."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

# Folders whose files are not the product's text: environments, build output, uploads,
# benchmarks and tests (tests assert the Russian output; they do not define it).
PROJECT_IGNORE = [".venv/*", "venv/*", "node_modules/*", "staticfiles/*", "media/*", "bench/*", "*/tests/*", "tests/*"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *PROJECT_IGNORE]
        options["no_wrap"] = True  # one entry per line: diffs of the catalog stay readable
        options["no_obsolete"] = True
        super().handle(*args, **options)
