"""Every input is made here with Pillow (or a few literal header bytes): no binary fixtures."""

import hashlib
import io
import random
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from services.ingest.photo_inspection import (
    MAX_JPEG_SCANS,
    AbsurdDimensions,
    ContentTypeMismatch,
    DecompressionBomb,
    InspectedPhoto,
    NotAnImage,
    PhotoLimits,
    PhotoRejected,
    PhotoTooLarge,
    TruncatedImage,
    inspect_photo,
)

LIMITS = PhotoLimits(max_bytes=1024 * 1024, max_pixels=4_000_000, max_side=4000, min_side=200)


def photo_like(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    """Gradients, blotches and grain: compresses like a phone photo, not like a flat fill."""
    randomness = random.Random(seed)

    def noise(noise_width: int, noise_height: int) -> Image.Image:
        return Image.frombytes(
            "L", (noise_width, noise_height), randomness.randbytes(noise_width * noise_height)
        )

    blotches = Image.merge(
        "RGB", [noise(width // 16, height // 16).filter(ImageFilter.GaussianBlur(2)) for _ in "RGB"]
    ).resize((width, height), Image.Resampling.BICUBIC)
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    grain = Image.merge("RGB", [noise(width, height) for _ in "RGB"])
    return Image.blend(Image.blend(blotches, gradient, 0.4), grain, 0.15)


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


PHOTO = photo_like()
JPEG = encode(PHOTO, "JPEG", quality=90)
PROGRESSIVE_JPEG = encode(PHOTO, "JPEG", quality=90, progressive=True)
PNG = encode(PHOTO, "PNG")
WEBP = encode(PHOTO, "WEBP", quality=90)


def png_declaring(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header (IHDR, with a valid CRC) claims another size."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(data[12:29]))
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (8, 8)), "JPEG"))
    frame_header = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, frame_header + 5, height, width)
    return bytes(data)


def webp_declaring(width: int, height: int) -> bytes:
    """A lossy WebP (VP8 chunk) whose key-frame header claims another size."""
    data = bytearray(encode(Image.new("RGB", (8, 8)), "WEBP"))
    assert data[12:16] == b"VP8 "
    struct.pack_into("<HH", data, 26, width, height)
    return bytes(data)


def refused(
    data: bytes,
    expected: type[PhotoRejected],
    status: int,
    code: str,
    declared: str | None = None,
    limits: PhotoLimits = LIMITS,
) -> str:
    with pytest.raises(expected) as refusal:
        inspect_photo(data, declared, limits)
    error = refusal.value
    assert (error.status, error.code) == (status, code)
    message = str(error)
    assert message == error.message
    assert message.isascii() and message.isprintable()
    for start in range(0, len(data) - 7, max(1, len(data) // 64)):
        sample = data[start : start + 8]
        assert sample.decode("latin-1") not in message
        assert repr(sample)[2:-1] not in message
    return message


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (JPEG, "image/jpeg"),
        (PROGRESSIVE_JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (WEBP, "image/webp"),
        (encode(PHOTO, "WEBP", lossless=True), "image/webp"),
        (encode(PHOTO.convert("L"), "JPEG"), "image/jpeg"),
        (encode(PHOTO.convert("CMYK"), "JPEG"), "image/jpeg"),
        (encode(PHOTO.convert("RGBA"), "PNG"), "image/png"),
    ],
)
def test_a_good_photo_is_described(data, content_type):
    assert inspect_photo(data, content_type, LIMITS) == InspectedPhoto(
        content_type=content_type,
        width=640,
        height=480,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
    )


@pytest.mark.parametrize(
    "declared",
    [None, "", "application/octet-stream", "image/jpeg", "IMAGE/JPEG; name=form.jpg", "image/jpg"],
)
def test_no_declared_type_or_any_name_of_jpeg_is_accepted(declared):
    assert inspect_photo(JPEG, declared, LIMITS).content_type == "image/jpeg"


def test_dimensions_are_as_stored_not_as_exif_orientation_would_turn_them():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    photo = inspect_photo(encode(PHOTO, "JPEG", exif=exif.tobytes()), None, LIMITS)
    assert (photo.width, photo.height) == (640, 480)


def test_phone_jpegs_with_extra_images_are_accepted():
    """Some phones write MPO (several JPEGs in one file) or append a video after the EOI."""
    mpo = encode(PHOTO, "MPO", save_all=True, append_images=[PHOTO.rotate(180)])
    motion_photo = JPEG + b"\x00\x00\x00\x18ftypmp42" + bytes(4096)
    for data in (mpo, motion_photo):
        assert inspect_photo(data, "image/jpeg", LIMITS).width == 640


def test_a_photo_over_the_byte_cap_is_refused_before_anything_is_read():
    too_large = b"\xff\xd8\xff" + bytes(LIMITS.max_bytes)
    message = refused(too_large, PhotoTooLarge, 413, "photo_too_large", declared="text/plain")
    assert "1.0 MiB" in message
    tiny_cap = PhotoLimits(max_bytes=len(JPEG) - 1, max_pixels=10**6, max_side=999, min_side=1)
    refused(JPEG, PhotoTooLarge, 413, "photo_too_large", limits=tiny_cap)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        bytes(range(256)) * 8,
        b"Foto formulir C.Hasil TPS 001, rahasia\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        encode(PHOTO, "GIF"),
        encode(PHOTO, "BMP"),
        encode(PHOTO, "TIFF"),
        b"\xff\xd8",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
    ],
    ids=["empty", "random", "text", "pdf", "heic", "gif", "bmp", "tiff", "half-soi", "wav"],
)
def test_anything_but_jpeg_png_or_webp_is_not_an_image(data):
    message = refused(data, NotAnImage, 415, "not_an_image", declared="image/jpeg")
    assert "JPEG, PNG or WebP" in message


def test_heic_gets_a_hint_for_iphones():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    assert "Most Compatible" in refused(heic, NotAnImage, 415, "not_an_image")


@pytest.mark.parametrize(
    ("data", "declared", "actual"),
    [
        (PNG, "image/jpeg", "image/png"),
        (JPEG, "image/png", "image/jpeg"),
        (WEBP, "image/jpeg", "image/webp"),
        (JPEG, "text/plain", "image/jpeg"),
        (JPEG, "image/gif", "image/jpeg"),
    ],
)
def test_a_declared_type_that_is_not_what_the_bytes_are_is_refused(data, declared, actual):
    message = refused(data, ContentTypeMismatch, 415, "content_type_mismatch", declared=declared)
    assert declared in message and actual in message


def test_a_declared_type_is_only_repeated_when_it_is_a_plain_media_type():
    message = refused(
        JPEG, ContentTypeMismatch, 415, "content_type_mismatch", declared="image/\x1b[31mx\x00"
    )
    assert "\x1b" not in message and "another type" in message


@pytest.mark.parametrize(
    "data",
    [
        png_declaring(30_000, 30_000),
        png_declaring(2500, 2000),
        jpeg_declaring(60_000, 60_000),
        jpeg_declaring(2500, 2000),
        webp_declaring(16_000, 16_000),
        webp_declaring(2500, 2000),
    ],
    ids=[
        "png-huge",
        "png-over-limit",
        "jpeg-huge",
        "jpeg-over-limit",
        "webp-huge",
        "webp-over-limit",
    ],
)
def test_a_small_file_claiming_too_many_pixels_is_a_decompression_bomb(data):
    assert len(data) < 1000
    refused(data, DecompressionBomb, 422, "decompression_bomb")


def test_a_jpeg_repeating_a_scan_is_refused_before_its_costly_decode():
    """Each progressive scan costs a pass over the whole image, however few bytes it has."""
    flat = encode(Image.new("RGB", (2000, 2000), (120, 130, 140)), "JPEG", progressive=True)
    last_scan, end = flat.rindex(b"\xff\xda"), flat.rindex(b"\xff\xd9")
    repeated = flat[:end] + flat[last_scan:end] * 1000 + flat[end:]
    assert len(repeated) < LIMITS.max_bytes
    message = refused(repeated, DecompressionBomb, 422, "decompression_bomb")
    assert f"more than {MAX_JPEG_SCANS} scans" in message


@pytest.mark.parametrize(
    ("size", "hint"),
    [
        ((10, 10), "at least 200 pixels"),
        ((640, 199), "at least 200 pixels"),
        ((4001, 600), "at most 4000 pixels"),
        ((1800, 200), "beyond 1:8"),
        ((200, 1601), "beyond 1:8"),
    ],
)
def test_absurd_dimensions_are_refused(size, hint):
    image = Image.new("RGB", size, (200, 200, 200))
    assert hint in refused(encode(image, "PNG"), AbsurdDimensions, 422, "absurd_dimensions")


def test_a_one_to_eight_page_is_still_a_photo():
    assert inspect_photo(encode(Image.new("L", (1600, 200)), "PNG"), None, LIMITS).height == 200


def truncated_png() -> bytes:
    return PNG[: len(PNG) * 6 // 10]


def corrupted_png() -> bytes:
    data = bytearray(PNG)
    first_pixels = data.index(b"IDAT") + 200
    data[first_pixels : first_pixels + 64] = bytes(64)
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        JPEG[: len(JPEG) * 6 // 10],
        PROGRESSIVE_JPEG[: len(PROGRESSIVE_JPEG) * 6 // 10],
        JPEG[:-100],
        JPEG[:-2],
        JPEG[:400],
        truncated_png(),
        corrupted_png(),
        PNG[:40],
        WEBP[: len(WEBP) * 6 // 10],
        WEBP[:20],
    ],
    ids=[
        "jpeg-60%",
        "progressive-jpeg-60%",
        "jpeg-last-100-bytes-cut",
        "jpeg-without-eoi",
        "jpeg-header-only",
        "png-60%",
        "png-corrupted",
        "png-header-only",
        "webp-60%",
        "webp-header-only",
    ],
)
def test_an_image_that_does_not_decode_to_the_end_is_truncated(data):
    """JPEGs are decoded at 1/8 scale: that still reads every scan, so a cut is still found."""
    refused(data, TruncatedImage, 422, "truncated_image")


@pytest.mark.parametrize(
    "limits",
    [
        {"max_bytes": 0, "max_pixels": 1, "max_side": 1, "min_side": 1},
        {"max_bytes": 1, "max_pixels": 1, "max_side": 10, "min_side": 11},
    ],
)
def test_limits_that_no_photo_could_meet_are_a_configuration_error(limits):
    with pytest.raises(ValueError):
        PhotoLimits(**limits)


SMALL_IMAGES = [
    encode(PHOTO.resize((256, 192)), "JPEG", quality=80),
    encode(PHOTO.resize((256, 192)), "JPEG", quality=80, progressive=True),
    encode(PHOTO.resize((256, 192)), "PNG"),
    encode(PHOTO.resize((256, 192)).convert("P"), "PNG"),
    encode(PHOTO.resize((256, 192)), "WEBP", quality=80),
    encode(PHOTO.resize((256, 192)), "WEBP", lossless=True),
]


@st.composite
def damaged_images(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SMALL_IMAGES)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        data[position : position + 1] = draw(st.binary(max_size=4))
    return bytes(data[: draw(st.integers(1, len(data)))])


MAGIC_BYTES = st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP"])


@settings(max_examples=400, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.builds(bytes.__add__, MAGIC_BYTES, st.binary(max_size=2048)),
        damaged_images(),
    ),
    declared=st.one_of(st.none(), st.sampled_from(["image/jpeg", "image/png", "text/plain"])),
)
def test_any_bytes_are_described_or_refused_as_a_photo_never_crash(data, declared):
    small_limits = PhotoLimits(max_bytes=64 * 1024, max_pixels=1_000_000, max_side=2000, min_side=8)
    try:
        photo = inspect_photo(data, declared, small_limits)
    except PhotoRejected as refusal:
        assert refusal.message.isascii() and refusal.message.isprintable()
    else:
        assert photo.sha256 == hashlib.sha256(data).hexdigest()
