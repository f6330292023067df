"""The committed digit classifier: it loads, its numpy inference is well formed, and it reads
boxes cut by the reader from photos of writers it was never trained on."""

import numpy as np
import pytest

from schemas.form_layout import load_form_layout
from services.ocr.boxes import cut_digit_boxes
from services.ocr.digits import (
    CLASSES,
    MODEL_PATH,
    deskewed,
    features,
    load_classifier,
)
from services.ocr.fields import BLANK
from services.ocr.page import MarkerFinder
from simulation.scenarios import simulate_photo
from simulation.train_digits import reader_view
from simulation.writers import writer_named

TPS = "3171011001002"
HELD_OUT_PHOTOS = (
    (501, "heldout-strokes-1002", 3.0),
    (502, "heldout-font-KaushanScript-Regular", 8.0),
)
"""Fresh photos (seeds no training run uses) by two held-out writers, at two phone sizes."""


@pytest.fixture(scope="module")
def held_out_boxes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Glyphs, ink fractions and true labels of every box of the held-out photos."""
    layout = load_form_layout()
    finder = MarkerFinder(layout)
    glyphs, ink, labels = [], [], []
    for seed, writer, megapixels in HELD_OUT_PHOTOS:
        simulated = simulate_photo(seed, TPS, writer_named(writer), "clean", megapixels)
        crops = cut_digit_boxes(*reader_view(simulated.jpeg, finder), layout)
        glyphs.append(crops.glyphs)
        ink.append(crops.ink_fraction)
        written = simulated.truth.written or {}
        labels += [
            BLANK if character == " " else int(character)
            for field in layout.fields
            for character in written[field.name]
        ]
    return np.concatenate(glyphs), np.concatenate(ink), np.array(labels)


def test_the_committed_model_loads_and_is_small():
    classifier = load_classifier()
    assert MODEL_PATH.stat().st_size < 2_000_000
    assert classifier.temperature > 0
    assert len(classifier.version) == 12
    inputs = features(np.zeros((1, 28, 28)), np.zeros(1)).shape[1]
    assert len(classifier.networks) >= 1
    for network in classifier.networks:
        assert network.weights[0].shape[0] == inputs
        assert network.weights[-1].shape[1] == CLASSES
        for weight, bias in zip(network.weights, network.biases, strict=True):
            assert bias.shape == (weight.shape[1],)


def test_probabilities_are_normalised_rows_of_eleven_classes():
    rng = np.random.default_rng(0)
    glyphs = rng.random((7, 28, 28)).astype(np.float32)
    probabilities = load_classifier().probabilities(glyphs, rng.random(7))
    assert probabilities.shape == (7, CLASSES)
    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_an_empty_box_is_blank():
    probabilities = load_classifier().probabilities(np.zeros((1, 28, 28)), np.zeros(1))
    assert probabilities.argmax() == BLANK
    assert probabilities[0, BLANK] > 0.99


def test_deskewing_stands_a_leaning_stroke_upright():
    leaning = np.zeros((1, 28, 28), dtype=np.float32)
    for row in range(4, 24):
        leaning[0, row, 8 + (24 - row) // 2] = 1.0
    upright = deskewed(leaning)[0]
    columns = [int(np.argmax(upright[row])) for row in range(6, 22)]
    assert max(columns) - min(columns) <= 2
    assert upright.sum() == pytest.approx(leaning.sum(), rel=0.05)


def test_held_out_writers_are_read(held_out_boxes):
    glyphs, ink, labels = held_out_boxes
    probabilities = load_classifier().probabilities(glyphs, ink)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    read = probabilities.argmax(axis=1)
    digits = labels != BLANK
    assert digits.sum() >= 60
    assert (read[digits] == labels[digits]).mean() >= 0.97
    assert (read[~digits] == BLANK).all()
