from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "apps.production"
    label = "production"
    verbose_name = "Производство"

    def ready(self) -> None:
        from apps.production import models
        from flowercrm import meta

        meta.register("task_statuses", models.TaskStatus)
        meta.register("task_priorities", models.TaskPriority)
