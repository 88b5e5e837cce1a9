"""The §11.5 report bodies: output only, over the selectors' plain dicts. Money goes through
``DecimalField`` (a decimal string), days through ``DateField`` (``YYYY-MM-DD``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.orders.models import OrderStatus, PaymentMethod, PaymentStatus


def Money(**kwargs: Any) -> serializers.DecimalField:  # noqa: N802  (reads like a field class)
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class PeriodMixin(serializers.Serializer[Any]):
    date_from = serializers.DateField(help_text="First local day of the period (included).")
    date_to = serializers.DateField(help_text="Last local day of the period (included).")


# --- Sales ----------------------------------------------------------------------------------


class SalesTotalsSerializer(serializers.Serializer[Any]):
    orders = serializers.IntegerField(
        help_text="Orders delivered in the period (by delivery date), cancelled excluded."
    )
    revenue = Money(help_text="Σ order totals (items + delivery fee − discount).")
    average_order = Money(help_text="revenue ÷ orders, half-up to 0.01; 0.00 without orders.")
    discounts = Money()
    delivery_fees = Money()
    paid = Money(help_text="Money kept from payments made in the period (by payment time), net of refunds.")
    refunds = Money(help_text="Σ refunded in the period (positive; already taken off `paid`).")


class SalesPeriodSerializer(serializers.Serializer[Any]):
    period = serializers.DateField(help_text="First day of the day, week (Monday) or month.")
    orders = serializers.IntegerField()
    revenue = Money()
    paid = Money(help_text="Net of refunds.")


class SalesMethodSerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = Money(help_text="Net of refunds.")
    count = serializers.IntegerField(help_text="Payments (refunds not counted).")
    refunds = Money(help_text="Σ refunded by this method (positive).")


class SalesSourceSerializer(serializers.Serializer[Any]):
    source = serializers.CharField(allow_blank=True, help_text="The order's source; empty when none was given.")  # type: ignore[assignment]  # a field, popped by the metaclass
    orders = serializers.IntegerField()
    revenue = Money()


class SalesReportSerializer(PeriodMixin):
    currency = serializers.CharField()
    group = serializers.ChoiceField(choices=["day", "week", "month"])
    totals = SalesTotalsSerializer()
    by_period = SalesPeriodSerializer(many=True, help_text="Every period of the range, empty ones as zeros.")
    by_payment_method = SalesMethodSerializer(many=True, help_text="By amount, largest first.")
    by_source = SalesSourceSerializer(many=True, help_text="By revenue, largest first.")


# --- Products -------------------------------------------------------------------------------


class ProductRowSerializer(serializers.Serializer[Any]):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    revenue = Money(help_text="Σ line totals (before the order's discount and delivery fee).")
    cost = Money(
        help_text="The consumption recorded at assembly, shared between an order's lines by line total; "
        "the cost at sale for orders not assembled yet."
    )
    margin = Money(help_text="revenue − cost (may be negative).")


class ProductTotalsSerializer(serializers.Serializer[Any]):
    quantity = serializers.IntegerField()
    revenue = Money()
    cost = Money()
    margin = Money()


class ProductsReportSerializer(PeriodMixin):
    currency = serializers.CharField()
    items = ProductRowSerializer(many=True, help_text="By revenue, largest first (cut to `limit`).")
    total = serializers.IntegerField(help_text="Products sold in the period (all of them, whatever `limit`).")
    totals = ProductTotalsSerializer(help_text="Over every product sold in the period.")


# --- Stock ----------------------------------------------------------------------------------


class QuantityCostSerializer(serializers.Serializer[Any]):
    quantity = serializers.IntegerField()
    cost = Money()


class WriteOffReasonSerializer(QuantityCostSerializer):
    reason = serializers.CharField(help_text="wilted | damaged | lost | other")


class WriteOffsSerializer(QuantityCostSerializer):
    by_reason = WriteOffReasonSerializer(many=True, help_text="Every reason, zeros too.")


class StockReportSerializer(PeriodMixin):
    currency = serializers.CharField()
    stock_value = Money(help_text="Now: Σ quantity on hand × unit cost.")
    stock_quantity = serializers.IntegerField(help_text="Now: Σ quantity on hand (units of every kind).")
    write_offs = WriteOffsSerializer(help_text="Written off in the period, at the unit cost of each movement.")
    consumption = QuantityCostSerializer(help_text="Taken by assemblies in the period, at cost.")
    receipts = QuantityCostSerializer(
        help_text="Supplies received in the period: quantity × purchase price × rate, in the shop's currency."
    )
    adjustments = QuantityCostSerializer(help_text="Stocktakes in the period, net (negative: a loss).")


# --- Receivables ----------------------------------------------------------------------------


class ReceivableCustomerSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField()


class ReceivableSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    delivery_date = serializers.DateField()
    customer = ReceivableCustomerSerializer()
    total = Money()
    paid_amount = Money()
    amount_due = Money()
    payment_status = serializers.ChoiceField(choices=PaymentStatus.choices)


class ReceivablesReportSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField()
    items = ReceivableSerializer(many=True, help_text="Earliest delivery date first; a page (`skip`, `limit`).")
    total = serializers.IntegerField(help_text="Orders that owe money.")
    amount_due = Money(help_text="Σ amount due of every such order (not only this page).")


# --- Staff ----------------------------------------------------------------------------------


class CourierStatsSerializer(serializers.Serializer[Any]):
    user_id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    deliveries = serializers.IntegerField(help_text="Delivered in the period (by delivery date).")
    on_time = serializers.IntegerField()
    late = serializers.IntegerField(help_text="Closed after the window's end (or after the day), local time.")
    issues = serializers.IntegerField(help_text="Deliveries with a problem flagged.")


class FloristStatsSerializer(serializers.Serializer[Any]):
    user_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    tasks = serializers.IntegerField(help_text="Production tasks finished in the period.")
    on_time = serializers.IntegerField()
    late = serializers.IntegerField(help_text="Finished after the task's deadline.")
    minutes_total = serializers.IntegerField()
    minutes_average = serializers.IntegerField(allow_null=True)


class StaffReportSerializer(PeriodMixin):
    couriers = CourierStatsSerializer(many=True)
    florists = FloristStatsSerializer(many=True)
