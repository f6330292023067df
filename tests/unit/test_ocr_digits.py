"""The committed digit classifier: it loads, its numpy inference is well formed, and it reads
boxes cut by the reader from photos of writers it was never trained on."""

import cv2
import numpy as np
import pytest

from services.ocr.boxes import (
    BOX_PX_PER_MM,
    FRAME_SHAPE,
    GLYPH_SIZE,
    boxes_of,
    clean_glyph,
    cut_digit_boxes,
)
from services.ocr.digits import (
    CELL_PX,
    CLASSES,
    DIRECTION_BINS,
    MODEL_PATH,
    convolved,
    deskewed,
    load_classifier,
    max_pooled,
    stroke_directions,
)
from services.ocr.fields import BLANK
from services.ocr.page import MarkerFinder
from simulation.scenarios import simulate_photo
from simulation.train_digits import reader_view
from simulation.writers import writer_named
from tests.unit.test_ocr_box_lines import AREA, LAYOUT, printed_boxes, px

FIELD = LAYOUT.fields[0]
MIDDLE_BOX = 1
"""The box of FIELD written into; its index among every box of the layout, too."""


TPS = "3171011001002"
HELD_OUT_PHOTOS = (
    (501, "heldout-strokes-1002", 3.0),
    (502, "heldout-font-KaushanScript-Regular", 8.0),
)
"""Fresh photos (seeds no training run uses) by two held-out writers, at two phone sizes."""


@pytest.fixture(scope="module")
def held_out_boxes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Glyphs, ink fractions, frames and true labels of every box of the held-out photos."""
    finder = MarkerFinder(LAYOUT)
    glyphs, ink, frames, labels = [], [], [], []
    for seed, writer, megapixels in HELD_OUT_PHOTOS:
        simulated = simulate_photo(seed, TPS, writer_named(writer), "clean", megapixels)
        crops = cut_digit_boxes(*reader_view(simulated.jpeg, finder), LAYOUT)
        glyphs.append(crops.glyphs)
        ink.append(crops.ink_fraction)
        frames.append(crops.frames)
        written = simulated.truth.written or {}
        labels += [
            BLANK if character == " " else int(character)
            for field in LAYOUT.fields
            for character in written[field.name]
        ]
    return np.concatenate(glyphs), np.concatenate(ink), np.concatenate(frames), np.array(labels)


def read_as_the_reader_does(ink: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """The fields area flattened (darkness at BOX_PX_PER_MM) with every box line printed 2 px
    wide and `ink` written over it, cut as the reader cuts it: the middle box of the first
    field's (glyph, ink fraction, frame)."""
    darkness = cv2.GaussianBlur(np.maximum(printed_boxes(), ink), (0, 0), 0.7)
    glyphs, fractions, frames = boxes_of(darkness, LAYOUT.fields, AREA)
    return glyphs[MIDDLE_BOX], float(fractions[MIDDLE_BOX]), frames[MIDDLE_BOX]


def blank_ink() -> tuple[np.ndarray, int, int]:
    """An empty ink layer of the fields area, and the top left corner of the box written in."""
    height, width = round(AREA.h * BOX_PX_PER_MM), round(AREA.w * BOX_PX_PER_MM)
    box = FIELD.boxes[MIDDLE_BOX]
    return np.zeros((height, width), np.float32), px(box.x, AREA.x), px(box.y, AREA.y)


def printed_digit(digit: int | None) -> tuple[np.ndarray, float, np.ndarray]:
    """A digit drawn with OpenCV's plain stroke font (a hand no training set uses) into a box
    of a field (None: the box left blank), as the reader sees it."""
    ink, left, top = blank_ink()
    if digit is not None:
        written = np.zeros(ink.shape, np.uint8)  # putText draws on 8 bits only
        origin = (left + 4, top + 40)
        cv2.putText(written, str(digit), origin, cv2.FONT_HERSHEY_SIMPLEX, 1.4, 255, 4)
        ink = written.astype(np.float32) / 255
    return read_as_the_reader_does(ink)


def read_by_the_glyph_networks(glyphs: np.ndarray, ink_fraction: np.ndarray) -> np.ndarray:
    """(boxes, 11): the glyph networks' logits averaged, as if there were no frame networks."""
    upright = deskewed(glyphs)
    directions = stroke_directions(upright)
    glyph_networks = [net for net in load_classifier().networks if net.view == "glyph"]
    return np.mean(
        [network.glyph_logits(upright, directions, ink_fraction) for network in glyph_networks],
        axis=0,
    )


def test_the_committed_model_loads_and_is_small():
    classifier = load_classifier()
    assert MODEL_PATH.stat().st_size < 3_000_000
    assert classifier.temperature > 0
    assert len(classifier.version) == 12
    assert len(classifier.networks) >= 1
    assert {network.view for network in classifier.networks} == {"glyph", "frame"}
    for network in classifier.networks:
        channels = 1
        height, width = (GLYPH_SIZE, GLYPH_SIZE) if network.view == "glyph" else FRAME_SHAPE
        for kernel, bias in zip(network.kernels, network.kernel_biases, strict=True):
            assert kernel.shape[:3] == (3, 3, channels)
            channels, height, width = kernel.shape[3], height // 2, width // 2
            assert bias.shape == (channels,)
        directions = DIRECTION_BINS * (GLYPH_SIZE // CELL_PX) ** 2
        glyph_features = directions + 1 if network.view == "glyph" else 0
        assert network.weights[0].shape[0] == channels * height * width + glyph_features
        assert network.weights[-1].shape[1] == CLASSES
        for weight, bias in zip(network.weights, network.biases, strict=True):
            assert bias.shape == (weight.shape[1],)


def random_boxes(seed: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    glyphs = rng.random((count, GLYPH_SIZE, GLYPH_SIZE)).astype(np.float32)
    frames = rng.random((count, *FRAME_SHAPE)).astype(np.float32)
    return glyphs, rng.random(count), frames


def test_probabilities_are_normalised_rows_of_eleven_classes():
    probabilities = load_classifier().probabilities(*random_boxes(0, 7))
    assert probabilities.shape == (7, CLASSES)
    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_a_box_reads_the_same_alone_as_in_a_batch():
    glyphs, ink, frames = random_boxes(1, 5)
    classifier = load_classifier()
    together = classifier.probabilities(glyphs, ink, frames)
    alone = np.vstack(
        [
            classifier.probabilities(glyphs[i : i + 1], ink[i : i + 1], frames[i : i + 1])
            for i in range(5)
        ]
    )
    np.testing.assert_allclose(together, alone, atol=1e-6)
    np.testing.assert_array_equal(together, classifier.probabilities(glyphs, ink, frames))


def test_an_empty_box_is_blank():
    glyph, ink, frame = printed_digit(None)
    assert not glyph.any() and frame.any()
    probabilities = load_classifier().probabilities(glyph[None], np.array([ink]), frame[None])
    assert probabilities.argmax() == BLANK
    assert probabilities[0, BLANK] > 0.99


def test_plainly_printed_digits_are_read():
    glyphs, ink, frames = zip(*(printed_digit(digit) for digit in range(10)), strict=True)
    classifier = load_classifier()
    probabilities = classifier.probabilities(np.stack(glyphs), np.array(ink), np.stack(frames))
    assert probabilities.argmax(axis=1).tolist() == list(range(10))


def test_convolution_and_pooling_match_their_definitions():
    rng = np.random.default_rng(2)
    images = rng.normal(size=(2, 5, 7, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.zeros((2, 5, 7, 4), dtype=np.float32)
    for row in range(5):
        for col in range(7):
            window = padded[:, row : row + 3, col : col + 3]
            expected[:, row, col] = np.einsum("nijc,ijco->no", window, kernel)
    channels_first = images.transpose(3, 0, 1, 2)
    np.testing.assert_allclose(
        convolved(channels_first, kernel), expected.transpose(3, 0, 1, 2), atol=1e-5
    )
    pooled = max_pooled(channels_first)
    assert pooled.shape == (3, 2, 2, 3)
    assert pooled[0, 1, 1, 2] == images[1, 2:4, 4:6, 0].max()


def test_stroke_directions_match_their_definition():
    """Each pixel's gradient votes for the direction bins within one bin of its angle, by how
    near, weighted by its strength, summed per 4x4 cell; each glyph's histogram scaled to 8."""
    glyphs = np.random.default_rng(3).random((3, GLYPH_SIZE, GLYPH_SIZE)).astype(np.float32)
    glyphs[2] = 0.0
    padded = np.pad(glyphs, ((0, 0), (1, 1), (1, 1)))
    gx = padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]
    gy = padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]
    position = (np.arctan2(gy, gx) + np.pi) / (2 * np.pi) * DIRECTION_BINS
    cells = GLYPH_SIZE // CELL_PX
    expected = np.zeros((3, DIRECTION_BINS, cells, cells))
    for direction in range(DIRECTION_BINS):
        distance = np.abs(position - direction)
        distance = np.minimum(distance, DIRECTION_BINS - distance)
        votes = np.hypot(gx, gy) * np.maximum(0.0, 1.0 - distance)
        expected[:, direction] = votes.reshape(3, cells, CELL_PX, cells, CELL_PX).sum(axis=(2, 4))
    expected = expected.reshape(3, -1)
    expected = 8 * expected / (np.linalg.norm(expected, axis=1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(stroke_directions(glyphs), expected, atol=1e-5)
    assert not stroke_directions(glyphs)[2].any()


def test_deskewing_stands_a_leaning_stroke_upright():
    leaning = np.zeros((1, 28, 28), dtype=np.float32)
    for row in range(4, 24):
        leaning[0, row, 8 + (24 - row) // 2] = 1.0
    upright = deskewed(leaning)[0]
    columns = [int(np.argmax(upright[row])) for row in range(6, 22)]
    assert max(columns) - min(columns) <= 2
    assert upright.sum() == pytest.approx(leaning.sum(), rel=0.05)


def test_held_out_writers_are_read(held_out_boxes):
    glyphs, ink, frames, labels = held_out_boxes
    probabilities = load_classifier().probabilities(glyphs, ink, frames)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    read = probabilities.argmax(axis=1)
    digits = labels != BLANK
    assert digits.sum() >= 60
    assert (read[digits] == labels[digits]).mean() >= 0.97
    assert (read[~digits] == BLANK).all()


def test_a_last_digit_spilling_over_the_fields_outer_line_is_read_whole():
    """The 7 of a last box, written across the field's right line: the reader cuts the box
    with 15 columns past that line (`beyond`), and the line itself is erased (a gap)."""
    box = np.zeros((59, 32 + 15), dtype=np.uint8)
    cv2.putText(box, "7", (14, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 255, 4)
    box[:, 30:34] = 0  # the erased line
    darkness = cv2.GaussianBlur(box.astype(np.float32) / 255, (0, 0), 0.7)
    whole, whole_ink = clean_glyph(darkness, beyond=(0, 15))
    cut_at_the_line, cut_ink = clean_glyph(darkness[:, :32])
    read = read_by_the_glyph_networks(
        np.stack([whole, cut_at_the_line]), np.array([whole_ink, cut_ink])
    )
    assert read[0].argmax() == 7
    assert not np.array_equal(whole, cut_at_the_line)


def test_a_seven_whose_bar_lies_on_the_top_line_is_read_from_its_frame():
    """The bar drawn right along the box's top line is erased with the line: the glyph alone
    is a 1. The frame keeps the bar, and the whole classifier reads the 7."""
    ink, left, top = blank_ink()
    cv2.line(ink, (left + 6, top), (left + 30, top), 1.0, 3)
    cv2.line(ink, (left + 30, top), (left + 14, top + 44), 1.0, 3)
    glyph, fraction, frame = read_as_the_reader_does(ink)
    assert read_by_the_glyph_networks(glyph[None], np.array([fraction])).argmax() == 1
    read = load_classifier().probabilities(glyph[None], np.array([fraction]), frame[None])
    assert read.argmax() == 7


def test_ink_past_an_outer_line_is_not_a_digit_when_the_box_is_empty():
    box = np.zeros((59, 15 + 32), dtype=np.uint8)
    cv2.line(box, (3, 10), (6, 40), 255, 4)  # a stroke of the row above, past the left line
    glyph, ink = clean_glyph(box.astype(np.float32) / 255, beyond=(15, 0))
    assert not glyph.any() and ink == 0


def test_empty_boxes_read_as_if_each_were_classified_alone():
    """The glyph networks classify the boxes without ink once for all of them; the frame
    networks, for which no two boxes look alike, see each."""
    rng = np.random.default_rng(4)
    glyphs = (rng.random((12, GLYPH_SIZE, GLYPH_SIZE)) > 0.85).astype(np.float32)
    ink = glyphs.mean(axis=(1, 2)) / 2
    frames = rng.random((12, *FRAME_SHAPE)).astype(np.float32)
    glyphs[[1, 5, 6, 11]] = 0
    ink[[1, 5, 6, 11]] = 0
    classifier = load_classifier()
    together = classifier.probabilities(glyphs, ink, frames)
    one_by_one = np.vstack(
        [
            classifier.probabilities(glyphs[[box]], ink[[box]], frames[[box]])
            for box in range(len(glyphs))
        ]
    )
    np.testing.assert_allclose(together, one_by_one, atol=1e-6)
