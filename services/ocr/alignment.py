"""Where each field's boxes really are, near where the corner markers put them.

The markers fix the perspective of a flat page. A real page is seldom flat (folded for the
trip to the PPS, curling, lying on a bag) and a phone's lens bends straight lines a little, so
the middle of the page can lie a millimetre or two off: as far as a digit is from a box line.
Each field's own printed grid is therefore looked for within `SEARCH_MM` of where the markers
put it: its top and bottom lines in a profile of the long horizontal strokes across it, then
its box sides in a profile of the long vertical strokes down it. A page bends smoothly, so a
field found far from where its neighbours were found (its lines hidden under writing, or a
row of straight 1s taken for box sides) takes its neighbours' offset instead.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from schemas.form_layout import FormField, Rect

SEARCH_MM = 2.5
"""How far from where the markers put it a field is looked for. Less than half a box (6 mm):
box sides repeat every box, and a row of 1s stands half a box from them."""
LINE_KERNEL_MM = 5.0
"""Only strokes at least this long and straight count as box lines; a digit's bar in a box
6 mm wide is seldom so long."""
NEIGHBOUR_MM = 30.0
"""Fields whose centres lie within this distance are neighbours: a page bends little over it."""
AGREE_MM = 1.0
"""A field found farther than this from its neighbours' median offset takes that median."""
MIN_LINE_SHARE = 0.3
"""A field whose box sides (or top and bottom lines) show less than this share of the ink most
fields' show (their 75th percentile) was not found across (or down): it takes its neighbours'
offset that way."""


def aligned_fields(
    darkness: np.ndarray, fields: Sequence[FormField], area: Rect, px_per_mm: float
) -> tuple[FormField, ...]:
    """`fields` moved to where their print is in `darkness` (0 paper .. 1 ink, the page
    rectangle `area` flattened at `px_per_mm`)."""
    offsets = field_offsets(darkness, fields, area, px_per_mm) / px_per_mm
    return tuple(
        moved(field, dx, dy) for field, (dx, dy) in zip(fields, offsets.tolist(), strict=True)
    )


def moved(field: FormField, dx: float, dy: float) -> FormField:
    """The field and its boxes `dx`, `dy` millimetres further right and down."""
    if dx == 0 and dy == 0:
        return field
    boxes = tuple(box.model_copy(update={"x": box.x + dx, "y": box.y + dy}) for box in field.boxes)
    return field.model_copy(update={"x": field.x + dx, "y": field.y + dy, "boxes": boxes})


def field_offsets(
    darkness: np.ndarray, fields: Sequence[FormField], area: Rect, px_per_mm: float
) -> np.ndarray:
    """(fields, 2): how many pixels right and down of where the layout puts it each field's
    printed grid is found."""
    kernel = max(3, round(LINE_KERNEL_MM * px_per_mm))
    ink = (darkness * 255).astype(np.uint8)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, kernel), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((kernel, 1), np.uint8))
    reach = round(SEARCH_MM * px_per_mm)
    shifts = np.arange(-reach, reach + 1)
    found = np.zeros((len(fields), 2), dtype=np.float64)
    strength = np.zeros((len(fields), 2), dtype=np.float64)  # line ink per line: sides, top

    def px(mm: float, origin: float) -> int:
        return round((mm - origin) * px_per_mm)

    margin = round(px_per_mm)  # the rows near the top and bottom lines: digits cross them
    rects = [field.rect for field in fields]
    for number, (field, rect) in enumerate(zip(fields, rects, strict=True)):
        left, right = px(rect.x, area.x), px(rect.right, area.x)
        top, bottom = px(rect.y, area.y), px(rect.bottom, area.y)
        start = top - reach - 1  # the profiles cover the search and one position more
        rows = _profile(horizontal[start : bottom + reach + 2, left:right].sum(axis=1))
        row_scores = rows[top - start + shifts] + rows[bottom - start + shifts]
        dy = _best(shifts, row_scores)
        sides = np.array([px(box.x, area.x) for box in field.boxes] + [right])
        start = left - reach - 1
        band = vertical[top + dy + margin : bottom + dy - margin, start : right + reach + 2]
        columns = _profile(band.sum(axis=0))
        column_scores = columns[(sides - start)[:, None] + shifts].sum(axis=0)
        dx = _best(shifts, column_scores)
        found[number] = dx, dy
        strength[number] = column_scores.max() / len(sides), row_scores.max() / 2
    centres = np.array([[rect.x + rect.w / 2, rect.y + rect.h / 2] for rect in rects])
    return _consistent(found, strength, centres, px_per_mm)


def _best(shifts: np.ndarray, scores: np.ndarray) -> int:
    """The shift that scores highest; of equal scores, the smallest shift."""
    return int(shifts[np.lexsort((np.abs(shifts), -scores))[0]])


def _profile(sums: np.ndarray) -> np.ndarray:
    """Line ink summed along a line, each position with its two neighbours (a line is about
    two pixels wide, and need not fall on one row)."""
    return np.convolve(sums, np.ones(3), mode="same")


def _consistent(
    found: np.ndarray, strength: np.ndarray, centres: np.ndarray, px_per_mm: float
) -> np.ndarray:
    """Offsets where each field agrees with its neighbours (see the module docstring), across
    and down each on its own evidence; `centres` are the fields' centres in millimetres."""
    seen = (strength > 0) & (strength >= MIN_LINE_SHARE * np.percentile(strength, 75, axis=0))
    distance = np.hypot(*(centres[:, None] - centres[None, :]).transpose(2, 0, 1))
    np.fill_diagonal(distance, np.inf)
    close = (distance <= NEIGHBOUR_MM).tolist()
    result = found.copy()
    for axis in range(found.shape[1]):
        offsets, seen_here = found[:, axis].tolist(), seen[:, axis].tolist()
        for number, neighbours in enumerate(close):
            near = [
                offsets[other]
                for other, is_near in enumerate(neighbours)
                if is_near and seen_here[other]
            ]
            if not near:
                result[number, axis] = offsets[number] if seen_here[number] else 0
                continue
            median = statistics.median(near)
            if not seen_here[number] or abs(offsets[number] - median) > AGREE_MM * px_per_mm:
                result[number, axis] = round(median)
    return result
