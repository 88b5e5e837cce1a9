from rest_framework.routers import DefaultRouter, SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """A trailing slash is optional everywhere (``APPEND_SLASH = False``)."""

    trailing_slash = "/?"


__all__ = ["OptionalSlashRouter", "DefaultRouter"]
