"""Picture files made in memory for tests: real images, damaged ones and fakes."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tag numbers (TIFF/EXIF standard).
ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS_LATITUDE_REF = 1
GPS_LATITUDE = 2
MAKE = 0x010F


def image_bytes(
    *,
    size: tuple[int, int] = (64, 48),
    fmt: str = "JPEG",
    color: tuple[int, ...] = (200, 40, 40),
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    picture = Image.new(mode, size, color)
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(
    name: str = "photo.jpg", content: bytes | None = None, content_type: str = ""
) -> SimpleUploadedFile:
    if content is None:
        content = image_bytes()
    return SimpleUploadedFile(name, content, content_type=content_type or "image/jpeg")


def exif_with_gps_and_orientation(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "SpyCam 3000"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(
        {GPS_LATITUDE_REF: "N", GPS_LATITUDE: (55.0, 45.0, 21.0)}
    )
    return exif


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG a few hundred bytes long whose header claims `width` × `height`
    pixels: decoding it would allocate memory for all of them."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # One row of zeros, compressed: the data stops far short of the declared size.
    data = zlib.compress(b"\x00" * (1 + width * 3 if width < 10_000 else 1024))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )
