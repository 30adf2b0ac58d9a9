"""Upload checks: only real, sane pictures pass, and they come out clean."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from django.utils.functional import Promise
from PIL import Image

from auctions.images import ImageRejected, image_process, images_process

from .picture_files import (
    GPS_IFD,
    MAKE,
    exif_with_gps_and_orientation,
    image_bytes,
    png_declaring,
    upload,
)


@pytest.fixture(autouse=True)
def in_english():
    # The messages are compared word for word; an earlier test's request may
    # have left another language active in this thread.
    with translation.override("en"):
        yield


def reopen(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


@pytest.mark.parametrize(
    ("fmt", "name", "stored_as"),
    [
        ("JPEG", "a.jpg", "JPEG"),
        ("PNG", "a.png", "PNG"),
        ("WEBP", "a.webp", "WEBP"),
        ("GIF", "a.gif", "PNG"),
    ],
)
def test_it_accepts_each_supported_format(fmt, name, stored_as):
    result = image_process(upload(name, image_bytes(fmt=fmt)))

    assert reopen(result.content).format == stored_as
    assert (result.width, result.height) == (64, 48)
    assert reopen(result.thumbnail).format == "WEBP"


def test_a_phone_jpeg_with_extra_frames_is_stored_as_a_plain_jpeg():
    # Pillow calls a JPEG with several frames "MPO" (many phones write them).
    first = Image.new("RGB", (64, 48), (10, 200, 10))
    second = Image.new("RGB", (64, 48), (0, 0, 0))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])

    result = image_process(upload("phone.jpg", buffer.getvalue()))

    stored = reopen(result.content)
    assert stored.format == "JPEG"
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.getpixel((5, 5))[1] > 150  # the first frame, not the second


def test_a_renamed_text_file_is_refused_by_name():
    fake = upload("holiday.jpg", b"I am not a picture, just some text.\n" * 20)

    with pytest.raises(ImageRejected) as refused:
        image_process(fake)

    assert str(refused.value) == (
        "“holiday.jpg” is not a picture: upload a JPEG, PNG, WebP or GIF image."
    )


def test_a_format_outside_the_list_is_refused_even_if_pillow_can_read_it():
    tiff = upload("scan.jpg", image_bytes(fmt="TIFF"))

    with pytest.raises(ImageRejected, match="“scan.jpg” is not a picture"):
        image_process(tiff)


def test_a_truncated_image_is_refused():
    whole = image_bytes(size=(400, 300), fmt="JPEG")
    cut = upload("cut.jpg", whole[: len(whole) // 2])

    with pytest.raises(ImageRejected) as refused:
        image_process(cut)

    assert str(refused.value) == (
        "“cut.jpg” could not be read: the file is damaged or incomplete."
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 100,000 × 100,000 pixels declared in a file of a few hundred bytes: far past
    # Pillow's own bomb limit, which raises before any pixel is allocated.
    bomb = upload("bomb.png", png_declaring(100_000, 100_000))
    assert bomb.size < 2_000

    with pytest.raises(ImageRejected) as refused:
        image_process(bomb)

    assert str(refused.value) == (
        "“bomb.png” has too many pixels: at most 40 megapixels."
    )


def test_a_canvas_above_the_pixel_limit_is_refused_without_decoding(settings):
    # Under Pillow's own limit but over ours: refused from the header alone.
    settings.AUCTION_IMAGE_MAX_PIXELS = 40_000_000
    big = upload("wide.png", png_declaring(8_000, 6_000))

    with pytest.raises(ImageRejected, match="“wide.png” has too many pixels"):
        image_process(big)


def test_an_oversized_file_is_refused_before_it_is_opened(settings):
    settings.AUCTION_IMAGE_MAX_BYTES = 1024 * 1024
    heavy = upload("heavy.jpg", b"\xff\xd8" + b"\0" * (1024 * 1024))

    with pytest.raises(ImageRejected) as refused:
        image_process(heavy)

    assert str(refused.value) == (
        "“heavy.jpg” is too large: a picture may be at most 1 MB."
    )


def test_an_empty_file_is_refused():
    with pytest.raises(ImageRejected, match="“empty.png” is empty."):
        image_process(upload("empty.png", b""))


def test_gps_position_and_camera_details_are_removed():
    original = image_bytes(exif=exif_with_gps_and_orientation())
    assert reopen(original).getexif().get_ifd(GPS_IFD)  # the test file has them

    result = image_process(upload("gps.jpg", original))

    cleaned = reopen(result.content)
    assert not cleaned.getexif()
    assert "exif" not in cleaned.info
    assert not reopen(result.thumbnail).getexif()
    assert MAKE not in cleaned.getexif()


def test_the_exif_orientation_is_applied_to_the_pixels():
    # Orientation 6: the camera was turned, the picture must be rotated 90° to
    # be upright; a 64 × 48 sensor picture becomes 48 × 64.
    original = image_bytes(size=(64, 48), exif=exif_with_gps_and_orientation(6))

    result = image_process(upload("turned.jpg", original))

    assert (result.width, result.height) == (48, 64)
    assert reopen(result.content).size == (48, 64)


def test_the_thumbnail_is_480_pixels_wide_and_keeps_the_proportions():
    result = image_process(upload("big.png", image_bytes(size=(1600, 1200), fmt="PNG")))

    thumbnail = reopen(result.thumbnail)
    assert thumbnail.size == (480, 360)
    assert (result.thumbnail_width, result.thumbnail_height) == (480, 360)
    assert (result.width, result.height) == (1600, 1200)


def test_a_very_large_picture_is_stored_at_2560_pixels_on_its_longest_side():
    result = image_process(upload("huge.jpg", image_bytes(size=(6000, 2000))))

    assert (result.width, result.height) == (2560, 853)
    assert reopen(result.content).size == (2560, 853)


def test_a_small_picture_is_not_enlarged_for_its_thumbnail():
    result = image_process(upload("small.png", image_bytes(size=(200, 100), fmt="PNG")))

    assert reopen(result.thumbnail).size == (200, 100)


def test_transparency_survives_in_png_and_in_the_thumbnail():
    transparent = image_bytes(fmt="PNG", mode="RGBA", color=(0, 0, 0, 0))

    result = image_process(upload("clear.png", transparent))

    assert reopen(result.content).mode == "RGBA"
    assert reopen(result.thumbnail).mode == "RGBA"


def test_a_palette_png_keeps_its_transparent_colour():
    palette = Image.new("P", (20, 20), 0)
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)

    result = image_process(upload("icon.png", buffer.getvalue()))

    stored = reopen(result.content)
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0


def test_a_cmyk_jpeg_is_stored_as_rgb():
    cmyk = image_bytes(mode="CMYK", color=(0, 255, 255, 0))

    result = image_process(upload("print.jpg", cmyk))

    assert reopen(result.content).mode == "RGB"


def test_too_many_pictures_are_refused(settings):
    settings.AUCTION_IMAGES_MAX = 3

    with pytest.raises(ImageRejected) as refused:
        images_process([upload(f"{n}.jpg") for n in range(4)])

    assert str(refused.value) == ("Too many pictures: an auction may have at most 3.")


def test_the_first_bad_file_in_a_set_is_named():
    files = [upload("good.jpg"), upload("notes.png", b"plain text"), upload("b.jpg")]

    with pytest.raises(ImageRejected, match="“notes.png”"):
        images_process(files)


def test_the_refusal_is_translated_when_shown_not_when_raised():
    with pytest.raises(ImageRejected) as refused:
        image_process(upload("x.jpg", b"text"))

    # Lazy: a bot handler or a page renders it later in the reader's language.
    assert isinstance(refused.value.message, Promise)
