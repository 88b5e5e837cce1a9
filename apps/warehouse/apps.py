from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "apps.warehouse"
    label = "warehouse"
    verbose_name = "Склад"

    def ready(self) -> None:
        from apps.warehouse import models
        from flowercrm import meta

        meta.register("stock_categories", models.StockCategory, en=models.STOCK_CATEGORY_EN)
        meta.register("stock_units", models.StockUnit, en=models.STOCK_UNIT_EN)
        meta.register("movement_kinds", models.MovementKind, en=models.MOVEMENT_KIND_EN)
        meta.register("write_off_reasons", models.WriteOffReason, en=models.WRITE_OFF_REASON_EN)
