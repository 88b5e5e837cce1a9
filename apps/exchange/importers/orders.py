"""Order history from a file: orders keep their numbers, are delivered or cancelled, touch no
stock and record one payment of the total when paid (``order_import_history``)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext

from apps.catalog.models import Product
from apps.exchange.columns import ORDERS, Kind, Line
from apps.exchange.importers.base import CREATED, UNCHANGED, Importer, Row
from apps.orders.models import Order
from apps.orders.services import order_import_history
from flowercrm.errors import Invalid
from flowercrm.money import quantize_money
from flowercrm.phone import try_normalize_phone


class OrderImporter(Importer):
    kind: ClassVar[Kind] = ORDERS
    fields = {
        "delivery_date": "date",
        "customer": "phone",
        "recipient_name": "recipient",
        "delivery_address": "address",
        "delivery_fee": "total",
        "discount": "total",
        "product_id": "items",
    }

    def apply_one(self, row: Row) -> str:
        values = row.values
        number = values.get("number")
        if number is None:
            raise Invalid({"number": [gettext("Give the order's number.")]})
        known = Order.objects.filter(shop=self.shop, number=number).select_related("customer").first()
        if known is not None:
            if self._same(known, values):
                return UNCHANGED
            raise Invalid({"number": [gettext("The shop already has order №%(number)s.") % {"number": number}]})
        data = {
            "number": number,
            "status": values.get("status") or "",
            "delivery_date": values.get("date"),
            "customer": {"phone": values.get("phone") or "", "name": values.get("name") or ""},
            "recipient_name": values.get("recipient") or "",
            "recipient_phone": values.get("recipient_phone") or "",
            "delivery_address": values.get("address") or "",
            "items": self._items(values.get("items") or []),
            "total": values.get("total"),
            "payment_method": values.get("payment_method") or "",
        }
        order_import_history(shop=self.shop, actor=self.actor, data=data)
        return CREATED

    def _same(self, order: Order, values: dict[str, Any]) -> bool:
        """The row is this order (a re-run of the same file): same buyer, date, status, total."""
        total = values.get("total")
        return (
            order.customer.phone == try_normalize_phone(values.get("phone") or "")
            and order.delivery_date == values.get("date")
            and order.status == values.get("status")
            and (total is None or order.total == quantize_money(total))
        )

    def _items(self, lines: list[Line]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        errors: list[dict[str, list[str]]] = []
        for line in lines:
            product = Product.objects.filter(shop=self.shop, name=line.name).order_by("-is_active", "id").first()
            if product is None:
                errors.append({"product": [gettext("No product «%(name)s».") % {"name": line.name}]})
            else:
                errors.append({})
                items.append({"product": product, "quantity": line.quantity})
        if any(errors):
            raise Invalid({"items": errors})
        if not items:
            raise Invalid({"items": [gettext("Give the order's items.")]})
        return items
