from django.apps import AppConfig


class FlowerCRMConfig(AppConfig):
    name = "flowercrm"
    verbose_name = "FlowerCRM"

    def ready(self) -> None:
        from flowercrm import meta, schema  # noqa: F401  (registers OpenAPI extensions)
        from flowercrm.realtime import logfilters
        from flowercrm.roles import ROLE_LABELS_EN, Role

        meta.register("roles", Role, en=ROLE_LABELS_EN)
        # Servers log request paths with their query strings; /ws carries the access token there.
        logfilters.install()
