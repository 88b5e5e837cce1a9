"""The tracking page and the live board (ARCHITECTURE §11.4). Thin: a selector, a template."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_POST

from apps.orders import board, selectors, services
from apps.orders.api.serializers import TrackingSerializer
from apps.orders.api.views import TrackingThrottle
from apps.orders.status import PROGRESS_STEPS
from apps.shops.models import Membership
from flowercrm.realtime.session import SESSION_ROLES, SESSION_SHOP_KEY
from flowercrm.roles import Role
from flowercrm.scopes import scope, scopes_disabled

if TYPE_CHECKING:
    from apps.accounts.models import User

# --- /t/<token> -------------------------------------------------------------------------------

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # the API route's token pattern
TRACKING_HEADERS = {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _tracking_response(request: HttpRequest, template: str, context: dict[str, Any], status: int) -> HttpResponse:
    response = render(request, template, context, status=status)
    for name, value in TRACKING_HEADERS.items():
        response[name] = value
    return response


def _throttled(request: HttpRequest) -> float | None:
    """The API's tracking throttle, over the same counter (per client address, whoever is
    logged in — as the public API endpoint authenticates nobody): None, or seconds to wait."""
    throttle = TrackingThrottle()
    anonymous = SimpleNamespace(user=AnonymousUser(), META=request.META)
    if throttle.allow_request(anonymous, None):  # type: ignore[arg-type]
        return None
    return throttle.wait() or 1.0


@require_GET
def tracking_page(request: HttpRequest, token: str) -> HttpResponse:
    """What ``GET /api/tracking/{token}/`` shows, as a page that needs no JavaScript: the same
    selector, masking (``TrackingSerializer``) and 404 (unknown, or closed for 30 days)."""
    wait = _throttled(request)
    if wait is not None:
        response = _tracking_response(request, "tracking/throttled.html", {}, 429)
        response["Retry-After"] = str(max(1, int(wait)))
        return response
    order = None
    if TOKEN.fullmatch(token):  # anything else is a 404 page too, not the API's JSON 404
        with scopes_disabled("public: the tracking token finds its order in whichever shop it is"):
            order = selectors.order_for_tracking(token=token)
    if order is None or services.tracking_closed(order):
        return _tracking_response(request, "tracking/not_found.html", {}, 404)
    with scope(shop=order.shop_id), timezone.override(order.shop.zoneinfo):
        data = TrackingSerializer(order, context={"request": request}).data
    steps = _progress_steps(data)
    context = {
        "tracking": data,
        "shop": order.shop,
        "steps": steps,
        "cancelled": data["status"] == "cancelled",
        "delivery_date": order.delivery_date,
    }
    return _tracking_response(request, "tracking/page.html", context, 200)


def _progress_steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The progress line: each step's label and whether it is done or current."""
    from apps.orders.models import OrderStatus

    pickup = data["delivery_method"] == "pickup"
    shown = [
        OrderStatus.NEW,
        OrderStatus.CONFIRMED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.ASSEMBLED,
        OrderStatus.READY_FOR_PICKUP if pickup else OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
    ]
    current = data["progress_step"]
    return [
        {"label": status.label, "done": PROGRESS_STEPS[status] < current, "current": PROGRESS_STEPS[status] == current}
        for status in shown
    ]


# --- /board/ ----------------------------------------------------------------------------------


class BoardLoginView(LoginView):
    """The board's own login (florists have no way into the admin)."""

    template_name = "board/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("board")


@require_POST
def board_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("board-login"))


def _board_memberships(user: User) -> list[Membership]:
    """The person's active memberships that open the board (not couriers), by shop name."""
    return list(
        Membership.objects.active()
        .select_related("shop")
        .filter(user=user, role__in=list(SESSION_ROLES))
        .order_by("shop__name", "shop_id")
    )


def _active_membership(request: HttpRequest, memberships: list[Membership]) -> Membership:
    """The session's active shop if it is still one of ``memberships``, else the first."""
    chosen = request.session.get(SESSION_SHOP_KEY)
    membership = next((m for m in memberships if m.shop_id == chosen), memberships[0])
    if chosen != membership.shop_id:
        request.session[SESSION_SHOP_KEY] = membership.shop_id
    return membership


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('board-login')}?{urlencode({'next': request.get_full_path()})}")


@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    """The live board of the active shop: today's orders by status (``?day=tomorrow``)."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    user: User = request.user
    memberships = _board_memberships(user)
    if not memberships:
        return render(request, "board/forbidden.html", {}, status=403)
    membership = _active_membership(request, memberships)
    shop, role = membership.shop, membership.role
    tomorrow = request.GET.get("day") == "tomorrow"
    now = timezone.now()
    with scope(shop=shop), timezone.override(shop.zoneinfo):
        day = timezone.localdate() + dt.timedelta(days=1 if tomorrow else 0)
        cards = board.board_cards(shop=shop, role=role, user=user, day=day, now=now)
        since = board.board_last_event_id(shop)
    offset = shop.zoneinfo.utcoffset(now.replace(tzinfo=None))
    columns = [{"key": key, "label": label, "cards": cards[key]} for key, label in board.board_columns(role)]
    context = {
        "shop": shop,
        "role": role,
        "office": role in (Role.ADMIN, Role.MANAGER),
        "memberships": memberships,
        "columns": columns,
        "day": day,
        "tomorrow": tomorrow,
        "config": {
            "day": day.isoformat(),
            "role": role,
            "office": role in (Role.ADMIN, Role.MANAGER),
            "preparation_minutes": shop.preparation_minutes,
            "utc_offset_minutes": int(offset.total_seconds() // 60) if offset is not None else 0,
            "columns": [column["key"] for column in columns],
            "since": since,
            "labels": board.board_labels(),
        },
        "cards": [card for column in columns for card in column["cards"]],
        "languages": settings.LANGUAGES,
    }
    response = render(request, "board/board.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def board_shop(request: HttpRequest) -> HttpResponse:
    """Switch the board (and its socket) to another of the person's shops."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    memberships = _board_memberships(request.user)
    raw = request.POST.get("shop_id", "")
    shop_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    if any(m.shop_id == shop_id for m in memberships):
        request.session[SESSION_SHOP_KEY] = shop_id
    return HttpResponseRedirect(reverse("board"))


@require_POST
def board_language(request: HttpRequest) -> HttpResponse:
    """Russian or English by choice (the language cookie ``LocaleMiddleware`` reads)."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(reverse("board"))
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response
