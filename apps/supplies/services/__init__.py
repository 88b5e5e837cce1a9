"""Every write to suppliers and supplies, and receiving a supply into stock, by sub-domain:
``suppliers``, ``supplies`` (drafts) and ``receiving``. The public services are re-exported
here (``from apps.supplies import services; services.supply_receive``)."""

from __future__ import annotations

from apps.supplies.services.receiving import suggested_retail_price, supply_receive
from apps.supplies.services.suppliers import supplier_create, supplier_get_or_create, supplier_update
from apps.supplies.services.supplies import supply_cancel, supply_create, supply_delete, supply_update

__all__ = [
    "suggested_retail_price",
    "supplier_create",
    "supplier_get_or_create",
    "supplier_update",
    "supply_cancel",
    "supply_create",
    "supply_delete",
    "supply_receive",
    "supply_update",
]
