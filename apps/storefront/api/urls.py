from django.urls import re_path

from apps.storefront.api import views
from flowercrm.viewsets import ID_PATTERN

SLUG = r"(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)"

urlpatterns = [
    re_path(rf"^public/shops/{SLUG}/?$", views.StorefrontShopView.as_view(), name="storefront-shop"),
    re_path(
        rf"^public/shops/{SLUG}/products/?$", views.StorefrontProductListView.as_view(), name="storefront-products"
    ),
    re_path(
        rf"^public/shops/{SLUG}/products/(?P<pk>{ID_PATTERN})/?$",
        views.StorefrontProductDetailView.as_view(),
        name="storefront-product",
    ),
    re_path(rf"^public/shops/{SLUG}/orders/?$", views.StorefrontCheckoutView.as_view(), name="storefront-orders"),
]
