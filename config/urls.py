from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from flowercrm.health import HealthView
from flowercrm.images_api import ImageUploadView
from flowercrm.views import MetaView

urlpatterns = [
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    path("api/", include("apps.accounts.api.urls")),
    path("api/", include("apps.shops.api.urls")),
    path("api/", include("apps.exchange.api.urls")),  # before the routers: customers/export/ is no <pk>
    path("api/", include("apps.customers.api.urls")),
    path("api/", include("apps.catalog.api.urls")),
    path("api/", include("apps.warehouse.api.urls")),
    path("api/", include("apps.supplies.api.urls")),
    path("api/", include("apps.orders.api.urls")),
    path("api/", include("apps.production.api.urls")),
    path("api/", include("apps.reports.api.urls")),
    path("api/", include("apps.storefront.api.urls")),  # /api/public/: no login
    re_path(r"^api/meta/?$", MetaView.as_view(), name="meta"),
    re_path(r"^api/upload/image/?$", ImageUploadView.as_view(), name="upload-image"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/reports/", include("apps.reports.admin_urls")),  # the dashboard's CSV downloads
    path("admin/", admin.site.urls),
    path("", include("apps.orders.web.urls")),  # /t/<token>, /board/
    # The language switch of the admin header (``set_language``: a cookie keeps the choice).
    path("i18n/", include("django.conf.urls.i18n")),
    # The back office is the admin: the site's root opens it (not permanent: the root may
    # become a public page later).
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="root"),
]

if settings.DEBUG and not settings.AWS_STORAGE_BUCKET_NAME:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

handler400 = "flowercrm.errors.bad_request"
handler403 = "flowercrm.errors.permission_denied"
handler404 = "flowercrm.errors.page_not_found"
handler500 = "flowercrm.errors.server_error"
