"""The Django admin app with FlowerCRM's site (``flowercrm.admin_site.FlowerAdminSite``): named
in ``INSTALLED_APPS`` instead of ``django.contrib.admin``, so ``admin.site`` and every
``@admin.register`` use it. A module of its own: app configs are imported before the models
are ready, and the site module imports the admin's models."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class FlowerAdminConfig(AdminConfig):
    default_site = "flowercrm.admin_site.FlowerAdminSite"
