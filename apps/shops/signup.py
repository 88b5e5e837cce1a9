"""Sign-up: a new shop opened by its owner with a Telegram code (ARCHITECTURE §11.6).

The code's rules are ``accounts.otp``'s (sign-up codes are their own purpose); the shop and its
first admin come from ``shop_create``. Everything — spending the code, the shop, the admin, the
Telegram link and the session — is one transaction: any failure leaves the database as it was,
the code still usable (a wrong code only counts the attempt).
"""

from __future__ import annotations

from apps.accounts.otp import SignupPerson, signup_code_verify
from apps.accounts.telegram_link import telegram_contact_claim
from apps.shops.services import shop_create
from apps.shops.sessions import TokenPair, session_login


def signup_complete(*, phone: str, code: str, shop_name: str, name: str, password: str | None = None) -> TokenPair:
    """Check the sign-up ``code`` of ``phone``, create the shop ``shop_name`` (settings at
    their defaults, a generated slug) with that person as its admin, and open a session there.

    A person who already has an account opens another shop: their name and password stay as
    they are (``name`` and ``password`` only shape a new account). A new account is linked to
    the chat the code went to. Raises ``OtpInvalid``/``OtpLocked`` for the code and ``Invalid``
    for a shop name or password the rules refuse. Not wrapped in a transaction of its own: the
    code check's block is the transaction, and a wrong guess must be committed, not rolled back
    with the error."""

    def create(person: SignupPerson) -> TokenPair:
        shop, staff = shop_create(
            name=shop_name, admin_phone=person.phone, admin_password=password or None, admin_name=name
        )
        user = staff.membership.user
        telegram_contact_claim(user=user)
        return session_login(user=user, shop_id=shop.id)

    return signup_code_verify(phone=phone, code=code, complete=create)
