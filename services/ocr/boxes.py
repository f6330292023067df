"""Cutting every digit box out of the flattened page and cleaning it for the classifier.

The printed box lines are erased first (long straight runs of ink where the layout puts the
lines); a crop then keeps the box and a little past its top and bottom, and the ink is scaled
into a 28x28 square and centred by its centre of mass, as in MNIST. Ink is measured relative
to the local paper, so shadows and uneven light do not look like ink, and to how dark the
printed lines look in this photo, so a blurred or dim photo of a pencil digit keeps its strokes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from schemas.form_layout import FormLayout, Rect
from services.ocr.page import PageGeometry

BOX_PX_PER_MM = 6.0
INSET_MM = 0.3
OVERSHOOT_MM = 0.9
OUTER_REACH_MM = 2.5
"""How far past a field's outer left and right lines the first and last box reach: no box
lies there, so ink there is the writer's digit spilling over the line."""
LINE_GAP_MM = 1.0
"""A stroke that ends this close to an erased outer line is taken to cross it."""
LINE_RUN_MM = 5.0
LINE_BAND_MM = 0.8
"""How far from its place in the layout a printed box line may be found (the page geometry is
good to a fraction of a millimetre); a digit's own long strokes (the stem of a 1, the bar of a
7) lie further in and are kept."""
LINE_FIND_THRESHOLD = 0.15
FAINT_LINE_SHARE = 0.5
"""Grey lines (a printer low on toner, a faint copy) are found at half the darkness that most
of the line bands reach, when that is below LINE_FIND_THRESHOLD."""
LINE_ERASE_PX = 3
MIN_PRINT_DARKNESS = 0.3
MIN_DIGIT_HEIGHT_SHARE = 0.45
SPECK_SHARE = 0.15
GLYPH_SIZE = 28
GLYPH_FIT = 20
INK_THRESHOLD = 0.28


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
    side = OUTER_REACH_MM + 1
    return Rect(x=left - side, y=top - 1, w=right - left + 2 * side, h=bottom - top + 2)


def cut_digit_boxes(photo: np.ndarray, geometry: PageGeometry, layout: FormLayout) -> BoxCrops:
    area = fields_area(layout)
    flat = geometry.warp(photo, area, BOX_PX_PER_MM).astype(np.float32)
    paper = _paper_level(flat)
    darkness = np.clip((paper - flat) / np.maximum(paper, 1.0), 0.0, 1.0)
    darkness = _erase_box_lines(darkness, _line_bands(darkness.shape, layout, area))
    glyphs, ink, boxes = [], [], []
    for field in layout.fields:
        last = len(field.boxes) - 1
        for index, box in enumerate(field.boxes):
            interior, beyond = _interior(darkness, box, area, (index == 0, index == last))
            glyph, fraction = clean_glyph(interior, beyond)
            glyphs.append(glyph)
            ink.append(fraction)
            boxes.append(_box_in_photo(geometry, box))
    return BoxCrops(np.stack(glyphs), np.array(ink, dtype=np.float32), boxes)


def clean_glyph(interior: np.ndarray, beyond: tuple[int, int] = (0, 0)) -> tuple[np.ndarray, float]:
    """A box interior (darkness 0..1) to a centred 28x28 glyph, and the share of the box that
    is ink. `beyond`: how many columns at the left and right lie past a field's outer line
    (no box there: ink there is this digit's, not a neighbour's)."""
    ink = _digit_strokes(interior > INK_THRESHOLD, beyond)
    fraction = float(ink.sum() / (ink.shape[0] * (ink.shape[1] - sum(beyond))))
    glyph = np.zeros((GLYPH_SIZE, GLYPH_SIZE), dtype=np.float32)
    if not ink.any():
        return glyph, fraction
    ys, xs = np.nonzero(ink)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    ink_only = np.where(ink[top:bottom, left:right], interior[top:bottom, left:right], 0.0)
    # A mark much smaller than a digit stays small: it must not be blown up into one.
    smallest_digit = MIN_DIGIT_HEIGHT_SHARE * interior.shape[0]
    scale = GLYPH_FIT / max(bottom - top, right - left, smallest_digit)
    height = max(1, round((bottom - top) * scale))
    width = max(1, round((right - left) * scale))
    small = cv2.resize(ink_only.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    total = small.sum()
    if total <= 0:
        return glyph, fraction
    cy = (small.sum(axis=1) * np.arange(height)).sum() / total
    cx = (small.sum(axis=0) * np.arange(width)).sum() / total
    y0 = min(max(round(GLYPH_SIZE / 2 - cy), 0), GLYPH_SIZE - height)
    x0 = min(max(round(GLYPH_SIZE / 2 - cx), 0), GLYPH_SIZE - width)
    glyph[y0 : y0 + height, x0 : x0 + width] = small
    peak = glyph.max()
    return (glyph / peak if peak > 0 else glyph), fraction


def _digit_strokes(ink: np.ndarray, beyond: tuple[int, int]) -> np.ndarray:
    """The ink of this box's digit: drop specks, pieces of a neighbour's digit that reach in
    over a side line (small, at a left or right edge with a box beyond it), and ink past an
    outer line unless the digit inside reaches that line (it spills over; else the ink is
    someone else's)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), 8)
    if count <= 1:
        return ink
    height, width = ink.shape
    own_left, own_right = beyond[0], width - beyond[1]
    left, w, h, area = (stats[1:, column] for column in (0, 2, 3, 4))
    right = left + w
    at_side = ((left == 0) & (beyond[0] == 0)) | ((right >= width) & (beyond[1] == 0))
    intruder = at_side & (w < 0.35 * (own_right - own_left)) & (h < 0.6 * height)
    kept = (area >= SPECK_SHARE * area.max()) & (area >= 4) & ~intruder
    inside = kept & (right > own_left) & (left < own_right)
    gap = round(LINE_GAP_MM * BOX_PX_PER_MM)
    reaches_left = (inside & (left <= own_left + gap)).any()
    reaches_right = (inside & (right >= own_right - gap)).any()
    kept &= inside | ((right <= own_left) & reaches_left) | ((left >= own_right) & reaches_right)
    return np.concatenate([[False], kept])[labels]


def _paper_level(flat: np.ndarray) -> np.ndarray:
    """The local brightness of the paper: a large closing removes ink and box lines."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (25, 25))
    closed = cv2.morphologyEx(flat, cv2.MORPH_CLOSE, kernel)
    return cv2.GaussianBlur(closed, (0, 0), 8)


def _interior(
    darkness: np.ndarray, box: Rect, area: Rect, outer: tuple[bool, bool]
) -> tuple[np.ndarray, tuple[int, int]]:
    """The box, and a little past its top and bottom lines (digits often overshoot them) and
    past its left and right lines where `outer` says they are a field's outer lines; the lines
    themselves are already erased. Also how many columns lie past the outer lines."""
    left = round((box.x - area.x + INSET_MM) * BOX_PX_PER_MM)
    right = round((box.right - area.x - INSET_MM) * BOX_PX_PER_MM)
    reach = round((OUTER_REACH_MM + INSET_MM) * BOX_PX_PER_MM)
    beyond = (min(reach, left) if outer[0] else 0, reach if outer[1] else 0)
    top = max(0, round((box.y - area.y - OVERSHOOT_MM) * BOX_PX_PER_MM))
    bottom = round((box.bottom - area.y + OVERSHOOT_MM) * BOX_PX_PER_MM)
    interior = darkness[top:bottom, left - beyond[0] : right + beyond[1]]
    return interior, (beyond[0], interior.shape[1] - (right - left) - beyond[0])


def _line_bands(shape: tuple[int, ...], layout: FormLayout, area: Rect) -> np.ndarray:
    """Where the printed box lines are: a band of LINE_BAND_MM either side of every box edge,
    in the pixels of the flattened `area`."""
    bands = np.zeros(shape[:2], dtype=np.uint8)
    reach = round(LINE_BAND_MM * BOX_PX_PER_MM)

    def px(mm: float, origin: float) -> int:
        return round((mm - origin) * BOX_PX_PER_MM)

    for field in layout.fields:
        rect = field.rect
        left, right = px(rect.x, area.x), px(rect.right, area.x)
        top, bottom = px(rect.y, area.y), px(rect.bottom, area.y)
        for row in (top, bottom):
            bands[
                max(0, row - reach) : row + reach + 1, max(0, left - reach) : right + reach + 1
            ] = 1
        for column in (*(px(box.x, area.x) for box in field.boxes), right):
            bands[
                max(0, top - reach) : bottom + reach + 1,
                max(0, column - reach) : column + reach + 1,
            ] = 1
    return bands


def _erase_box_lines(darkness: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """Remove the printed box lines, and measure darkness against theirs.

    Lines are ink in long straight horizontal or vertical runs (far longer than any digit
    stroke), found by morphological opening, inside the bands where the layout puts them;
    they are erased dilated a pixel for blur. Black print shows this photo's contrast (blur,
    exposure and JPEG lower it, for the digits as much): the darkness is divided by how dark
    the lines look, so that INK_THRESHOLD means the same share of "black" in every photo and a
    faint pencil digit in a dim photo is not cut into pieces. A printer low on toner prints
    grey lines; where the writing is darker than the lines, it is the measure of black
    instead (else every shade of paper would become ink)."""
    in_bands = darkness[bands > 0]
    faint_lines = FAINT_LINE_SHARE * float(np.percentile(in_bands, 90)) if in_bands.size else 1.0
    ink = (darkness > min(LINE_FIND_THRESHOLD, faint_lines)).astype(np.uint8)
    run = round(LINE_RUN_MM * BOX_PX_PER_MM)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    lines = (horizontal | vertical) & bands
    print_darkness = float(np.percentile(darkness[lines > 0], 75)) if lines.any() else 1.0
    erased = cv2.dilate(lines, np.ones((LINE_ERASE_PX, LINE_ERASE_PX), np.uint8)) & bands
    writing = darkness[(ink > 0) & (erased == 0)]
    writing_darkness = float(np.percentile(writing, 75)) if writing.size else 0.0
    black = max(print_darkness, writing_darkness, MIN_PRINT_DARKNESS)
    relative = np.clip(darkness / black, 0.0, 1.0)
    return np.where(erased > 0, 0.0, relative).astype(np.float32)


def _box_in_photo(geometry: PageGeometry, box: Rect) -> tuple[int, int, int, int]:
    corners = geometry.photo_points(
        np.array([[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]])
    )
    left, top = corners.min(axis=0)
    right, bottom = corners.max(axis=0)
    return int(left), int(top), round(right - left), round(bottom - top)
