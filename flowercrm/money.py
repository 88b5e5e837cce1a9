"""Money arithmetic shared by every app (ARCHITECTURE §4): ``Decimal`` only, half-up rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import get_language

CENT = Decimal("0.01")


def quantize_money(value: Decimal) -> Decimal:
    """``value`` to 0.01, half-up (a line amount before it is summed)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded half-up to a multiple of ``step`` (the shop's ``price_rounding_step``):
    ``(x / step).to_integral_value(ROUND_HALF_UP) * step``, kept at two decimal places."""
    if step <= 0:
        raise ValueError("step must be positive")
    return quantize_money((value / step).to_integral_value(rounding=ROUND_HALF_UP) * step)


def with_markup(value: Decimal, percent: Decimal) -> Decimal:
    """``value × (1 + percent/100)``, unrounded (a markup in percent applied to a cost)."""
    return value * (Decimal(1) + percent / Decimal(100))


CURRENCY_SIGNS = {"KZT": "₸", "RUB": "₽", "USD": "$", "EUR": "€", "KGS": "сом", "UZS": "сўм"}


def money_text(amount: Decimal | str | int | None, currency: str, *, sign: bool = True) -> str:
    """Money as people read it — «5 000 ₸»: groups of three digits split by spaces, kopecks only
    when there are any (a comma in Russian, a point in English), the currency's sign, or its
    code with ``sign=False`` (where several currencies stand side by side)."""
    try:
        value = Decimal(str(amount if amount is not None else 0))
    except InvalidOperation:
        return f"{amount} {currency}"
    minus = "-" if value < 0 else ""
    value = abs(value).quantize(CENT)
    whole, cents = divmod(value, 1)
    digits = f"{int(whole):,}".replace(",", " ")
    if cents:
        separator = "," if (get_language() or "ru").startswith("ru") else "."
        digits += f"{separator}{int(cents * 100):02d}"
    unit = CURRENCY_SIGNS.get(currency, currency) if sign else currency
    return f"{minus}{digits} {unit}"
