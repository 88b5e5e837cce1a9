"""Request guards that belong to every endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext

_JSON_TYPES = ("application/json", "text/plain")


class RejectNulBytesMiddleware:
    """A NUL byte in the query string or a JSON body is a 400, not a database error.

    PostgreSQL refuses NUL in text; DRF's ``CharField`` catches it in bodies, but query
    parameters and free-form JSON would reach the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in query or "%00" in query.lower() or "\x00" in request.path:
            return _nul_response()
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(_JSON_TYPES):
            try:
                body = request.body
            except Exception:  # noqa: BLE001 - a too large body is answered by the view
                body = b""
            if b"\x00" in body or b"\\u0000" in body:
                return _nul_response()
        return self.get_response(request)


def _nul_response() -> JsonResponse:
    return JsonResponse(
        {"detail": gettext("The request contains a NUL byte."), "code": "invalid"},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


class ShopTimezoneMiddleware:
    """Authentication activates the active shop's time zone; this puts it back afterwards,
    so a worker thread never carries one shop's zone into the next request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
