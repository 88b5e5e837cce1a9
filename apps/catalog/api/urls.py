from django.urls import URLPattern, URLResolver, re_path

from apps.catalog.api import views
from flowercrm.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("products", views.ProductViewSet, basename="products")

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(
        r"^catalog/calculate/?$",
        views.CalculatorViewSet.as_view({"post": "calculate"}),
        name="catalog-calculate",
    ),
    *router.urls,
]
