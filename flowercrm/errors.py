"""Domain errors and the one exception handler that gives every error the contract's body:
``{"detail": <text>, "code": <machine code>}`` plus ``errors`` for validation and ``missing``
for shortages (ARCHITECTURE §5).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every error a service raises on purpose. ``status`` and ``code`` become the
    HTTP answer; ``extra`` is merged into the body (e.g. ``missing``)."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "invalid"
    default_detail: StrOrPromise = _("Invalid request.")

    def __init__(self, detail: StrOrPromise | None = None, *, code: str | None = None, **extra: Any) -> None:
        self.detail = str(detail or self.default_detail)
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)


class Invalid(DomainError):
    """A rule about the input that only the service can check (400 with ``errors``)."""

    def __init__(self, errors: dict[str, Any] | StrOrPromise, detail: StrOrPromise | None = None) -> None:
        if isinstance(errors, (str, Promise)):
            message = str(errors)
            detail, errors = message, {"non_field_errors": [message]}
        super().__init__(detail or gettext("Check the data you entered."), errors=errors)


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail: StrOrPromise = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail: StrOrPromise = _("This status change is not possible.")


class AddressRequired(Conflict):
    code = "address_required"
    default_detail: StrOrPromise = _("A delivery address is required.")


class Protected(Conflict):
    code = "protected"
    default_detail: StrOrPromise = _("The object is in use and cannot be deleted.")


class InsufficientStock(Conflict):
    """Taking more than on hand. ``missing``: ``[{"stock_item_id", "name", "needed", "on_hand"}]``."""

    code = "insufficient_stock"
    default_detail: StrOrPromise = _("Not enough stock.")

    def __init__(self, missing: list[dict[str, Any]], detail: StrOrPromise | None = None) -> None:
        super().__init__(detail, missing=missing)


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    default_detail: StrOrPromise = _("You do not have permission.")


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_detail: StrOrPromise = _("Not found.")


class TooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"
    default_detail: StrOrPromise = _("The request is too large.")


class UnsupportedMedia(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_media"
    default_detail: StrOrPromise = _("Unsupported media type.")


class IdempotencyMismatch(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_mismatch"
    default_detail: StrOrPromise = _("This Idempotency-Key was already used with a different request body.")


class RateLimited(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "throttled"
    default_detail: StrOrPromise = _("Too many requests. Try again later.")

    def __init__(self, retry_after: int, detail: StrOrPromise | None = None, *, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))


# DRF's exception classes → the contract's codes.
_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "token_invalid"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "invalid"),
    (exceptions.UnsupportedMediaType, "unsupported_media"),
    (exceptions.Throttled, "throttled"),
    (exceptions.ParseError, "invalid"),
    (exceptions.ValidationError, "invalid"),
]
# Codes an exception may carry itself and that we pass through.
_OWN_CODES = {"membership_inactive", "no_membership", "token_invalid", "not_authenticated"}


def _code_for(exc: exceptions.APIException) -> str:
    own = getattr(exc, "default_code", None)
    detail_code = exc.detail.code if isinstance(exc.detail, exceptions.ErrorDetail) else None
    for candidate in (detail_code, own):
        if candidate in _OWN_CODES:
            return str(candidate)
    for cls, code in _DRF_CODES:
        if isinstance(exc, cls):
            return code
    return "invalid" if exc.status_code < 500 else "server_error"


def _first_message(errors: Any) -> str | None:
    if isinstance(errors, dict):
        for value in errors.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(errors, list):
        for value in errors:
            found = _first_message(value)
            if found:
                return found
    elif errors:
        return str(errors)
    return None


def _domain_response(exc: DomainError) -> Response:
    body: dict[str, Any] = {"detail": exc.detail, "code": exc.code, **exc.extra}
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return Response(body, status=exc.status_code, headers=headers)


def _set_rollback() -> None:
    """Mark an ``ATOMIC_REQUESTS`` transaction for rollback, as DRF's own handler does.

    ``transaction.set_rollback`` outside an atomic block raises (turning every domain error
    into a 500), and inside a caller's own ``atomic`` it is not ours to decide: a service's
    atomic block has already rolled back when its exception reached the view."""
    from rest_framework.views import set_rollback

    set_rollback()


def _answer_directly(exc: Exception) -> Response | None:
    """Errors answered without DRF's handler: domain errors and the database's refusals."""
    if isinstance(exc, DomainError):
        _set_rollback()
        return _domain_response(exc)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        _set_rollback()
        return _domain_response(Protected())
    if isinstance(exc, RequestDataTooBig):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE while DRF parses it.
        return _domain_response(TooLarge())
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return _domain_response(DomainError(gettext("Too many fields or files in the request.")))
    if isinstance(exc, IntegrityError):
        _set_rollback()
        logger.info("IntegrityError answered as 409: %s", exc)
        return _domain_response(Conflict(gettext("The record conflicts with existing data.")))
    return None


def _as_api_exception(exc: Exception) -> Exception:
    """Django's and SimpleJWT's exceptions as the DRF exceptions they mean."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, (InvalidToken, TokenError)):
        return exceptions.AuthenticationFailed(str(exc))
    return exc


def _error_body(exc: exceptions.APIException) -> dict[str, Any]:
    code = _code_for(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return {
            "detail": _first_message(errors) or gettext("Check the data you entered."),
            "code": code,
            "errors": errors,
        }
    raw: Any = exc.detail
    if isinstance(raw, dict):
        raw = raw.get("detail") or _first_message(raw)
    elif isinstance(raw, list):
        raw = _first_message(raw)
    return {"detail": str(raw), "code": code}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: one body for every error; rolls back the request's transaction."""
    direct = _answer_directly(exc)
    if direct is not None:
        return direct
    exc = _as_api_exception(exc)

    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = _error_body(exc)
    return response


# --- Django's own error views (outside DRF) -------------------------------------------------


def _json(detail: str, code: str, status_code: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):  # outside DRF, e.g. a form post over the limit
        return _json(str(TooLarge.default_detail), TooLarge.code, 413)
    return _json(gettext("Invalid request."), "invalid", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json(gettext("You do not have permission."), "permission_denied", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json(gettext("Not found."), "not_found", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return _json(gettext("Internal server error."), "server_error", 500)
