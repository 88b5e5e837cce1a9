"""``GET /health``: what a load balancer and an operator need to know, each probe bounded."""

from __future__ import annotations

import asyncio
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowercrm.auth import PublicEndpoint

logger = logging.getLogger(__name__)
PROBE_TIMEOUT = 2.0


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET statement_timeout = %s", [int(PROBE_TIMEOUT * 1000)])
            cursor.execute("SELECT 1")
            cursor.fetchone()
            if connection.vendor == "postgresql":
                cursor.execute("SET statement_timeout = 0")
    except Exception:
        logger.exception("health: database probe failed")
        return "error"
    return "ok"


def check_cache() -> str:
    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        return "local"
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:
        logger.exception("health: cache probe failed")
        return "error"
    return "ok" if ok else "error"


def check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "error"
    if isinstance(layer, InMemoryChannelLayer):
        return "in-memory"

    async def probe() -> None:
        await asyncio.wait_for(layer.group_send("health", {"type": "health.ping"}), PROBE_TIMEOUT)

    try:
        async_to_sync(probe)()
    except Exception:
        logger.exception("health: channel layer probe failed")
        return "error"
    return "ok"


class HealthView(APIView):
    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health",
                {
                    "status": serializers.ChoiceField(["ok", "degraded"]),
                    "database": serializers.ChoiceField(["ok", "error"]),
                    "cache": serializers.ChoiceField(["ok", "local", "error"]),
                    "channel_layer": serializers.ChoiceField(["ok", "in-memory", "error"]),
                },
            )
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        body = {
            "database": check_database(),
            "cache": check_cache(),
            "channel_layer": check_channel_layer(),
        }
        healthy = all(v != "error" for v in body.values())
        status_code = 503 if body["database"] == "error" else 200
        return Response({"status": "ok" if healthy else "degraded", **body}, status=status_code)
