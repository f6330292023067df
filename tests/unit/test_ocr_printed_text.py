"""Tesseract reads the TPS code in the printed region block, line by line from the bottom until
a line prints the QR's TPS; a block that does not name the QR's TPS is read again larger, and a
sticker from another TPS still shows."""

import itertools

import cv2
import numpy as np
import pytesseract
import pytest

from schemas.form_layout import tps_codes_in_text
from services.ocr.decode import decode_photo, decode_sized
from services.ocr.printed_text import (
    InProcessTesseract,
    TesseractMissing,
    read_region_block,
    region_block,
    tessdata_dir,
    tesseract_process,
    text_line_rows,
    text_reader,
)
from services.ocr.reader import every_pixel
from tests.unit.test_ocr_page import FINDER, LAYOUT, TPS, photo

OTHER_TPS = "3171011001002"


READ_TEXT = text_reader()


class CountedReads:
    """A text reader that keeps the sizes of the images it was given, in order."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, int]] = []

    def __call__(self, gray):
        self.shapes.append(gray.shape)
        return READ_TEXT(gray)


@pytest.fixture
def counted() -> CountedReads:
    return CountedReads()


def test_tesseract_runs_in_this_process_where_tesserocr_is_installed():
    assert isinstance(READ_TEXT, InProcessTesseract)


def test_both_ways_of_running_tesseract_read_the_same_block():
    pixels = decode_photo(photo(3005, "clean", 8.0).jpeg)
    block = FINDER.locate(pixels).warp(pixels, region_block(LAYOUT), 6.0)
    in_process, child_process = READ_TEXT(block), tesseract_process(block)
    assert TPS in tps_codes_in_text(in_process or "")
    assert TPS in tps_codes_in_text(child_process or "")
    assert "Jakarta" in (in_process or "") and "Jakarta" in (child_process or "")


def block_of(seed: int, megapixels: float) -> np.ndarray:
    pixels = decode_photo(photo(seed, "clean", megapixels).jpeg)
    return FINDER.locate(pixels).warp(pixels, region_block(LAYOUT), 6.0)


def test_the_lines_of_the_block_are_found_top_to_bottom():
    rows = text_line_rows(block_of(3000, 12.0))
    assert len(rows) == 5  # provinsi, kota, kecamatan, kelurahan, TPS
    assert all(past <= next_first for (_, past), (next_first, _) in itertools.pairwise(rows))
    assert all(10 <= past - first <= 25 for first, past in rows)  # 2-4 mm at 6 px/mm


def test_a_frame_around_the_block_is_not_a_line():
    block = block_of(3000, 12.0)
    framed = cv2.rectangle(block.copy(), (2, 2), (block.shape[1] - 3, block.shape[0] - 3), 30, 2)
    assert text_line_rows(framed) == text_line_rows(block)


def test_a_blank_block_has_no_lines():
    assert text_line_rows(np.full((156, 900), 255, np.uint8)) == []


@pytest.mark.parametrize(("seed", "megapixels"), [(3000, 12.0), (3001, 3.0), (3002, 6.0)])
def test_the_bottom_line_names_the_forms_tps_and_is_all_that_is_read(seed, megapixels, counted):
    pixels = decode_photo(photo(seed, "clean", megapixels).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, counted, qr_tps=TPS)
    assert TPS in tps_codes_in_text(text or "")
    assert "Jakarta" not in (text or "")
    [(rows, _)] = counted.shapes
    assert rows < 156 / 3


def test_without_a_qr_every_line_is_read_and_the_text_runs_top_to_bottom(counted):
    pixels = decode_photo(photo(3000, "clean", 12.0).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, counted, qr_tps=None)
    assert len(counted.shapes) == 5
    assert TPS in tps_codes_in_text(text or "")
    assert (text or "").lower().index("jakarta") < (text or "").index(TPS)


def test_a_qr_naming_another_tps_gets_a_second_larger_read_that_still_names_the_printed_tps(
    counted,
):
    pixels = decode_photo(photo(3003, "clean", 8.0).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, counted, qr_tps=OTHER_TPS)
    assert tps_codes_in_text(text or "") == {TPS}
    *lines, again = counted.shapes
    assert len(lines) == 5
    assert again[0] > 156 and again[1] > 900  # the whole block, at 12 px/mm


def test_the_second_read_of_a_reduced_photo_takes_every_pixel(counted):
    data = photo(3004, "clean", 12.0).jpeg
    decoded = decode_sized(data)
    geometry = FINDER.locate(decoded.pixels)
    whole, whole_geometry = every_pixel(data, decoded.full_long_side, decoded.pixels, geometry)
    assert max(whole.shape) == decoded.full_long_side > max(decoded.pixels.shape)
    assert whole_geometry.px_per_mm() == pytest.approx(
        geometry.px_per_mm() * max(whole.shape) / max(decoded.pixels.shape), rel=1e-3
    )
    text = read_region_block(
        decoded.pixels, geometry, LAYOUT, counted, OTHER_TPS, lambda: (whole, whole_geometry)
    )
    assert tps_codes_in_text(text or "") == {TPS}
    assert len(counted.shapes) == 6  # five lines, then the whole block again


def test_a_block_with_nothing_printed_reads_as_no_text():
    blank = np.full((156, 900), 255, np.uint8)
    assert READ_TEXT(blank) is None
    assert tesseract_process(blank) is None


def test_a_machine_without_tesseract_is_told_what_to_install(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    tessdata_dir.cache_clear()
    try:
        with pytest.raises(TesseractMissing, match="install tesseract-ocr"):
            text_reader()
    finally:
        tessdata_dir.cache_clear()
