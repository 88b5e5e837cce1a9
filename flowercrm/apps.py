from django.apps import AppConfig


class FlowerCRMConfig(AppConfig):
    name = "flowercrm"
    verbose_name = "FlowerCRM"

    def ready(self) -> None:
        from flowercrm import meta, schema  # noqa: F401  (registers OpenAPI extensions)
        from flowercrm.realtime import logfilters
        from flowercrm.roles import Role
        from flowercrm.serializers import install_choice_errors

        meta.register("roles", Role)
        install_choice_errors()
        # Servers log request paths with their query strings; /ws carries the access token there.
        logfilters.install()
