"""The reader finds the page and its QR in simulated phone photos, and refuses what is not one."""

import itertools
import random

import numpy as np
import pytest

from schemas.form_layout import load_form_layout
from services.ocr import page
from services.ocr import qr as qr_module
from services.ocr.decode import decode_photo
from services.ocr.page import MarkerFinder, PageNotFound
from services.ocr.qr import read_qr
from simulation.scenarios import simulate_photo
from simulation.writers import HELD_OUT_WRITERS, writer_named

LAYOUT = load_form_layout()
FINDER = MarkerFinder(LAYOUT)
TPS = "3171011001001"


def photo(seed: int, kind: str, megapixels: float):
    return simulate_photo(
        seed, TPS, HELD_OUT_WRITERS[seed % len(HELD_OUT_WRITERS)], kind, megapixels
    )


@pytest.mark.parametrize("seed", range(8))
def test_the_page_is_found_and_its_qr_read_in_any_orientation(seed):
    simulated = photo(1000 + seed, "clean", random.Random(seed).choice([2.0, 5.0, 12.0]))
    pixels = decode_photo(simulated.jpeg)
    geometry = FINDER.locate(pixels)
    assert geometry.reprojection_mm < 1.0
    qr = read_qr(pixels, geometry, LAYOUT)
    assert qr is not None and (qr.tps, qr.contest) == (TPS, simulated.truth.contest)
    # The page's corners land where the simulation put them (in displayed pixels).
    page = LAYOUT.page
    corners = geometry.photo_points(
        np.array([[0, 0], [page.width, 0], [page.width, page.height], [0, page.height]])
    )
    scale = max(pixels.shape) / max(
        simulated.truth.effects["width"], simulated.truth.effects["height"]
    )
    expected = np.array(simulated.truth.effects["page_corners"]) * scale
    assert np.abs(corners - expected).max() < 0.01 * max(pixels.shape)


@pytest.mark.parametrize("kind", ["other", "badly_framed"])
def test_what_is_not_a_whole_form_is_refused_with_a_reason(kind):
    for seed in range(4):
        with pytest.raises(PageNotFound, match=r"marker|outside"):
            FINDER.locate(decode_photo(photo(2000 + seed, kind, 3.0).jpeg))


def test_markers_found_in_a_quarter_size_photo_are_refined_to_where_half_size_puts_them(
    monkeypatch,
):
    photos = [decode_photo(photo(1100 + seed, "clean", 12.0).jpeg) for seed in range(6)]
    field_corners = np.array([[field.rect.x, field.rect.y] for field in LAYOUT.fields])
    quarter_first = [FINDER.locate(pixels) for pixels in photos]
    monkeypatch.setattr(page, "DETECTION_SCALES", (0.5,))
    half_only = [FINDER.locate(pixels) for pixels in photos]
    for quarter, half in zip(quarter_first, half_only, strict=True):
        apart = quarter.photo_points(field_corners) - half.photo_points(field_corners)
        assert np.abs(apart).max() / half.px_per_mm() < 0.05


def test_a_qr_blurred_by_a_shaking_hand_is_read_from_a_larger_sharpened_look(monkeypatch):
    """A 3 MP photo with motion blur whose QR the plain and sharpened looks miss."""
    simulated = simulate_photo(
        848537801054, "3175041006041", writer_named("heldout-font-Breip"), "clean", 3.0
    )
    pixels = decode_photo(simulated.jpeg)
    geometry = FINDER.locate(pixels)
    qr = read_qr(pixels, geometry, LAYOUT)
    assert qr is not None and qr.tps == "3175041006041"
    all_looks = qr_module._looks
    monkeypatch.setattr(
        qr_module, "_looks", lambda *looked_at: itertools.islice(all_looks(*looked_at), 2)
    )
    assert read_qr(pixels, geometry, LAYOUT) is None
