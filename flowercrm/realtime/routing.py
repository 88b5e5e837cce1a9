"""WebSocket routes (mounted by ``config.asgi`` behind the origin check)."""

from channels.security.websocket import WebsocketDenier
from django.urls import re_path

from flowercrm.realtime.consumers import EventsConsumer

websocket_urlpatterns = [
    # ``/ws`` and ``/ws/`` (a trailing slash is optional everywhere).
    re_path(r"^ws/?$", EventsConsumer.as_asgi()),
    # Any other path: refused at the handshake instead of an unrouted-path error.
    re_path(r"", WebsocketDenier.as_asgi()),
]
