from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.orders import selectors, services
from apps.orders.api.serializers import (
    CommentInputSerializer,
    IssueInputSerializer,
    OrderCreateSerializer,
    OrderDetailAnswerSerializer,
    OrderDetailSerializer,
    OrderEventSerializer,
    OrderSummarySerializer,
    OrderUpdateSerializer,
    PaymentInputSerializer,
    PhotoInputSerializer,
    TrackingSerializer,
    TransitionSerializer,
    order_detail_response,
    order_list_response,
    order_transition_response,
    output_serializer,
)
from apps.orders.filters import OrderFilter
from apps.orders.idempotency import idempotent
from apps.orders.models import Order, OrderPhoto, OrderStatus, PhotoKind
from apps.orders.photos import order_photo_add, order_photo_delete
from apps.orders.visibility import money_query_errors
from apps.orders.warnings import order_warnings
from flowercrm import roles
from flowercrm.auth import PublicEndpoint
from flowercrm.errors import Forbidden, Invalid
from flowercrm.filters import search_query_terms
from flowercrm.viewsets import ShopViewSet

DELIVERY_ORDERING = ("delivery_date", F("delivery_time_from").asc(nulls_last=True), "number")


# Each role reads its own shape (ARCHITECTURE §11.1): the schema says which with a oneOf.
@extend_schema_view(
    list=extend_schema(responses=order_list_response()), retrieve=extend_schema(responses=order_detail_response())
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/orders/``: the office takes and edits orders; florists and couriers see and
    move the orders of their work (ARCHITECTURE §3, §4)."""

    area = "orders"
    model = Order
    filterset_class = OrderFilter
    ordering_fields = {
        # §11.1: the date, then the window's start (orders without a window last), then the number.
        "delivery": DELIVERY_ORDERING,
        "delivery_date": "delivery_date",
        "delivery_time_from": "delivery_time_from",
        "created_at": "created_at",
        "total": "total",
        "number": "number",
    }
    # Transitions, comments, photos and issues are checked per move by the services.
    action_permissions = {
        "transition": roles.READ,
        "comments": "comment",
        "issue": "issue",
        "payments": roles.READ,
        "photos": roles.READ,
        "delete_photo": roles.READ,
    }

    @property
    def user(self) -> User:
        return cast(User, self.request.user)

    @property
    def is_courier(self) -> bool:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request shop
            return False
        return self.role == roles.Role.COURIER

    # A courier's search is narrowed in ``filter_queryset`` (never the buyer of an anonymous order).
    @property
    def search_text_field(self) -> str | None:
        return None if self.is_courier else "search_text"

    def get_shop_queryset(self) -> QuerySet[Order]:
        if self.action == "list":
            return selectors.order_list(shop=self.shop, role=self.role, user=self.user)
        return selectors.order_detail(shop=self.shop, role=self.role, user=self.user)

    def get_serializer_class(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return OrderSummarySerializer if self.action == "list" else OrderDetailSerializer
        return output_serializer(self.role, detail=self.action != "list")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action == "list" and not roles.can(self.role, "payments"):
            if errors := money_query_errors(self.request.query_params):  # florists, couriers: no money
                raise Invalid(errors)
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and self.is_courier:
            # Neither search nor ``?customer=`` may tell a courier who the anonymous buyer is.
            queryset = selectors.order_search_for_courier(orders=queryset, terms=search_query_terms(self.request))
            if "customer" in self.request.query_params:
                queryset = queryset.filter(is_anonymous=False)
        if self.action == "list" and "ordering" not in self.request.query_params:
            if self.is_courier:
                return queryset.order_by("is_closed", "delivery_date", "delivery_time_from", "id")
            return queryset.order_by("-created_at", "-id")
        return queryset

    def _detail(
        self, order: Order, *, status_code: int = status.HTTP_200_OK, extra: dict[str, Any] | None = None
    ) -> Response:
        fresh = self.get_shop_queryset().get(pk=order.pk)
        body = output_serializer(self.role, detail=True)(fresh, context=self.get_serializer_context()).data
        return Response({**body, **extra} if extra else body, status=status_code)

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderDetailAnswerSerializer})
    def create(self, request: Request) -> Response:
        data = OrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)

        def handler() -> Response:
            order = services.order_create(shop=self.shop, actor=self.user, data=data.validated_data)
            return self._detail(order, status_code=status.HTTP_201_CREATED, extra={"warnings": order_warnings(order)})

        return idempotent(request=request, shop=self.shop, scope="orders.create", handler=handler)

    @extend_schema(request=OrderUpdateSerializer, responses={200: OrderDetailAnswerSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = OrderUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        order = services.order_update(order=order, actor=self.user, data=data.validated_data)
        return self._detail(order, extra={"warnings": order_warnings(order)})

    @extend_schema(request=TransitionSerializer, responses={200: order_transition_response()})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = TransitionSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        photo = data.validated_data.get("photo_id")
        if photo is not None and data.validated_data["status"] != OrderStatus.DELIVERED:
            raise Invalid({"photo_id": ["Фото прикладывается к переходу в «Доставлен»."]})
        with transaction.atomic():
            result = services.order_transition(
                order=order,
                to=data.validated_data["status"],
                actor=self.user,
                role=self.role,
                reason=data.validated_data["reason"],
                consumption=data.validated_data.get("consumption"),
                extra_consumption=data.validated_data.get("extra_consumption"),
            )
            if photo is not None:
                order_photo_add(
                    order=order, actor=self.user, role=self.role, image_id=photo.id, kind=PhotoKind.DELIVERY_PROOF
                )
        extra: dict[str, Any] = {"warnings": result.warnings}
        if data.validated_data["status"] == OrderStatus.CONFIRMED:
            extra["shortages"] = result.shortages
        return self._detail(result.order, extra=extra)

    @extend_schema(request=PaymentInputSerializer, responses={201: OrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str) -> Response:
        if not roles.can(self.role, "payments", roles.WRITE):
            raise Forbidden("Оплаты записывают администратор и менеджер.")
        order = self.get_object()
        data = PaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def handler() -> Response:
            services.payment_record(order=order, actor=self.user, **data.validated_data)
            return self._detail(order, status_code=status.HTTP_201_CREATED)

        return idempotent(request=request, shop=self.shop, scope=f"orders.{order.pk}.payments", handler=handler)

    @extend_schema(request=CommentInputSerializer, responses={201: OrderEventSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.order_comment_add(order=order, actor=self.user, text=data.validated_data["text"])
        return Response(OrderEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PhotoInputSerializer, responses={201: order_detail_response()})
    @action(detail=True, methods=["post"])
    def photos(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = PhotoInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        order_photo_add(
            order=order,
            actor=self.user,
            role=self.role,
            image_id=data.validated_data["image_id"].id,
            kind=data.validated_data["kind"],
        )
        return self._detail(order, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OrderDetailSerializer})
    @action(detail=True, methods=["delete"], url_path=r"photos/(?P<photo_id>[0-9]{1,18})")
    def delete_photo(self, request: Request, pk: str, photo_id: str) -> Response:
        if not roles.can(self.role, "orders", roles.WRITE):
            raise Forbidden("Удалять фотографии могут администратор и менеджер.")
        order = self.get_object()
        photo = OrderPhoto.objects.filter(order=order, pk=int(photo_id)).select_related("image").first()
        if photo is None:
            raise NotFound()
        order_photo_delete(photo=photo, actor=self.user)
        return self._detail(order)

    @extend_schema(request=IssueInputSerializer, responses={200: order_detail_response()})
    @action(detail=True, methods=["post", "delete"])
    def issue(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        if request.method == "DELETE":
            if not roles.can(self.role, "orders", roles.WRITE):
                raise Forbidden("Снять отметку о проблеме может администратор или менеджер.")
            services.order_issue_resolve(order=order, actor=self.user)
            return self._detail(order)
        data = IssueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_issue_report(order=order, actor=self.user, role=self.role, **data.validated_data)
        return self._detail(order)


class TrackingThrottle(AnonRateThrottle):
    scope = "tracking"


class TrackingView(APIView):
    """``GET /api/tracking/{token}/``: public, read-only; 404 for unknown tokens and 30 days
    after the order was delivered or cancelled."""

    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [TrackingThrottle]

    @extend_schema(responses={200: TrackingSerializer}, auth=[])
    def get(self, request: Request, token: str) -> Response:
        order = selectors.order_for_tracking(token=token)
        if order is None or services.tracking_closed(order):
            raise NotFound()
        return Response(TrackingSerializer(order, context={"request": request}).data)


__all__ = ["OrderViewSet", "TrackingView", "OrderSummarySerializer"]
