"""Cutting every digit box out of the flattened page and cleaning it for the classifier.

Each field is first found where it really lies, near where the corner markers put it
(`alignment`: a page that is not flat moves its middle a millimetre or two). The printed box
lines are then erased (straight strips of the print's own width, fitted where the field's
lines are); a crop keeps the box and a little past its top and bottom, and the ink is scaled
into a 28x28 square and centred by its centre of mass, as in MNIST. Ink is measured relative
to the local paper, so shadows and uneven light do not look like ink, and to how dark the
printed lines look in this photo, so a blurred or dim photo of a pencil digit keeps its
strokes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from schemas.form_layout import FormField, FormLayout, Rect
from services.ocr.alignment import SEARCH_MM, aligned_fields
from services.ocr.page import PageGeometry

BOX_PX_PER_MM = 6.0
INSET_MM = 0.3
OVERSHOOT_MM = 0.9
OUTER_REACH_MM = 2.5
"""How far past a field's outer left and right lines the first and last box reach: no box
lies there, so ink there is the writer's digit spilling over the line."""
LINE_GAP_MM = 1.0
"""A stroke that ends this close to an erased outer line is taken to cross it."""
LINE_BAND_MM = 0.8
"""How far from its place in the layout a printed box line may be found (the page geometry is
good to a fraction of a millimetre)."""
LINE_MIN_FIT_PX = 6
"""A line is placed by its own ink where at least this many positions along it show it alone
(else it is taken to run straight along its band's darkest row)."""
LINE_FIND_THRESHOLD = 0.15
FAINT_LINE_SHARE = 0.5
"""Grey lines (a printer low on toner, a faint copy) are found at half the darkness that most
of the line bands reach, when that is below LINE_FIND_THRESHOLD."""
MIN_PRINT_DARKNESS = 0.3
MIN_DIGIT_HEIGHT_SHARE = 0.45
SPECK_SHARE = 0.15
GLYPH_SIZE = 28
GLYPH_FIT = 20
INK_THRESHOLD = 0.28
FRAME_MARGIN_MM = 1.5
"""A box's frame: the box and this much around it, lines and neighbours' ink and all."""
FRAME_SHAPE = (44, 36)
"""(height, width) a frame is scaled to: the layout's 6 x 8 mm box and its margin at 4 px/mm
(a digit's stroke is still a pixel or two wide)."""


@dataclass(frozen=True)
class BoxCrops:
    """Per digit box, in layout order (field by field, left to right): the cleaned glyph, the
    share of the box that is ink, and the box's frame as photographed (`box_frame`)."""

    glyphs: np.ndarray  # (boxes, 28, 28) float32, 0 = paper, 1 = full ink
    ink_fraction: np.ndarray  # (boxes,) share of the box interior that is ink
    box_px: list[tuple[int, int, int, int]]  # each box in photo pixels: x, y, width, height
    frames: np.ndarray  # (boxes, *FRAME_SHAPE) float32, darkness relative to the print's black


def fields_area(layout: FormLayout) -> Rect:
    """The page rectangle around every field, wide enough to find each field where it really
    is (`alignment`) and to cut its boxes from there."""
    rects = [field.rect for field in layout.fields]
    left, top = min(r.x for r in rects), min(r.y for r in rects)
    right, bottom = max(r.right for r in rects), max(r.bottom for r in rects)
    around = Rect(x=left, y=top, w=right - left, h=bottom - top)
    return around.grown(OUTER_REACH_MM + 1 + SEARCH_MM, 1 + SEARCH_MM)


def cut_digit_boxes(photo: np.ndarray, geometry: PageGeometry, layout: FormLayout) -> BoxCrops:
    area = fields_area(layout)
    flat = geometry.warp(photo, area, BOX_PX_PER_MM)
    paper = _paper_level(flat)
    darkness = np.clip((paper - flat) / np.maximum(paper, 1.0), 0.0, 1.0)
    fields = aligned_fields(darkness, layout.fields, area, BOX_PX_PER_MM)
    glyphs, ink, frames = boxes_of(darkness, fields, area)
    return BoxCrops(glyphs, ink, _boxes_in_photo(geometry, fields), frames)


def boxes_of(
    darkness: np.ndarray, fields: Sequence[FormField], area: Rect
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The glyphs, ink fractions and frames of every box of `fields` (where they really lie)
    in `darkness`, the page's `area` flattened at BOX_PX_PER_MM (0 = paper, 1 = black)."""
    relative, lines = box_lines(darkness, fields, area)
    erased = np.where(lines, 0.0, relative).astype(np.float32)
    glyphs, ink, frames = [], [], []
    for field in fields:
        last = len(field.boxes) - 1
        for index, box in enumerate(field.boxes):
            interior, beyond = _interior(erased, box, area, (index == 0, index == last))
            glyph, fraction = clean_glyph(interior, beyond)
            glyphs.append(glyph)
            ink.append(fraction)
            frames.append(box_frame(relative, box, area))
    return np.stack(glyphs), np.array(ink, dtype=np.float32), np.stack(frames)


def box_frame(relative: np.ndarray, box: Rect, area: Rect) -> np.ndarray:
    """The box and FRAME_MARGIN_MM around it, its printed lines kept, scaled to FRAME_SHAPE:
    what the frame networks read. Where the cleaning lost a stroke (the bar of a 7 along the
    top line, a digit's part past the box), the frame still shows it."""
    height = round((box.h + 2 * FRAME_MARGIN_MM) * BOX_PX_PER_MM)
    width = round((box.w + 2 * FRAME_MARGIN_MM) * BOX_PX_PER_MM)
    top = round((box.y - area.y - FRAME_MARGIN_MM) * BOX_PX_PER_MM)
    left = round((box.x - area.x - FRAME_MARGIN_MM) * BOX_PX_PER_MM)
    window = np.zeros((height, width), dtype=np.float32)
    rows = slice(max(0, top), min(relative.shape[0], top + height))
    cols = slice(max(0, left), min(relative.shape[1], left + width))
    window[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left] = relative[
        rows, cols
    ]
    return cv2.resize(window, FRAME_SHAPE[::-1], interpolation=cv2.INTER_AREA)


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
    """The local brightness of the paper (float32) in a grayscale image (uint8): a large
    closing removes ink and box lines, and the paper's light, which changes slowly, is smoothed
    at a quarter of the size (a tenth of the time, within half a grey level)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (25, 25))
    closed = cv2.morphologyEx(flat, cv2.MORPH_CLOSE, kernel)
    small = cv2.resize(closed, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    smooth = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 2)
    return cv2.resize(smooth, (flat.shape[1], flat.shape[0]), interpolation=cv2.INTER_LINEAR)


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


@dataclass(frozen=True)
class _LineSegment:
    """One printed box line in the pixels of the flattened area: where its field puts it
    across (a row for a horizontal line, a column for a vertical one) and the stretch it runs
    along (start inclusive, end exclusive)."""

    field: int
    horizontal: bool
    across: int
    start: int
    end: int


def _line_segments(fields: Sequence[FormField], area: Rect) -> list[_LineSegment]:
    """Every field's top and bottom lines and its box sides, a band's reach longer at each end
    so the corners are covered."""
    reach = round(LINE_BAND_MM * BOX_PX_PER_MM)

    def px(mm: float, origin: float) -> int:
        return round((mm - origin) * BOX_PX_PER_MM)

    segments = []
    for number, field in enumerate(fields):
        rect = field.rect
        left, right = px(rect.x, area.x) - reach, px(rect.right, area.x) + reach + 1
        top, bottom = px(rect.y, area.y) - reach, px(rect.bottom, area.y) + reach + 1
        for row in (px(rect.y, area.y), px(rect.bottom, area.y)):
            segments.append(_LineSegment(number, True, row, max(0, left), right))
        for column in (*(px(box.x, area.x) for box in field.boxes), px(rect.right, area.x)):
            segments.append(_LineSegment(number, False, column, max(0, top), bottom))
    return segments


def _band(image: np.ndarray, segment: _LineSegment, reach: int) -> np.ndarray:
    """The band of `image` around a segment, as (across, along): a vertical line's band is
    transposed (a view: writing to it writes to `image`)."""
    low = max(0, segment.across - reach)
    if segment.horizontal:
        return image[low : segment.across + reach + 1, segment.start : segment.end]
    return image[segment.start : segment.end, low : segment.across + reach + 1].T


def box_lines(
    darkness: np.ndarray, fields: Sequence[FormField], area: Rect
) -> tuple[np.ndarray, np.ndarray]:
    """Find the printed box lines, and measure darkness against theirs: (darkness relative to
    the print's black, the pixels of the lines).

    A printed line is straight and of one width all along. Across its band (where its field
    puts it), the run of ink through the band's darkest row is the line, where nothing else
    touches it; the line's width is the most common length of those runs over the lines of
    its field and direction (blur differs over the page, and a stroke along one short box
    side must not pass for its width). A straight fit through the middles of the runs that
    are the line alone places it. Then at each position the run of ink through the line's
    middle is erased, whole where it is no longer than the line (its blurred edges included);
    where it is longer, writing touches the line, and only the line's width about its middle
    goes. So a digit's stroke beside the line (the bar of a 7 under the top line, the side of
    a 0 along a box side) keeps its ink; only where it crosses the line is it cut, by the
    line's width.

    Black print shows this photo's contrast (blur, exposure and JPEG lower it, for the digits
    as much): the darkness is divided by how dark the lines look, so that INK_THRESHOLD means
    the same share of "black" in every photo and a faint pencil digit in a dim photo is not
    cut into pieces. A printer low on toner prints grey lines, found at half the darkness most
    of the bands reach; where the writing is darker than the lines, it is the measure of
    black instead (else every shade of paper would become ink)."""
    reach = round(LINE_BAND_MM * BOX_PX_PER_MM)
    alike: dict[tuple[int, ...], list[tuple[_LineSegment, np.ndarray]]] = {}
    for segment in _line_segments(fields, area):
        band = _band(darkness, segment, reach)
        alike.setdefault(band.shape, []).append((segment, band))
    stacks = {shape: np.stack([band for _, band in group]) for shape, group in alike.items()}
    in_bands = np.concatenate([stack.ravel() for stack in stacks.values()])
    faint_lines = FAINT_LINE_SHARE * float(np.percentile(in_bands, 90)) if in_bands.size else 1.0
    threshold = min(LINE_FIND_THRESHOLD, faint_lines)
    erased = np.zeros(darkness.shape, dtype=bool)
    for shape, group in alike.items():
        segments = [segment for segment, _ in group]
        nominal = np.array(
            [segment.across - max(0, segment.across - reach) for segment in segments]
        )
        fields = [segment.field for segment in segments]
        strips = _line_strips(stacks[shape], threshold, nominal, fields, reach)
        for segment, strip in zip(segments, strips, strict=True):
            _band(erased, segment, reach)[...] |= strip
    lines = erased & (darkness > threshold)
    print_darkness = float(np.percentile(darkness[lines], 75)) if lines.any() else 1.0
    writing = darkness[(darkness > threshold) & ~erased]
    writing_darkness = float(np.percentile(writing, 75)) if writing.size else 0.0
    black = max(print_darkness, writing_darkness, MIN_PRINT_DARKNESS)
    return np.clip(darkness / black, 0.0, 1.0).astype(np.float32), erased


def _line_strips(
    bands: np.ndarray, threshold: float, nominal: np.ndarray, fields: list[int], reach: int
) -> np.ndarray:
    """(lines, across, along) bands of lines of one direction, the darkness that is ink and
    the layout's row of each -> the pixels of each line (`box_lines`)."""
    ink = bands > threshold
    rows = np.arange(ink.shape[1])
    # The darkest row of each band, rows near the layout's preferred: the next field's line,
    # 1 mm away, may lie in the band too.
    closeness = 1 - 0.5 * np.abs(rows[None, :] - nominal[:, None]) / (reach + 1)
    darkest = np.argmax(bands.mean(axis=2) * closeness, axis=1)
    first = _runs_through(ink, np.broadcast_to(darkest[:, None], ink[:, 0].shape))
    lengths = first.sum(axis=1)
    field_of = np.array(fields)
    width = np.zeros(len(fields), dtype=np.int64)
    for field in set(fields):
        mine = field_of == field
        width[mine] = _most_common_count(lengths[mine])
    alone = (lengths > 0) & (lengths <= width[:, None] + 1)
    middles = (first * rows[None, :, None]).sum(axis=1) / np.maximum(lengths, 1)
    middle = _fitted_middles(alone, middles, darkest.astype(np.float64))
    run = _runs_through(ink, np.rint(middle).astype(np.int64))
    core = np.abs(rows[None, :, None] - middle[:, None, :]) <= width[:, None, None] / 2
    only_the_line = run.sum(axis=1, keepdims=True) <= width[:, None, None] + 2
    strips = core | (run & only_the_line)
    strips[width == 0] = False
    return strips


def _runs_through(ink: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """(lines, across, along) ink and (lines, along) rows -> at each position, the unbroken
    run of ink across the band that holds the row `centre` (or the row next to it when
    `centre` itself is paper)."""
    height = ink.shape[1]

    def at(array: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.take_along_axis(array, rows[:, None, :], axis=1)[:, 0]

    centre = np.clip(centre, 0, height - 1)
    for offset in (-1, 1):
        beside = np.clip(centre + offset, 0, height - 1)
        centre = np.where(~at(ink, centre) & at(ink, beside), beside, centre)
    starts = ink.copy()
    starts[:, 1:] &= ~ink[:, :-1]
    run_number = np.cumsum(starts, axis=1)
    same_run = run_number == at(run_number, centre)[:, None, :]
    return ink & same_run & at(ink, centre)[:, None, :]


def _most_common_count(counts: np.ndarray) -> int:
    """The most common non-zero count; 0 when all are 0."""
    inked = counts[counts > 0]
    return int(np.bincount(inked).argmax()) if inked.size else 0


def _fitted_middles(alone: np.ndarray, middles: np.ndarray, darkest: np.ndarray) -> np.ndarray:
    """(lines, along): for each line, a straight fit through its `middles` where it shows
    `alone`, refitted without the ones more than 1.5 pixels off; its darkest row where too
    little of it shows alone."""
    positions = np.arange(alone.shape[1])[None, :]
    fitted = _straight_fit(alone, positions, middles, darkest)
    close = alone & (np.abs(fitted - middles) <= 1.5)
    refitted = np.where(
        close.sum(axis=1, keepdims=True) >= LINE_MIN_FIT_PX,
        _straight_fit(close, positions, middles, darkest),
        fitted,
    )
    enough = alone.sum(axis=1, keepdims=True) >= LINE_MIN_FIT_PX
    return np.where(enough, refitted, darkest[:, None])


def _straight_fit(
    use: np.ndarray, x: np.ndarray, y: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Least-squares lines y = a + b x through the points `use` marks, one per row, evaluated
    at every x; `fallback` (flat) for a row with fewer than two distinct points."""
    w = use.astype(np.float64)
    n, sx, sy = w.sum(1), (w * x).sum(1), (w * y).sum(1)
    sxx, sxy = (w * x * x).sum(1), (w * x * y).sum(1)
    spread = n * sxx - sx * sx
    ok = spread > 1e-9
    slope = np.where(ok, (n * sxy - sx * sy) / np.where(ok, spread, 1), 0.0)
    intercept = np.where(ok, (sy - slope * sx) / np.maximum(n, 1), fallback)
    return intercept[:, None] + slope[:, None] * x


def _boxes_in_photo(
    geometry: PageGeometry, fields: Sequence[FormField]
) -> list[tuple[int, int, int, int]]:
    """Each box's bounding rectangle in the photo (x, y, width, height), in layout order."""
    boxes = [box for field in fields for box in field.boxes]
    corners_mm = np.array(
        [
            [[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]]
            for box in boxes
        ]
    )
    corners = geometry.photo_points(corners_mm.reshape(-1, 2)).reshape(len(boxes), 4, 2)
    left, top = corners.min(axis=1).T
    right, bottom = corners.max(axis=1).T
    widths, heights = (right - left).tolist(), (bottom - top).tolist()
    return [
        (int(x), int(y), round(w), round(h))
        for x, y, w, h in zip(left, top, widths, heights, strict=True)
    ]
