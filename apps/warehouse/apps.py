from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "apps.warehouse"
    label = "warehouse"
    verbose_name = _("Warehouse")

    def ready(self) -> None:
        from apps.warehouse import models
        from flowercrm import meta

        meta.register("stock_categories", models.StockCategory)
        meta.register("stock_units", models.StockUnit)
        meta.register("movement_kinds", models.MovementKind)
        meta.register("write_off_reasons", models.WriteOffReason)
