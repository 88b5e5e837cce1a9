"""The evening summary in Telegram (issue 16): the day's orders, revenue, money received (by
payment method), the best-selling products and what customers owe, sent to the shop's
admins and managers who linked Telegram — once per shop per day, the day being the shop's
local day.

The figures are the reports' own (``apps.reports.selectors``), so the message says what the
dashboard and ``/api/reports/`` say. People have no language of their own in FlowerCRM yet, so
the message is in the shop's language, the default one (``LANGUAGE_CODE``, Russian) — a cron
job has no request to take one from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.orders.models import PaymentMethod
from apps.reports.models import DailySummary
from apps.reports.selectors import products_report, receivables_report, sales_report
from apps.shops.models import Shop
from apps.shops.selectors import office_chat_ids
from flowercrm.money import money_text
from flowercrm.telegram import TelegramMessage, deliver

TOP_PRODUCTS = 5

SENT, ALREADY_SENT, NO_RECIPIENTS, NOT_SENT, TOO_EARLY, DRY_RUN = (
    "sent",
    "already_sent",
    "no_recipients",
    "not_sent",
    "too_early",
    "dry_run",
)
OUTCOMES = {
    SENT: _("sent to %(people)d people"),
    ALREADY_SENT: _("already sent today"),
    NO_RECIPIENTS: _("not sent: no active admin or manager has a linked Telegram chat"),
    NOT_SENT: _("not sent: the Telegram backend accepted no message (the next run tries again)"),
    TOO_EARLY: _("not yet: it is %(time)s there"),
    DRY_RUN: _("dry run: would be sent to %(people)d people"),
}


@dataclass(frozen=True)
class SummaryRun:
    """What one run did for one shop: ``outcome`` (one of ``OUTCOMES``), for ``day``, to
    ``recipients`` people, with the ``text`` (empty when nothing was composed)."""

    shop: Shop
    day: dt.date
    outcome: str
    recipients: int = 0
    text: str = ""
    local_time: str = ""

    def describe(self) -> str:
        return str(OUTCOMES[self.outcome]) % {"people": self.recipients, "time": self.local_time}


def _money(value: Any, currency: str) -> str:
    return money_text(Decimal(str(value or 0)), currency)


def daily_summary_text(*, shop: Shop, day: dt.date) -> str:
    """The summary of ``shop``'s ``day`` in the active language (a fixed number of queries)."""
    sales = sales_report(shop=shop, date_from=day, date_to=day)
    products = products_report(shop=shop, date_from=day, date_to=day, limit=TOP_PRODUCTS)
    owing = receivables_report(shop=shop, limit=0)
    currency = str(sales.get("currency") or shop.currency)
    totals = sales["totals"]
    lines = [
        gettext("Summary of the day: “%(shop)s”, %(day)s")
        % {"shop": shop.name, "day": date_format(day, "l, j E Y").lower()},
        "",
    ]
    if totals["orders"]:
        lines.append(
            ngettext(
                "Orders: %(count)d for %(revenue)s (average %(average)s)",
                "Orders: %(count)d for %(revenue)s (average %(average)s)",
                totals["orders"],
            )
            % {
                "count": totals["orders"],
                "revenue": _money(totals["revenue"], currency),
                "average": _money(totals["average_order"], currency),
            }
        )
    else:
        lines.append(gettext("No orders for the day."))
    received = gettext("Received: %(amount)s") % {"amount": _money(totals["paid"], currency)}
    if totals.get("refunds"):
        received += gettext(" (refunds %(amount)s)") % {"amount": _money(totals["refunds"], currency)}
    lines.append(received)
    for method in sales.get("by_payment_method", []):
        try:
            label = str(PaymentMethod(method["method"]).label)
        except ValueError:
            label = str(method["method"])
        lines.append(
            gettext("• %(method)s: %(amount)s (%(count)d)")
            % {"method": label, "amount": _money(method["amount"], currency), "count": method["count"]}
        )
    if products.get("items"):
        lines += ["", gettext("Best sellers:")]
        for n, item in enumerate(products["items"], start=1):
            lines.append(
                gettext("%(n)d. %(name)s — %(quantity)d pcs, %(revenue)s")
                % {
                    "n": n,
                    "name": item["name"],
                    "quantity": item["quantity"],
                    "revenue": _money(item["revenue"], currency),
                }
            )
    lines.append("")
    if owing.get("total"):
        lines.append(
            ngettext(
                "Customers owe: %(amount)s (%(count)d order)",
                "Customers owe: %(amount)s (%(count)d orders)",
                owing["total"],
            )
            % {"amount": _money(owing["amount_due"], currency), "count": owing["total"]}
        )
    else:
        lines.append(gettext("Customers owe nothing."))
    return "\n".join(lines)


def daily_summary_send(
    *,
    shop: Shop,
    day: dt.date | None = None,
    not_before: dt.time | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> SummaryRun:
    """Send ``shop``'s summary of ``day`` (today in the shop's zone by default) to its active
    admins and managers with a linked Telegram chat, unless it was sent for that day already.

    ``not_before``: with no explicit ``day``, a shop whose local time is earlier is skipped
    (``too_early``) — one hourly cron job then reaches every shop in the evening of its own
    zone. The mark is written and the messages delivered in one transaction, committed only
    when the backend accepted at least one message: a concurrent run waits on the mark and then
    finds it, a run that reached nobody leaves no mark (the next run tries again).
    ``dry_run`` composes the text and counts the recipients, and writes and sends nothing."""
    local_now = timezone.localtime(now or timezone.now(), shop.zoneinfo)
    if day is None:
        if not_before is not None and local_now.time() < not_before:
            return SummaryRun(shop=shop, day=local_now.date(), outcome=TOO_EARLY, local_time=f"{local_now:%H:%M}")
        day = local_now.date()
    if DailySummary.objects.filter(shop=shop, day=day).exists():
        return SummaryRun(shop=shop, day=day, outcome=ALREADY_SENT)
    chats = office_chat_ids(shop=shop)
    with translation.override(settings.LANGUAGE_CODE):
        text = daily_summary_text(shop=shop, day=day)
    if dry_run:
        return SummaryRun(shop=shop, day=day, outcome=DRY_RUN, recipients=len(chats), text=text)
    if not chats:
        return SummaryRun(shop=shop, day=day, outcome=NO_RECIPIENTS, text=text)
    with transaction.atomic():
        try:
            with transaction.atomic():
                mark = DailySummary.objects.create(shop=shop, day=day)
        except IntegrityError:
            return SummaryRun(shop=shop, day=day, outcome=ALREADY_SENT)  # a concurrent run sent it
        # Sent now and waited for: a cron process must not exit before sending.
        accepted = deliver(TelegramMessage(chat_id=chat, text=text) for chat in chats)
        if not accepted:
            transaction.set_rollback(True)
            return SummaryRun(shop=shop, day=day, outcome=NOT_SENT, text=text)
        mark.recipients = accepted
        mark.save(update_fields=["recipients", "updated_at"])
    return SummaryRun(shop=shop, day=day, outcome=SENT, recipients=accepted, text=text)
