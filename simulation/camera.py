"""Where the phone is: the frame size, and how the page lands in it (tilt, rotation, framing)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

MIN_MEGAPIXELS = 2.0
MAX_MEGAPIXELS = 12.0


@dataclass(frozen=True)
class View:
    """How the page maps into the frame as displayed (after any EXIF rotation)."""

    frame: tuple[int, int]
    """(width, height) of the frame as displayed."""
    homography: np.ndarray
    """3x3, page pixels to frame pixels."""
    corners: tuple[tuple[float, float], ...]
    """The page's top-left, top-right, bottom-right and bottom-left corners in the frame."""
    rotation_deg: float
    pitch_deg: float
    yaw_deg: float
    fill: float
    """The page's bounding box as a share of the frame (per side, the tighter one)."""

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Page pixel coordinates (N x 2) to frame pixel coordinates."""
        return cv2.perspectiveTransform(
            points.reshape(-1, 1, 2).astype(np.float64), self.homography
        ).reshape(-1, 2)

    def in_frame(self, points: np.ndarray) -> bool:
        """Whether all these page points land inside the frame."""
        seen = self.to_frame(points)
        width, height = self.frame
        return bool(((seen >= 0) & (seen < [width, height])).all())


def frame_size(rng: random.Random, megapixels: float | None = None) -> tuple[int, int]:
    """(width, height) of a 4:3 phone photo, portrait more often than not, of `megapixels`
    (2-12, drawn at random when None), both sides multiples of 8."""
    if megapixels is None:
        megapixels = rng.uniform(MIN_MEGAPIXELS, MAX_MEGAPIXELS)
    if not MIN_MEGAPIXELS <= megapixels <= MAX_MEGAPIXELS:
        raise ValueError(f"phones here take {MIN_MEGAPIXELS}-{MAX_MEGAPIXELS} MP, not {megapixels}")
    long_side = math.sqrt(megapixels * 1e6 * 4 / 3)
    long_px, short_px = 8 * round(long_side / 8), 8 * round(long_side * 3 / 4 / 8)
    return (short_px, long_px) if rng.random() < 0.7 else (long_px, short_px)


def random_rotation(rng: random.Random) -> float:
    """In-plane rotation of the page in degrees: mostly nearly upright, often a quarter or half
    turn (the phone held sideways or the form upside down), sometimes anything."""
    roll = rng.random()
    if roll < 0.55:
        return rng.gauss(0, 4)
    if roll < 0.85:
        return rng.choice((90, 180, 270)) + rng.gauss(0, 4)
    return rng.uniform(0, 360)


def random_view(
    rng: random.Random,
    page_size: tuple[int, int],
    frame: tuple[int, int],
    fill: tuple[float, float] = (0.72, 0.95),
    spill: float = 0.0,
) -> View:
    """A random tilt (pitch and yaw up to about 25 degrees), rotation and placement of a page of
    `page_size` pixels in the frame; `spill` is how far (as a share of the page's extent) it may
    reach out of the frame."""
    width, height = page_size
    pitch, yaw = rng.gauss(0, 9), rng.gauss(0, 7)
    pitch, yaw = max(-25.0, min(25.0, pitch)), max(-25.0, min(25.0, yaw))
    rotation = random_rotation(rng)
    centred = (
        np.array(
            [[-width, -height], [width, -height], [width, height], [-width, height]],
            dtype=np.float64,
        )
        / 2
    )
    projected = _tilted(centred, pitch, yaw, focal=1.6 * max(width, height))
    angle = math.radians(rotation)
    turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    turned = projected @ turn.T
    extent = turned.max(axis=0) - turned.min(axis=0)
    share = rng.uniform(*fill)
    scale = share * min(frame[0] / extent[0], frame[1] / extent[1])
    placed = (turned - turned.min(axis=0)) * scale
    slack = np.array(frame) - extent * scale
    low, high = (
        np.minimum(slack, 0) - spill * extent * scale,
        np.maximum(slack, 0) + spill * extent * scale,
    )
    offset = np.array([rng.uniform(low[0], high[0]), rng.uniform(low[1], high[1])])
    corners = placed + offset
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    return View(
        frame=frame,
        homography=homography,
        corners=tuple((float(x), float(y)) for x, y in corners),
        rotation_deg=rotation % 360,
        pitch_deg=pitch,
        yaw_deg=yaw,
        fill=share,
    )


def _tilted(points: np.ndarray, pitch_deg: float, yaw_deg: float, focal: float) -> np.ndarray:
    """The flat page's corners seen by a pinhole camera after tilting the page."""
    pitch, yaw = math.radians(pitch_deg), math.radians(yaw_deg)
    about_x = np.array(
        [[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]]
    )
    about_y = np.array(
        [[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]]
    )
    space = np.column_stack([points, np.zeros(len(points))]) @ (about_y @ about_x).T
    depth = focal + space[:, 2]
    return space[:, :2] * (focal / depth)[:, None]
