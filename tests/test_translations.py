"""The Russian catalog is complete: every string the source marks for translation has a
Russian text that is not fuzzy, its placeholders match, and the compiled ``.mo`` that a fresh
clone serves says the same as the ``.po`` people edit (ARCHITECTURE §11.1 "Language")."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What the catalog is made from (see flowercrm/management/commands/makemessages.py).
SOURCES = ["apps", "config", "flowercrm", "templates", "manage.py"]


def _problems(catalog: polib.POFile) -> list[str]:
    problems = [f"untranslated: {e.msgid!r}" for e in catalog.untranslated_entries()]
    problems += [f"fuzzy: {e.msgid!r}" for e in catalog.fuzzy_entries()]
    return problems


def test_catalog_has_no_untranslated_or_fuzzy_entry() -> None:
    catalog = polib.pofile(str(PO))
    assert len(catalog) > 100
    assert _problems(catalog) == []


def test_compiled_catalog_matches_the_po_file() -> None:
    catalog = polib.pofile(str(PO))
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            got = (
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if entry.msgctxt
                else compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            )
            want = entry.msgstr_plural[0]
        else:
            got = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
            want = entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], "run `make messages` to compile the catalog"


def test_placeholders_match_in_every_translation() -> None:
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_source_string_is_in_the_catalog(tmp_path: Path) -> None:
    """Extract the strings from a copy of the source into a copy of the catalog: nothing new may
    come out untranslated."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "-v", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert _problems(polib.pofile(str(tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"))) == []
