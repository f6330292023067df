"""Tesseract reads the TPS code in the printed region block; a block that does not name the
QR's TPS is read again larger, and a sticker from another TPS still shows."""

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


@pytest.mark.parametrize(("seed", "megapixels"), [(3000, 12.0), (3001, 3.0), (3002, 6.0)])
def test_the_printed_block_names_the_forms_tps(seed, megapixels, counted):
    pixels = decode_photo(photo(seed, "clean", megapixels).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, counted, qr_tps=TPS)
    assert TPS in tps_codes_in_text(text or "")
    assert "Jakarta" in (text or "")
    assert 1 <= len(counted.shapes) <= 2


def test_a_qr_naming_another_tps_gets_a_second_larger_read_that_still_names_the_printed_tps(
    counted,
):
    pixels = decode_photo(photo(3003, "clean", 8.0).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, counted, qr_tps=OTHER_TPS)
    assert tps_codes_in_text(text or "") == {TPS}
    first, second = counted.shapes
    assert second[0] > first[0] and second[1] > first[1]


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
    assert len(counted.shapes) == 2


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
