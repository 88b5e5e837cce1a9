"""``/ws`` for a same-origin page logged in with the Django session (the live board, §11.4).

The token path of the consumer stays as it is. Without a token, a socket may authenticate by
the session cookie — only when the handshake carries an ``Origin`` whose host and port equal
the ``Host`` it was sent to (a cookie rides along on any cross-site request; the origin check
is what makes it safe), only for the roles the board admits, and only for the shop the session
has active (``SESSION_SHOP_KEY``, set by the board's shop switch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from flowercrm.auth import MembershipInactive, TokenInvalid, load_membership
from flowercrm.roles import Role

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Membership

# The session key of the shop a board (and its socket) works for.
SESSION_SHOP_KEY = "flowercrm_board_shop_id"
# Who may look at the board: everyone who works on the floor or in the office, not couriers.
SESSION_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.FLORIST})


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key == name]
    if len(values) != 1:
        return None
    try:
        return str(values[0].decode("ascii"))
    except UnicodeDecodeError:
        return None


def same_origin(scope: dict[str, Any]) -> bool:
    """The handshake's ``Origin`` names the host (and port) it was sent to."""
    origin, host = _header(scope, b"origin"), _header(scope, b"host")
    if not origin or not host:
        return False
    try:
        parsed = urlparse(origin)
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and parsed.netloc.lower() == host.lower()


def session_membership(user: User | None, session: Any) -> Membership:
    """The active board membership of a session's user in the session's active shop.

    Raises ``TokenInvalid`` (no logged-in active user), ``MembershipInactive`` (no active
    membership in that shop) or ``PermissionError`` (a role the board does not admit)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise TokenInvalid()
    shop_id = session.get(SESSION_SHOP_KEY) if session is not None else None
    if shop_id is None:
        raise MembershipInactive()
    try:
        membership = load_membership(user, shop_id)
    except TokenInvalid:
        raise MembershipInactive() from None
    if membership.role not in SESSION_ROLES:
        raise PermissionError(membership.role)
    return membership
