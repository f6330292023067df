"""Each rule of the form: a passing and a failing example, with the explanation a reviewer reads."""

from __future__ import annotations

import pytest

from schemas.events import QrPayload
from services.validate.rules import (
    TpsFacts,
    ballot_reserve,
    check_hard_rules,
    check_master_data,
    check_soft_rules,
    turnout_outliers,
)
from tests.unit.test_validate_tallies import CONTEST, EXAMPLE, FACTS, OTHER_TPS, TPS

QR = QrPayload(contest=CONTEST, tps=TPS, page=1)


def broken(**changes: int | None) -> dict[str, int | None]:
    return EXAMPLE | changes


def rules_broken(values: dict[str, int | None], candidates: int = 3) -> set[str]:
    return {finding.rule for finding in check_hard_rules(values, candidates)}


@pytest.mark.parametrize(
    ("changes", "rule", "fields", "message"),
    [
        (
            {"disabilitas_jml": 4},
            "male_plus_female_equals_total",
            ["disabilitas_l", "disabilitas_p", "disabilitas_jml"],
            "disabilitas_l + disabilitas_p add up to 3 but disabilitas_jml is 4",
        ),
        (
            {"pengguna_total_l": 205},
            "voters_total_equals_sum_of_lists",
            ["pengguna_dpt_l", "pengguna_dptb_l", "pengguna_dpk_l", "pengguna_total_l"],
            "pengguna_dpt_l + pengguna_dptb_l + pengguna_dpk_l add up to 204 but "
            "pengguna_total_l is 205",
        ),
        (
            {"dpt_l": 190, "dpt_jml": 480},
            "dpt_voters_within_dpt",
            ["pengguna_dpt_l", "dpt_l"],
            "pengguna_dpt_l is 200, more than dpt_l (190)",
        ),
        (
            {"ss_tidak_digunakan": 165},
            "ballots_received_accounted_for",
            ["ss_digunakan", "ss_dikembalikan", "ss_tidak_digunakan", "ss_diterima"],
            "ss_digunakan + ss_dikembalikan + ss_tidak_digunakan add up to 587 but "
            "ss_diterima is 586",
        ),
        (
            {"ss_digunakan": 421, "ss_tidak_digunakan": 163},
            "ballots_used_equal_voters",
            ["pengguna_total_jml", "ss_digunakan"],
            "ss_digunakan is 421 but pengguna_total_jml is 420",
        ),
        (
            {"suara_paslon_1": 152},
            "sum_of_candidates_equals_valid",
            ["suara_paslon_1", "suara_paslon_2", "suara_paslon_3", "suara_sah"],
            "suara_paslon_1..3 add up to 412 but suara_sah is 410",
        ),
        (
            {"suara_paslon_4": 0},
            "rows_past_last_candidate_blank",
            ["suara_paslon_4"],
            "suara_paslon_4 reads 0 but the contest has 3 candidate(s), so that row must be blank",
        ),
        (
            {"suara_tidak_sah": 11},
            "valid_plus_invalid_equals_total",
            ["suara_sah", "suara_tidak_sah", "suara_total"],
            "suara_sah + suara_tidak_sah add up to 421 but suara_total is 420",
        ),
        (
            {"suara_total": 421, "suara_tidak_sah": 11},
            "votes_cast_equal_voters",
            ["pengguna_total_jml", "suara_total"],
            "suara_total is 421 but pengguna_total_jml is 420",
        ),
        (
            {"disabilitas_l": 300, "disabilitas_p": 121, "disabilitas_jml": 421},
            "disabled_voters_within_voters",
            ["disabilitas_jml", "pengguna_total_jml"],
            "disabilitas_jml is 421, more than pengguna_total_jml (420)",
        ),
    ],
)
def test_each_hard_rule_names_itself_its_fields_and_the_numbers(
    changes: dict[str, int | None], rule: str, fields: list[str], message: str
) -> None:
    assert rules_broken(EXAMPLE) == set()
    findings = [f for f in check_hard_rules(broken(**changes), 3) if f.rule == rule]
    assert len(findings) == 1
    assert findings[0].severity == "hard"
    assert findings[0].fields == fields
    assert findings[0].message == message


def test_a_blank_counts_as_zero() -> None:
    no_disabled_voters = broken(disabilitas_l=None, disabilitas_p=None, disabilitas_jml=None)
    assert rules_broken(no_disabled_voters) == set()
    blank_invalid = broken(suara_tidak_sah=None, suara_sah=420, suara_paslon_3=110)
    assert rules_broken(blank_invalid) == set()


def test_only_the_contests_candidates_count_toward_the_valid_votes() -> None:
    two_candidates = broken(suara_paslon_3=None, suara_paslon_2=260)
    assert rules_broken(two_candidates, candidates=2) == set()
    assert "rows_past_last_candidate_blank" in rules_broken(EXAMPLE, candidates=2)
    assert rules_broken(broken(suara_paslon_4=0, suara_paslon_3=100), candidates=4) == set()


def test_a_single_candidate_contest_compares_the_one_row_with_the_valid_votes() -> None:
    single = broken(suara_paslon_1=400, suara_paslon_2=None, suara_paslon_3=None)
    [finding] = check_hard_rules(single, candidates=1)
    assert finding.message == "suara_sah is 410 but suara_paslon_1 is 400"


def test_master_data_passes_for_the_uploaders_own_form() -> None:
    assert check_master_data(EXAMPLE, QR, f"TPS {TPS}", FACTS) == []


def test_a_missing_qr_asks_for_a_human_to_identify_the_form() -> None:
    [finding] = check_master_data(EXAMPLE, None, f"KODE TPS {OTHER_TPS}", FACTS)
    assert finding.rule == "qr_unreadable" and finding.severity == "hard"
    assert OTHER_TPS in finding.message and TPS in finding.message


def test_a_qr_of_another_tps_or_contest_is_named() -> None:
    other = QrPayload(contest="PILWALKOT-3171-2024", tps=OTHER_TPS, page=1)
    findings = check_master_data(EXAMPLE, other, None, FACTS)
    assert [f.rule for f in findings] == ["qr_contest_is_uploaders", "qr_tps_is_uploaders"]
    assert "TPS 3171011001002 but the photo was uploaded by an officer of TPS 3171011001001" in (
        findings[1].message
    )


def test_the_dpt_must_be_master_datas() -> None:
    findings = check_master_data(broken(dpt_l=282, dpt_jml=572), QR, None, FACTS)
    assert [(f.rule, f.fields) for f in findings] == [
        ("dpt_equals_master_data", ["dpt_l"]),
        ("dpt_equals_master_data", ["dpt_jml"]),
    ]
    assert findings[0].message == (
        "dpt_l reads 282 but the DPT of TPS 3171011001001 in master data is 281"
    )


def test_a_printed_block_naming_another_tps_than_the_qr_is_a_swapped_sticker() -> None:
    printed = f"PROVINSI DKI JAKARTA\nKELURAHAN GAMBIR\nKODE TPS {OTHER_TPS}"
    [finding] = check_master_data(EXAMPLE, QR, printed, FACTS)
    assert finding.rule == "printed_tps_differs_from_qr"
    assert OTHER_TPS in finding.message


def test_a_block_printed_without_codes_is_checked_by_its_tps_number() -> None:
    printed = "KELURAHAN/DESA : Gambir\nTPS : 007"
    [finding] = check_master_data(EXAMPLE, QR, printed, FACTS)
    assert finding.rule == "printed_tps_differs_from_qr"
    assert "names TPS number 7 but the QR names TPS 3171011001001 (number 1)" in finding.message


def test_the_printed_block_may_be_missing_or_name_no_code() -> None:
    assert check_master_data(EXAMPLE, QR, None, FACTS) == []
    assert check_master_data(EXAMPLE, QR, "KELURAHAN GAMBIR, TPS 001", FACTS) == []


def test_soft_rules_flag_a_dpt_over_the_cap_and_a_missing_reserve() -> None:
    big = broken(dpt_l=301, dpt_p=300, dpt_jml=601, ss_diterima=601 + 16)
    assert check_soft_rules(big)[0].rule == "dpt_within_cap"
    assert [f.rule for f in check_soft_rules(big)] == ["dpt_within_cap"]
    [short] = check_soft_rules(broken(ss_diterima=580))
    assert (short.rule, short.severity) == ("ballots_received_equal_dpt_plus_reserve", "soft")
    assert short.message == (
        "ss_diterima is 580 but a DPT of 571 plus the 2.5% reserve (15) makes 586"
    )


@pytest.mark.parametrize(("dpt", "reserve"), [(0, 0), (1, 1), (40, 1), (41, 2), (600, 15)])
def test_the_reserve_is_two_and_a_half_percent_rounded_up(dpt: int, reserve: int) -> None:
    assert ballot_reserve(dpt) == reserve


def test_a_turnout_far_from_the_kelurahans_is_an_outlier() -> None:
    turnouts = {f"tps{n}": 0.70 + 0.01 * (n % 5) for n in range(20)} | {"tps99": 0.99}
    assert turnout_outliers(turnouts) == {"tps99"}
    assert turnout_outliers({f"tps{n}": 0.70 + 0.01 * (n % 5) for n in range(20)}) == set()


def test_outliers_when_most_tps_share_one_turnout() -> None:
    turnouts = {f"tps{n}": 0.75 for n in range(10)} | {"tps10": 0.76, "tps11": 0.20}
    assert turnout_outliers(turnouts) == {"tps11"}
    assert turnout_outliers({f"tps{n}": 0.75 for n in range(10)}) == set()


def test_too_few_tps_have_no_outliers() -> None:
    assert turnout_outliers({"a": 0.7, "b": 0.71, "c": 0.72, "d": 0.1}) == set()


def test_facts_accept_one_to_six_candidates() -> None:
    with pytest.raises(ValueError, match="1 to 6 candidates"):
        TpsFacts(tps=TPS, contest=CONTEST, dpt_l=1, dpt_p=1, candidates=7)
