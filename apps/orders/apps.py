from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from apps.orders import models as m
        from apps.orders.visibility import florist_may_see
        from apps.production.events import floor_rule_set
        from flowercrm import meta

        # Production sits below orders: its task feed gets the floor's rule from here.
        floor_rule_set(florist_may_see)

        meta.register("order_statuses", m.OrderStatus)
        meta.register("delivery_methods", m.DeliveryMethod)
        meta.register("payment_statuses", m.PaymentStatus)
        meta.register("payment_methods", m.PaymentMethod)
        meta.register("issue_types", m.IssueType)
        meta.register("order_event_types", m.EventType)
        meta.register("photo_kinds", m.PhotoKind)
