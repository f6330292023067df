"""Simulated phone photos: reproducible from their seed, readable where they should be (markers
after downscaling, exactly where the truth says), unreadable where they should not be."""

import io
import json
import random

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageOps

from schemas.form_layout import load_form_layout
from simulation.phone import MAX_BOW, bowed
from simulation.render import mm_to_px
from simulation.scenarios import KINDS, PAGE_DPI, simulate_photo, simulate_set
from simulation.writers import HELD_OUT_WRITERS, TRAINING_WRITERS

TPS = "3171011001002"
DETECTOR = cv2.aruco.ArucoDetector(
    cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
)


def displayed_gray(jpeg: bytes) -> np.ndarray:
    """The photo as a viewer shows it (EXIF orientation applied), in grayscale."""
    return np.array(ImageOps.exif_transpose(Image.open(io.BytesIO(jpeg))).convert("L"))


def markers(gray: np.ndarray, width: int | None = None) -> dict[int, np.ndarray]:
    """Detected marker corners by id, in the coordinates of `gray` (detected at `width`)."""
    scale = 1.0 if width is None else width / gray.shape[1]
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    corners, ids, _ = DETECTOR.detectMarkers(small)
    if ids is None:
        return {}
    return {
        int(i): quad.reshape(4, 2) / scale for i, quad in zip(ids.ravel(), corners, strict=True)
    }


def expected_marker_corners(page_corners) -> dict[int, np.ndarray]:
    """Where the truth's page corners put each marker's corners in the photo."""
    layout = load_form_layout()
    width, height = mm_to_px(layout.page.width, PAGE_DPI), mm_to_px(layout.page.height, PAGE_DPI)
    page = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    homography = cv2.getPerspectiveTransform(page, np.float32(page_corners))
    expected = {}
    for marker in layout.markers.items:
        x, y, side = (mm_to_px(v, PAGE_DPI) for v in (marker.x, marker.y, marker.size))
        square = np.float64([[x, y], [x + side, y], [x + side, y + side], [x, y + side]])
        expected[marker.id] = cv2.perspectiveTransform(square[None], homography)[0]
    return expected


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_seed_gives_the_same_bytes(kind):
    writer = HELD_OUT_WRITERS[0]
    first = simulate_photo(11, TPS, writer, kind, megapixels=2)
    again = simulate_photo(11, TPS, writer, kind, megapixels=2)
    other = simulate_photo(12, TPS, writer, kind, megapixels=2)
    assert first.jpeg == again.jpeg and first.truth == again.truth
    assert other.jpeg != first.jpeg
    assert first.jpeg[:2] == b"\xff\xd8"
    assert first.truth.kind == kind


def test_clean_12_mp_photos_show_all_four_markers_where_the_truth_says_after_downscaling():
    fine = 0
    for seed in range(10):
        photo = simulate_photo(seed, TPS, TRAINING_WRITERS[seed * 3], "clean", megapixels=12)
        effects = photo.truth.effects
        assert effects["width"] * effects["height"] > 11e6
        gray = displayed_gray(photo.jpeg)
        found = markers(gray, width=1600)
        expected = expected_marker_corners(effects["page_corners"])
        tolerance = 0.006 * max(gray.shape)
        if sorted(found) == [0, 1, 2, 3] and all(
            np.abs(found[i] - expected[i]).max() < tolerance for i in found
        ):
            fine += 1
        assert photo.truth.markers_visible == (0, 1, 2, 3)
    assert fine >= 9


def test_exif_orientation_is_stored_and_undoes_the_stored_rotation():
    orientations = set()
    for seed in range(20):
        photo = simulate_photo(seed, TPS, TRAINING_WRITERS[0], "clean", megapixels=2)
        stored = Image.open(io.BytesIO(photo.jpeg))
        orientation = stored.getexif().get(0x0112, 1)
        assert orientation == photo.truth.effects["exif_orientation"]
        assert stored.size == (photo.truth.effects["width"], photo.truth.effects["height"])
        orientations.add(orientation)
    assert {1, 6} <= orientations


def test_a_mistake_photo_carries_the_wrong_values_and_the_correct_ones():
    photo = simulate_photo(5, TPS, TRAINING_WRITERS[1], "mistake", megapixels=2)
    truth = photo.truth
    assert truth.mistake and truth.correct_values and truth.values != truth.correct_values
    assert truth.written["dpt_jml"].strip() == str(truth.values["dpt_jml"])


def test_badly_framed_photos_lose_markers_or_shrink_the_form():
    for seed in range(5):
        photo = simulate_photo(seed, TPS, TRAINING_WRITERS[2], "badly_framed", megapixels=2)
        truth = photo.truth
        found = set(markers(displayed_gray(photo.jpeg)))
        if truth.framing == "cut_off":
            assert len(truth.markers_visible) in (2, 3)
            assert found <= set(truth.markers_visible)
        else:
            assert truth.framing == "far_away"
            assert truth.effects["page_fill"] < 0.25


def test_damaged_qr_codes_and_other_things_do_not_decode_to_a_form():
    for seed in range(4):
        for kind in ("qr_damaged", "other"):
            photo = simulate_photo(seed, TPS, TRAINING_WRITERS[3], kind, megapixels=2)
            texts = [result.text for result in zxingcpp.read_barcodes(displayed_gray(photo.jpeg))]
            assert not any(text.startswith("RKP1|") for text in texts), (kind, seed)
    assert simulate_photo(0, TPS, TRAINING_WRITERS[3], "other", megapixels=2).truth.values is None


def test_a_set_on_disk_has_a_truth_line_per_photo_and_remakes_from_its_seeds(tmp_path):
    truth_path = simulate_set(tmp_path, count=4, seed=3, writers=HELD_OUT_WRITERS, megapixels=2)
    lines = [json.loads(line) for line in truth_path.read_text().splitlines()]
    assert [line["photo"] for line in lines] == ["0000.jpg", "0001.jpg", "0002.jpg", "0003.jpg"]
    held_out = {writer.name: writer for writer in HELD_OUT_WRITERS}
    for line in lines:
        assert line["kind"] in KINDS
        assert line["writer"] is None or line["writer"] in held_out
    first = lines[0]
    remade = simulate_photo(
        first["seed"],
        first["tps"],
        held_out[first["writer"]] if first["writer"] else HELD_OUT_WRITERS[0],
        first["kind"],
        megapixels=2,
    )
    assert remade.jpeg == (tmp_path / "0000.jpg").read_bytes()


def test_pages_are_bowed_within_their_outline_by_up_to_the_most_drawn():
    bows = [
        simulate_photo(seed, TPS, TRAINING_WRITERS[0], "clean", megapixels=2).truth.effects[
            "page_bow"
        ]
        for seed in range(12)
    ]
    assert all(0 <= bow <= MAX_BOW for bow in bows)
    assert max(bows) > MAX_BOW / 2 and min(bows) < MAX_BOW / 2
    page = np.full((297, 210, 3), 255, np.uint8)
    page[::10] = 0
    page[:, ::10] = 0
    moved, bow = bowed(page, random.Random(3))
    assert bow > 0
    assert (moved[0] == page[0]).all() and (moved[:, -1] == page[:, -1]).all()  # edges stay
    assert (moved[100:200, 60:150] != page[100:200, 60:150]).any()  # the middle moved
