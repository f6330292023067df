"""A form whose QR code cannot be read: a sticker over it, or scribbled over in pen."""

from __future__ import annotations

import random

import cv2
import numpy as np

from schemas.form_layout import FormLayout
from simulation.handwriting import BLACK_BALLPOINT, BLUE_BALLPOINT
from simulation.units import mm_to_px

STICKER_COLOURS = ((250, 225, 60), (250, 250, 245), (245, 150, 60), (150, 220, 150))


def damage_qr(pixels: np.ndarray, layout: FormLayout, dpi: int, rng: random.Random) -> str:
    """Cover the QR code of an RGB page rendered at `dpi`, in place; says how (`sticker` or
    `scribble`)."""
    left, top = mm_to_px(layout.qr.x, dpi), mm_to_px(layout.qr.y, dpi)
    side = mm_to_px(layout.qr.size, dpi)
    if rng.random() < 0.5:
        _sticker(pixels, left, top, side, rng)
        return "sticker"
    _scribble(pixels, left, top, side, dpi, rng)
    return "scribble"


def _sticker(pixels: np.ndarray, left: float, top: float, side: float, rng: random.Random) -> None:
    """An opaque label over most of the symbol, including its centre."""
    width, height = side * rng.uniform(0.6, 0.85), side * rng.uniform(0.5, 0.8)
    centre = (
        left + side / 2 + rng.uniform(-0.1, 0.1) * side,
        top + side / 2 + rng.uniform(-0.1, 0.1) * side,
    )
    box = ((centre[0], centre[1]), (width, height), rng.uniform(-25, 25))
    corners = cv2.boxPoints(box).astype(np.int32)
    if rng.random() < 0.5:
        cv2.fillConvexPoly(pixels, corners, rng.choice(STICKER_COLOURS), cv2.LINE_AA)
    else:
        axes = (round(width / 2), round(height / 2))
        cv2.ellipse(
            pixels,
            (round(centre[0]), round(centre[1])),
            axes,
            box[2],
            0,
            360,
            rng.choice(STICKER_COLOURS),
            -1,
            cv2.LINE_AA,
        )


def _scribble(
    pixels: np.ndarray, left: float, top: float, side: float, dpi: int, rng: random.Random
) -> None:
    """Dense zigzags in ballpoint across the whole symbol, as when crossing something out."""
    pen = max(2, round(mm_to_px(rng.uniform(0.8, 1.5), dpi)))
    colour = rng.choice((BLUE_BALLPOINT, BLACK_BALLPOINT))
    rows = rng.randint(9, 14)
    points = []
    for row in range(rows):
        y = top + side * (row + rng.uniform(0.2, 0.8)) / rows
        x = left + side * (rng.uniform(-0.05, 0.1) if row % 2 == 0 else rng.uniform(0.9, 1.05))
        points.append((round(x), round(y)))
    cv2.polylines(pixels, [np.array(points, dtype=np.int32)], False, colour, pen, cv2.LINE_AA)
