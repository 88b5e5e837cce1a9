from apps.warehouse.api import views
from flowercrm.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("warehouse/items", views.StockItemViewSet, basename="warehouse-items")
router.register("warehouse/movements", views.StockMovementViewSet, basename="warehouse-movements")

urlpatterns = router.urls
