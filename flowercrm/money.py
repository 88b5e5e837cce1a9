"""Money arithmetic shared by every app (ARCHITECTURE §4): ``Decimal`` only, half-up rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
