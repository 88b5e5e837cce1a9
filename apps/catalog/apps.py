from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = "Каталог"

    def ready(self) -> None:
        from apps.catalog import models
        from flowercrm import meta

        meta.register("product_categories", models.ProductCategory, en=models.PRODUCT_CATEGORY_EN)
