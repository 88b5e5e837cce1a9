from django.urls import re_path

from apps.reports.api import views

urlpatterns = [
    re_path(r"^reports/sales/?$", views.SalesReportView.as_view(), name="reports-sales"),
    re_path(r"^reports/products/?$", views.ProductsReportView.as_view(), name="reports-products"),
    re_path(r"^reports/stock/?$", views.StockReportView.as_view(), name="reports-stock"),
    re_path(r"^reports/receivables/?$", views.ReceivablesReportView.as_view(), name="reports-receivables"),
    re_path(r"^reports/staff/?$", views.StaffReportView.as_view(), name="reports-staff"),
]
