"""flowercrm.images (checking and re-encoding) and flowercrm.uploads (store, attach, delete)."""

from __future__ import annotations

import contextvars
import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from PIL import ExifTags, Image
from rest_framework import serializers

from flowercrm import images
from flowercrm.errors import Invalid, TooLarge, UnsupportedMedia
from flowercrm.images import MAX_PIXELS, process_image
from flowercrm.images_api import ShopImageField
from flowercrm.models import UploadedImage
from flowercrm.tests import image_corpus as corpus
from flowercrm.uploads import (
    clean_original_name,
    image_attach,
    image_delete,
    image_purge_unattached,
    image_upload,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def process(data: bytes):
    return process_image(io.BytesIO(data))


def upload(shop, data: bytes, name: str = "photo.jpg") -> UploadedImage:
    return image_upload(shop=shop, uploaded_by=None, upload=SimpleUploadedFile(name, data, "image/jpeg"))


# --- Processing: what is accepted, and what comes out ---------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "mode"),
    [
        (corpus.jpeg(), "image/jpeg", "RGB"),
        (corpus.png(), "image/png", "RGBA"),
        (corpus.png(mode="RGB", color=(1, 2, 3)), "image/png", "RGB"),
        (corpus.webp(), "image/webp", "RGBA"),
        (corpus.webp(mode="RGB", color=(1, 2, 3)), "image/webp", "RGB"),
    ],
)
def test_each_allowed_format_stays_itself(data: bytes, content_type: str, mode: str) -> None:
    result = process(data)
    assert result.content_type == content_type
    assert (result.width, result.height) == (64, 48)
    out = corpus.opened(result.content)
    assert out.format == content_type.split("/")[1].upper()
    assert out.mode == mode
    out.load()


def test_thumbnail_is_480_on_the_longest_side_and_small_images_are_not_enlarged() -> None:
    big = process(corpus.encode(Image.new("RGB", (1200, 600), (5, 5, 5)), "JPEG"))
    assert corpus.opened(big.thumbnail).size == (480, 240)
    assert corpus.opened(big.content).size == (1200, 600)
    small = process(corpus.jpeg((100, 50)))
    assert corpus.opened(small.thumbnail).size == (100, 50)


def test_gps_and_all_exif_are_gone_and_the_photo_is_upright() -> None:
    data = corpus.jpeg_with_gps(size=(40, 20), orientation=6)
    source = corpus.opened(data).getexif()
    assert source.get_ifd(ExifTags.IFD.GPSInfo)  # the corpus really carries a position
    result = process(data)
    out = corpus.opened(result.content)
    assert dict(out.getexif()) == {}
    assert not out.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in result.content and b"FlowerPhone" not in result.content
    assert b"Exif" not in result.thumbnail
    # Orientation 6 = rotate 90° clockwise to display: 40×20 becomes 20×40, red half on top.
    assert (result.width, result.height) == (20, 40) == out.size
    red, green, blue = out.convert("RGB").getpixel((10, 5))
    assert red > 200 and green < 60 and blue < 60


def test_a_jpeg_comment_polyglot_is_neutralised() -> None:
    payload = b"<?php system($_GET['c']); ?>"
    data = corpus.jpeg_with_comment(payload)
    assert payload in data
    result = process(data)
    assert payload not in result.content and payload not in result.thumbnail
    assert "comment" not in corpus.opened(result.content).info


def test_png_text_chunks_and_icc_profiles_are_dropped() -> None:
    result = process(corpus.png_with_text("<script>alert(1)</script>"))
    assert b"<script>" not in result.content
    assert b"tEXt" not in result.content and b"zTXt" not in result.content
    icc = process(corpus.png_with_icc())
    assert b"iCCP" not in icc.content
    assert "icc_profile" not in corpus.opened(icc.content).info


def test_trailing_data_after_a_png_does_not_survive() -> None:
    tail = b"PK\x03\x04<html><script>alert(1)</script></html>"
    result = process(corpus.png_with_trailing_data(tail))
    assert result.content.endswith(corpus.PNG_IEND)
    assert tail not in result.content


def test_unusual_modes_are_converted_sensibly() -> None:
    cmyk = corpus.opened(process(corpus.cmyk_jpeg()).content)
    assert (cmyk.format, cmyk.mode) == ("JPEG", "RGB")
    grey = corpus.opened(process(corpus.grey16_png()).content)
    assert grey.mode == "L" and grey.getpixel((0, 0)) == 128  # scaled, not clipped to white
    palette = corpus.opened(process(corpus.palette_png_with_transparency()).content)
    assert palette.mode == "RGBA" and palette.getpixel((0, 0)) == (255, 0, 0, 255)
    animated = process(corpus.animated_png())
    assert b"acTL" not in animated.content and getattr(corpus.opened(animated.content), "n_frames", 1) == 1


@pytest.mark.parametrize(
    "data",
    [corpus.SCRIPT, corpus.SVG, corpus.HTML, corpus.gif(), b"GIF89a" + b"\x00" * 40, b"\x89PNG"],
    ids=["script", "svg", "html", "gif", "gif-header", "png-magic-only"],
)
def test_what_is_not_jpeg_png_or_webp_by_content_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia):
        process(data)


@pytest.mark.parametrize(
    "data",
    [b"", corpus.truncated_jpeg(), corpus.png()[:60], corpus.jpeg()[:200] + b"\x00" * 200],
    ids=["empty", "truncated-jpeg", "truncated-png", "garbled-jpeg"],
)
def test_broken_files_are_invalid(data: bytes) -> None:
    with pytest.raises(Invalid) as caught:
        process(data)
    assert "file" in caught.value.extra["errors"]


@pytest.mark.parametrize(
    ("width", "height"),
    [(7000, 7000), (MAX_PIXELS // 1000 + 1, 1000), (100_000, 100_000), (2**31 - 1, 2**31 - 1)],
    ids=["49Mpx", "just-over", "10Gpx", "int32-max"],
)
def test_too_many_pixels_is_refused_from_the_header_before_decoding(monkeypatch, width: int, height: int) -> None:
    data = corpus.png_claiming(width, height)
    decoded: list[object] = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or real_load(self))
    with pytest.raises(Invalid) as caught:
        process(data)
    assert "мегапикселей" in caught.value.extra["errors"]["file"][0]
    assert decoded == []


def test_the_pixel_bound_is_inclusive(monkeypatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    assert process(corpus.png((10, 10))).width == 10
    with pytest.raises(Invalid):
        process(corpus.png((10, 11)))


def test_pillow_bomb_check_agrees_and_its_warning_is_an_error() -> None:
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS
    with pytest.raises(Invalid):
        process(corpus.png_claiming(8000, 8000))  # between 1× and 2× Pillow's bound: the warning


# --- Services: upload --------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_stores_the_reencoded_image_under_an_unguessable_key_in_the_shop_folder(shop, media_root) -> None:
    first = upload(shop, corpus.jpeg_with_gps(), name="../../etc/Букет\x07.jpg")
    second = upload(shop, corpus.jpeg_with_gps())
    prefix = f"shops/{shop.id}/images/"
    assert first.file.name.startswith(prefix) and first.thumbnail.name.startswith(prefix)
    token = first.file.name.removeprefix(prefix).removesuffix(".jpg")
    assert len(token) == 32
    assert first.file.name != second.file.name
    assert first.original_name == "Букет.jpg"
    with default_storage.open(first.file.name) as fh:
        stored = fh.read()
    assert len(stored) == first.size
    assert dict(corpus.opened(stored).getexif()) == {}
    assert (media_root / first.file.name).exists() and (media_root / first.thumbnail.name).exists()
    assert first.url.endswith(first.file.name) and first.thumbnail_url.endswith(first.thumbnail.name)
    assert first.attached_at is None


@pytest.mark.django_db
def test_upload_refuses_a_file_over_the_limit_without_decoding_it(shop, settings, media_root) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    with pytest.raises(TooLarge):
        upload(shop, corpus.noisy_jpeg())
    assert UploadedImage.objects.count() == 0 and stored_files(media_root) == []


@pytest.mark.django_db
def test_a_storage_failure_leaves_no_file_and_no_row(shop, media_root, monkeypatch) -> None:
    real_save = default_storage.save
    calls: list[str] = []

    def flaky_save(name, content, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", flaky_save)
    with pytest.raises(OSError):
        upload(shop, corpus.jpeg())
    assert UploadedImage.objects.count() == 0 and stored_files(media_root) == []


@pytest.mark.django_db
def test_a_database_failure_removes_the_stored_files(shop, media_root, monkeypatch) -> None:
    def failing_create(**kwargs):
        raise IntegrityError("boom")

    monkeypatch.setattr(UploadedImage.objects, "create", failing_create)
    with pytest.raises(IntegrityError):
        upload(shop, corpus.jpeg())
    assert stored_files(media_root) == []


def test_original_names_are_for_display_only() -> None:
    assert clean_original_name("C:\\Users\\x\\роза.png") == "роза.png"
    assert clean_original_name("a/b/\x00evil\n.png") == "evil.png"
    assert clean_original_name(None) == ""
    assert len(clean_original_name("x" * 1000)) == 255


@pytest.mark.django_db
def test_nothing_depends_on_the_filesystem(shop, settings, media_root, django_capture_on_commit_callbacks) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    image = upload(shop, corpus.png())
    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"
    with default_storage.open(image.file.name) as fh:
        assert corpus.opened(fh.read()).format == "PNG"
    assert default_storage.exists(image.thumbnail.name)
    assert image.url.startswith(settings.MEDIA_URL)
    assert stored_files(media_root) == []
    with django_capture_on_commit_callbacks(execute=True):
        image_delete(image=image)
    assert not default_storage.exists(image.file.name) and not default_storage.exists(image.thumbnail.name)


# --- Services: attach, delete, purge ---------------------------------------------------------


@pytest.mark.django_db
def test_attach_marks_an_image_of_the_shop_once(shop) -> None:
    image = upload(shop, corpus.jpeg())
    attached = image_attach(shop=shop, image_id=image.id)
    assert attached.pk == image.pk and attached.attached_at is not None
    with pytest.raises(Invalid) as caught:
        image_attach(shop=shop, image_id=image.id, field="photo_id")
    assert caught.value.extra["errors"] == {"photo_id": ["Это изображение уже используется."]}


@pytest.mark.django_db
def test_attach_refuses_another_shops_image_like_a_missing_one(shop, other_shop) -> None:
    theirs = upload(other_shop, corpus.jpeg())
    with pytest.raises(Invalid) as foreign:
        image_attach(shop=shop, image_id=theirs.id)
    with pytest.raises(Invalid) as missing:
        image_attach(shop=shop, image_id=theirs.id + 1000)
    assert list(foreign.value.extra["errors"]) == ["image_id"]
    assert "не найдено" in foreign.value.extra["errors"]["image_id"][0]
    assert "не найдено" in missing.value.extra["errors"]["image_id"][0]
    theirs.refresh_from_db()
    assert theirs.attached_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", [0, -1, 2**63, True])
def test_attach_refuses_ids_out_of_range(shop, bad_id) -> None:
    with pytest.raises(Invalid):
        image_attach(shop=shop, image_id=bad_id)


@pytest.mark.django_db
def test_attach_rolls_back_with_the_callers_transaction(shop) -> None:
    image = upload(shop, corpus.jpeg())
    with pytest.raises(RuntimeError), transaction.atomic():
        image_attach(shop=shop, image_id=image.id)
        raise RuntimeError("the order could not be saved")
    image.refresh_from_db()
    assert image.attached_at is None


@pytest.mark.django_db
def test_shop_image_field_accepts_only_the_callers_shop(shop, other_shop) -> None:
    class PhotoInput(serializers.Serializer):
        image_id = ShopImageField()

    mine = upload(shop, corpus.jpeg())
    theirs = upload(other_shop, corpus.jpeg())
    ok = PhotoInput(data={"image_id": mine.id}, context={"shop": shop})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["image_id"] == mine
    for value in (theirs.id, "abc", None, 2**64):
        bad = PhotoInput(data={"image_id": value}, context={"shop": shop})
        assert not bad.is_valid() and "image_id" in bad.errors


@pytest.mark.django_db
def test_delete_removes_the_files_after_commit_only(shop, media_root, django_capture_on_commit_callbacks) -> None:
    image = upload(shop, corpus.jpeg())
    pk = image.pk
    paths = [media_root / image.file.name, media_root / image.thumbnail.name]
    with pytest.raises(RuntimeError), transaction.atomic():
        image_delete(image=image)
        raise RuntimeError("rolled back")
    assert all(p.exists() for p in paths) and UploadedImage.objects.filter(pk=pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        image_delete(image=UploadedImage.objects.get(pk=pk))
    assert not any(p.exists() for p in paths)
    assert not UploadedImage.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_purge_removes_only_old_unattached_images(shop, media_root, django_capture_on_commit_callbacks) -> None:
    old = upload(shop, corpus.jpeg())
    old_attached = upload(shop, corpus.jpeg())
    image_attach(shop=shop, image_id=old_attached.id)
    fresh = upload(shop, corpus.jpeg())
    UploadedImage.objects.filter(pk__in=[old.pk, old_attached.pk]).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert image_purge_unattached() == 1
    assert set(UploadedImage.objects.values_list("pk", flat=True)) == {old_attached.pk, fresh.pk}
    assert not (media_root / old.file.name).exists()
    assert (media_root / fresh.file.name).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_attaches_of_one_image_one_wins(requires_postgres, shop) -> None:
    image = upload(shop, corpus.jpeg())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attach() -> None:
        try:
            barrier.wait(timeout=5)
            with transaction.atomic():
                image_attach(shop=shop, image_id=image.id)
                barrier_done.wait(timeout=0.2)
            outcomes.append("attached")
        except Invalid:
            outcomes.append("refused")
        finally:
            connection.close()

    barrier_done = threading.Event()
    # Threads start without the test's context (its disabled shop scope): carry it over.
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(attach,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["attached", "refused"]
