"""A phone photo of a page: not quite flat, on a table, tilted and turned, under uneven light,
blurred, noisy, JPEG-compressed, sometimes stored sideways with an EXIF Orientation tag that
undoes it.

Everything is drawn from the `random.Random` passed in, so the same seed gives the same bytes.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from simulation.background import table_surface
from simulation.camera import View, frame_size, random_view
from simulation.lighting import lit, random_light

EXIF_ORIENTATION_TAG = 0x0112
_STORED_FROM_DISPLAYED = {
    3: cv2.ROTATE_180,
    6: cv2.ROTATE_90_COUNTERCLOCKWISE,
    8: cv2.ROTATE_90_CLOCKWISE,
}
"""Pixels stored with EXIF Orientation 6 must turn 90 degrees clockwise to display (and so on);
storing a displayed image means turning it the other way."""
MIN_BLUR_SIGMA = 0.3
NOISE_MIDPOINT = 128
REFERENCE_LONG_SIDE = 4000
"""Blur and noise are drawn for a 12 MP frame and scaled with the frame's long side."""
MAX_BOW = 0.008
"""The most a page's middle may lie off where a flat page would show it, as a share of its long
side (2.4 mm on A4): paper that has been folded or carried does not lie flat, and a phone's
lens bends straight lines a little. Corner markers fix only a flat page's perspective."""
BOW_GRID = 16
"""The bow is computed on a grid this much coarser than the page, then interpolated."""


@dataclass(frozen=True)
class PhotoEffects:
    """What the phone did, as ground truth. Coordinates are in the displayed image (after
    applying the EXIF orientation); `width` and `height` are those of the stored pixels."""

    width: int
    height: int
    exif_orientation: int
    page_corners: tuple[tuple[float, float], ...]
    rotation_deg: float
    pitch_deg: float
    yaw_deg: float
    page_fill: float
    page_bow: float
    """How far the page moved off flat at most (in its middle), as a share of its long side."""
    background: str
    exposure: float
    light_colour: str
    light_gradient: float
    vignette: float
    shadow: float
    blur_sigma: float
    motion_blur_px: int
    noise_sigma: float
    jpeg_quality: int


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    effects: PhotoEffects
    view: View


def photograph(
    page: np.ndarray,
    rng: random.Random,
    *,
    megapixels: float | None = None,
    fill: tuple[float, float] = (0.72, 0.95),
    spill: float = 0.0,
    accept_view: Callable[[View], bool] | None = None,
) -> Photo:
    """Photograph an RGB page. `fill` is the share of the frame the page's bounding box takes,
    `spill` how far it may reach out of the frame, `accept_view` a condition on the framing
    (views are drawn again until it holds)."""
    frame = frame_size(rng, megapixels)
    page_size = (page.shape[1], page.shape[0])
    view = random_view(rng, page_size, frame, fill, spill)
    for _ in range(200):
        if accept_view is None or accept_view(view):
            break
        view = random_view(rng, page_size, frame, fill, spill)
    else:
        raise ValueError("no view satisfies the framing asked for")

    image, surface = table_surface(rng, frame)
    source, homography = _sharp_enough(page, view.homography)
    source, bow = bowed(source, rng)
    cv2.warpPerspective(
        source,
        homography,
        frame,
        dst=image,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    light = random_light(rng)
    image = lit(image, light, rng)
    image, blur_sigma, motion, noise_sigma = _through_the_lens(image, rng)
    orientation = rng.choices((1, 6, 8, 3), weights=(70, 18, 6, 6))[0]
    if orientation != 1:
        image = cv2.rotate(image, _STORED_FROM_DISPLAYED[orientation])
    quality = rng.randint(60, 95)
    jpeg = _jpeg(image, quality, orientation)
    effects = PhotoEffects(
        width=image.shape[1],
        height=image.shape[0],
        exif_orientation=orientation,
        page_corners=view.corners,
        rotation_deg=view.rotation_deg,
        pitch_deg=view.pitch_deg,
        yaw_deg=view.yaw_deg,
        page_fill=view.fill,
        page_bow=bow,
        background=surface,
        exposure=light.exposure,
        light_colour=light.colour,
        light_gradient=light.gradient,
        vignette=light.vignette,
        shadow=light.shadow,
        blur_sigma=blur_sigma,
        motion_blur_px=motion,
        noise_sigma=noise_sigma,
        jpeg_quality=quality,
    )
    return Photo(jpeg, effects, view)


def bowed(page: np.ndarray, rng: random.Random) -> tuple[np.ndarray, float]:
    """The page moved about within its outline (its edges stay put) by a smooth bulge and a
    smooth S-shape in each direction, mixed at random and scaled so that no point moves more
    than a drawn share (up to `MAX_BOW`) of the page's long side; returns that share too."""
    height, width = page.shape[:2]
    mix = [rng.uniform(-1, 1) for _ in range(4)]
    share = rng.uniform(0, MAX_BOW)
    across = np.linspace(0, 1, max(2, width // BOW_GRID), dtype=np.float32)
    down = np.linspace(0, 1, max(2, height // BOW_GRID), dtype=np.float32)[:, None]
    bulge = np.sin(np.pi * across) * np.sin(np.pi * down)
    dx = mix[0] * bulge + mix[1] * np.sin(np.pi * across) * np.sin(2 * np.pi * down)
    dy = mix[2] * bulge + mix[3] * np.sin(2 * np.pi * across) * np.sin(np.pi * down)
    scale = share * max(height, width) / max(float(np.hypot(dx, dy).max()), 1e-9)
    shift_x = cv2.resize(np.float32(dx * scale), (width, height), interpolation=cv2.INTER_LINEAR)
    shift_y = cv2.resize(np.float32(dy * scale), (width, height), interpolation=cv2.INTER_LINEAR)
    columns, rows = np.meshgrid(
        np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    )
    moved = cv2.remap(
        page, columns - shift_x, rows - shift_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return moved, share


def _through_the_lens(
    image: np.ndarray, rng: random.Random
) -> tuple[np.ndarray, float, int, float]:
    """Focus blur (sometimes none), now and then a shaky hand's motion blur, always sensor
    noise; returns the image, the blur sigma and motion length applied (px), the noise sigma."""
    size_factor = max(image.shape[:2]) / REFERENCE_LONG_SIDE
    blur_sigma = rng.choice((0.0, rng.uniform(0.4, 1.2), rng.uniform(0.8, 2.5))) * size_factor
    if blur_sigma > MIN_BLUR_SIGMA:
        image = cv2.GaussianBlur(image, (0, 0), blur_sigma)
    else:
        blur_sigma = 0.0
    motion = round(rng.uniform(3, 9) * size_factor) if rng.random() < 0.15 else 0
    if motion > 1:
        image = cv2.filter2D(image, -1, _motion_kernel(motion, rng.uniform(0, 180)))
    else:
        motion = 0
    noise_sigma = rng.uniform(1.0, 6.0)
    return _with_noise(image, noise_sigma, rng), blur_sigma, motion, noise_sigma


def _sharp_enough(page: np.ndarray, homography: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page shrunk (area-averaged) close to the size it takes in the frame, so the warp
    does not alias thin lines, and the homography adjusted to the shrunk page."""
    linear = homography[:2, :2] / homography[2, 2]
    scale = math.sqrt(abs(np.linalg.det(linear)))
    if scale > 0.7:
        return page, homography
    shrink = scale * 1.2
    size = (max(1, round(page.shape[1] * shrink)), max(1, round(page.shape[0] * shrink)))
    small = cv2.resize(page, size, interpolation=cv2.INTER_AREA)
    back = np.diag([page.shape[1] / size[0], page.shape[0] / size[1], 1.0])
    return small, homography @ back


def _motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    kernel = np.zeros((length, length), dtype=np.float32)
    centre = (length - 1) / 2
    dx = math.cos(math.radians(angle_deg)) * centre
    dy = math.sin(math.radians(angle_deg)) * centre
    cv2.line(
        kernel,
        (round(centre - dx), round(centre - dy)),
        (round(centre + dx), round(centre + dy)),
        1.0,
        1,
        cv2.LINE_AA,
    )
    return kernel / kernel.sum()


def _with_noise(image: np.ndarray, sigma: float, rng: random.Random) -> np.ndarray:
    """Sensor noise after the phone's own denoising: grainy luminance noise at half
    resolution, added with saturation (OpenCV's generator, seeded from `rng`)."""
    height, width = image.shape[:2]
    half = np.empty(((height + 1) // 2, (width + 1) // 2), dtype=np.uint8)
    cv2.setRNGSeed(rng.getrandbits(31))
    cv2.randn(half, NOISE_MIDPOINT, sigma)
    grain = cv2.resize(half, (width, height), interpolation=cv2.INTER_NEAREST)
    return cv2.addWeighted(image, 1, cv2.cvtColor(grain, cv2.COLOR_GRAY2RGB), 1, -NOISE_MIDPOINT)


def _jpeg(image: np.ndarray, quality: int, orientation: int) -> bytes:
    """Encode RGB pixels as JPEG; an Orientation other than 1 goes into an EXIF segment right
    after the JFIF header."""
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    data = encoded.tobytes()
    if orientation == 1:
        return data
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = orientation
    payload = exif.tobytes()
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    after_jfif = 2 + 2 + struct.unpack(">H", data[4:6])[0] if data[2:4] == b"\xff\xe0" else 2
    return data[:after_jfif] + segment + data[after_jfif:]
