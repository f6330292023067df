"""What a verdict publishes, given what the TPS already has."""

from datetime import UTC, datetime

from schemas.events import FormRead, QrPayload, RuleFinding
from services.validate.judge import Verdict
from services.validate.publication import PriorReading, PublishedTally, plan_publication
from services.validate.rules import FIELD_NAMES

TPS = "3171011001001"
NOW = datetime(2024, 11, 27, 14, tzinfo=UTC)
VALUES = {name: 1 for name in FIELD_NAMES} | {
    "suara_paslon_1": 100,
    "suara_paslon_2": 50,
    "suara_paslon_3": 70,
}


def reading(submission: str, photo: str = "a") -> FormRead:
    return FormRead(
        submission_id=submission,
        photo_sha256=photo * 64,
        contest="PILGUB-31-2024",
        tps=TPS,
        officer_id="KPPS-1",
        engine_version="e1",
        readable=True,
        qr=QrPayload(contest="PILGUB-31-2024", tps=TPS, page=1),
        read_at=NOW,
    )


def verdict(outcome: str, values=None, doubt_only: bool = False) -> Verdict:
    findings = (
        [
            RuleFinding(
                rule="uncertain_reading", severity="hard", message="unsure", fields=["suara_sah"]
            )
        ]
        if outcome == "review" and doubt_only
        else [RuleFinding(rule="sum_of_candidates_equals_valid", severity="hard", message="off")]
        if outcome == "review"
        else []
    )
    values = VALUES if values is None else values
    return Verdict(
        outcome,
        values,
        findings,
        {},
        [f.rule for f in findings],
        dict.fromkeys(values, 0.99999 if outcome == "accept" else 0.99),
    )


def test_the_first_accepted_reading_publishes_version_1():
    publication = plan_publication(reading("s1"), verdict("accept"), 3, None, None, NOW)
    assert publication.review is None
    tally = publication.accepted
    assert (tally.version, tally.decided_by, tally.disputed) == (1, "auto", False)
    assert tally.candidate_votes == {1: 100, 2: 50, 3: 70}
    assert tally.submission_ids == ["s1"]


def test_a_first_reading_in_review_asks_a_human_and_a_reject_publishes_nothing():
    review = plan_publication(reading("s1"), verdict("review"), 3, None, None, NOW)
    assert review.accepted is None
    assert [f.rule for f in review.review.findings] == ["sum_of_candidates_equals_valid"]
    nothing = plan_publication(reading("s1"), verdict("reject", {}), 3, None, None, NOW)
    assert nothing.accepted is None and nothing.review is None


def test_a_second_officer_who_reads_other_numbers_sends_both_to_review_side_by_side():
    other = PriorReading("s1", "b" * 64, verdict("accept"))
    differing = VALUES | {"suara_paslon_1": 101}
    publication = plan_publication(reading("s2"), verdict("accept", differing), 3, None, other, NOW)
    assert publication.accepted is None
    request = publication.review
    assert request.readings["s1"]["suara_paslon_1"] == 100
    assert request.readings["s2"]["suara_paslon_1"] == 101
    assert "suara_paslon_1" in request.findings[-1].fields


def test_a_reading_that_contradicts_the_published_tally_disputes_it():
    published = PublishedTally(1, VALUES, ["s1"], ["b" * 64])
    contradicting = VALUES | {"suara_paslon_3": 90}
    publication = plan_publication(
        reading("s2"), verdict("accept", contradicting), 3, published, None, NOW
    )
    assert publication.accepted.disputed and publication.accepted.version == 2
    assert publication.accepted.values == VALUES
    assert publication.review.findings[0].rule == "contradicts_published_tally"


def test_a_reading_that_confirms_the_published_tally_publishes_nothing():
    published = PublishedTally(1, VALUES, ["s1"], ["b" * 64])
    publication = plan_publication(reading("s2"), verdict("accept"), 3, published, None, NOW)
    assert publication.accepted is None and publication.review is None


def test_an_unreadable_photo_of_the_other_officer_is_not_evidence_of_the_published_tally():
    unreadable = PriorReading("s1", "b" * 64, verdict("reject", {}))
    publication = plan_publication(reading("s2"), verdict("accept"), 3, None, unreadable, NOW)
    assert publication.accepted.submission_ids == ["s2"]
    assert publication.accepted.photo_sha256s == ["a" * 64]
