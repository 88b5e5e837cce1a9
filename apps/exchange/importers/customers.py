"""Customers from a file: found by phone (any local format), blanks filled unless ``update``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from apps.customers.models import Customer
from apps.customers.services import customers_import
from apps.exchange.columns import CUSTOMERS, Kind
from apps.exchange.importers.base import UPDATED, Importer, Outcome, Row
from apps.orders.services import orders_reindex_for_customer
from flowercrm.phone import try_normalize_phone

FIELDS = ("phone", "name", "email", "notes", "source", "tags", "address", "date", "date_title")


class CustomerImporter(Importer):
    """In bulk through ``apps.customers.services.customers_import`` (the rules of
    ``customer_create``, batched writes)."""

    kind: ClassVar[Kind] = CUSTOMERS
    fields = {"addresses": "address", "important_dates": "date"}
    batch_size = 2000

    def apply(self, rows: Sequence[Row]) -> list[Outcome]:
        data = [{key: row.values[key] for key in FIELDS if key in row.values} for row in rows]
        outcomes = customers_import(shop=self.shop, rows=data, update=self.update)
        # Orders find their buyer by name and phone: re-index the orders of renamed buyers.
        renamed = {
            try_normalize_phone(row.get("phone"))
            for row, outcome in zip(data, outcomes, strict=True)
            if outcome == UPDATED and row.get("name")
        }
        renamed.discard(None)
        if renamed:
            for customer in Customer.objects.filter(shop=self.shop, phone__in=renamed):
                orders_reindex_for_customer(customer=customer)
        return outcomes
