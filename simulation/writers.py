"""The hands the simulation writes in: one set to train the reader on, one held out to measure
it on writers it never saw. The two sets share no font family, no MNIST sample and no stroke
seed."""

from __future__ import annotations

import random

from simulation.glyphs import FontGlyphs, GlyphSource, MnistGlyphs, StrokeGlyphs
from simulation.handwriting import BLACK_BALLPOINT, BLUE_BALLPOINT, PENCIL, Writer

TRAINING_FONTS = (
    "dkg.ttf",
    "dkgBd.ttf",
    "dkgIt.ttf",
    "dkgBI.ttf",
    "BecauseWeBuild-Regular.otf",
    "BecauseWeConnect-Regular.otf",
    "BecauseWeCreate-Regular.otf",
    "BecauseWeOrganize-Regular.otf",
    "ComicNeue-Regular.otf",
    "ComicNeue-Bold.otf",
    "ComicNeue-Italic.otf",
    "ComicNeue-Light.otf",
    "DancingScript-Regular.otf",
    "DancingScript-Bold.otf",
    "Humor-Sans.ttf",
)
HELD_OUT_FONTS = (
    "Breip.ttf",
    "BecauseWeLearn-Regular.otf",
    "BecauseWeMentor-Regular.otf",
    "KaushanScript-Regular.otf",
    "Kristi.ttf",
)
TRAINING_MNIST = tuple((first, first + 50) for first in range(0, 400, 50))
HELD_OUT_MNIST = ((400, 450), (450, 500))
TRAINING_STROKE_SEEDS = tuple(range(1, 13))
HELD_OUT_STROKE_SEEDS = tuple(range(1001, 1005))


def _writer(name: str, glyphs: GlyphSource) -> Writer:
    """A writer whose pen habits follow from its name, so every run gets the same hand."""
    habits = random.Random(name)
    ink = habits.choices((BLUE_BALLPOINT, BLACK_BALLPOINT, PENCIL), weights=(6, 3, 1))[0]
    return Writer(
        name=name,
        glyphs=glyphs,
        ink=ink,
        opacity=habits.uniform(0.7, 0.9) if ink == PENCIL else habits.uniform(0.85, 1.0),
        grain=habits.uniform(0.2, 0.35) if ink == PENCIL else habits.uniform(0.0, 0.15),
        pen_mm=habits.uniform(0.3, 0.65),
        slant=habits.gauss(0.08, 0.12),
        scale=habits.uniform(0.55, 0.85),
        baseline_jitter_mm=habits.uniform(0.15, 0.6),
        rotation_jitter_deg=habits.uniform(1.0, 6.0),
        border_touch_chance=habits.choice((0.0, 0.02, 0.05, 0.1)),
        leading_zero_chance=habits.choice((0.0, 0.0, 0.0, 0.3, 0.9)),
        blank_zero_chance=habits.choice((0.0, 0.0, 0.2)),
    )


def _writers(
    prefix: str,
    fonts: tuple[str, ...],
    mnist: tuple[tuple[int, int], ...],
    stroke_seeds: tuple[int, ...],
) -> tuple[Writer, ...]:
    return (
        *(_writer(f"{prefix}-font-{name.rsplit('.', 1)[0]}", FontGlyphs(name)) for name in fonts),
        *(_writer(f"{prefix}-mnist-{a}-{b}", MnistGlyphs(a, b)) for a, b in mnist),
        *(_writer(f"{prefix}-strokes-{seed}", StrokeGlyphs(seed)) for seed in stroke_seeds),
    )


TRAINING_WRITERS = _writers("train", TRAINING_FONTS, TRAINING_MNIST, TRAINING_STROKE_SEEDS)
HELD_OUT_WRITERS = _writers("heldout", HELD_OUT_FONTS, HELD_OUT_MNIST, HELD_OUT_STROKE_SEEDS)


def writer_named(name: str) -> Writer:
    for writer in (*TRAINING_WRITERS, *HELD_OUT_WRITERS):
        if writer.name == name:
            return writer
    raise KeyError(f"no writer named {name!r}")
