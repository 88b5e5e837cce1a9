"""The reports in the admin: the charts under the dashboard's panels and a CSV download of
each chart's table (ARCHITECTURE §11.2, §11.5).

The period and the shop come from the query string (``?days=7|30|90`` or
``?date_from=YYYY-MM-DD&date_to=YYYY-MM-DD``, and ``&shop=<id>`` for someone who runs several
shops); the CSV links carry the same parameters, so a download holds exactly the rows the page
shows. Who may see them: admins and managers of that shop (the role matrix's ``reports``
area) and platform operators; another shop is a 404.

``settings.FLOWERCRM_ADMIN_CHARTS`` names :func:`dashboard_charts` for ``flowercrm.admin_site``;
the CSV view is routed in ``config/urls.py`` under ``/admin/reports/``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.exchange.exports import csv_stream
from apps.reports.dashboard import (
    PERIOD_LABELS,
    PRESET_DAYS,
    Dashboard,
    Period,
    dashboard_build,
    period_last,
)
from apps.reports.periods import DEFAULT_DAYS, ReportPeriod
from apps.shops.models import Shop
from flowercrm import roles
from flowercrm.admin import back_office_roles
from flowercrm.errors import Invalid
from flowercrm.money import money_text

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class PeriodForm(forms.Form):
    """The period picker: a preset number of days, or a range (both ends, at most a year)."""

    shop = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    days = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[(d, str(d)) for d in PRESET_DAYS]
    )
    date_from = forms.DateField(required=False, label=_("From"), input_formats=DATE_INPUT_FORMATS)
    date_to = forms.DateField(required=False, label=_("To"), input_formats=DATE_INPUT_FORMATS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both ends of the period."), code="invalid")
        if start is not None and end is not None:
            try:
                ReportPeriod.of(start, end)  # the reports' own rules: order, length, range
            except Invalid as exc:
                messages = [str(m) for field in exc.extra["errors"].values() for m in field]
                raise forms.ValidationError(messages, code="invalid") from None
        return data

    def period(self, shop: Shop) -> Period:
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to"):
            return Period(date_from=data["date_from"], date_to=data["date_to"])
        return period_last(shop=shop, days=data.get("days") or DEFAULT_DAYS)


def _shop_for(request: HttpRequest, shops: list[Shop], wanted: int | None) -> Shop:
    """The shop the user asked for among those they run (the first by default); another shop,
    or one where the user's role may not read reports, is a 404."""
    if wanted is None:
        allowed = [shop for shop in shops if _may_read(request, shop)]
        if not allowed:
            raise Http404
        return allowed[0]
    for shop in shops:
        if shop.pk == wanted and _may_read(request, shop):
            return shop
    raise Http404


def _may_read(request: HttpRequest, shop: Shop) -> bool:
    if request.user.is_superuser:
        return True
    return roles.can(back_office_roles(request).get(shop.pk), "reports")


def _query(shop: Shop, period: Period, shops: list[Shop]) -> dict[str, str]:
    query: dict[str, str] = {}
    if len(shops) > 1:
        query["shop"] = str(shop.pk)
    if period.days is not None:
        query["days"] = str(period.days)
    else:
        query["date_from"] = period.date_from.isoformat()
        query["date_to"] = period.date_to.isoformat()
    return query


def csv_url(key: str, query: dict[str, str]) -> str:
    return f"{reverse('reports-dashboard-csv', args=[key])}?{urlencode(query)}"


def dashboard_charts(*, request: HttpRequest, shops: list[Shop]) -> dict[str, Any] | None:
    """The context of the dashboard's charts block (None when the user reads no reports)."""
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    wanted = form.cleaned_data.get("shop") if valid or "shop" not in form.errors else None
    try:
        shop = _shop_for(request, shops, wanted)
    except Http404:
        try:
            shop = _shop_for(request, shops, None)
        except Http404:
            return None
        valid = False
    period = form.period(shop) if valid else period_last(shop=shop)
    dashboard = dashboard_build(shop=shop, period=period)
    query = _query(shop, period, shops)
    return {
        "dashboard": dashboard,
        "tables": [
            {
                "table": table,
                "csv_url": csv_url(table.key, query),
                # A chart of nothing but zeros is not drawn (the table says it all).
                "chart": table.chart_data() if table.chart and table.has_data else None,
                "chart_id": f"chart-data-{table.key}",
            }
            for table in dashboard.tables
        ],
        "errors": [] if valid else [str(e) for errors in form.errors.values() for e in errors],
        "presets": [
            {
                "days": days,
                "label": str(PERIOD_LABELS[days]),
                "url": "?" + urlencode({**({"shop": str(shop.pk)} if len(shops) > 1 else {}), "days": str(days)}),
                "current": period.days == days,
            }
            for days in PRESET_DAYS
        ],
        "shops": shops if len(shops) > 1 else [],
        "shop": shop,
        "period": period,
        "today": timezone.localdate(timezone=shop.zoneinfo),
        "receivables_text": money_text(dashboard.receivables_total, dashboard.currency),
        "receivables_url": reverse("admin:orders_order_changelist") + "?" + urlencode({"payment": "owing"}),
    }


def table_csv_view(request: HttpRequest, key: str) -> HttpResponseBase:
    """``/admin/reports/<key>.csv``: the rows of one chart's table, as the dashboard with the same
    query string shows them (UTF-8 with a BOM, ``;``-separated: what Russian Excel opens)."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {"detail": gettext("Invalid period."), "code": "invalid", "errors": form.errors.get_json_data()},
            status=400,
        )
    site = admin.site
    shops: list[Shop] = site.back_office_shops(request)  # type: ignore[attr-defined]
    shop = _shop_for(request, shops, form.cleaned_data.get("shop"))
    dashboard: Dashboard = dashboard_build(shop=shop, period=form.period(shop))
    table = next((t for t in dashboard.tables if t.key == key), None)
    if table is None:
        raise Http404
    stamp = f"{dashboard.period.date_from:%Y%m%d}-{dashboard.period.date_to:%Y%m%d}"
    if key == "receivables":
        stamp = f"{timezone.localdate(timezone=shop.zoneinfo):%Y%m%d}"
    response = StreamingHttpResponse(
        csv_stream(table.csv_header(), [table.csv_rows()]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{key}-{shop.pk}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
