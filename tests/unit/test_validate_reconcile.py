"""Two officers' readings of one form, and a later upload against the published tally."""

from __future__ import annotations

from schemas.events import QrPayload, RuleFinding
from services.validate.judge import Outcome, Verdict, judge
from services.validate.reconcile import (
    Upload,
    compare_with_published,
    joint_doubt,
    reconcile,
    value_differences,
)
from tests.unit.test_validate_tallies import (
    CONTEST,
    EXAMPLE,
    FACTS,
    OTHER_TPS,
    form_read,
    uncertain,
)

DOUBT = RuleFinding(rule="uncertain_reading", severity="hard", message="x reads 2 or 7")


def verdict(
    outcome: Outcome = "accept",
    values: dict[str, int | None] = EXAMPLE,
    findings: list[RuleFinding] | None = None,
    doubtful: dict[str, float] | None = None,
) -> Verdict:
    confidence = dict.fromkeys(values, 1.0) | (doubtful or {})
    return Verdict(outcome, dict(values), findings or [], {}, [], confidence)


def upload(photo: str, given: Verdict) -> Upload:
    return Upload(photo_sha256=photo * 64, verdict=given)


def test_two_accepted_readings_that_agree_are_accepted() -> None:
    result = reconcile(upload("a", verdict()), upload("b", verdict()))
    assert (result.outcome, result.values, result.differences) == ("accept", EXAMPLE, {})


def test_readings_that_differ_go_to_review_side_by_side_even_if_both_were_accepted() -> None:
    other = EXAMPLE | {"suara_paslon_1": 140, "suara_paslon_2": 170}
    result = reconcile(upload("a", verdict()), upload("b", verdict(values=other)))
    assert result.outcome == "review" and result.values == {}
    assert result.differences == {"suara_paslon_1": (150, 140), "suara_paslon_2": (160, 170)}
    assert result.reasons[0] == (
        "suara_paslon_1: 150 in photo aaaaaaaaaaaa but 140 in photo bbbbbbbbbbbb"
    )


def test_a_blank_and_a_zero_are_the_same_number() -> None:
    assert value_differences({"x": None, "y": 3}, {"x": 0, "y": 3}) == {}
    assert value_differences({"x": None}, {"x": 1}) == {"x": (None, 1)}


def test_an_accepted_reading_carries_an_agreeing_doubtful_one() -> None:
    doubtful = verdict("review", findings=[DOUBT], doubtful={"disabilitas_l": 0.6})
    result = reconcile(upload("a", verdict()), upload("b", doubtful))
    assert result.outcome == "accept"


def test_two_agreeing_doubtful_readings_of_two_photos_are_accepted_when_jointly_sure() -> None:
    nearly = verdict("review", findings=[DOUBT], doubtful={"disabilitas_l": 0.999})
    result = reconcile(upload("a", nearly), upload("b", nearly))
    assert result.outcome == "accept"
    assert joint_doubt(nearly.field_confidence, nearly.field_confidence) < 1e-5


def test_two_photos_cannot_rule_out_an_officers_slip_on_the_paper_they_share() -> None:
    """Each reading is nearly sure of its digits; what holds both back is a slip the paper may
    hold, and a second photo of the same paper is no evidence against it."""
    slip = RuleFinding(
        rule="possible_officer_slip",
        severity="hard",
        message="suara_total may hold the officers' slip",
        fields=["suara_total"],
    )
    held = verdict("review", findings=[slip], doubtful={"suara_total": 0.9999})
    assert joint_doubt(held.field_confidence, held.field_confidence) < 1e-5
    assert reconcile(upload("a", held), upload("b", held)).outcome == "review"
    assert reconcile(upload("a", verdict()), upload("b", held)).outcome == "review"


def test_two_agreeing_doubtful_readings_that_stay_unsure_go_to_review() -> None:
    unsure = {"disabilitas_l": uncertain((2, 0.55), (7, 0.43))} | {
        "disabilitas_jml": uncertain((3, 0.55), (8, 0.43))
    }
    first = judge(form_read(EXAMPLE, unsure), FACTS)
    assert first.outcome == "review"
    result = reconcile(upload("a", first), upload("b", first))
    assert result.outcome == "review"
    assert "both are unsure" in result.reasons[0]


def test_one_photo_uploaded_twice_is_not_a_second_reading() -> None:
    nearly = verdict("review", findings=[DOUBT], doubtful={"disabilitas_l": 0.999})
    result = reconcile(upload("a", nearly), upload("a", nearly))
    assert result.outcome == "review"


def test_agreement_does_not_vouch_for_a_broken_rule_or_another_tps() -> None:
    qr = judge(form_read(EXAMPLE, qr=QrPayload(contest=CONTEST, tps=OTHER_TPS, page=1)), FACTS)
    assert reconcile(upload("a", verdict()), upload("b", qr)).outcome == "review"
    mistake = EXAMPLE | {"suara_sah": 412}
    officers_sum = judge(form_read(mistake), FACTS)
    both = reconcile(upload("a", officers_sum), upload("b", officers_sum))
    assert both.outcome == "review" and both.values == mistake


def test_an_unreadable_photo_leaves_the_other_to_decide() -> None:
    unreadable = verdict("reject", values={})
    assert reconcile(upload("a", unreadable), upload("b", verdict())).outcome == "accept"
    assert reconcile(upload("a", unreadable), upload("b", unreadable)).outcome == "reject"


def test_a_later_photo_that_agrees_confirms_the_published_tally() -> None:
    result = compare_with_published(EXAMPLE, upload("c", verdict()))
    assert (result.outcome, result.differences) == ("accept", {})


def test_a_later_photo_sure_of_different_numbers_disputes_the_published_tally() -> None:
    changed = EXAMPLE | {"suara_paslon_1": 140, "suara_sah": 400, "suara_tidak_sah": 20}
    result = compare_with_published(EXAMPLE, upload("c", verdict(values=changed)))
    assert result.outcome == "disputed"
    assert result.values == EXAMPLE
    assert result.differences["suara_paslon_1"] == (150, 140)
    assert "suara_paslon_1, suara_sah, suara_tidak_sah" in result.reasons[0]


def test_a_later_officers_mistake_read_confidently_still_disputes() -> None:
    paper = EXAMPLE | {"suara_sah": 412}
    result = compare_with_published(EXAMPLE, upload("c", judge(form_read(paper), FACTS)))
    assert result.outcome == "disputed"
    assert result.differences == {"suara_sah": (410, 412)}


def test_a_later_photo_unsure_where_it_differs_goes_to_review_without_dispute() -> None:
    unsure = verdict(
        "review",
        values=EXAMPLE | {"disabilitas_l": 7, "disabilitas_jml": 8},
        findings=[DOUBT],
        doubtful={"disabilitas_l": 0.6, "disabilitas_jml": 0.6},
    )
    result = compare_with_published(EXAMPLE, upload("c", unsure))
    assert result.outcome == "review"


def test_a_later_photo_of_another_tps_does_not_dispute() -> None:
    other_form = EXAMPLE | {"suara_paslon_1": 140, "suara_sah": 400, "suara_tidak_sah": 20}
    reading = form_read(other_form, qr=QrPayload(contest=CONTEST, tps=OTHER_TPS, page=1))
    result = compare_with_published(EXAMPLE, upload("c", judge(reading, FACTS)))
    assert result.outcome == "review"
    assert OTHER_TPS in result.reasons[0]


def test_a_later_unreadable_photo_changes_nothing() -> None:
    result = compare_with_published(EXAMPLE, upload("c", verdict("reject", values={})))
    assert result.outcome == "reject" and result.values == EXAMPLE
