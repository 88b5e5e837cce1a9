"""Checking and re-encoding uploaded images (ARCHITECTURE §8).

An upload is trusted for nothing: not its name, not its declared type, not its header.

1. Pillow opens it with an allow-list of formats (JPEG, PNG, WebP), so the *content* decides;
   anything else is 415.
2. The pixel count is read from the header and checked before any pixel is decoded
   (``MAX_PIXELS``); Pillow's own bomb check is set to the same bound and its warning is an
   error, so a decompression bomb is a 400 without the memory it would take.
3. The first frame is decoded in full, so truncated or corrupt files fail (400).
4. ``ImageOps.exif_transpose`` turns phone photos upright, colours are converted to sRGB when an
   ICC profile is embedded, and the pixels are re-encoded into a fresh file of the same format
   with no metadata at all (EXIF, GPS, XMP, comments, text chunks, ICC) — so polyglots and data
   appended after the image do not survive.
5. A thumbnail (``THUMBNAIL_SIZE`` px on the longest side) is made for lists.

Nothing here touches storage or the database: ``flowercrm.uploads`` stores the result.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from flowercrm.errors import Invalid, UnsupportedMedia

logger = logging.getLogger(__name__)

# At most 40 megapixels (a 7700×5200 photo). Decoded RGBA that is 160 MB, the worst case we accept.
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = 480
JPEG_QUALITY = 85
WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80

# Pillow's own bomb check runs inside Image.open(); make it agree with ours (it errors above
# twice the bound and warns above it) and make its warning an error for this whole process.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclass(frozen=True)
class OutputFormat:
    pillow_name: str
    content_type: str
    extension: str


FORMATS: dict[str, OutputFormat] = {
    "JPEG": OutputFormat("JPEG", "image/jpeg", "jpg"),
    "PNG": OutputFormat("PNG", "image/png", "png"),
    "WEBP": OutputFormat("WEBP", "image/webp", "webp"),
}
# Pillow's JPEG opener reports multi-picture JPEGs (some phones and cameras) as MPO.
_SOURCE_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
ALLOWED_FORMATS = ["JPEG", "PNG", "WEBP"]

_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_SRGB = ImageCms.createProfile("sRGB")

UNSUPPORTED_MESSAGE = _("Only JPEG, PNG and WebP images are supported.")
CORRUPT_MESSAGE = _("The image file is damaged or truncated.")


@dataclass(frozen=True)
class ProcessedImage:
    """A re-encoded image and its thumbnail, ready to store."""

    content: bytes
    thumbnail: bytes
    format: OutputFormat
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return self.format.content_type

    @property
    def extension(self) -> str:
        return self.format.extension


def process_image(fp: IO[bytes]) -> ProcessedImage:
    """Check an uploaded file and re-encode it.

    Raises ``UnsupportedMedia`` (415) when the content is not JPEG, PNG or WebP and
    ``Invalid`` (400, on ``file``) when it is empty, too many pixels, truncated or corrupt.
    Never raises anything else for any input.
    """
    source = _open(fp)
    try:
        return _reencode(source)
    except (Invalid, UnsupportedMedia):
        raise
    except MemoryError:
        raise Invalid({"file": [gettext("The image is too large to process.")]}) from None
    except Exception as exc:  # any decoder failure on hostile input is the client's 400, not our 500
        logger.info("Image refused while decoding: %r", exc)
        raise Invalid({"file": [CORRUPT_MESSAGE]}) from None
    finally:
        source.close()


def _open(fp: IO[bytes]) -> Image.Image:
    """Open by content with the allow-list and check the pixel count from the header alone."""
    try:
        fp.seek(0)
        head = fp.read(12)
        if not head:
            raise Invalid({"file": [gettext("The file is empty.")]})
        fp.seek(0)
        image = Image.open(fp, formats=ALLOWED_FORMATS)
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        # A JPEG/PNG/WebP signature that Pillow cannot open is a broken file (400); anything
        # else is a format we do not take (415).
        if _has_allowed_signature(head):
            raise Invalid({"file": [CORRUPT_MESSAGE]}) from None
        raise UnsupportedMedia(UNSUPPORTED_MESSAGE) from None
    except Exception as exc:  # a header that crashes a plugin is still just a bad file
        logger.info("Image refused while reading the header: %r", exc)
        raise Invalid({"file": [CORRUPT_MESSAGE]}) from None
    if image.format not in _SOURCE_FORMATS:  # defence in depth behind the allow-list
        image.close()
        raise UnsupportedMedia(UNSUPPORTED_MESSAGE)
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise _too_many_pixels()
    if width < 1 or height < 1:
        image.close()
        raise Invalid({"file": [CORRUPT_MESSAGE]})
    return image


def _has_allowed_signature(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
    )


def _too_many_pixels() -> Invalid:
    return Invalid(
        {"file": [gettext("The image is larger than %(mpx)d megapixels.") % {"mpx": MAX_PIXELS // 1_000_000}]}
    )


def _reencode(source: Image.Image) -> ProcessedImage:
    output = FORMATS[_SOURCE_FORMATS[str(source.format)]]
    source.load()  # the whole first frame: a truncated file fails here
    try:
        ImageOps.exif_transpose(source, in_place=True)  # in place: one decoded copy fewer
    except Exception as exc:  # broken EXIF: keep the pixels as they are rather than refuse the photo
        logger.info("EXIF orientation ignored: %r", exc)
    image = _normalise(source, output)
    content = _encode(image, output, thumbnail=False)

    thumbnail = _encode(_thumbnail(image), output, thumbnail=True)
    return ProcessedImage(content=content, thumbnail=thumbnail, format=output, width=image.width, height=image.height)


def _thumbnail(image: Image.Image) -> Image.Image:
    """At most ``THUMBNAIL_SIZE`` px on the longest side; a smaller image is used as it is."""
    longest = max(image.size)
    if longest <= THUMBNAIL_SIZE:
        return image
    scale = THUMBNAIL_SIZE / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _normalise(image: Image.Image, output: OutputFormat) -> Image.Image:
    """The pixels in a mode the output format stores, in sRGB, with no metadata attached."""
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    if output.pillow_name == "JPEG":
        target = "L" if image.mode == "L" else "RGB"
    elif has_alpha:
        target = "RGBA"
    elif output.pillow_name == "PNG" and image.mode in ("1", "L", "I", "I;16", "I;16B", "I;16L"):
        target = "L"
    else:
        target = "RGB"

    if image.mode.startswith("I"):  # 16-bit greyscale PNG: scale down instead of clipping to white
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")

    icc = image.info.get("icc_profile")
    converted = _to_srgb(image, icc, target) if icc and image.mode in (target, "CMYK") else None
    if converted is None:
        converted = image if image.mode == target else image.convert(target)
    # Every saver may read some metadata from .info (JPEG comments, PNG ICC/transparency, APNG
    # frame data): the pixels leave with none of it.
    converted.info = {}
    return converted


def _to_srgb(image: Image.Image, icc: bytes, target: str) -> Image.Image | None:
    """Convert from the embedded profile to sRGB; None when the profile is sRGB or unusable
    (then the profile is simply dropped)."""
    if target not in ("RGB", "RGBA"):
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in (ImageCms.getProfileDescription(profile) or "").lower():
            return None
        result = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=target)
    except Exception as exc:  # a hostile or unusual profile: keep the pixels, drop the profile
        logger.info("ICC profile ignored: %r", exc)
        return None
    if result is None or result.mode != target:
        return None
    return result


def _encode(image: Image.Image, output: OutputFormat, *, thumbnail: bool) -> bytes:
    buffer = io.BytesIO()
    if output.pillow_name == "JPEG":
        quality = THUMBNAIL_QUALITY if thumbnail else JPEG_QUALITY
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    elif output.pillow_name == "PNG":
        image.save(buffer, "PNG", optimize=thumbnail)
    else:
        quality = THUMBNAIL_QUALITY if thumbnail else WEBP_QUALITY
        image.save(buffer, "WEBP", quality=quality)
    return buffer.getvalue()
