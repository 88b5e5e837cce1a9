"""Limits of suppliers and supplies, written once: the model columns, the services, the line
rules (``apps.supplies.lines``), the text parser and the API serializers read them here."""

from __future__ import annotations

from decimal import Decimal

# Supplier.name.
SUPPLIER_NAME_MAX_LENGTH = 200
# Notes of a supplier or a supply (free text; the API's bound).
NOTES_MAX_LENGTH = 5000
# Lines of one supply, and so of one pasted list (it becomes one supply).
MAX_LINES = 500
# The largest DecimalField(12, 4): rates and purchase prices.
RATE_MAX = PRICE_MAX = Decimal("99999999.9999")
# Purchase prices and rates carry at most 4 decimals.
PRICE_STEP = Decimal("0.0001")
