"""Sirekap's paths and JSON shapes, made from plain values (no database, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.results.sirekap_shapes import (
    ChildTotals,
    Progress,
    SirekapCandidate,
    aggregate_node,
    codes_along_path,
    dotted_code,
    sirekap_code,
    sirekap_timestamp,
    tps_node,
)

CANDIDATES = [
    SirekapCandidate(1, "1000023", "Ridwan Kamil - Suswono", "#B67352"),
    SirekapCandidate(2, "1000024", "Dharma Pongrekun - Kun Wardana", "#8CB9BD"),
]
AT = datetime(2024, 11, 27, 14, 1, tzinfo=UTC)


@given(st.lists(st.integers(0, 99), min_size=1, max_size=3), st.integers(1000, 2999))
def test_a_dotted_region_code_survives_the_trip_through_sirekaps(parts, village):
    levels = [f"{part:02d}" for part in parts] + ([str(village)] if len(parts) == 3 else [])
    code = ".".join(levels)
    assert dotted_code(sirekap_code(code)) == code


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        ("31.json", ["31"]),
        ("31/3171/317101.json", ["31", "3171", "317101"]),
        (
            "31/3171/317101/3171011001/3171011001001.json",
            ["31", "3171", "317101", "3171011001", "3171011001001"],
        ),
        ("31/3271.json", None),
        ("31/317.json", None),
        ("31/3171", None),
        ("31/3171/317101/3171011001/3171011001001/1.json", None),
        ("3\uff11.json", None),
    ],
)
def test_a_path_names_each_level_inside_the_one_before(path, codes):
    assert codes_along_path(path) == codes


def test_progress_is_in_percent_with_two_decimals():
    assert Progress(reported=14_825, total=14_835).as_sirekap() == {
        "total": 14_835,
        "persen": 99.93,
        "progres": 14_825,
    }
    assert Progress(reported=0, total=0).as_sirekap()["persen"] == 0


def test_an_aggregate_row_without_reports_has_no_votes():
    reported = ChildTotals("3171", {"suara_paslon_1": 7, "tps_reported": 1}, Progress(1, 2))
    silent = ChildTotals("3172", {}, Progress(0, 3))

    node = aggregate_node(CANDIDATES, {"suara_paslon_1": 7}, Progress(1, 5), [reported, silent], AT)

    assert node["tungsura"]["chart"] == {
        "1000023": 7,
        "1000024": 0,
        "progres": {"total": 5, "persen": 20.0, "progres": 1},
    }
    assert node["tungsura"]["table"]["3171"]["1000023"] == 7
    assert node["tungsura"]["table"]["3172"] == {
        "psu": "Reguler",
        "progres": {"total": 3, "persen": 0.0, "progres": 0},
        "status_progress": False,
    }
    assert node["ts"] == "2024-11-27 21:01:00"


def test_a_tps_shows_the_forms_fields_under_sirekaps_names():
    counted = {"suara_paslon_1": 5, "suara_paslon_2": 3, "pengguna_dpk_jml": 2, "dpt_jml": 300}

    node = tps_node(CANDIDATES, counted, ["http://h/photos/a"], AT)

    administrasi = node["tungsura"]["administrasi"]
    assert node["tungsura"]["chart"] == {"1000023": 5, "1000024": 3}
    assert (administrasi["pengguna_non_dpt_j"], administrasi["pemilih_dpt_j"]) == (2, 300)
    assert administrasi["suara_sah"] is None
    assert (node["psu"], node["status_suara"], node["images"]) == (
        None,
        True,
        ["http://h/photos/a"],
    )


def test_a_naive_time_is_taken_as_utc():
    assert sirekap_timestamp(AT.replace(tzinfo=None)) == sirekap_timestamp(AT)
