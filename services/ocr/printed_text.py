"""Reading the printed region block with Tesseract (printed text is what it is good at).

Tesseract runs as a child process per call (pytesseract). With OpenMP threads it is slower
on a busy machine, not faster: each call is limited to one thread.
"""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytesseract

from schemas.form_layout import FormLayout, Rect
from services.ocr.page import PageGeometry

TEXT_PX_PER_MM = 8.0
TESSERACT_TIMEOUT_SECONDS = 5
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def region_block(layout: FormLayout) -> Rect:
    for block in layout.printed_text:
        if block.what.startswith("region block") and block.y is not None and block.h is not None:
            return Rect(x=block.x, y=block.y, w=block.w, h=block.h)
    raise ValueError("the layout has no region block")


def read_region_block(photo: np.ndarray, geometry: PageGeometry, layout: FormLayout) -> str | None:
    """The block's text as Tesseract reads it; None when Tesseract fails or times out."""
    flat = geometry.warp(photo, region_block(layout), TEXT_PX_PER_MM)
    binary = cv2.adaptiveThreshold(
        flat, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15
    )
    try:
        text = pytesseract.image_to_string(
            binary, lang="eng", config="--psm 6", timeout=TESSERACT_TIMEOUT_SECONDS
        )
    except (RuntimeError, pytesseract.TesseractError, OSError):
        return None
    return text.strip() or None
