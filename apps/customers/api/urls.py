from apps.customers.api import views
from flowercrm.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("customers", views.CustomerViewSet, basename="customers")

urlpatterns = router.urls
