from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from apps.orders import rows, selectors, services
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
from apps.orders.models import Order, OrderPhoto, OrderStatus
from apps.orders.visibility import money_query_errors
from apps.orders.warnings import order_warnings
from flowercrm import roles
from flowercrm.auth import PublicEndpoint
from flowercrm.errors import Invalid
from flowercrm.filters import search_query_terms
from flowercrm.idempotency import idempotent
from flowercrm.viewsets import ScopedAPIView, ShopViewSet

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
    action_permissions = {
        # Every role moves orders; which move a role may make is the status table's (the service).
        "transition": roles.READ,
        "comments": "comment",
        "issue:post": "issue",
        "issue:delete": roles.WRITE,
        "payments": ("payments", roles.WRITE),
        # Which kind of photo a role may attach is the service's (``photo_kind_allowed``).
        "photos": roles.READ,
        "delete_photo": roles.WRITE,
    }

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
            return selectors.order_list(shop=self.shop, role=self.role, user=self.actor)
        return selectors.order_detail(shop=self.shop, role=self.role, user=self.actor)

    def get_serializer_class(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return OrderSummarySerializer if self.action == "list" else OrderDetailSerializer
        return output_serializer(self.role, detail=self.action != "list")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return super().filter_queryset(queryset)
        params = self.request.query_params
        if not roles.can(self.role, "payments") and (errors := money_query_errors(params)):
            raise Invalid(errors)  # florists, couriers: no sorting or filtering by money
        queryset = super().filter_queryset(queryset)
        if self.is_courier:
            terms = search_query_terms(self.request)
            queryset = selectors.order_list_for_courier(orders=queryset, terms=terms, by_customer="customer" in params)
        if "ordering" not in params:
            queryset = queryset.order_by(*selectors.order_list_ordering(role=self.role))
        return queryset

    def list(self, request: Request) -> Response:
        """The page as plain data (``apps.orders.rows``): the rows of the role's summary
        serializer, without model instances or a serializer per row (issue 17; the tests
        compare the two for every role)."""
        orders = self.filter_queryset(self.get_queryset())
        page = self.paginate_values(
            selectors.order_list_values(orders, columns=rows.order_columns(self.role)), count_from=orders
        )
        assert page is not None  # noqa: S101 - lists are always paginated (skip/limit)
        items = selectors.order_item_values(order_ids=[order["id"] for order in page], columns=rows.ITEM_COLUMNS)
        return self.get_paginated_response(rows.order_rows(page, items, role=self.role, user_id=self.actor.pk))

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderDetailAnswerSerializer})
    def create(self, request: Request) -> Response:
        data = OrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)

        def handler() -> Response:
            order = services.order_create(shop=self.shop, actor=self.actor, data=data.validated_data)
            created = selectors.order_detail_created(shop=self.shop, role=self.role, user=self.actor, order_id=order.pk)
            return self.detail_response(
                created, status_code=status.HTTP_201_CREATED, extra={"warnings": order_warnings(order)}, refetch=False
            )

        return idempotent(request=request, shop=self.shop, scope="orders.create", handler=handler)

    @extend_schema(request=OrderUpdateSerializer, responses={200: OrderDetailAnswerSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = OrderUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        order = services.order_update(order=order, actor=self.actor, data=data.validated_data)
        return self.detail_response(order, extra={"warnings": order_warnings(order)})

    @extend_schema(request=TransitionSerializer, responses={200: order_transition_response()})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = TransitionSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        photo = values.get("photo_id")
        result = services.order_transition(
            order=order,
            to=values["status"],
            actor=self.actor,
            role=self.role,
            reason=values["reason"],
            consumption=values.get("consumption"),
            extra_consumption=values.get("extra_consumption"),
            proof_photo_id=photo.id if photo is not None else None,
        )
        extra: dict[str, Any] = {"warnings": result.warnings}
        if values["status"] == OrderStatus.CONFIRMED:
            extra["shortages"] = result.shortages
        return self.detail_response(result.order, extra=extra)

    @extend_schema(request=PaymentInputSerializer, responses={201: OrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = PaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def handler() -> Response:
            services.payment_record(order=order, actor=self.actor, **data.validated_data)
            return self.detail_response(order, status_code=status.HTTP_201_CREATED)

        return idempotent(request=request, shop=self.shop, scope=f"orders.{order.pk}.payments", handler=handler)

    @extend_schema(request=CommentInputSerializer, responses={201: OrderEventSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.order_comment_add(order=order, actor=self.actor, text=data.validated_data["text"])
        return Response(OrderEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PhotoInputSerializer, responses={201: order_detail_response()})
    @action(detail=True, methods=["post"])
    def photos(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = PhotoInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.order_photo_add(
            order=order,
            actor=self.actor,
            role=self.role,
            image_id=data.validated_data["image_id"].id,
            kind=data.validated_data["kind"],
        )
        return self.detail_response(order, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OrderDetailSerializer})
    @action(detail=True, methods=["delete"], url_path=r"photos/(?P<photo_id>[0-9]{1,18})")
    def delete_photo(self, request: Request, pk: str, photo_id: str) -> Response:
        order = self.get_object()
        photo = OrderPhoto.objects.filter(order=order, pk=int(photo_id)).select_related("image").first()
        if photo is None:
            raise NotFound()
        services.order_photo_delete(photo=photo, actor=self.actor)
        return self.detail_response(order)

    @extend_schema(request=IssueInputSerializer, responses={200: order_detail_response()})
    @action(detail=True, methods=["post", "delete"])
    def issue(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        if request.method == "DELETE":
            services.order_issue_resolve(order=order, actor=self.actor)
            return self.detail_response(order)
        data = IssueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_issue_report(order=order, actor=self.actor, role=self.role, **data.validated_data)
        return self.detail_response(order)


class TrackingThrottle(AnonRateThrottle):
    scope = "tracking"


class TrackingView(ScopedAPIView):
    """``GET /api/tracking/{token}/``: public, read-only; 404 for unknown tokens and 30 days
    after the order was delivered or cancelled."""

    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [TrackingThrottle]
    scopes_disabled_reason = "public: the tracking token finds its order in whichever shop it is"

    @extend_schema(responses={200: TrackingSerializer}, auth=[])
    def get(self, request: Request, token: str) -> Response:
        order = selectors.order_for_tracking(token=token)
        if order is None or services.tracking_closed(order):
            raise NotFound()
        return Response(TrackingSerializer(order, context={"request": request}).data)


__all__ = ["OrderViewSet", "TrackingView", "OrderSummarySerializer"]
