"""Bounds every layer shares (models, services, serializers, filters), so a limit is written
once and no layer imports another to learn it (ARCHITECTURE §4: money and numbers)."""

from __future__ import annotations

from decimal import Decimal

# Ids fit PostgreSQL's bigint; anything larger is refused before it reaches the database.
MAX_ID = 2**63 - 1
# Every amount is stored as DecimalField(max_digits=12, decimal_places=2).
MONEY_MAX = Decimal("9999999999.99")
# A moved, ordered or counted quantity of stock (counted quantities start at 0).
QUANTITY_MAX = 100_000
