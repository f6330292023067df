"""Writers: training and held-out hands never share a source; digits land right-aligned in
their boxes, in the writer's ink."""

import random

import numpy as np
import pytest

from schemas.form_layout import load_form_layout
from simulation.glyphs import (
    FontGlyphs,
    MnistGlyphs,
    StrokeGlyphs,
    _allograph_variants,
    _draw_strokes,
    _skeleton_variants,
)
from simulation.handwriting import Writer, box_texts, fill_form
from simulation.render import header_for_tps, mm_to_px, render_form
from simulation.writers import HELD_OUT_WRITERS, TRAINING_WRITERS

DPI = 150


def sources(writers, kind):
    return [writer.glyphs for writer in writers if isinstance(writer.glyphs, kind)]


def test_training_and_held_out_writers_share_no_font_mnist_sample_or_stroke_seed():
    train_fonts = {source.family for source in sources(TRAINING_WRITERS, FontGlyphs)}
    held_fonts = {source.family for source in sources(HELD_OUT_WRITERS, FontGlyphs)}
    assert train_fonts and held_fonts and not train_fonts & held_fonts

    def samples(writers):
        return {n for s in sources(writers, MnistGlyphs) for n in range(s.first, s.last)}

    assert samples(TRAINING_WRITERS) and samples(HELD_OUT_WRITERS)
    assert not samples(TRAINING_WRITERS) & samples(HELD_OUT_WRITERS)
    train_seeds = {source.seed for source in sources(TRAINING_WRITERS, StrokeGlyphs)}
    held_seeds = {source.seed for source in sources(HELD_OUT_WRITERS, StrokeGlyphs)}
    assert train_seeds and held_seeds and not train_seeds & held_seeds
    names = [writer.name for writer in (*TRAINING_WRITERS, *HELD_OUT_WRITERS)]
    assert len(set(names)) == len(names)


def test_held_out_stroke_writers_keep_the_original_shapes_and_training_has_more():
    assert not any(source.allographs for source in sources(HELD_OUT_WRITERS, StrokeGlyphs))
    for digit in range(10):
        original, wider = _skeleton_variants(digit), _allograph_variants(digit)
        assert wider[: len(original)] == original and len(wider) >= len(original) + 3
        for strokes in wider:
            mask = _draw_strokes(strokes).mask
            assert mask.max() > 0.9 and 0.1 < mask.shape[1] / mask.shape[0] < 1.6, digit


def test_an_allograph_hand_keeps_its_shapes_and_jitters_them_a_little():
    hand = StrokeGlyphs(30, allographs=True)
    first, second = (hand.glyph(4, random.Random(seed)).mask for seed in (1, 2))
    assert first.shape != second.shape or not np.array_equal(first, second)
    assert abs(first.shape[1] / first.shape[0] - second.shape[1] / second.shape[0]) < 0.15


def test_digits_are_right_aligned_with_blank_or_zero_leading_boxes():
    careful = Writer("careful", StrokeGlyphs(1))
    zeros = Writer("zeros", StrokeGlyphs(1), leading_zero_chance=1.0, blank_zero_chance=0.0)
    rng = random.Random(0)
    assert box_texts(45, 3, careful, rng) == " 45"
    assert box_texts(0, 3, careful, rng) == "  0"
    assert box_texts(None, 3, careful, rng) == "   "
    assert box_texts(7, 3, zeros, rng) == "007"
    assert box_texts(999, 3, zeros, rng) == "999"
    with pytest.raises(ValueError):
        box_texts(1000, 3, careful, rng)


@pytest.mark.parametrize(
    "writer", [TRAINING_WRITERS[0], HELD_OUT_WRITERS[-1]], ids=lambda writer: writer.name
)
def test_ink_goes_into_the_boxes_written_and_nowhere_else(writer):
    layout = load_form_layout()
    page = np.array(render_form(layout, header_for_tps("3171011001001"), DPI))
    steady = Writer(writer.name, writer.glyphs, ink=writer.ink, border_touch_chance=0.0)
    values = {"dpt_l": 293, "dpt_p": 5, "suara_sah": 0, "suara_paslon_1": None}
    filled = fill_form(page, layout, values, steady, random.Random(1), DPI)
    assert filled.pixels.shape == (*page.shape, 3)
    assert filled.written["dpt_l"] == "293"
    assert filled.written["dpt_p"] == "  5"
    assert filled.written["suara_paslon_1"] == "   "
    coloured = np.abs(filled.pixels.astype(int) - page[:, :, None]).max(axis=2) > 40
    for field in layout.fields:
        for box, character in zip(field.boxes, filled.written[field.name], strict=True):
            inside = coloured[
                round(mm_to_px(box.y + 1, DPI)) : round(mm_to_px(box.bottom - 1, DPI)),
                round(mm_to_px(box.x + 1, DPI)) : round(mm_to_px(box.right - 1, DPI)),
            ]
            assert inside.any() == (character != " "), (field.name, character)
