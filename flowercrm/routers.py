from typing import Any

from rest_framework.routers import DefaultRouter, SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """A trailing slash is optional everywhere (``APPEND_SLASH = False``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set after DRF's __init__, which overwrites a class attribute with "/" or "".
        self.trailing_slash = "/?"


__all__ = ["OptionalSlashRouter", "DefaultRouter"]
