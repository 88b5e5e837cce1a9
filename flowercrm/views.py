from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowercrm import meta


class MetaView(APIView):
    """``GET /api/meta/``: every enum with its Russian and English labels."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Meta",
                {"enums": serializers.DictField(child=serializers.ListField(child=serializers.DictField()))},
            )
        }
    )
    def get(self, request: Request) -> Response:
        return Response({"enums": meta.all_enums()})
