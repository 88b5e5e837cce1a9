from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    verbose_name = "Клиенты"

    def ready(self) -> None:
        from apps.customers import models
        from flowercrm import meta

        meta.register("sources", models.Source)
