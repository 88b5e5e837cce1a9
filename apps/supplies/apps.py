from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "apps.supplies"
    label = "supplies"
    verbose_name = _("Supplies")

    def ready(self) -> None:
        from apps.supplies import models
        from flowercrm import meta

        meta.register("supply_statuses", models.SupplyStatus)
