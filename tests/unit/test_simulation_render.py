"""The rendered blank form puts markers, QR code and digit boxes exactly where the layout says."""

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image, PdfParser

from schemas.form_layout import FormLayout, load_form_layout
from simulation.batch import render_forms
from simulation.masterdata import tps_in_scope
from simulation.render import header_for_tps, mm_to_px, render_form

TPS = "3171011001001"
DPI = 300


@pytest.fixture(scope="module")
def layout() -> FormLayout:
    return load_form_layout()


@pytest.fixture(scope="module")
def page(layout: FormLayout) -> np.ndarray:
    image = render_form(layout, header_for_tps(TPS), DPI)
    assert image.mode == "L"
    return np.array(image)


def test_a4_at_300_dpi_is_2480_by_3508(page: np.ndarray):
    assert page.shape == (3508, 2480)


def test_the_four_markers_are_found_where_the_layout_puts_them(
    page: np.ndarray, layout: FormLayout
):
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
    corners, ids, _ = detector.detectMarkers(page)
    found = {
        int(marker_id): quad.reshape(4, 2)
        for marker_id, quad in zip(ids.ravel(), corners, strict=True)
    }
    assert sorted(found) == [0, 1, 2, 3]
    one_mm = mm_to_px(1, DPI)
    for marker in layout.markers.items:
        left, top = mm_to_px(marker.x, DPI), mm_to_px(marker.y, DPI)
        side = mm_to_px(marker.size, DPI)
        expected = np.array(
            [[left, top], [left + side, top], [left + side, top + side], [left, top + side]]
        )
        assert np.abs(found[marker.id] - expected).max() < one_mm, marker.id


def test_the_qr_code_decodes_to_the_exact_payload(page: np.ndarray, layout: FormLayout):
    results = zxingcpp.read_barcodes(page)
    assert [result.text for result in results] == [f"RKP1|PILGUB-31-2024|{TPS}|1"]
    position = results[0].position
    xs = [point.x for point in (position.top_left, position.bottom_right)]
    inside = mm_to_px(layout.qr.x, DPI), mm_to_px(layout.qr.x + layout.qr.size, DPI)
    assert inside[0] < min(xs) and max(xs) < inside[1]


def test_every_digit_box_outline_is_at_the_layout_position(page: np.ndarray, layout: FormLayout):
    def darkness(x_mm: float, y_mm: float) -> int:
        return 255 - int(page[round(mm_to_px(y_mm, DPI)), round(mm_to_px(x_mm, DPI))])

    for field in layout.fields:
        for box in field.boxes:
            for fraction in (0.25, 0.5, 0.75):
                along_x = box.x + box.w * fraction
                along_y = box.y + box.h * fraction
                assert darkness(along_x, box.y) > 200, (field.name, "top")
                assert darkness(along_x, box.bottom) > 200, (field.name, "bottom")
                assert darkness(box.x, along_y) > 200, (field.name, "left")
                assert darkness(box.right, along_y) > 200, (field.name, "right")
                assert darkness(along_x, along_y) == 0, (field.name, "inside")
            for inset in (0.6, -0.6):
                assert darkness(box.x + box.w / 2, box.y + inset) == 0, (field.name, "line width")


def test_forms_of_a_kelurahan_become_one_pdf_page_and_one_png_per_tps(tmp_path):
    stations = tps_in_scope("3171011001")
    paths = render_forms("31.71.01.1001", tmp_path, dpi=100)
    pdf, pngs = paths[0], paths[1:]
    assert [png.name for png in pngs] == [f"{station.code}.png" for station in stations]
    parser = PdfParser.PdfParser(str(pdf))
    assert len(parser.pages) == len(stations)
    first_page = parser.read_indirect(parser.pages[0])
    image_ref = first_page[b"Resources"][b"XObject"][b"Page"]
    stream = parser.read_indirect(image_ref)
    pixels = np.frombuffer(stream.decode(), dtype=np.uint8)
    png = np.array(Image.open(pngs[0]))
    assert pixels.reshape(png.shape).tolist() == png.tolist()
    parser.close()


def test_scopes_name_a_tps_a_kelurahan_or_a_kota():
    assert [row.code for row in tps_in_scope(TPS)] == [TPS]
    assert tps_in_scope("31.71.01.1001") == tps_in_scope("3171011001")
    kota = tps_in_scope("31.71")
    assert len(kota) > 1000
    assert all(row.code.startswith("3171") for row in kota)
    with pytest.raises(ValueError):
        tps_in_scope("31-71")
    with pytest.raises(KeyError):
        tps_in_scope("31.79")
