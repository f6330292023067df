"""The typed form layout agrees with the shipped JSON, the QR payload format is strict, and
TPS codes are found in OCR'd printed text."""

import json
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.events import QrPayload
from schemas.form_layout import (
    FormLayout,
    format_qr_payload,
    load_form_layout,
    parse_qr_payload,
    printed_tps_agrees,
    tps_codes_in_text,
)


def raw_layout() -> dict:
    return json.loads((files("schemas") / "forms" / "c-hasil-kwk.v1.json").read_text())


def test_the_form_has_31_fields_in_form_order():
    layout = load_form_layout()
    assert len(layout.fields) == 31
    assert layout.field_names[:3] == ("dpt_l", "dpt_p", "dpt_jml")
    assert layout.field_names[-1] == "suara_total"
    assert list(layout.field_names) == [field["name"] for field in raw_layout()["fields"]]


def test_box_geometry_matches_the_json():
    layout = load_form_layout()
    for raw in raw_layout()["fields"]:
        field = layout.field(raw["name"])
        assert (field.section, field.x, field.y, field.digits) == (
            raw["section"],
            raw["x"],
            raw["y"],
            raw["digits"],
        )
        assert [box.model_dump() for box in field.boxes] == raw["boxes"]


def test_a_field_rect_spans_its_boxes():
    field = load_form_layout().field("dpt_l")
    assert field.rect.model_dump() == {"x": 136.0, "y": 72.0, "w": 18.0, "h": 8.0}


def test_one_marker_in_each_corner_with_the_common_size():
    markers = load_form_layout().markers
    assert [(m.id, m.corner) for m in markers.items] == [
        (0, "top-left"),
        (1, "top-right"),
        (2, "bottom-right"),
        (3, "bottom-left"),
    ]
    assert {m.size for m in markers.items} == {markers.size}


def test_an_unknown_field_or_version_is_a_clear_error():
    with pytest.raises(KeyError, match="no field 'nope'"):
        load_form_layout().field("nope")
    with pytest.raises(ValueError, match="no layout for version 99"):
        load_form_layout(99)


def test_the_layout_is_read_once():
    assert load_form_layout() is load_form_layout(1) is load_form_layout(version=1)


@pytest.mark.parametrize(
    ("break_it", "complaint"),
    [
        (lambda raw: raw["markers"]["items"].pop(), "ids 0-3"),
        (lambda raw: raw["fields"][0]["boxes"].pop(), "3 digits but 2 boxes"),
        (lambda raw: raw["fields"][1].update(name="dpt_l"), "unique"),
        (lambda raw: raw["fields"][0].update(x=1.0), "must start at its first box"),
        (lambda raw: raw["fields"][-1]["boxes"][-1].update(x=205.0), "outside the page"),
        (lambda raw: raw["qr"].update(example="RKP1|X|1|1"), "13 digits"),
    ],
)
def test_a_broken_layout_is_rejected_on_load(break_it, complaint):
    raw = raw_layout()
    break_it(raw)
    with pytest.raises(ValidationError, match=complaint):
        FormLayout.model_validate(raw)


def test_the_qr_example_of_the_layout_round_trips():
    example = load_form_layout().qr.example
    qr = parse_qr_payload(example)
    assert qr == QrPayload(contest="PILGUB-31-2024", tps="3171011001001", page=1)
    assert format_qr_payload(qr) == example


@given(
    contest=st.from_regex(r"[A-Z][A-Z0-9-]{0,39}", fullmatch=True),
    tps=st.from_regex(r"[0-9]{13}", fullmatch=True),
    page=st.integers(min_value=1, max_value=999),
)
def test_any_valid_payload_round_trips(contest, tps, page):
    qr = QrPayload(contest=contest, tps=tps, page=page)
    assert parse_qr_payload(format_qr_payload(qr)) == qr


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "got 1 part"),
        ("RKP1|PILGUB-31-2024|3171011001001", "got 3 part"),
        ("RKP1|PILGUB-31-2024|3171011001001|1|x", "got 5 part"),
        ("RKP2|PILGUB-31-2024|3171011001001|1", "expected 'RKP1'"),
        ("rkp1|PILGUB-31-2024|3171011001001|1", "expected 'RKP1'"),
        ("RKP1||3171011001001|1", "contest code"),
        ("RKP1|PILGUB 31|3171011001001|1", "contest code"),
        ("RKP1|" + "X" * 41 + "|3171011001001|1", "contest code"),
        ("RKP1|PILGUB-31-2024|317101100100|1", "13 digits"),
        ("RKP1|PILGUB-31-2024|31710110010011|1", "13 digits"),
        ("RKP1|PILGUB-31-2024|317101100100a|1", "13 digits"),
        ("RKP1|PILGUB-31-2024|" + "\uff11" * 13 + "|1", "13 digits"),  # fullwidth digits
        ("RKP1|PILGUB-31-2024|3171011001001|0", "positive integer"),
        ("RKP1|PILGUB-31-2024|3171011001001|-1", "positive integer"),
        ("RKP1|PILGUB-31-2024|3171011001001|01", "positive integer"),
        ("RKP1|PILGUB-31-2024|3171011001001| 1", "positive integer"),
        ("RKP1|PILGUB-31-2024|3171011001001|", "positive integer"),
    ],
)
def test_a_malformed_qr_payload_is_rejected(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_qr_payload(text)


def test_a_payload_that_would_not_parse_back_cannot_be_built():
    with pytest.raises(ValueError, match="tps"):
        QrPayload(contest="PILGUB-31-2024", tps="31", page=1)
    with pytest.raises(ValueError, match="contest"):
        QrPayload(contest="A|B", tps="3171011001001", page=1)
    with pytest.raises(ValueError, match="got 5 part"):
        format_qr_payload(QrPayload.model_construct(contest="A|B", tps="3171011001001", page=1))


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("KODE TPS 3171011001002", {"3171011001002"}),
        ("K0DE TPS 3l71O11001 002", {"3171011001002"}),
        ("kode: 31.71.01.1001.002", {"3171011001002"}),
        ("Kode TPS 31.71.01.1001,002", {"3171011001002"}),  # a dot read as a comma
        ("KELURAHAN GAMBIR TPS 002 KECAMATAN GAMBIR", set()),
        ("SILO BOSS GOOD 1OO1", set()),
        ("3171011001", set()),
        (" OOlIOOlIOOlIO ", set()),
    ],
)
def test_tps_codes_are_found_through_ocr_noise(text: str, codes: set[str]) -> None:
    assert tps_codes_in_text(text) == codes


@pytest.mark.parametrize(
    ("text", "agrees"),
    [
        ("TPS : 002 KODE TPS: 3171011001002", True),
        ("TPS : 002 KODE TPS: 3171011001003", False),  # the code decides, not the number
        ("KELURAHAN/DESA : Gambir\nTPS : 002", True),
        ("TPS No. 2", True),
        ("TPS NOMOR 12", False),
        ("KELURAHAN/DESA : Gambir", None),
        ("TPS : OO2", None),  # a number misread as letters decides nothing
        ("", None),
    ],
)
def test_a_printed_block_names_the_tps_by_code_or_else_by_number(text, agrees) -> None:
    assert printed_tps_agrees(text, "3171011001002") is agrees
