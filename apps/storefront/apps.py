from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    name = "apps.storefront"
    label = "storefront"
    verbose_name = _("Storefront")

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from apps.storefront.cors import storefront_origin_allowed

        # The storefront's origins are allowed on /api/public/ only (the SPA's stay everywhere).
        check_request_enabled.connect(storefront_origin_allowed, dispatch_uid="storefront_cors")
