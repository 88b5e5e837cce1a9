"""What the reports keep: only the record of the evening summaries sent (the figures
themselves are always computed from the orders, payments and movements)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from flowercrm.models import ShopOwnedModel


class DailySummary(ShopOwnedModel):
    """The evening summary of one shop's day (a day in the shop's time zone) was handed to
    Telegram for ``recipients`` people: a second run the same day finds this row and sends
    nothing (``send_daily_summary``)."""

    day = models.DateField(_("day"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("daily summary")
        verbose_name_plural = _("daily summaries")
        ordering = ["-day", "shop_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="reports_daily_summary_once")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day:%Y-%m-%d}"
