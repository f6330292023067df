"""Decoding a phone photo to a grayscale array, upright as the phone meant it (EXIF).

JPEGs are decoded at a reduced scale straight from the DCT (Pillow's draft mode): the reader
needs about 2000 pixels on the long side, and decoding a 12 MP photo at half or quarter scale
costs a fraction of a full decode.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

READ_LONG_SIDE = 2000


class UndecodablePhoto(ValueError):
    """The bytes are not an image this reader can decode."""


def decode_photo(data: bytes, long_side: int = READ_LONG_SIDE) -> np.ndarray:
    """Grayscale uint8 array, EXIF orientation applied, long side about `long_side` or less."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            scale = min(1.0, long_side / max(width, height))
            if image.format == "JPEG":
                image.draft("L", (round(width * scale), round(height * scale)))
            upright = ImageOps.exif_transpose(image).convert("L")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UndecodablePhoto(f"cannot decode the photo ({type(error).__name__})") from None
    if max(upright.size) > long_side * 1.25:
        factor = long_side / max(upright.size)
        upright = upright.resize(
            (round(upright.width * factor), round(upright.height * factor)), Image.Resampling.BOX
        )
    return np.asarray(upright)
