from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "apps.supplies"
    label = "supplies"
    verbose_name = "Поставки"

    def ready(self) -> None:
        from apps.supplies import models
        from flowercrm import meta

        meta.register("supply_statuses", models.SupplyStatus)
