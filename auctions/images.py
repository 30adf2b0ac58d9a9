"""Auction photos: what an upload must be before it is stored, and what is stored.

A file is accepted only if Pillow decodes it completely as JPEG, PNG, WebP or GIF;
its name and the browser's content type are never trusted. Accepted pictures are
turned upright (EXIF orientation) and re-encoded without their metadata (camera,
GPS position, comments), and a small thumbnail is made for lists and cards.

Processing needs no database, so callers do it before opening a transaction: on
SQLite a write transaction blocks every other writer while it is open.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from auction_bot.errors import DomainError

# Pillow's decoders for anything else (TIFF, PSD, ICO, ...) are never even tried.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# What is stored for each accepted format. GIF becomes PNG: only the first frame is
# kept, and a still PNG of it is smaller and simpler to serve.
# MPO is how Pillow names a JPEG carrying extra frames (phones and 3D cameras
# write them); it is opened by the JPEG decoder, and only the first frame is kept.
OUTPUT_FORMATS = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WEBP",
    "GIF": "PNG",
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_FORMAT = "WEBP"
MEGABYTE = 1024 * 1024
# The longest side of the stored picture (larger uploads are scaled down).
STORED_MAX_SIDE = 2560
# Whatever a broken or hostile file makes Pillow raise while it is decoded.
DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    Image.DecompressionBombError,
)


class ImageRejected(DomainError):
    """An upload that is not an acceptable picture; the message names the file."""


class Upload(Protocol):
    """An uploaded file as Django gives it (or any named binary file)."""

    name: str | None
    size: int | None

    def seek(self, offset: int, whence: int = 0) -> int: ...

    def read(self, size: int = -1) -> bytes: ...

    def tell(self) -> int: ...


@dataclass(frozen=True)
class ProcessedImage:
    """A picture ready to store: bytes of the cleaned image and its thumbnail."""

    original_name: str
    content: bytes
    extension: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_extension: str
    thumbnail_width: int
    thumbnail_height: int


def _display_name(upload: Upload) -> str:
    name = os.path.basename(upload.name or "") or str(_("(unnamed file)"))
    return name if len(name) <= 80 else f"{name[:77]}…"


def _upload_size(upload: Upload) -> int:
    if upload.size is not None:
        return upload.size
    upload.seek(0, os.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def image_process(upload: Upload) -> ProcessedImage:
    """Check one upload and return it cleaned, or raise ImageRejected."""
    name = _display_name(upload)
    max_bytes = settings.AUCTION_IMAGE_MAX_BYTES
    max_pixels = settings.AUCTION_IMAGE_MAX_PIXELS
    if _upload_size(upload) > max_bytes:
        raise ImageRejected(
            _("“%(name)s” is too large: a picture may be at most %(megabytes)s MB."),
            name=name,
            # A plain number: the message is rendered later, in the reader's
            # language, and a pre-formatted size would keep the raiser's.
            megabytes=f"{max_bytes / MEGABYTE:g}",
        )
    if _upload_size(upload) == 0:
        raise ImageRejected(_("“%(name)s” is empty."), name=name)
    upload.seek(0)
    try:
        picture = Image.open(upload, formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(name, max_pixels) from exc
    except DECODE_ERRORS as exc:
        raise ImageRejected(
            _("“%(name)s” is not a picture: upload a JPEG, PNG, WebP or GIF image."),
            name=name,
        ) from exc
    with picture:
        # Only the header has been read so far: refuse a huge canvas before
        # decoding allocates memory for it (a "decompression bomb" is a tiny file
        # that declares billions of pixels).
        width, height = picture.size
        if width * height > max_pixels:
            raise _too_many_pixels(name, max_pixels)
        source_format = picture.format
        try:
            if source_format in ("JPEG", "MPO"):
                # libjpeg can decode at 1/2, 1/4 or 1/8 scale: a picture far
                # larger than what is stored then costs a fraction of the memory
                # and time (never smaller than STORED_MAX_SIDE).
                picture.draft("RGB", (STORED_MAX_SIDE, STORED_MAX_SIDE))
            picture.load()
            upright = ImageOps.exif_transpose(picture)
        except DECODE_ERRORS as exc:
            raise ImageRejected(
                _("“%(name)s” could not be read: the file is damaged or incomplete."),
                name=name,
            ) from exc
    return _encode(upright, source_format, original_name=name)


def _too_many_pixels(name: str, max_pixels: int) -> ImageRejected:
    return ImageRejected(
        _("“%(name)s” has too many pixels: at most %(megapixels)s megapixels."),
        name=name,
        megapixels=max_pixels // 1_000_000,
    )


def _encode(
    picture: Image.Image, source_format: str, *, original_name: str
) -> ProcessedImage:
    output_format = OUTPUT_FORMATS[source_format]
    # The colour profile describes colours, not the person: keeping it keeps the
    # photo's colours right. Everything else in `info` (EXIF, XMP, comments) goes.
    icc_profile = picture.info.get("icc_profile")
    # Converted first: a palette picture's transparency is read from `info`.
    picture = _for_format(picture, output_format)
    picture.info = {}
    # Pages never show more than this; a 40-megapixel original would only cost
    # storage and bandwidth.
    picture.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE), Image.Resampling.LANCZOS)
    content = _save(picture, output_format, icc_profile)

    thumbnail = picture.copy()
    width = settings.AUCTION_THUMBNAIL_WIDTH
    # Bounded in height too, so a panorama strip does not make a huge thumbnail.
    thumbnail.thumbnail((width, width * 3), Image.Resampling.LANCZOS)
    thumbnail = _for_format(thumbnail, THUMBNAIL_FORMAT)
    thumbnail_bytes = _save(thumbnail, THUMBNAIL_FORMAT, icc_profile)
    return ProcessedImage(
        original_name=original_name,
        content=content,
        extension=EXTENSIONS[output_format],
        width=picture.width,
        height=picture.height,
        thumbnail=thumbnail_bytes,
        thumbnail_extension=EXTENSIONS[THUMBNAIL_FORMAT],
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )


def _for_format(picture: Image.Image, output_format: str) -> Image.Image:
    if output_format == "JPEG":
        return picture if picture.mode == "RGB" else picture.convert("RGB")
    wanted = "RGBA" if _has_alpha(picture) else "RGB"
    return picture if picture.mode == wanted else picture.convert(wanted)


def _save(picture: Image.Image, output_format: str, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if output_format == "JPEG":
        options.update(quality=88, optimize=True)
    elif output_format == "WEBP":
        options.update(quality=85, method=4)
    picture.save(buffer, format=output_format, **options)
    return buffer.getvalue()


def images_process(uploads: Sequence[Upload]) -> list[ProcessedImage]:
    """Check a set of uploads for one auction: how many, then each one."""
    limit = settings.AUCTION_IMAGES_MAX
    if len(uploads) > limit:
        raise ImageRejected(
            _("Too many pictures: an auction may have at most %(limit)s."),
            limit=limit,
        )
    return [image_process(upload) for upload in uploads]
