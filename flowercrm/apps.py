from typing import Any

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
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.connect(_close_session_sockets, dispatch_uid="flowercrm.close_session_sockets")


def _close_session_sockets(sender: object, request: Any, **kwargs: Any) -> None:
    """A logout (the board's, the admin's) closes the live sockets its session opened."""
    from flowercrm import events

    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        events.close_session_sockets(session_key)
