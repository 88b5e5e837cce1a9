"""The export routes. Included in ``config/urls.py`` before the apps' routers, so
``customers/export/`` is never read as ``customers/<pk>/``."""

from django.urls import re_path

from apps.exchange.api import views

urlpatterns = [
    re_path(r"^customers/export/?$", views.CustomerExportViewSet.as_view({"get": "export"}), name="customers-export"),
    re_path(r"^products/export/?$", views.ProductExportViewSet.as_view({"get": "export"}), name="products-export"),
    re_path(
        r"^warehouse/items/export/?$",
        views.StockExportViewSet.as_view({"get": "export"}),
        name="warehouse-items-export",
    ),
    re_path(r"^orders/export/?$", views.OrderExportViewSet.as_view({"get": "export"}), name="orders-export"),
]
