"""Deciding whether uploaded bytes are a photo the pipeline can read, before they are stored.

Pure: no I/O besides reading the given bytes. Each refusal is a `PhotoRejected` subclass with
an HTTP status, a stable code and an English message that says what to do; no message ever
quotes the file's bytes (nor Pillow's error texts, which can).

Pillow's global `ImageFile.LOAD_TRUNCATED_IMAGES` is never set here: truncation is found
because it keeps its default (False), under which `load()` raises on missing data.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from dataclasses import dataclass
from typing import ClassVar, Literal

from PIL import Image

ContentType = Literal["image/jpeg", "image/png", "image/webp"]

MAX_ASPECT_RATIO = 8
"""A form photographed whole is never longer than 8 times its width (or the reverse)."""

MAX_JPEG_SCANS = 32
"""Cameras write 1 scan (baseline) or about 10 (progressive). libjpeg goes over the whole
image once per scan, even at 1/8 scale: a 360 KB, 49-megapixel JPEG repeating one tiny scan
1000 times took 29 s to decode. More scans than this are refused, as a decompression bomb."""

_PILLOW_FORMATS: dict[ContentType, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
}
_FORMAT_NAMES: dict[ContentType, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
}
_CONTENT_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
"""Names some phones and browsers still send for a JPEG."""

_UNTYPED = frozenset({"", "application/octet-stream"})
_PRINTABLE_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}")
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_ACCEPTED = "JPEG, PNG or WebP"

_JPEG_FILL, _JPEG_EOI, _JPEG_SOS = 0xFF, 0xD9, 0xDA
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00]")
_JPEG_END_OF_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7]")
"""Inside entropy-coded data FF 00 is a stuffed FF and FF D0-D7 a restart marker. Runs of
FF fill bytes are stepped over in the loop: a repeated FF in the pattern would make the regex
engine slow (30 ms instead of 1.5 ms for a 4 MB photo)."""

_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
"""What Pillow raises on damaged or incomplete data: OSError (UnidentifiedImageError and
"image file is truncated" among them) and the parse errors its readers let through."""


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int
    max_pixels: int
    max_side: int
    min_side: int

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels, self.max_side, self.min_side) < 1:
            raise ValueError("photo limits must be positive")
        if self.min_side > self.max_side:
            raise ValueError("min_side must not exceed max_side")


@dataclass(frozen=True)
class InspectedPhoto:
    content_type: ContentType
    width: int
    height: int
    sha256: str
    size_bytes: int


class PhotoRejected(Exception):
    """A photo refused for a reason the uploader can fix; `str()` is the message."""

    status: ClassVar[int]
    code: ClassVar[str]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PhotoTooLarge(PhotoRejected):
    status, code = 413, "photo_too_large"


class NotAnImage(PhotoRejected):
    status, code = 415, "not_an_image"


class ContentTypeMismatch(PhotoRejected):
    status, code = 415, "content_type_mismatch"


class DecompressionBomb(PhotoRejected):
    status, code = 422, "decompression_bomb"


class AbsurdDimensions(PhotoRejected):
    status, code = 422, "absurd_dimensions"


class TruncatedImage(PhotoRejected):
    status, code = 422, "truncated_image"


def inspect_photo(
    data: bytes, declared_content_type: str | None, limits: PhotoLimits
) -> InspectedPhoto:
    """The photo's type, stored size (EXIF orientation not applied) and digest, or a refusal.

    Cheapest checks first: byte size, magic bytes, declared type, header dimensions; only
    then are the pixels decoded (JPEG at 1/8 scale, which still reads every scan to the end).
    """
    if len(data) > limits.max_bytes:
        raise PhotoTooLarge(
            f"the photo is {_mebibytes(len(data))} MiB, more than the "
            f"{_mebibytes(limits.max_bytes)} MiB allowed; send it at the phone camera's "
            "normal resolution and quality"
        )
    content_type = _sniff_content_type(data)
    _check_declared_type(declared_content_type, content_type)
    if content_type == "image/webp":
        _check_webp_canvas(data, limits)
    width, height = _decode(data, content_type, limits)
    return InspectedPhoto(
        content_type=content_type,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
    )


def _sniff_content_type(data: bytes) -> ContentType:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if not data:
        raise NotAnImage(f"the photo is empty (0 bytes); upload the {_ACCEPTED} file again")
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        raise NotAnImage(
            f"the photo is in HEIC format, which is not accepted; send it as {_ACCEPTED} "
            "(on an iPhone: Settings > Camera > Formats > Most Compatible)"
        )
    raise NotAnImage(
        f"the file is not a {_ACCEPTED} image; upload the photo of the form as {_ACCEPTED}"
    )


def _check_declared_type(declared: str | None, sniffed: ContentType) -> None:
    """A declared type must name what the bytes are; no type or octet-stream defers to them."""
    if declared is None:
        return
    media_type = declared.split(";", 1)[0].strip().lower()
    media_type = _CONTENT_TYPE_ALIASES.get(media_type, media_type)
    if media_type in _UNTYPED or media_type == sniffed:
        return
    shown = media_type if _PRINTABLE_MEDIA_TYPE.fullmatch(media_type) else "another type"
    raise ContentTypeMismatch(
        f"the file is a {_FORMAT_NAMES[sniffed]} image but was sent as {shown}; "
        f"send it with the content type {sniffed}"
    )


def _check_webp_canvas(data: bytes, limits: PhotoLimits) -> None:
    """Pillow's WebP reader allocates the whole canvas when it opens the file: check first."""
    size = _webp_canvas_size(data)
    if size is None:
        raise _truncated("image/webp")
    _check_dimensions(*size, limits)


def _webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _decode(data: bytes, content_type: ContentType, limits: PhotoLimits) -> tuple[int, int]:
    """Open the header, check its dimensions, then decode every pixel; the stored size."""
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[content_type]]) as image:
            width, height = image.size
            _check_dimensions(width, height, limits)
            if content_type == "image/jpeg":
                _check_jpeg_scans(data)
                image.draft("L", (1, 1))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DecompressionBomb(
            f"the image declares far more than the {_megapixels(_pixel_limit(limits))} "
            "megapixels allowed; send a photo at the phone camera's normal resolution"
        ) from None
    except _UNREADABLE:
        raise _truncated(content_type) from None
    return width, height


def _pixel_limit(limits: PhotoLimits) -> int:
    """Also below Pillow's own threshold, so what Pillow would only warn about is refused."""
    if Image.MAX_IMAGE_PIXELS is None:
        return limits.max_pixels
    return min(limits.max_pixels, Image.MAX_IMAGE_PIXELS)


def _check_dimensions(width: int, height: int, limits: PhotoLimits) -> None:
    size = f"{width}x{height} pixels"
    if width * height > _pixel_limit(limits):
        raise DecompressionBomb(
            f"the image declares {size}, more than the {_megapixels(_pixel_limit(limits))} "
            "megapixels allowed; send a photo at the phone camera's normal resolution"
        )
    shortest, longest = sorted((width, height))
    if shortest < limits.min_side:
        raise AbsurdDimensions(
            f"the image is {size}; the form is only readable with at least {limits.min_side} "
            "pixels on the shorter side: send the camera's original photo, not a thumbnail"
        )
    if longest > limits.max_side:
        raise AbsurdDimensions(
            f"the image is {size}; its longer side may be at most {limits.max_side} pixels: "
            "send a photo at the phone camera's normal resolution"
        )
    if longest > MAX_ASPECT_RATIO * shortest:
        raise AbsurdDimensions(
            f"the image is {size}, stretched beyond 1:{MAX_ASPECT_RATIO}; "
            "photograph the whole form in one picture"
        )


def _check_jpeg_scans(data: bytes) -> None:
    if _jpeg_scan_count(data) > MAX_JPEG_SCANS:
        raise DecompressionBomb(
            f"the JPEG is made of more than {MAX_JPEG_SCANS} scans, far more than a camera "
            "writes; send the photo as the camera saved it"
        )


def _jpeg_scan_count(data: bytes) -> int:
    """Scans of the main image up to its EOI, counted no further than MAX_JPEG_SCANS + 1.

    Markers are found the way libjpeg finds them (skipping stray bytes and FF fill bytes),
    so a scan hidden behind garbage is still counted; embedded thumbnails sit inside APP
    segments and extra images (MPO, motion photos) after the EOI, so neither is counted.
    """
    scans, position, next_marker = 0, 2, _JPEG_NEXT_MARKER
    while scans <= MAX_JPEG_SCANS and (found := next_marker.search(data, position)):
        marker, position = data[found.end() - 1], found.end()
        if marker == _JPEG_FILL:
            position -= 1
            continue
        if marker == _JPEG_EOI:
            break
        next_marker = _JPEG_NEXT_MARKER
        if marker in _JPEG_STANDALONE_MARKERS:
            continue
        position += int.from_bytes(data[position : position + 2], "big")
        if marker == _JPEG_SOS:
            scans += 1
            next_marker = _JPEG_END_OF_SCAN
    return scans


def _truncated(content_type: ContentType) -> TruncatedImage:
    return TruncatedImage(
        f"the {_FORMAT_NAMES[content_type]} file is incomplete or damaged and cannot be read "
        "to the end; upload the photo again (take it again if it does not open on the phone)"
    )


def _mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"
