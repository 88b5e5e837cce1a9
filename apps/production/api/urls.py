from django.urls import re_path

from apps.production.api import views
from flowercrm.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("production/tasks", views.TaskViewSet, basename="production-tasks")

urlpatterns = [
    re_path(r"^production/stats/?$", views.StatsView.as_view(), name="production-stats"),
    *router.urls,
]
