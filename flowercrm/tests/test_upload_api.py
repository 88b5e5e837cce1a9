"""``POST /api/upload/image``: the hostile corpus through the real endpoint, the round trip
through the URL, the storage swap, the role matrix."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import re_path
from django.utils import timezone
from django.views.static import serve
from PIL import ExifTags
from rest_framework.test import APIClient

from apps.shops.tests.factories import MembershipFactory
from config.urls import urlpatterns as real_patterns
from flowercrm.asgi import BodySizeLimitMiddleware
from flowercrm.errors import RateLimited, bad_request, exception_handler
from flowercrm.models import UploadedImage
from flowercrm.roles import Role
from flowercrm.testing import assert_error, run_threads
from flowercrm.tests import image_corpus as corpus
from flowercrm.uploads import image_upload

pytestmark = pytest.mark.django_db

URL = "/api/upload/image"
MiB = 1024 * 1024


def _serve_media(request, path):
    # MEDIA_ROOT is read per request: the tests point it at tmp_path.
    return serve(request, path, document_root=django_settings.MEDIA_ROOT)


# A URLconf with the development media route (config.urls adds it only when DEBUG is on at import).
urlpatterns = [*real_patterns, re_path(r"^media/(?P<path>.*)$", _serve_media)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def client(api_as, member) -> APIClient:
    return api_as(member(Role.FLORIST))


def post_file(client: APIClient, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg", **extra):
    file = io.BytesIO(data)
    file.name = name
    file.content_type = content_type  # the declared type, which must not matter
    return client.post(URL, {"file": file}, format="multipart", **extra)


def assert_nothing_stored(root: Path) -> None:
    assert UploadedImage.objects.count() == 0
    assert [p for p in root.rglob("*") if p.is_file()] == []


# --- Happy path ---------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_upload_answers_201_and_the_image_round_trips_through_its_url(client, shop, media_root) -> None:
    response = post_file(client, corpus.jpeg_with_gps(size=(40, 20)), name="букет.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "url", "thumbnail_url", "name", "size", "content_type", "width", "height"}
    assert body["name"] == "букет.jpg"
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 40, 20)
    image = UploadedImage.objects.get(pk=body["id"])
    assert image.shop_id == shop.id and image.uploaded_by is not None and image.attached_at is None
    assert body["url"] == f"http://testserver/media/{image.file.name}"

    with default_storage.open(image.file.name) as fh:
        stored = fh.read()
    assert len(stored) == body["size"]
    served = Client().get(body["url"].removeprefix("http://testserver"))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == stored
    assert served["Content-Type"] == "image/jpeg"
    thumb = Client().get(body["thumbnail_url"].removeprefix("http://testserver"))
    assert thumb.status_code == 200 and corpus.opened(b"".join(thumb.streaming_content)).format == "JPEG"

    # The GPS position the phone wrote is gone.
    exif = corpus.opened(stored).getexif()
    assert dict(exif) == {} and not exif.get_ifd(ExifTags.IFD.GPSInfo)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(corpus.png(), "image/png"), (corpus.webp(), "image/webp")],
    ids=["png", "webp"],
)
def test_png_and_webp_are_accepted_by_content_whatever_the_name(client, data: bytes, content_type: str) -> None:
    response = post_file(client, data, name="no-extension", content_type="application/octet-stream")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type
    assert UploadedImage.objects.get().file.name.endswith("." + content_type.split("/")[1])


def test_trailing_data_is_accepted_but_neutralised(client) -> None:
    tail = b"<script>alert(1)</script>"
    response = post_file(client, corpus.png_with_trailing_data(tail), name="x.png")
    assert response.status_code == 201, response.content
    image = UploadedImage.objects.get()
    with default_storage.open(image.file.name) as fh:
        stored = fh.read()
    assert stored.endswith(corpus.PNG_IEND) and tail not in stored


def test_the_trailing_slash_is_optional(client) -> None:
    file = io.BytesIO(corpus.jpeg())
    file.name = "a.jpg"
    assert client.post(URL + "/", {"file": file}, format="multipart").status_code == 201


# --- The hostile corpus -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (corpus.SCRIPT, "photo.png", 415, "unsupported_media"),
        (corpus.HTML, "photo.jpg", 415, "unsupported_media"),
        (corpus.gif(), "anim.gif", 415, "unsupported_media"),
        (corpus.SVG, "logo.svg", 415, "unsupported_media"),
        (corpus.truncated_jpeg(), "cut.jpg", 400, "invalid"),
        (b"", "empty.jpg", 400, "invalid"),
        (corpus.png_claiming(100_000, 100_000), "bomb.png", 400, "invalid"),
        (corpus.png_claiming(7000, 7000), "big.png", 400, "invalid"),
    ],
    ids=["script-named-png", "html-named-jpg", "gif", "svg", "truncated-jpeg", "empty", "bomb", "over-40mpx"],
)
def test_hostile_files_are_refused_and_nothing_is_stored(client, media_root, data, name, status, code) -> None:
    body = assert_error(post_file(client, data, name=name, content_type="image/png"), status, code)
    if status == 400:
        assert "file" in body["errors"]
    assert_nothing_stored(media_root)


def test_missing_field_is_400(client, media_root) -> None:
    body = assert_error(client.post(URL, {"other": "x"}, format="multipart"), 400, "invalid")
    assert "file" in body["errors"]
    assert_error(client.post(URL, {}, format="multipart"), 400, "invalid")
    assert_nothing_stored(media_root)


def test_a_text_field_instead_of_a_file_is_400(client, media_root) -> None:
    assert_error(client.post(URL, {"file": "not a file"}, format="multipart"), 400, "invalid")
    assert_nothing_stored(media_root)


def test_two_files_in_one_request_are_400(client, media_root) -> None:
    files = []
    for i in range(2):
        f = io.BytesIO(corpus.jpeg())
        f.name = f"{i}.jpg"
        files.append(f)
    assert_error(client.post(URL, {"file": files}, format="multipart"), 400, "invalid")
    assert_nothing_stored(media_root)


def test_json_instead_of_multipart_is_415(client, media_root) -> None:
    assert_error(client.post(URL, {"file": "aGVsbG8="}, format="json"), 415, "unsupported_media")
    assert_nothing_stored(media_root)


def test_a_body_declared_over_the_limit_is_413_before_it_is_read(client, media_root) -> None:
    # Content-Length claims 20 MB over a tiny body: the test client's payload raises if the view
    # tried to read past what exists, so a 413 here means nothing was read.
    response = client.generic(
        "POST",
        URL,
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(20 * MiB),
    )
    assert_error(response, 413, "too_large")
    assert_nothing_stored(media_root)


def test_a_real_body_over_the_limit_is_413(client, media_root) -> None:
    data = corpus.jpeg() + b"\x00" * (11 * MiB)
    assert_error(post_file(client, data, name="huge.jpg"), 413, "too_large")
    assert_nothing_stored(media_root)


def test_a_file_just_over_10_mb_in_a_body_under_the_envelope_is_413(client, media_root) -> None:
    data = corpus.jpeg() + b"\x00" * (10 * MiB)
    assert len(data) > django_settings.MAX_UPLOAD_BYTES
    assert len(data) < django_settings.MAX_REQUEST_BODY_BYTES - 1024
    assert_error(post_file(client, data, name="huge.jpg"), 413, "too_large")
    assert_nothing_stored(media_root)


def test_oversized_form_fields_beside_the_file_are_413(client, media_root) -> None:
    # Django refuses non-file fields over DATA_UPLOAD_MAX_MEMORY_SIZE while parsing.
    file = io.BytesIO(corpus.jpeg())
    file.name = "a.jpg"
    padding = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert_error(client.post(URL, {"file": file, "note": padding}, format="multipart"), 413, "too_large")
    assert_nothing_stored(media_root)


def test_invalid_content_length_is_400(client, media_root) -> None:
    response = client.generic(
        "POST", URL, data=b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH="abc"
    )
    assert_error(response, 400, "invalid")
    assert_nothing_stored(media_root)


def test_the_asgi_guard_uses_the_same_limit() -> None:
    assert BodySizeLimitMiddleware(app=None).limit == django_settings.MAX_REQUEST_BODY_BYTES
    assert django_settings.MAX_UPLOAD_BYTES == 10 * MiB


# --- Storage ------------------------------------------------------------------------------------


def test_upload_works_with_in_memory_storage(client, settings, media_root) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    response = post_file(client, corpus.webp(), name="a.webp")
    assert response.status_code == 201, response.content
    image = UploadedImage.objects.get(pk=response.json()["id"])
    with default_storage.open(image.file.name) as fh:
        assert corpus.opened(fh.read()).format == "WEBP"
    assert response.json()["url"].endswith(settings.MEDIA_URL + image.file.name)
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_keys_are_per_shop(api_as, member, shop, other_shop) -> None:
    for membership in (member(Role.MANAGER), member(Role.MANAGER, shop=other_shop)):
        assert post_file(api_as(membership), corpus.jpeg()).status_code == 201
    mine, theirs = (UploadedImage.objects.get(shop=s) for s in (shop, other_shop))
    assert mine.file.name.startswith(f"shops/{shop.id}/images/")
    assert theirs.file.name.startswith(f"shops/{other_shop.id}/images/")


# --- The hourly quota ---------------------------------------------------------------------------


@pytest.fixture
def quota(settings) -> int:
    settings.UPLOADS_PER_HOUR = 3
    return 3


def test_uploads_over_the_hourly_quota_are_429_with_retry_after(client, quota, media_root) -> None:
    for _ in range(quota):
        assert post_file(client, corpus.jpeg()).status_code == 201
    stored = sorted(p for p in media_root.rglob("*") if p.is_file())
    response = post_file(client, corpus.jpeg())
    body = assert_error(response, 429, "throttled")
    assert "3" in body["detail"]
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert UploadedImage.objects.count() == quota
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == stored  # nothing of the refused one


def test_the_quota_window_slides_and_retry_after_names_when_a_slot_frees(client, quota) -> None:
    for _ in range(quota):
        assert post_file(client, corpus.jpeg()).status_code == 201
    now = timezone.now()
    images = list(UploadedImage.objects.order_by("id"))
    for image, minutes_ago in zip(images, [50, 20, 10], strict=True):
        UploadedImage.objects.filter(pk=image.pk).update(created_at=now - timedelta(minutes=minutes_ago))
    response = post_file(client, corpus.jpeg())
    assert_error(response, 429, "throttled")
    assert 590 <= int(response["Retry-After"]) <= 600  # the one from 50 minutes ago leaves in 10
    UploadedImage.objects.filter(pk=images[0].pk).update(created_at=now - timedelta(minutes=61))
    assert post_file(client, corpus.jpeg()).status_code == 201


def test_the_quota_is_per_person_across_shops(api_as, member, quota, other_shop) -> None:
    membership = member(Role.COURIER)
    for _ in range(quota):
        assert post_file(api_as(membership), corpus.jpeg()).status_code == 201
    same_person_elsewhere = MembershipFactory(user=membership.user, shop=other_shop, role=Role.ADMIN)
    assert_error(post_file(api_as(same_person_elsewhere), corpus.jpeg()), 429, "throttled")
    colleague = member(Role.COURIER)
    assert post_file(api_as(colleague), corpus.jpeg()).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_never_pass_the_quota(requires_postgres, shop, member, quota) -> None:
    user = member(Role.COURIER).user

    def upload(i: int) -> UploadedImage:
        return image_upload(shop=shop, uploaded_by=user, upload=SimpleUploadedFile(f"{i}.jpg", corpus.jpeg()))

    results = run_threads(6, upload)
    stored = [r for r in results if isinstance(r, UploadedImage)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(stored) == quota and len(refused) == 6 - quota, results
    assert UploadedImage.objects.filter(uploaded_by=user).count() == quota


# --- Who may upload -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER])
def test_every_member_role_may_upload(api_as, member, role) -> None:
    assert post_file(api_as(member(role)), corpus.jpeg()).status_code == 201


def test_anonymous_is_401_and_nothing_is_stored(api: APIClient, media_root) -> None:
    assert_error(post_file(api, corpus.jpeg()), 401, "not_authenticated")
    assert_nothing_stored(media_root)


def test_an_inactive_membership_is_401(api_as, member, media_root) -> None:
    membership = member(Role.COURIER)
    client = api_as(membership)
    membership.is_active = False
    membership.save()
    assert_error(post_file(client, corpus.jpeg()), 401, "membership_inactive")
    assert_nothing_stored(media_root)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_405(client, method) -> None:
    assert_error(getattr(client, method)(URL), 405, "method_not_allowed")


# --- Admin --------------------------------------------------------------------------------------


def test_admin_lists_only_the_staff_users_shops_images_with_a_preview(api_as, member, shop, other_shop) -> None:
    manager = member(Role.MANAGER)
    assert post_file(api_as(manager), corpus.jpeg(), name="наш.jpg").status_code == 201
    assert post_file(api_as(member(Role.MANAGER, shop=other_shop)), corpus.jpeg(), name="чужой.jpg").status_code == 201
    mine = UploadedImage.objects.get(shop=shop)
    user = manager.user
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    listing = browser.get("/admin/flowercrm/uploadedimage/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "наш.jpg" in html and "чужой.jpg" not in html
    assert mine.thumbnail_url in html
    detail = browser.get(f"/admin/flowercrm/uploadedimage/{mine.pk}/change/")
    assert detail.status_code == 200 and mine.url in detail.content.decode()
    theirs = UploadedImage.objects.get(shop=other_shop)
    assert browser.get(f"/admin/flowercrm/uploadedimage/{theirs.pk}/change/").status_code in (302, 404)
    assert browser.post(f"/admin/flowercrm/uploadedimage/{mine.pk}/delete/").status_code == 403


def test_request_data_too_big_is_413_inside_and_outside_drf(rf) -> None:
    response = exception_handler(RequestDataTooBig("too big"), {})
    assert response is not None and response.status_code == 413 and response.data["code"] == "too_large"
    outside = bad_request(rf.post("/admin/"), RequestDataTooBig("too big"))
    assert outside.status_code == 413 and json.loads(outside.content)["code"] == "too_large"
    assert exception_handler(TooManyFilesSent("many"), {}).status_code == 400
