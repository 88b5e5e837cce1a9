from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "apps.production"
    label = "production"
    verbose_name = "Производство"

    def ready(self) -> None:
        from apps.production import models
        from flowercrm import meta

        meta.register("task_statuses", models.TaskStatus, en=models.TASK_STATUS_EN)
        meta.register("task_priorities", models.TaskPriority, en=models.TASK_PRIORITY_EN)
