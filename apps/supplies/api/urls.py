from apps.supplies.api import views
from flowercrm.routers import OptionalSlashRouter

# Detail ids are digits only (ShopViewSet.lookup_value_regex), so ``supplies/parse`` is never an id.
router = OptionalSlashRouter()
router.register("suppliers", views.SupplierViewSet, basename="suppliers")
router.register("supplies", views.SupplyViewSet, basename="supplies")

urlpatterns = [*router.urls]
