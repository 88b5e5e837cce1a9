"""Every write to customers, by sub-domain: ``edit`` (create, edit, delete), ``nested``
(addresses, dates, tags), ``phones`` (main and extra phones, unique together in a shop),
``intake`` (the find-or-create order intake calls) and ``merge`` (the customer side).

The order side of customer work (moving orders in a merge, re-indexing orders after an edit,
order statistics) lives in ``apps.orders.customers``: customers sit below orders and never
import them (tests/test_import_graph.py).
"""

from apps.customers.services.bulk import customers_import
from apps.customers.services.edit import (
    CUSTOMER_FIELDS,
    HAS_ORDERS,
    VANISHED,
    customer_create,
    customer_delete,
    customer_update,
)
from apps.customers.services.intake import customer_upsert_by_phone
from apps.customers.services.merge import MergePlan, customer_absorb, customer_merge_plan
from apps.customers.services.nested import ADDRESS_FIELDS, DATE_FIELDS, clean_tags
from apps.customers.services.phones import DUPLICATE_PHONE, EXTRA_PHONE_TAKEN, phone_taken

__all__ = [
    "ADDRESS_FIELDS",
    "CUSTOMER_FIELDS",
    "DATE_FIELDS",
    "DUPLICATE_PHONE",
    "EXTRA_PHONE_TAKEN",
    "HAS_ORDERS",
    "VANISHED",
    "MergePlan",
    "clean_tags",
    "customer_absorb",
    "customer_create",
    "customer_delete",
    "customer_merge_plan",
    "customer_update",
    "customer_upsert_by_phone",
    "customers_import",
    "phone_taken",
]
