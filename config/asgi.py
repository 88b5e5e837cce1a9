"""ASGI entry point: HTTP through Django, WebSockets on /ws through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from flowercrm.asgi import BodySizeLimitMiddleware  # noqa: E402
from flowercrm.realtime.origin import AllowedOriginValidator  # noqa: E402
from flowercrm.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimitMiddleware(django_asgi_app),
        # The session (cookie) only for same-origin pages: the consumer checks the origin.
        "websocket": AllowedOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
