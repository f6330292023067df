"""Tesseract reads the TPS code in the printed region block; a block that does not name the
QR's TPS is read again larger, and a sticker from another TPS still shows."""

import pytest

from schemas.form_layout import tps_codes_in_text
from services.ocr import printed_text
from services.ocr.decode import decode_photo, decode_sized
from services.ocr.printed_text import read_region_block
from services.ocr.reader import every_pixel
from tests.unit.test_ocr_page import FINDER, LAYOUT, TPS, photo

OTHER_TPS = "3171011001002"


@pytest.fixture
def tesseract_calls(monkeypatch) -> list[tuple[int, int]]:
    """The sizes of the images given to Tesseract, in order."""
    calls = []
    tesseract = printed_text._tesseract

    def counted(gray):
        calls.append(gray.shape)
        return tesseract(gray)

    monkeypatch.setattr(printed_text, "_tesseract", counted)
    return calls


@pytest.mark.parametrize(("seed", "megapixels"), [(3000, 12.0), (3001, 3.0), (3002, 6.0)])
def test_the_printed_block_names_the_forms_tps(seed, megapixels, tesseract_calls):
    pixels = decode_photo(photo(seed, "clean", megapixels).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, qr_tps=TPS)
    assert TPS in tps_codes_in_text(text or "")
    assert "Jakarta" in (text or "")
    assert 1 <= len(tesseract_calls) <= 2


def test_a_qr_naming_another_tps_gets_a_second_larger_read_that_still_names_the_printed_tps(
    tesseract_calls,
):
    pixels = decode_photo(photo(3003, "clean", 8.0).jpeg)
    text = read_region_block(pixels, FINDER.locate(pixels), LAYOUT, qr_tps=OTHER_TPS)
    assert tps_codes_in_text(text or "") == {TPS}
    first, second = tesseract_calls
    assert second[0] > first[0] and second[1] > first[1]


def test_the_second_read_of_a_reduced_photo_takes_every_pixel(tesseract_calls):
    data = photo(3004, "clean", 12.0).jpeg
    decoded = decode_sized(data)
    geometry = FINDER.locate(decoded.pixels)
    whole, whole_geometry = every_pixel(data, decoded.full_long_side, decoded.pixels, geometry)
    assert max(whole.shape) == decoded.full_long_side > max(decoded.pixels.shape)
    assert whole_geometry.px_per_mm() == pytest.approx(
        geometry.px_per_mm() * max(whole.shape) / max(decoded.pixels.shape), rel=1e-3
    )
    text = read_region_block(
        decoded.pixels, geometry, LAYOUT, OTHER_TPS, lambda: (whole, whole_geometry)
    )
    assert tps_codes_in_text(text or "") == {TPS}
    assert len(tesseract_calls) == 2
