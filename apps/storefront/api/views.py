"""The public storefront API (ARCHITECTURE §11.6): no login, no shop from a token — the shop
is the slug in the path, and a shop whose storefront is off answers exactly like an unknown
one (404). Thin: a selector or the checkout service, a serializer."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.catalog.models import Product, ProductCategory
from apps.orders.tracking import tracking_url
from apps.shops.models import Shop
from apps.storefront import selectors, services
from apps.storefront.api.serializers import (
    CheckoutAnswerSerializer,
    CheckoutSerializer,
    PublicProductSerializer,
    PublicShopSerializer,
)
from apps.storefront.api.throttling import CheckoutAddressThrottle, CheckoutPhoneThrottle, StorefrontReadThrottle
from flowercrm.errors import TooLarge
from flowercrm.filters import CommaListFilter
from flowercrm.idempotency import HEADER as IDEMPOTENCY_HEADER
from flowercrm.idempotency import idempotent
from flowercrm.pagination import SkipLimitPagination
from flowercrm.scopes import scope
from flowercrm.viewsets import ScopedAPIView

# A checkout body is a few hundred bytes; anything near this is not a buyer's.
MAX_CHECKOUT_BODY = 64 * 1024

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "Required (400 without): 1 to 255 printable characters, new for each order the buyer means "
        "to place. A repeat with the same key and body within 24 hours makes no second order and "
        "answers the first answer again; the same key with another body is a 422."
    ),
)


class PublicProductFilter(django_filters.FilterSet):
    """``?category=bouquet,composition`` — only the category: the back office's filters
    (activity, price range on the list price) are not public ones (only products on sale are
    shown; the public sorts by ``ordering``)."""

    category = CommaListFilter(field_name="category", choices=ProductCategory.choices)

    class Meta:
        model = Product
        fields: list[str] = []


class StorefrontView(ScopedAPIView, GenericAPIView):
    """Base of the public views: nobody is authenticated — so a stray or stale
    ``Authorization`` header is never a 401 —, throttled per client address, and working in
    the scope of the shop named by the slug once it is found."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [StorefrontReadThrottle]
    pagination_class: type[BasePagination] | None = None
    filter_backends: list[Any] = []
    shop: Shop

    def storefront_shop(self) -> Shop:
        """The slug's shop with its storefront on, entering its scope; 404 otherwise."""
        shop = selectors.storefront_shop(slug=self.kwargs["slug"])
        if shop is None:
            raise NotFound(gettext("Not found."))
        if self._scope_exit is None:  # set by ``perform_authentication``, which always runs first
            raise RuntimeError("StorefrontView.storefront_shop called before authentication")
        self._scope_exit.enter_context(scope(shop=shop.id))
        self.shop = shop
        return shop

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()
        context["shop"] = getattr(self, "shop", None)
        return context


class StorefrontShopView(StorefrontView):
    """``GET /api/public/shops/{slug}/``: the shop's public profile and delivery zones."""

    @extend_schema(responses={200: PublicShopSerializer}, auth=[])
    def get(self, request: Request, slug: str) -> Response:
        return Response(PublicShopSerializer(self.storefront_shop(), context=self.get_serializer_context()).data)


class StorefrontProductListView(mixins.ListModelMixin, StorefrontView):
    """``GET /api/public/shops/{slug}/products/``: products on sale, with ``category``,
    ``search``, ``ordering`` (name, price, created_at) and ``skip``/``limit`` as every list."""

    serializer_class = PublicProductSerializer
    pagination_class = SkipLimitPagination
    filter_backends = list(api_settings.DEFAULT_FILTER_BACKENDS)
    filterset_class = PublicProductFilter
    search_text_field = "search_text"
    ordering_fields = {"name": "name", "price": "price", "created_at": "created_at"}
    ordering = ("name",)

    def get_queryset(self) -> QuerySet[Product]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no shop
            return Product.objects.none()
        return selectors.storefront_products(shop=self.shop)

    @extend_schema(operation_id="public_shops_products_list", auth=[])
    def get(self, request: Request, slug: str) -> Response:
        self.storefront_shop()
        return self.list(request)


class StorefrontProductDetailView(StorefrontView):
    """``GET /api/public/shops/{slug}/products/{id}/``: one product on sale (404 for one
    off sale, of another shop, or unknown)."""

    @extend_schema(operation_id="public_shops_products_retrieve", responses={200: PublicProductSerializer}, auth=[])
    def get(self, request: Request, slug: str, pk: str) -> Response:
        shop = self.storefront_shop()
        product = selectors.storefront_products(shop=shop).filter(pk=int(pk)).first()
        if product is None:
            raise NotFound(gettext("Not found."))
        return Response(PublicProductSerializer(product, context=self.get_serializer_context()).data)


class StorefrontCheckoutView(StorefrontView):
    """``POST /api/public/shops/{slug}/orders/``: the buyer places an order (§11.6). Prices,
    the delivery fee and the total are the server's; fields a client prices are ignored.
    Throttled per client address and per buyer phone; ``Idempotency-Key`` required."""

    throttle_classes = [CheckoutAddressThrottle, CheckoutPhoneThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before the throttles read the body: a declared size far beyond any order is refused.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_CHECKOUT_BODY:
            raise TooLarge(gettext("The order is too large."))
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=CheckoutSerializer,
        responses={
            201: CheckoutAnswerSerializer,
            422: OpenApiResponse(description="Idempotency-Key reused with another body"),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        auth=[],
    )
    def post(self, request: Request, slug: str) -> Response:
        shop = self.storefront_shop()
        data = CheckoutSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        buyer = data.validated_data["customer"]["phone"]

        def handler() -> Response:
            order = services.storefront_checkout(shop=shop, data=data.validated_data)
            answer = {
                "number": order.number,
                "total": order.total,
                "tracking_url": tracking_url(order, request=request),
            }
            return Response(CheckoutAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)

        # Keys belong to the buyer's phone: two buyers who pick the same weak key never meet.
        return idempotent(
            request=request, shop=shop, scope=f"storefront.orders:{buyer}", handler=handler, required=True
        )
