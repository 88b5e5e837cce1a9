"""The admin side of the imports and exports (issue 14, ARCHITECTURE §11.3).

``ExchangeAdminMixin`` goes before ``ShopScopedAdmin`` on the customer, product, stock item
and order admins (``exchange_kind`` names the kind). It adds:

* an "Import" page (``<changelist>/import/``, an object-tool button): upload a CSV/XLSX, pick
  one of the user's back-office shops, see a preview — a dry run through ``run_import``, the
  code the ``manage.py import_*`` commands run — then confirm to run it for real.
* the actions "Export selected (CSV)" and "(XLSX)": the selected rows in the columns of the
  exports (``apps.exchange.exports``), streamed.

Between preview and confirm the upload is kept in a temporary file named by a random token
(``secrets.token_hex``) that only the user's session knows, with the shop and options; the
confirm form sends the token back, and a token that is not the session's is refused. The
client never names a path or (on confirm) a shop. The file is deleted after the confirm,
when a new upload replaces it, or a day later (swept at the next upload).
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.exchange.api.views import CONTENT_TYPES, ExportResponse
from apps.exchange.columns import CellError
from apps.exchange.exports import EXPORTS, csv_stream, export_rows, file_blocks, xlsx_file
from apps.exchange.importers import IMPORTERS, Report, run_import
from apps.exchange.readers import ReadError, open_source
from flowercrm.scopes import scope

MAX_ROWS = 20_000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SHOWN_ERRORS = 20
SESSION_KEY = "exchange_import"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "flowercrm-import"
KEEP_SECONDS = 24 * 60 * 60


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    shop = forms.TypedChoiceField(label=_("Shop"), coerce=int)
    partial = forms.BooleanField(
        label=_("Keep the good rows"),
        required=False,
        help_text=_("Otherwise nothing is written when any row fails."),
    )

    def __init__(self, *args: Any, shops: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["shop"]
        field.choices = [(shop.pk, shop.name) for shop in shops]  # type: ignore[attr-defined]
        if len(shops) == 1:
            field.initial = shops[0].pk
            field.widget = forms.HiddenInput()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(gettext("The file is empty."))
        return upload


def _upload_path(token: str, suffix: str) -> Path:
    # openpyxl reads a workbook by its name's extension: the suffix follows the content.
    return UPLOAD_DIR / f"{token}{'.xlsx' if suffix == '.xlsx' else '.csv'}"


def _forget(request: HttpRequest) -> None:
    kept = request.session.pop(SESSION_KEY, None)
    if isinstance(kept, dict) and isinstance(kept.get("token"), str):
        _upload_path(kept["token"], str(kept.get("suffix"))).unlink(missing_ok=True)


def _sweep() -> None:
    """Uploads previewed and never confirmed are deleted after ``KEEP_SECONDS``."""
    limit = time.time() - KEEP_SECONDS
    for old in UPLOAD_DIR.glob("*.*"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < limit:
                old.unlink()


def _count_rows(file: Path) -> int:
    source = open_source(file)
    count = 0
    for _line in source.rows:
        count += 1
        if count > MAX_ROWS:
            break
    return count


class ExchangeAdminMixin(admin.ModelAdmin):
    """Import page and export actions of one kind (see the module docstring)."""

    exchange_kind: str = ""
    change_list_template = "admin/exchange/change_list.html"

    # --- export selected --------------------------------------------------------------------

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self._import_shops(request):
            for name, description in (
                ("export_selected_csv", _("Export selected (CSV)")),
                ("export_selected_xlsx", _("Export selected (XLSX)")),
            ):
                actions[name] = (getattr(type(self), name), name, str(description))
        return actions

    def export_selected_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponseBase:
        return self._export(request, queryset, "csv")

    def export_selected_xlsx(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponseBase:
        return self._export(request, queryset, "xlsx")

    def _export(self, request: HttpRequest, queryset: QuerySet[Any], file_format: str) -> HttpResponseBase:
        allowed = [shop.pk for shop in self._import_shops(request)]
        if not allowed:
            raise PermissionDenied
        export = EXPORTS[self.exchange_kind]
        header = export.header()
        # The selected rows of the user's shops, as a plain queryset (the changelist's
        # prefetches and ordering would clash with the export's own); one shop at a time.
        selected = self.model._default_manager.filter(pk__in=queryset.order_by().values("pk"), shop_id__in=allowed)
        shop_ids = sorted(set(selected.values_list("shop_id", flat=True)))

        def chunks() -> Iterator[list[list[Any]]]:
            for shop_id in shop_ids:
                yield from export_rows(export, selected.filter(shop_id=shop_id), shop_id=shop_id)

        if file_format == "csv":
            parts = csv_stream(header, chunks())
        else:
            parts = _xlsx_parts(header, chunks())
        response = ExportResponse(parts, content_type=CONTENT_TYPES[file_format])
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="{self.exchange_kind}-{day}.{file_format}"'
        return response

    # --- import -------------------------------------------------------------------------------

    def _import_shops(self, request: HttpRequest) -> list[Any]:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return []
        shops: list[Any] = self.admin_site.back_office_shops(request)  # type: ignore[attr-defined]
        return shops

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            )
        ]
        return own + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {"can_import": bool(self._import_shops(request)), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        shops = self._import_shops(request)
        if not shops:
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import: %(what)s") % {"what": self.opts.verbose_name_plural},
            "max_rows": MAX_ROWS,
            "kind": self.exchange_kind,
        }
        if request.method == "POST" and request.POST.get("confirm"):
            return self._confirm(request, shops)
        form = ImportForm(request.POST or None, request.FILES or None, shops=shops)
        if request.method == "POST" and form.is_valid():
            report = self._preview(request, form)
            if report is not None:
                context.update(report=report, errors=report.errors[:SHOWN_ERRORS])
                context["token"] = request.session[SESSION_KEY]["token"]
                context["shop"] = next(s for s in shops if s.pk == form.cleaned_data["shop"])
                context["partial"] = form.cleaned_data["partial"]
        context["form"] = form
        return TemplateResponse(request, "admin/exchange/import.html", context)

    def _run(self, shop: Any, file: Path, *, partial: bool, dry_run: bool, user: Any) -> Report:
        importer = IMPORTERS[self.exchange_kind](shop=shop, actor=user)
        with scope(shop=shop):
            return run_import(importer, open_source(file), partial=partial, dry_run=dry_run)

    def _preview(self, request: HttpRequest, form: ImportForm) -> Report | None:
        _forget(request)
        shop = next(s for s in self._import_shops(request) if s.pk == form.cleaned_data["shop"])
        token = secrets.token_hex(16)
        UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sweep()
        upload = form.cleaned_data["file"]
        suffix = ".xlsx" if upload.read(4) == b"PK\x03\x04" else ".csv"
        upload.seek(0)
        file = _upload_path(token, suffix)
        with file.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            if _count_rows(file) > MAX_ROWS:
                form.add_error(
                    "file",
                    gettext(
                        "The file has more than %(max)s rows: import it with the command “manage.py import_%(kind)s”."
                    )
                    % {"max": f"{MAX_ROWS:,}".replace(",", " "), "kind": self.exchange_kind},
                )
                file.unlink(missing_ok=True)
                return None
            report = self._run(shop, file, partial=form.cleaned_data["partial"], dry_run=True, user=request.user)
        except (ReadError, CellError) as exc:
            form.add_error("file", exc.message if isinstance(exc, CellError) else str(exc))
            file.unlink(missing_ok=True)
            return None
        request.session[SESSION_KEY] = {
            "token": token,
            "suffix": suffix,
            "kind": self.exchange_kind,
            "shop": shop.pk,
            "partial": bool(form.cleaned_data["partial"]),
        }
        return report

    def _confirm(self, request: HttpRequest, shops: list[Any]) -> HttpResponse:
        kept = request.session.get(SESSION_KEY)
        if not isinstance(kept, dict):
            kept = {}
        here = request.path
        token = request.POST.get("token", "")
        valid = (
            kept.get("kind") == self.exchange_kind
            and isinstance(kept.get("token"), str)
            and secrets.compare_digest(kept["token"], token)
        )
        shop = next((s for s in shops if s.pk == kept.get("shop")), None)
        file = _upload_path(token, str(kept.get("suffix")))
        if not valid or shop is None or not file.is_file():
            messages.error(request, gettext("The uploaded file is no longer available; upload it again."))
            return HttpResponseRedirect(here)
        try:
            report = self._run(shop, file, partial=kept["partial"], dry_run=False, user=request.user)
        except (ReadError, CellError) as exc:
            messages.error(request, exc.message if isinstance(exc, CellError) else str(exc))
            return HttpResponseRedirect(here)
        finally:
            _forget(request)
        counts = {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "failed": report.failed,
        }
        if report.committed:
            messages.success(
                request,
                gettext(
                    "Imported: created %(created)s, updated %(updated)s, unchanged %(unchanged)s, failed %(failed)s."
                )
                % counts,
            )
        else:
            messages.error(request, gettext("Nothing was written: %(failed)s rows failed.") % counts)
        changelist = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return HttpResponseRedirect(changelist)


def _xlsx_parts(header: list[str], chunks: Iterator[Any]) -> Iterator[bytes]:
    yield from file_blocks(xlsx_file(header, chunks))
