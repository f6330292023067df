"""The judge on the cases that matter: accept only what is certain, never fix an officer's sum."""

from __future__ import annotations

import pytest

from schemas.events import QrPayload
from services.validate.constraint import Thresholds
from services.validate.judge import judge
from tests.unit.test_validate_tallies import (
    CONTEST,
    EXAMPLE,
    FACTS,
    OTHER_TPS,
    TPS,
    confident,
    form_read,
    uncertain,
)


def rules_named(verdict) -> list[str]:
    return [finding.rule for finding in verdict.findings]


def test_a_perfect_confident_reading_is_accepted_as_read() -> None:
    verdict = judge(form_read(EXAMPLE), FACTS)
    assert verdict.outcome == "accept"
    assert verdict.values == EXAMPLE
    assert verdict.findings == [] and verdict.corrected_fields == {} and verdict.reasons == []
    assert min(verdict.field_confidence.values()) > 0.9999


def test_one_uncertain_digit_is_fixed_by_the_arithmetic() -> None:
    misread = {"suara_paslon_2": uncertain((760, 0.6), (160, 0.38))}
    verdict = judge(form_read(EXAMPLE, misread), FACTS)
    assert verdict.outcome == "accept"
    assert verdict.values == EXAMPLE
    assert verdict.corrected_fields == {"suara_paslon_2": (760, 160)}
    assert any("corrected suara_paslon_2 from 760" in reason for reason in verdict.reasons)
    assert verdict.field_confidence["suara_paslon_2"] > 0.9999


def test_an_uncertain_digit_whose_alternatives_break_the_rules_is_settled_as_read() -> None:
    unsure = {"suara_paslon_2": uncertain((160, 0.7), (760, 0.29))}
    verdict = judge(form_read(EXAMPLE, unsure), FACTS)
    assert verdict.outcome == "accept" and verdict.values == EXAMPLE
    assert verdict.corrected_fields == {}
    assert any("suara_paslon_2 was read as 160" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("fitting_alternative", [None, 0.001])
def test_an_officers_arithmetic_mistake_read_confidently_goes_to_review_unchanged(
    fitting_alternative: float | None,
) -> None:
    paper = EXAMPLE | {"suara_sah": 412}
    reading = (
        uncertain((412, 0.998), (410, fitting_alternative))
        if fitting_alternative
        else confident(412)
    )
    verdict = judge(form_read(paper, {"suara_sah": reading}), FACTS)
    assert verdict.outcome == "review"
    assert verdict.values == paper
    assert verdict.corrected_fields == {}
    assert rules_named(verdict) == [
        "sum_of_candidates_equals_valid",
        "valid_plus_invalid_equals_total",
    ]
    assert "suara_paslon_1..3 add up to 410 but suara_sah is 412" in verdict.reasons[0]
    assert any("not corrected" in reason for reason in verdict.reasons)


def test_an_officers_mistake_read_unsurely_is_not_overruled_by_the_arithmetic() -> None:
    """The paper says 412 (the candidates add up to 410); the reader is unsure of the 2 but saw
    a 0 there six times less likely: that is the ink's call, not the sum's."""
    paper = EXAMPLE | {"suara_sah": 412}
    reading = uncertain((412, 0.6), (410, 0.1), (417, 0.25))
    verdict = judge(form_read(paper, {"suara_sah": reading}), FACTS)
    assert verdict.outcome == "review"
    assert verdict.values == paper and verdict.corrected_fields == {}
    assert "sum_of_candidates_equals_valid" in rules_named(verdict)
    assert any(
        "not corrected" in reason and "suara_sah were 410" in reason and "ink" in reason
        for reason in verdict.reasons
    )


@pytest.mark.parametrize(("seen", "corrected"), [(0.15, True), (0.09, False)])
def test_the_arithmetic_settles_a_misread_only_where_the_ink_allows_the_fit(
    seen: float, corrected: bool
) -> None:
    """160 read as 760 with p=0.6: corrected when the reader gave 160 at least a fifth of that
    (0.12), else left to a human."""
    misread = {"suara_paslon_2": uncertain((760, 0.6), (160, seen), (700, 0.2))}
    verdict = judge(form_read(EXAMPLE, misread), FACTS)
    assert (verdict.outcome == "accept") is corrected
    assert verdict.values == (EXAMPLE if corrected else EXAMPLE | {"suara_paslon_2": 760})


def test_two_fixes_that_fit_about_as_well_leave_the_form_to_a_human() -> None:
    misread = {
        "suara_paslon_1": uncertain((155, 0.5), (150, 0.25), (160, 0.24)),
        "suara_paslon_2": uncertain((165, 0.5), (160, 0.25), (155, 0.24)),
    }
    verdict = judge(form_read(EXAMPLE, misread), FACTS)
    assert verdict.outcome == "review"
    assert verdict.values["suara_paslon_1"] == 155 and verdict.values["suara_paslon_2"] == 165
    assert verdict.corrected_fields == {}
    assert "sum_of_candidates_equals_valid" in rules_named(verdict)
    doubts = [f for f in verdict.findings if f.rule == "uncertain_reading"]
    assert {name for f in doubts for name in f.fields} == {"suara_paslon_1", "suara_paslon_2"}
    assert "150" in doubts[0].message and "155" in doubts[0].message


def test_a_reading_that_fits_the_rules_two_ways_is_in_doubt() -> None:
    unsure = {
        "disabilitas_l": uncertain((2, 0.55), (7, 0.43)),
        "disabilitas_jml": uncertain((3, 0.55), (8, 0.43)),
    }
    verdict = judge(form_read(EXAMPLE, unsure), FACTS)
    assert verdict.outcome == "review"
    assert verdict.values == EXAMPLE
    assert [(f.rule, f.fields) for f in verdict.findings] == [
        ("uncertain_reading", ["disabilitas_l"]),
        ("uncertain_reading", ["disabilitas_jml"]),
    ]
    assert verdict.findings[0].message == (
        "disabilitas_l reads 2 (p=0.55); the form's rules fit with 2 or 7: check the photo"
    )


def test_a_qr_of_another_tps_goes_to_review() -> None:
    verdict = judge(form_read(EXAMPLE, qr=QrPayload(contest=CONTEST, tps=OTHER_TPS, page=1)), FACTS)
    assert verdict.outcome == "review"
    assert rules_named(verdict) == ["qr_tps_is_uploaders"]
    assert verdict.values == EXAMPLE


def test_an_unreadable_qr_and_a_swapped_sticker_go_to_review() -> None:
    reading = form_read(EXAMPLE).model_copy(update={"qr": None})
    assert rules_named(judge(reading, FACTS)) == ["qr_unreadable"]
    swapped = form_read(EXAMPLE, printed=f"KELURAHAN GAMBIR\nKODE TPS {OTHER_TPS}")
    assert rules_named(judge(swapped, FACTS)) == ["printed_tps_differs_from_qr"]
    assert judge(form_read(EXAMPLE, printed=f"KODE TPS {TPS}"), FACTS).outcome == "accept"


def test_a_dpt_that_differs_from_master_data_goes_to_review() -> None:
    paper = EXAMPLE | {"dpt_l": 282, "dpt_jml": 572}
    verdict = judge(form_read(paper), FACTS)
    assert verdict.outcome == "review"
    hard = [(f.rule, f.fields) for f in verdict.findings if f.severity == "hard"]
    assert hard == [("dpt_equals_master_data", ["dpt_l"]), ("dpt_equals_master_data", ["dpt_jml"])]
    assert verdict.values == paper


def test_an_uncertain_dpt_digit_is_settled_by_master_data() -> None:
    misread = {"dpt_l": uncertain((287, 0.6), (281, 0.39))}
    verdict = judge(form_read(EXAMPLE, misread), FACTS)
    assert verdict.outcome == "accept"
    assert verdict.corrected_fields == {"dpt_l": (287, 281)}


def test_an_unreadable_photo_is_rejected_with_the_readers_reason() -> None:
    reading = form_read(EXAMPLE).model_copy(
        update={"readable": False, "unreadable_reason": "no form markers found", "fields": {}}
    )
    verdict = judge(reading, FACTS)
    assert verdict.outcome == "reject"
    assert verdict.reasons == ["form_unreadable: no form markers found"]
    assert verdict.values == {}


def test_a_number_in_a_row_past_the_last_candidate_goes_to_review() -> None:
    verdict = judge(form_read(EXAMPLE | {"suara_paslon_4": 0}), FACTS)
    assert verdict.outcome == "review"
    assert rules_named(verdict) == ["rows_past_last_candidate_blank"]


@pytest.mark.parametrize("mark", [1, 0])
def test_a_faint_mark_in_an_unused_row_read_without_confidence_is_blanked(mark: int) -> None:
    faint = {"suara_paslon_5": uncertain((mark, 0.6), (None, 0.39))}
    verdict = judge(form_read(EXAMPLE, faint), FACTS)
    assert verdict.outcome == "accept"
    assert verdict.corrected_fields == {"suara_paslon_5": (mark, None)}
    assert verdict.values["suara_paslon_5"] is None


def test_a_value_only_the_arithmetic_knows_is_not_published() -> None:
    smudged = {"suara_tidak_sah": uncertain((70, 0.6))}
    verdict = judge(form_read(EXAMPLE, smudged), FACTS)
    assert verdict.outcome == "review"
    assert verdict.values["suara_tidak_sah"] == 70
    assert any(
        "suara_tidak_sah were 10, a value the reader did not see" in r for r in verdict.reasons
    )


def test_too_many_corrections_are_not_made() -> None:
    misread = {
        "suara_paslon_1": uncertain((750, 0.6), (150, 0.39)),
        "suara_paslon_2": uncertain((760, 0.6), (160, 0.39)),
    }
    verdict = judge(form_read(EXAMPLE, misread), FACTS, Thresholds(max_corrected_fields=1))
    assert verdict.outcome == "review" and verdict.corrected_fields == {}
    assert any("would change 2 fields" in reason for reason in verdict.reasons)
    assert judge(form_read(EXAMPLE, misread), FACTS).outcome == "accept"


def test_soft_findings_alone_publish_the_form_with_the_findings() -> None:
    extra_ballots = EXAMPLE | {"ss_diterima": 590, "ss_tidak_digunakan": 168}
    verdict = judge(form_read(extra_ballots), FACTS)
    assert verdict.outcome == "accept"
    assert rules_named(verdict) == ["ballots_received_equal_dpt_plus_reserve"]
    assert verdict.reasons[0].startswith("ballots_received_equal_dpt_plus_reserve: ")


def test_a_field_the_reader_left_out_goes_to_review() -> None:
    reading = form_read(EXAMPLE)
    fields = {name: f for name, f in reading.fields.items() if name != "ss_dikembalikan"}
    verdict = judge(reading.model_copy(update={"fields": fields}), FACTS)
    assert verdict.outcome == "review"
    assert "field_not_read" in rules_named(verdict)


def test_facts_of_another_tps_are_a_programming_error() -> None:
    reading = form_read(EXAMPLE).model_copy(update={"tps": OTHER_TPS})
    with pytest.raises(ValueError, match="facts of TPS"):
        judge(reading, FACTS)
