"""Officers' slips: the paper may break the arithmetic by a little, and a reading that fits the
rules must beat that, or an officer's slip is published as if it were a misread fixed."""

from __future__ import annotations

import pytest

from services.validate.constraint import FieldBelief, settle
from services.validate.judge import judge
from services.validate.slips import SlipPrior, slipped_belief, slips_of
from tests.unit.test_validate_tallies import EXAMPLE, FACTS, confident, form_read, uncertain


@pytest.mark.parametrize("right", [0, 7, 45, 294, 410, 999])
def test_slips_of_a_number_are_a_distribution_over_other_numbers(right: int) -> None:
    slips = slips_of(right)
    assert sum(slips.values()) == pytest.approx(1.0)
    assert right not in slips
    assert all(0 <= written <= 999 for written in slips)


def test_small_slips_are_likelier_than_large_ones_and_digits_may_be_swapped() -> None:
    slips = slips_of(294)
    assert slips[295] > slips[296] > slips[303] > 0
    assert slips[295] == pytest.approx(slips[293])
    assert slips[284] == slips[304] == slips[274] == slips[194] == slips[394]
    assert slips[249] == slips[924] > 0
    assert 244 not in slips and 794 not in slips  # off by 50 and 500: misreads, not slips


def test_a_slipped_belief_weighs_each_right_number_by_the_ink_it_would_explain() -> None:
    """The reader sees 296 (0.9) or 796 (0.1): the right number may be 295 or 294 (296 is a
    slip of 1 or 2 from them), or 696 (796 a hundred off); never 296 itself."""
    weights = slipped_belief({296: 0.9, 796: 0.1}, residual=0.0)
    assert weights[295] == pytest.approx(0.9 * slips_of(295)[296])
    assert weights[294] == pytest.approx(0.9 * slips_of(294)[296])
    assert weights[696] == pytest.approx(0.1 * slips_of(696)[796])
    assert 296 not in weights


def test_a_correction_onto_a_number_one_off_the_ink_may_be_the_officers_slip() -> None:
    """suara_total written 421 where the rules need 420; the reader sees 421 (0.6) or 420
    (0.3). Without slips, 420 fits and is "corrected" in: the officers' slip published."""
    paper = EXAMPLE | {"suara_total": 421}
    reading = form_read(paper, {"suara_total": uncertain((421, 0.6), (420, 0.3))})
    verdict = judge(reading, FACTS)
    assert verdict.outcome == "review"
    assert verdict.values == paper and verdict.corrected_fields == {}
    slips = [finding for finding in verdict.findings if finding.rule == "possible_officer_slip"]
    assert [finding.fields for finding in slips] == [["suara_total"]]
    assert any(
        "suara_total may hold the officers' slip: the form's rules need 420, the reader sees "
        "421 there (p=0.6)" in reason
        for reason in verdict.reasons
    )
    beliefs = {name: FieldBelief.from_reading(field) for name, field in reading.fields.items()}
    unaware = settle(beliefs, FACTS, slip_prior=SlipPrior(per_field=0.0))
    assert unaware.settled and unaware.corrected_fields == {"suara_total": (421, 420)}


def test_a_misread_that_no_slip_explains_is_still_corrected() -> None:
    """420 read as 470 (a 2 taken for a 7): off by 50, no slip an officer makes."""
    reading = form_read(EXAMPLE, {"suara_total": uncertain((470, 0.6), (420, 0.3))})
    verdict = judge(reading, FACTS)
    assert verdict.outcome == "accept" and verdict.values == EXAMPLE
    assert verdict.corrected_fields == {"suara_total": (470, 420)}
    assert verdict.field_confidence["suara_total"] > 0.9999


def test_a_confident_consistent_form_is_not_held_back_by_slips() -> None:
    verdict = judge(form_read(EXAMPLE, {"suara_sah": confident(410, 0.99)}), FACTS)
    assert verdict.outcome == "accept" and verdict.values == EXAMPLE
    assert verdict.field_confidence["suara_sah"] > 0.9999
