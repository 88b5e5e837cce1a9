"""``POST /api/upload/image`` and the serializer pieces apps use for images.

- ``UploadedImageSerializer``: the image as every payload shows it (``{"id", "url",
  "thumbnail_url", "name", "size", "content_type", "width", "height"}``), URLs built now.
- ``ShopImageField``: an ``image_id``-style input naming an image of the caller's shop.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from flowercrm.auth import require_shop_auth
from flowercrm.errors import Invalid, TooLarge
from flowercrm.models import UploadedImage
from flowercrm.permissions import AreaPermission
from flowercrm.serializers import ShopRelatedField
from flowercrm.uploads import image_upload
from flowercrm.viewsets import ScopedAPIView


class UploadedImageSerializer(serializers.ModelSerializer[UploadedImage]):
    """An uploaded image in output. URLs are absolute when a request is in the context."""

    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = UploadedImage
        fields = ["id", "url", "thumbnail_url", "name", "size", "content_type", "width", "height"]
        read_only_fields = fields

    def get_url(self, image: UploadedImage) -> str:
        return self._absolute(image.url)

    def get_thumbnail_url(self, image: UploadedImage) -> str:
        return self._absolute(image.thumbnail_url)

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ShopImageField(ShopRelatedField):
    """An ``<name>_id`` input naming an uploaded image of the caller's shop (another shop's id
    is a 400 on the field). Whether it is still free to attach is the service's check
    (``image_attach``), so a PATCH may resend images the row already holds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", UploadedImage.objects.all())
        super().__init__(**kwargs)


class ImageUploadSerializer(serializers.Serializer[Any]):
    """Only for the schema: the multipart body."""

    file = serializers.FileField()


def _declared_length(request: Request) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        return int(raw)
    except ValueError:
        raise Invalid(gettext("Invalid Content-Length.")) from None


class ImageUploadView(ScopedAPIView):
    """``POST /api/upload/image``: multipart ``file`` → 201 with the stored image.

    Every member may upload (role matrix area ``uploads``), at most ``UPLOADS_PER_HOUR`` images
    an hour per person (then 429 with ``Retry-After``); attaching is checked where the image
    is attached. The body size is checked from ``Content-Length`` before the body is parsed
    (the ASGI guard does it even earlier), then the file's own size.
    """

    area = "uploads"
    permission_classes = [AreaPermission]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="upload_image",
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            201: UploadedImageSerializer,
            400: OpenApiResponse(description="Not a sound image, over 40 Mpx, empty or missing"),
            413: OpenApiResponse(description="Over 10 MB"),
            415: OpenApiResponse(description="Not JPEG, PNG or WebP by content"),
            429: OpenApiResponse(description="Over UPLOADS_PER_HOUR images in the last hour (see Retry-After)"),
        },
    )
    def post(self, request: Request) -> Response:
        auth = require_shop_auth(request)
        if _declared_length(request) > settings.MAX_REQUEST_BODY_BYTES:
            raise TooLarge()
        files = request.FILES.getlist("file")
        if not files:
            raise Invalid({"file": [gettext("Attach an image file in the file field.")]})
        if len(files) > 1:
            raise Invalid({"file": [gettext("One image per request.")]})
        image = image_upload(shop=auth.shop, uploaded_by=request.user, upload=files[0])  # type: ignore[arg-type]
        return Response(
            UploadedImageSerializer(image, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
