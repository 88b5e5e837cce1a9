"""Login from the Telegram Mini App: checking the ``initData`` Telegram hands the app
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app).

Guarantees:
- the data is accepted only with the hash Telegram documents: ``secret_key =
  HMAC_SHA256(key="WebAppData", msg=bot_token)``, ``hash = hex(HMAC_SHA256(key=secret_key,
  msg=data_check_string))`` over the sorted ``key=value`` lines of every field but ``hash``,
  compared in constant time;
- ``auth_date`` is at most ``MAX_AGE`` (24 h) old and not ahead of our clock by more than
  ``FUTURE_SKEW``;
- anything that does not parse (duplicate keys, bad encoding, no user id…) is refused like a
  forgery, never a 500;
- one ``initData`` opens one session: after a login its hash is remembered (``init_data_claim``)
  for as long as the data could still be accepted, and the same data is refused after that.
  The key is Telegram's own hash of the data, not of the raw text: the same signed fields
  re-encoded (another field order, other percent-escapes) pass the check as well, and they
  must count as the same data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from flowercrm.auth import TokenInvalid

MAX_AGE = timedelta(hours=24)
FUTURE_SKEW = timedelta(minutes=5)
# Telegram's initData is well under 1 KB; the API refuses anything longer.
MAX_INIT_DATA_LENGTH = 4096
MAX_FIELDS = 32
REPLAY_KEY = "tg-webapp-used:{}"
_HEX_HASH = re.compile(r"[0-9a-f]{64}")


class WebAppInvalid(TokenInvalid):
    """401: forged, stale, malformed or replayed data, or a Telegram account linked to no one."""

    default_detail = _("The Telegram login data is invalid or expired. Open the app from the bot again.")
    default_code = "not_authenticated"


@dataclass(frozen=True)
class WebAppIdentity:
    """The Telegram account the checked data speaks for, and the data's hash (its replay key)."""

    telegram_id: int
    data_hash: str


def _expected_hash(fields: dict[str, str], bot_token: str) -> str:
    data_check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()


def _parse(init_data: str) -> dict[str, str]:
    if len(init_data) > MAX_INIT_DATA_LENGTH:
        raise WebAppInvalid()
    try:
        pairs = parse_qsl(
            init_data, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except ValueError:  # also UnicodeDecodeError: percent-escapes that are not UTF-8
        raise WebAppInvalid() from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise WebAppInvalid()  # a repeated key: which one was signed is ambiguous
    return fields


def _auth_date(raw: str | None) -> datetime:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 11:
        raise WebAppInvalid()
    return datetime.fromtimestamp(int(raw), tz=UTC)


def _telegram_id(raw: str | None) -> int:
    try:
        user = json.loads(raw) if raw is not None else None
    except ValueError:
        raise WebAppInvalid() from None
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**63:
        raise WebAppInvalid()
    return user_id


def init_data_check(*, init_data: str, bot_token: str, now: datetime) -> WebAppIdentity:
    """The Telegram account ``init_data`` was signed for, or ``WebAppInvalid``."""
    if not bot_token:
        raise WebAppInvalid()
    fields = _parse(init_data)
    given = fields.pop("hash", "")
    if not _HEX_HASH.fullmatch(given):
        raise WebAppInvalid()
    if not hmac.compare_digest(_expected_hash(fields, bot_token), given):
        raise WebAppInvalid()
    # Only signed data is read past this point.
    auth_date = _auth_date(fields.get("auth_date"))
    if auth_date > now + FUTURE_SKEW or auth_date < now - MAX_AGE:
        raise WebAppInvalid()
    return WebAppIdentity(telegram_id=_telegram_id(fields.get("user")), data_hash=given)


def init_data_claim(identity: WebAppIdentity) -> bool:
    """Mark the data as used; False if it was used before. An atomic add in the cache (Redis
    ``SET NX`` in production, shared by every worker), kept as long as the data could still
    pass the age check, after which the check itself refuses it."""
    timeout = int((MAX_AGE + FUTURE_SKEW).total_seconds()) + 60
    return bool(cache.add(REPLAY_KEY.format(identity.data_hash), 1, timeout=timeout))
