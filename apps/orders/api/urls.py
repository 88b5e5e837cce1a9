from django.urls import re_path

from apps.orders.api import views
from flowercrm.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("orders", views.OrderViewSet, basename="orders")

urlpatterns = [
    re_path(r"^tracking/(?P<token>[A-Za-z0-9_-]{16,64})/?$", views.TrackingView.as_view(), name="tracking"),
    *router.urls,
]
