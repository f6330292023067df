"""Reading the printed region block with Tesseract (printed text is what it is good at).

Tesseract gets the block in grayscale and binarizes it itself: an adaptive threshold of ours
broke thin printed strokes and cost about one code in ten on phone photos. When the block's
text does not name the TPS of the form's QR, the block is read once more, larger and from
every pixel of the photo: a misread digit of the printed code would otherwise send a good form
to review as a swapped sticker, while a sticker really from another TPS reads the other code
both times.

Tesseract runs as a child process per call (pytesseract). With OpenMP threads it is slower
on a busy machine, not faster: each call is limited to one thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import pytesseract

from schemas.form_layout import FormLayout, Rect, tps_codes_in_text
from services.ocr.page import PageGeometry

TEXT_PX_PER_MM = 6.0
"""The first read: Tesseract's time grows with the pixels, and at 8 px/mm it took about 30 ms
more on a 12 MP photo while the two reads together found the printed code no more often."""
SECOND_READ_PX_PER_MM = 12.0
TESSERACT_TIMEOUT_SECONDS = 5
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def region_block(layout: FormLayout) -> Rect:
    for block in layout.printed_text:
        if block.what.startswith("region block") and block.y is not None and block.h is not None:
            return Rect(x=block.x, y=block.y, w=block.w, h=block.h)
    raise ValueError("the layout has no region block")


def read_region_block(
    photo: np.ndarray,
    geometry: PageGeometry,
    layout: FormLayout,
    qr_tps: str | None = None,
    all_pixels: Callable[[], tuple[np.ndarray, PageGeometry]] | None = None,
) -> str | None:
    """The block's text as Tesseract reads it; None when Tesseract fails or times out. With
    the QR's TPS code, a text that does not name it is read again at a larger scale (from
    `all_pixels()` when given: the photo decoded whole), and the second text is kept if it
    names the QR's TPS."""
    block = region_block(layout)
    text = _tesseract(geometry.warp(photo, block, TEXT_PX_PER_MM))
    if qr_tps is None or qr_tps in tps_codes_in_text(text or ""):
        return text
    if all_pixels is not None:
        photo, geometry = all_pixels()
    again = _tesseract(geometry.warp(photo, block, SECOND_READ_PX_PER_MM))
    return again if qr_tps in tps_codes_in_text(again or "") else text


def _tesseract(gray: np.ndarray) -> str | None:
    try:
        text = pytesseract.image_to_string(
            gray, lang="eng", config="--psm 6", timeout=TESSERACT_TIMEOUT_SECONDS
        )
    except (RuntimeError, pytesseract.TesseractError, OSError):
        return None
    return text.strip() or None
