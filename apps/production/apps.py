from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "apps.production"
    label = "production"
    verbose_name = _("Production")

    def ready(self) -> None:
        from apps.production import models
        from flowercrm import meta

        meta.register("task_statuses", models.TaskStatus)
        meta.register("task_priorities", models.TaskPriority)
