"""FlowerCRM's admin site: the header names the shop(s) the user runs, the index is the day's
dashboard (ARCHITECTURE §11.2), and a language switch sits in the header.

The kernel imports no app: two settings name the functions it calls —
``FLOWERCRM_ADMIN_SHOPS`` (``(*, user) -> list[Shop]``: the shops whose back office the user
runs, every shop for a superuser) and ``FLOWERCRM_ADMIN_DASHBOARD`` (``(*, shops) ->
list[Panel]``: the dashboard of those shops); an optional third, ``FLOWERCRM_ADMIN_CHARTS``
(``(*, request, shops) -> dict | None``), gives the charts under the panels (the index
template's ``dashboard_charts`` block; the request carries the period the user picked)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flowercrm.dashboard import Panel

PRODUCT = "FlowerCRM"
# Up to this many shop names are spelled out in the header; more are counted.
HEADER_NAMES_MAX = 2


# A phone as people type it: "+7 (701) 000-03-04" is 18 characters; the user manager's
# ``get_by_natural_key`` normalises it.
LOGIN_PHONE_MAX_LENGTH = 32


class PhoneLoginForm(AdminAuthenticationForm):
    """The admin's login form, taking the phone in any format (Django caps the field at the
    model's 16 characters, which cuts off a formatted phone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.max_length = LOGIN_PHONE_MAX_LENGTH  # type: ignore[attr-defined]
        username.widget.attrs.update(maxlength=str(LOGIN_PHONE_MAX_LENGTH), inputmode="tel")


class FlowerAdminSite(admin.AdminSite):
    site_title = _("FlowerCRM back office")
    site_header = PRODUCT
    index_title = _("Today")
    # "View site" would lead back here: ``/`` redirects to the admin.
    site_url = None
    login_form = PhoneLoginForm

    def back_office_shops(self, request: HttpRequest) -> list[Any]:
        """The shops the user runs (cached on the request: the header and the dashboard share it)."""
        cached: list[Any] | None = getattr(request, "_flowercrm_admin_shops", None)
        if cached is None:
            user = request.user
            if not (user.is_authenticated and user.is_active and user.is_staff):
                cached = []
            else:
                cached = list(import_string(settings.FLOWERCRM_ADMIN_SHOPS)(user=user))
            request._flowercrm_admin_shops = cached  # type: ignore[attr-defined]
        return cached

    def header(self, request: HttpRequest) -> str:
        """ "FlowerCRM · <shop>" for the user's shop, both names for two, a count for more;
        plain "FlowerCRM" for a platform operator (a superuser sees every shop) and anyone
        who runs no shop."""
        user = request.user
        if not user.is_authenticated or user.is_superuser:
            return PRODUCT
        names = [shop.name for shop in self.back_office_shops(request)]
        if not names:
            return PRODUCT
        if len(names) <= HEADER_NAMES_MAX:
            return f"{PRODUCT} · {', '.join(names)}"
        # Not ngettext: "shops: 3" reads right for any number in both languages.
        return f"{PRODUCT} · " + gettext("shops: %(count)d") % {"count": len(names)}

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["site_header"] = self.header(request)
        return context

    def dashboard(self, request: HttpRequest) -> list[Panel]:
        shops = self.back_office_shops(request)
        if not shops:
            return []
        panels: list[Panel] = import_string(settings.FLOWERCRM_ADMIN_DASHBOARD)(shops=shops)
        return panels

    def dashboard_charts(self, request: HttpRequest) -> dict[str, Any] | None:
        shops = self.back_office_shops(request)
        path = getattr(settings, "FLOWERCRM_ADMIN_CHARTS", "")
        if not shops or not path:
            return None
        charts: dict[str, Any] | None = import_string(path)(request=request, shops=shops)
        return charts

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        context = {
            "dashboard": self.dashboard(request),
            "dashboard_charts": self.dashboard_charts(request),
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)
