"""Decoding a phone photo to a grayscale array, upright as the phone meant it (EXIF).

JPEGs are decoded at a reduced scale straight from the DCT (Pillow's draft mode: 1/2, 1/4 or
1/8): the reader needs at least about 1500 pixels on the long side, and decoding a 12 MP photo
at half scale costs a fraction of a full decode. Other formats are decoded whole and reduced.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

READ_LONG_SIDE = 1500
MAX_LONG_SIDE = 2600


class UndecodablePhoto(ValueError):
    """The bytes are not an image this reader can decode."""


@dataclass(frozen=True)
class DecodedPhoto:
    pixels: np.ndarray
    full_long_side: int  # the photo's own long side: more detail is there if needed

    @property
    def reduced(self) -> bool:
        return max(self.pixels.shape) < self.full_long_side


def decode_photo(data: bytes, long_side: int = READ_LONG_SIDE) -> np.ndarray:
    """The pixels of `decode_sized`."""
    return decode_sized(data, long_side).pixels


def decode_sized(
    data: bytes, long_side: int = READ_LONG_SIDE, max_long_side: int = MAX_LONG_SIDE
) -> DecodedPhoto:
    """Grayscale, EXIF orientation applied, long side at least `long_side` (when the photo has
    that many pixels) and at most `max_long_side`."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            scale = min(1.0, long_side / max(width, height))
            if image.format == "JPEG":
                image.draft("L", (round(width * scale), round(height * scale)))
            upright = ImageOps.exif_transpose(image).convert("L")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UndecodablePhoto(f"cannot decode the photo ({type(error).__name__})") from None
    if max(upright.size) > max_long_side:
        factor = min(long_side, max_long_side) / max(upright.size)
        upright = upright.resize(
            (round(upright.width * factor), round(upright.height * factor)), Image.Resampling.BOX
        )
    return DecodedPhoto(np.asarray(upright), max(width, height))
