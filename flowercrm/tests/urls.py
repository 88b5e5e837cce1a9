"""A URLconf for kernel tests: the real one plus views that fail on purpose."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as real_patterns
from flowercrm.auth import PublicEndpoint
from flowercrm.errors import InsufficientStock


class Boom(APIView):
    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")

    def post(self, request: Request) -> Response:
        raise InsufficientStock([{"stock_item_id": 1, "name": "Роза", "needed": 5, "on_hand": 2}])


urlpatterns = [path("boom/", Boom.as_view()), *real_patterns]
__all__ = ["urlpatterns", "handler400", "handler403", "handler404", "handler500"]
