from django.urls import re_path

from apps.shops.api import views
from flowercrm.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("users", views.StaffViewSet, basename="users")

urlpatterns = [
    re_path(
        r"^shops/current/?$",
        views.CurrentShopView.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="shops-current",
    ),
    *router.urls,
]
