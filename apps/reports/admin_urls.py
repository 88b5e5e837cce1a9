"""``/admin/reports/``: the dashboard tables as CSV (routed before the admin site's own URLs;
``admin_view`` asks for a staff login like every admin page)."""

from django.contrib import admin
from django.urls import re_path

from apps.reports.admin_charts import table_csv_view

urlpatterns = [
    re_path(
        r"^(?P<key>[a-z-]{1,32})\.csv$",
        admin.site.admin_view(table_csv_view),
        name="reports-dashboard-csv",
    ),
]
