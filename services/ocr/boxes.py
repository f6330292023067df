"""Cutting every digit box out of the flattened page and cleaning it for the classifier.

A crop keeps the inside of the printed box (the border itself is cut away by a small inset,
and what is left of it after an imperfect warp is erased), then the ink is scaled into a
28x28 square and centred by its centre of mass, as in MNIST. Ink is measured relative to the
local paper, so shadows and uneven light do not look like ink.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from schemas.form_layout import FormLayout, Rect
from services.ocr.page import PageGeometry

BOX_PX_PER_MM = 6.0
INSET_MM = 0.55
GLYPH_SIZE = 28
GLYPH_FIT = 20
INK_THRESHOLD = 0.28
BORDER_RUN_FRACTION = 0.6


@dataclass(frozen=True)
class BoxCrops:
    """One cleaned 28x28 glyph per digit box, in layout order (field by field, left to right)."""

    glyphs: np.ndarray  # (boxes, 28, 28) float32, 0 = paper, 1 = full ink
    ink_fraction: np.ndarray  # (boxes,) share of the box interior that is ink
    box_px: list[tuple[int, int, int, int]]  # each box in photo pixels: x, y, width, height


def fields_area(layout: FormLayout) -> Rect:
    rects = [field.rect for field in layout.fields]
    left, top = min(r.x for r in rects), min(r.y for r in rects)
    right, bottom = max(r.right for r in rects), max(r.bottom for r in rects)
    return Rect(x=left - 1, y=top - 1, w=right - left + 2, h=bottom - top + 2)


def cut_digit_boxes(photo: np.ndarray, geometry: PageGeometry, layout: FormLayout) -> BoxCrops:
    area = fields_area(layout)
    flat = geometry.warp(photo, area, BOX_PX_PER_MM).astype(np.float32)
    paper = _paper_level(flat)
    darkness = np.clip((paper - flat) / np.maximum(paper, 1.0), 0.0, 1.0)
    glyphs, ink, boxes = [], [], []
    for field in layout.fields:
        for box in field.boxes:
            interior = _interior(darkness, box, area)
            glyph, fraction = clean_glyph(interior)
            glyphs.append(glyph)
            ink.append(fraction)
            boxes.append(_box_in_photo(geometry, box))
    return BoxCrops(np.stack(glyphs), np.array(ink, dtype=np.float32), boxes)


def clean_glyph(interior: np.ndarray) -> tuple[np.ndarray, float]:
    """A box interior (darkness 0..1) to a centred 28x28 glyph, and its ink fraction."""
    interior = _erase_border_remnants(interior.copy())
    ink = interior > INK_THRESHOLD
    fraction = float(ink.mean())
    glyph = np.zeros((GLYPH_SIZE, GLYPH_SIZE), dtype=np.float32)
    if not ink.any():
        return glyph, fraction
    ys, xs = np.nonzero(ink)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    ink_only = interior[top:bottom, left:right] * (interior[top:bottom, left:right] > 0.1)
    scale = GLYPH_FIT / max(bottom - top, right - left)
    height = max(1, round((bottom - top) * scale))
    width = max(1, round((right - left) * scale))
    small = cv2.resize(ink_only, (width, height), interpolation=cv2.INTER_AREA)
    total = small.sum()
    if total <= 0:
        return glyph, fraction
    cy = (small.sum(axis=1) * np.arange(height)).sum() / total
    cx = (small.sum(axis=0) * np.arange(width)).sum() / total
    y0 = round(GLYPH_SIZE / 2 - cy)
    x0 = round(GLYPH_SIZE / 2 - cx)
    y0 = min(max(y0, 0), GLYPH_SIZE - height)
    x0 = min(max(x0, 0), GLYPH_SIZE - width)
    glyph[y0 : y0 + height, x0 : x0 + width] = small
    peak = glyph.max()
    return (glyph / peak if peak > 0 else glyph), fraction


def _paper_level(flat: np.ndarray) -> np.ndarray:
    """The local brightness of the paper: a large closing removes ink and box lines."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (25, 25))
    closed = cv2.morphologyEx(flat, cv2.MORPH_CLOSE, kernel)
    return cv2.GaussianBlur(closed, (0, 0), 8)


def _interior(darkness: np.ndarray, box: Rect, area: Rect) -> np.ndarray:
    left = round((box.x - area.x + INSET_MM) * BOX_PX_PER_MM)
    top = round((box.y - area.y + INSET_MM) * BOX_PX_PER_MM)
    right = round((box.right - area.x - INSET_MM) * BOX_PX_PER_MM)
    bottom = round((box.bottom - area.y - INSET_MM) * BOX_PX_PER_MM)
    return darkness[top:bottom, left:right]


def _erase_border_remnants(interior: np.ndarray, band: int = 3) -> np.ndarray:
    """Clear rows/columns near the edges that are mostly ink: a box line, not a digit."""
    ink = interior > INK_THRESHOLD
    height, width = interior.shape
    for row in [*range(band), *range(height - band, height)]:
        if ink[row].mean() > BORDER_RUN_FRACTION:
            interior[row] = 0
    for column in [*range(band), *range(width - band, width)]:
        if ink[:, column].mean() > BORDER_RUN_FRACTION:
            interior[:, column] = 0
    return interior


def _box_in_photo(geometry: PageGeometry, box: Rect) -> tuple[int, int, int, int]:
    corners = geometry.photo_points(
        np.array([[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]])
    )
    left, top = corners.min(axis=0)
    right, bottom = corners.max(axis=0)
    return int(left), int(top), round(right - left), round(bottom - top)
