"""What lies under the form: a table or cloth, drawn coarse and scaled up (it is out of focus
and only has to look like a surface)."""

from __future__ import annotations

import random

import cv2
import numpy as np

COARSE = 8
"""The surface is drawn at 1/COARSE of the frame's resolution."""
SURFACES = {
    "wood": ((150, 105, 65), (95, 60, 35)),
    "laminate": ((200, 200, 195), (150, 150, 150)),
    "cloth": ((40, 90, 60), (130, 40, 40)),
    "dark": ((45, 45, 50), (25, 25, 30)),
    "tile": ((210, 205, 190), (170, 165, 150)),
}


def table_surface(rng: random.Random, size: tuple[int, int]) -> tuple[np.ndarray, str]:
    """An RGB image of `size` (width, height) showing a random surface, and its kind."""
    kind = rng.choice(sorted(SURFACES))
    width, height = size
    coarse_w, coarse_h = max(2, width // COARSE), max(2, height // COARSE)
    noise = np.random.default_rng(rng.getrandbits(32))
    light, dark = (np.array(colour, dtype=np.float32) for colour in SURFACES[kind])
    base = light + (dark - light) * rng.random()
    ys, xs = np.mgrid[0:coarse_h, 0:coarse_w].astype(np.float32)
    blotches = cv2.resize(
        noise.standard_normal((coarse_h // 16 + 2, coarse_w // 16 + 2), dtype=np.float32),
        (coarse_w, coarse_h),
        interpolation=cv2.INTER_CUBIC,
    )
    if kind == "wood":
        angle = rng.uniform(0, np.pi)
        along = xs * np.cos(angle) + ys * np.sin(angle)
        rings = np.sin(along * rng.uniform(0.4, 1.0) + 1.2 * blotches)
        pattern = 0.08 * rings + 0.05 * np.sin(along * 3.1 + 2 * blotches)
    elif kind == "tile":
        period = rng.uniform(40, 90)
        grout = (np.minimum(xs % period, ys % period) < 1.5).astype(np.float32)
        pattern = -0.25 * grout + 0.03 * blotches
    else:
        pattern = 0.06 * blotches
    grain = noise.standard_normal((coarse_h, coarse_w), dtype=np.float32) * 0.04
    shade = (1 + pattern + grain)[:, :, None] * base
    coarse = np.clip(shade, 0, 255).astype(np.uint8)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR), kind
