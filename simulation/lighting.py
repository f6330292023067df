"""The light on the scene: exposure, colour of the light, a gradient across the frame,
vignetting and a soft shadow (a hand, the phone, a person standing by)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

COARSE = 16
LIGHT_COLOURS = {
    "daylight": (1.0, 1.0, 1.0),
    "warm": (1.0, 0.93, 0.8),
    "fluorescent": (0.93, 1.0, 0.97),
    "shade": (0.9, 0.95, 1.0),
}


@dataclass(frozen=True)
class Light:
    exposure: float
    colour: str
    gradient: float
    """How much darker the far side of the frame is than the near side (0-1)."""
    vignette: float
    shadow: float
    """How much light the shadow takes away (0: no shadow)."""


def random_light(rng: random.Random) -> Light:
    return Light(
        exposure=rng.uniform(0.72, 1.0),
        colour=rng.choice(sorted(LIGHT_COLOURS)),
        gradient=rng.uniform(0.0, 0.4),
        vignette=rng.uniform(0.0, 0.25),
        shadow=rng.uniform(0.25, 0.55) if rng.random() < 0.4 else 0.0,
    )


def lit(image: np.ndarray, light: Light, rng: random.Random) -> np.ndarray:
    """`image` (RGB) under `light`: a smooth gain map, computed coarse, applied in one pass."""
    height, width = image.shape[:2]
    coarse_w, coarse_h = max(2, width // COARSE), max(2, height // COARSE)
    ys, xs = np.mgrid[0:coarse_h, 0:coarse_w].astype(np.float32)
    xs, ys = xs / coarse_w - 0.5, ys / coarse_h - 0.5
    angle = rng.uniform(0, 2 * math.pi)
    along = xs * math.cos(angle) + ys * math.sin(angle)
    gain = 1 - light.gradient * (along - along.min()) / max(float(np.ptp(along)), 1e-6)
    gain *= 1 - light.vignette * (xs**2 + ys**2) * 2
    if light.shadow:
        gain *= 1 - light.shadow * _shadow(rng, coarse_w, coarse_h)
    gain = gain * light.exposure
    channels = np.stack([gain * factor for factor in LIGHT_COLOURS[light.colour]], axis=2)
    coarse = np.clip(channels * 255, 0, 255).astype(np.uint8)
    full = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(image, full, scale=1 / 255)


def _shadow(rng: random.Random, width: int, height: int) -> np.ndarray:
    """A soft-edged dark polygon (0..1) reaching in from one side of the frame."""
    side = rng.randrange(4)
    reach = rng.uniform(0.2, 0.55)
    points = []
    for index in range(rng.randint(5, 8)):
        along, depth = rng.random(), 0.0 if index < 2 else rng.uniform(0, reach)
        x, y = (along, depth) if side % 2 == 0 else (depth, along)
        if side in (1, 2):
            x, y = (1 - x, y) if side == 1 else (x, 1 - y)
        points.append((x * width, y * height))
    hull = cv2.convexHull(np.array(points, dtype=np.float32)).astype(np.int32)
    mask = np.zeros((height, width), dtype=np.float32)
    cv2.fillConvexPoly(mask, hull, 1.0)
    softness = rng.uniform(0.01, 0.06) * max(width, height)
    return cv2.GaussianBlur(mask, (0, 0), softness)
