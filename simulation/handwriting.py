"""Officers' handwriting: the digits of every field written into its boxes, in a writer's hand.

A `Writer` is a hand (where its digit shapes come from) plus how it holds the pen: ink, pen
width, slant, size, how steady its baseline is, and how often it strays onto the box border.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

from schemas.form_layout import FormLayout, Rect
from simulation.glyphs import Glyph, GlyphSource
from simulation.units import mm_to_px

BLUE_BALLPOINT = (28, 45, 140)
BLACK_BALLPOINT = (30, 30, 38)
PENCIL = (95, 95, 100)
BLANK_BOX = " "
GLYPH_MARGIN_MM = 2.5
"""How far around its box a digit's ink may reach (when it strays over the border)."""


@dataclass(frozen=True)
class Writer:
    """One hand. Lengths in mm on paper; slant is the horizontal shear (0.2 leans right);
    `scale` is the digit height as a share of the box height; chances are per digit or field."""

    name: str
    glyphs: GlyphSource
    ink: tuple[int, int, int] = BLUE_BALLPOINT
    opacity: float = 0.95
    grain: float = 0.1
    pen_mm: float = 0.45
    slant: float = 0.0
    scale: float = 0.7
    baseline_jitter_mm: float = 0.35
    rotation_jitter_deg: float = 4.0
    border_touch_chance: float = 0.03
    leading_zero_chance: float = 0.0
    blank_zero_chance: float = 0.0


@dataclass(frozen=True)
class FilledForm:
    """The page with ink (RGB), and what was written per field: one character per box, most
    significant first, a space for a blank box (`" 45"`, `"045"`, `"   "`)."""

    pixels: np.ndarray
    written: dict[str, str]


def box_texts(value: int | None, digits: int, writer: Writer, rng: random.Random) -> str:
    """What the writer puts in a field's boxes for `value`: right-aligned digits, the leading
    boxes blank or (sometimes) 0; a zero sometimes left all blank; None stays blank."""
    if value is None or (value == 0 and rng.random() < writer.blank_zero_chance):
        return BLANK_BOX * digits
    text = str(value)
    if len(text) > digits:
        raise ValueError(f"{value} does not fit {digits} boxes")
    pad = "0" if rng.random() < writer.leading_zero_chance else BLANK_BOX
    return text.rjust(digits, pad)


def fill_form(
    page: np.ndarray,
    layout: FormLayout,
    values: dict[str, int | None],
    writer: Writer,
    rng: random.Random,
    dpi: int,
) -> FilledForm:
    """Write `values` (field name to number; None or absent is left blank) on a grayscale
    page rendered at `dpi`; returns an RGB copy with the ink."""
    pixels = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    grain = np.random.default_rng(rng.getrandbits(64))
    written: dict[str, str] = {}
    for field in layout.fields:
        text = box_texts(values.get(field.name), field.digits, writer, rng)
        written[field.name] = text
        for box, character in zip(field.boxes, text, strict=True):
            if character != BLANK_BOX:
                glyph = writer.glyphs.glyph(int(character), rng)
                _ink(pixels, _placed(glyph, box, writer, rng, dpi), writer, grain, box, dpi)
    return FilledForm(pixels, written)


def _placed(glyph: Glyph, box: Rect, writer: Writer, rng: random.Random, dpi: int) -> np.ndarray:
    """The glyph's coverage on a canvas of the box plus its margin: scaled to the writer's size,
    slanted, rotated, jittered, and now and then pushed over the border."""
    margin = mm_to_px(GLYPH_MARGIN_MM, dpi)
    box_w, box_h = mm_to_px(box.w, dpi), mm_to_px(box.h, dpi)
    canvas_w, canvas_h = math.ceil(box_w + 2 * margin), math.ceil(box_h + 2 * margin)
    glyph_h, glyph_w = glyph.mask.shape
    height = box_h * writer.scale * rng.uniform(0.92, 1.08)
    factor = min(height / glyph_h, 0.88 * box_w / glyph_w)
    centre_x = margin + box_w / 2 + rng.gauss(0, 0.12) * box_w * (1 - glyph_w * factor / box_w)
    centre_y = margin + box_h / 2 + rng.gauss(0, mm_to_px(writer.baseline_jitter_mm, dpi))
    if rng.random() < writer.border_touch_chance:
        factor *= rng.uniform(1.1, 1.35)
        centre_x += rng.choice((-1, 1)) * rng.uniform(0.1, 0.3) * box_w
        centre_y += rng.choice((-1, 1)) * rng.uniform(0.1, 0.25) * box_h
    angle = math.radians(rng.gauss(0, writer.rotation_jitter_deg))
    shear = writer.slant + rng.gauss(0, 0.04)
    cos, sin = math.cos(angle) * factor, math.sin(angle) * factor
    # glyph centre to origin, scale+rotate, shear (leaning the top right), to the box centre
    linear = np.array([[1, -shear], [0, 1]]) @ np.array([[cos, -sin], [sin, cos]])
    offset = np.array([centre_x, centre_y]) - linear @ np.array([glyph_w / 2, glyph_h / 2])
    matrix = np.hstack([linear, offset[:, None]])
    placed = cv2.warpAffine(glyph.mask, matrix, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR)
    return _with_pen_width(placed, glyph.stroke_px * factor, mm_to_px(writer.pen_mm, dpi))


def _with_pen_width(mask: np.ndarray, stroke_px: float, pen_px: float) -> np.ndarray:
    """Thicken or thin the strokes towards the writer's pen width, by at most 3 pixels a side
    and never thinner than about 1.5 pixels."""
    change = round((pen_px - stroke_px) / 2)
    if change < 0:
        change = -min(-change, int((stroke_px - 1.5) / 2))
    change = max(-3, min(3, change))
    if change == 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(change) + 1,) * 2)
    return cv2.dilate(mask, kernel) if change > 0 else cv2.erode(mask, kernel)


def _ink(
    pixels: np.ndarray,
    coverage: np.ndarray,
    writer: Writer,
    grain: np.random.Generator,
    box: Rect,
    dpi: int,
) -> None:
    """Lay ink over the page inside the glyph canvas: the paper and print show through as
    through a ballpoint's or pencil's translucent line (multiplicative)."""
    left = round(mm_to_px(box.x - GLYPH_MARGIN_MM, dpi))
    top = round(mm_to_px(box.y - GLYPH_MARGIN_MM, dpi))
    height, width = coverage.shape
    region = pixels[top : top + height, left : left + width]
    coverage = coverage[: region.shape[0], : region.shape[1]]
    strength = coverage * writer.opacity
    if writer.grain:
        strength *= 1 - writer.grain * grain.random(strength.shape, np.float32)
    ink = np.array(writer.ink, dtype=np.float32) / 255
    region[:] = region * (1 - strength[:, :, None] * (1 - ink))
