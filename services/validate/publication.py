"""What a verdict publishes, given what the TPS already has: pure, no database.

- A tally already published for this TPS and contest: the new reading confirms it (nothing
  to publish), disputes it (a new version, same numbers, marked disputed, and a review
  request), or goes to review.
- Another officer's reading but nothing published yet: the two are reconciled; agreement
  publishes version 1, disagreement goes to review side by side.
- The first reading: accept publishes version 1, review asks a human, reject waits for a
  readable photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schemas.events import FormRead, RuleFinding, TallyAccepted, TallyReviewRequested
from services.validate.judge import Verdict
from services.validate.reconcile import Upload, compare_with_published, reconcile
from services.validate.rules import CANDIDATE_FIELDS


@dataclass(frozen=True)
class PriorReading:
    """Another submission's reading of the same TPS and contest, and its verdict."""

    submission_id: str
    photo_sha256: str
    verdict: Verdict


@dataclass(frozen=True)
class PublishedTally:
    version: int
    values: dict[str, int | None]
    submission_ids: list[str]
    photo_sha256s: list[str]


@dataclass(frozen=True)
class Publication:
    accepted: TallyAccepted | None = None
    review: TallyReviewRequested | None = None
    reasons: list[str] = field(default_factory=list)


def plan_publication(
    reading: FormRead,
    verdict: Verdict,
    candidates: int,
    published: PublishedTally | None,
    other: PriorReading | None,
    now: datetime,
) -> Publication:
    this = Upload(reading.photo_sha256, verdict)
    if published is not None:
        return _against_published(reading, this, candidates, published, now)
    if other is not None:
        together = reconcile(Upload(other.photo_sha256, other.verdict), this)
        both = [other.submission_id, reading.submission_id]
        photos = [other.photo_sha256, reading.photo_sha256]
        if together.outcome == "accept":
            soft = _soft(verdict) + [f for f in _soft(other.verdict) if f not in _soft(verdict)]
            readable = [
                (submission_id, photo)
                for submission_id, photo, judged in zip(
                    both, photos, (other.verdict, verdict), strict=True
                )
                if judged.outcome != "reject"
            ]  # an unreadable photo is no evidence of the published numbers
            return Publication(
                accepted=_accepted(
                    reading,
                    together.values,
                    1,
                    candidates,
                    [submission_id for submission_id, _ in readable],
                    [photo for _, photo in readable],
                    soft,
                    disputed=False,
                    now=now,
                ),
                reasons=together.reasons,
            )
        if together.outcome == "review":
            findings = (
                _hard(verdict)
                + _hard(other.verdict)
                + [
                    RuleFinding(
                        rule="officers_readings_differ",
                        severity="hard",
                        message="; ".join(together.reasons),
                        fields=sorted(together.differences),
                    )
                ]
            )
            return Publication(
                review=_review(
                    reading,
                    findings,
                    {
                        other.submission_id: other.verdict.values,
                        reading.submission_id: verdict.values,
                    },
                    both,
                    photos,
                    now,
                ),
                reasons=together.reasons,
            )
        return Publication(reasons=together.reasons)
    if verdict.outcome == "accept":
        return Publication(
            accepted=_accepted(
                reading,
                verdict.values,
                1,
                candidates,
                [reading.submission_id],
                [reading.photo_sha256],
                _soft(verdict),
                disputed=False,
                now=now,
            ),
            reasons=verdict.reasons,
        )
    if verdict.outcome == "review":
        return Publication(
            review=_review(
                reading,
                _hard(verdict),
                {reading.submission_id: verdict.values},
                [reading.submission_id],
                [reading.photo_sha256],
                now,
            ),
            reasons=verdict.reasons,
        )
    return Publication(reasons=verdict.reasons)


def _against_published(
    reading: FormRead, this: Upload, candidates: int, published: PublishedTally, now: datetime
) -> Publication:
    outcome = compare_with_published(published.values, this)
    submissions = [*published.submission_ids, reading.submission_id]
    photos = [*published.photo_sha256s, reading.photo_sha256]
    if outcome.outcome in ("accept", "reject"):
        return Publication(reasons=outcome.reasons)
    contradiction = RuleFinding(
        rule="contradicts_published_tally",
        severity="hard",
        message="; ".join(outcome.reasons),
        fields=sorted(outcome.differences),
    )
    review = _review(
        reading,
        [contradiction, *_hard(this.verdict)],
        {"published": published.values, reading.submission_id: this.verdict.values},
        submissions,
        photos,
        now,
    )
    if outcome.outcome == "disputed":
        disputed = _accepted(
            reading,
            published.values,
            published.version + 1,
            candidates,
            submissions,
            photos,
            [],
            disputed=True,
            now=now,
        )
        return Publication(accepted=disputed, review=review, reasons=outcome.reasons)
    return Publication(review=review, reasons=outcome.reasons)


def _accepted(
    reading: FormRead,
    values: dict[str, int | None],
    version: int,
    candidates: int,
    submission_ids: list[str],
    photo_sha256s: list[str],
    soft: list[RuleFinding],
    *,
    disputed: bool,
    now: datetime,
) -> TallyAccepted:
    return TallyAccepted(
        contest=reading.contest,
        tps=reading.tps,
        version=version,
        values=values,
        candidate_votes={
            number: values.get(name) or 0
            for number, name in enumerate(CANDIDATE_FIELDS[:candidates], start=1)
        },
        decided_by="auto",
        submission_ids=submission_ids,
        photo_sha256s=photo_sha256s,
        soft_findings=soft,
        disputed=disputed,
        accepted_at=now,
    )


def _review(
    reading: FormRead,
    findings: list[RuleFinding],
    readings: dict[str, dict[str, int | None]],
    submission_ids: list[str],
    photo_sha256s: list[str],
    now: datetime,
) -> TallyReviewRequested:
    return TallyReviewRequested(
        contest=reading.contest,
        tps=reading.tps,
        submission_ids=submission_ids,
        photo_sha256s=photo_sha256s,
        findings=findings,
        readings=readings,
        requested_at=now,
    )


def _hard(verdict: Verdict) -> list[RuleFinding]:
    return [finding for finding in verdict.findings if finding.severity == "hard"]


def _soft(verdict: Verdict) -> list[RuleFinding]:
    return [finding for finding in verdict.findings if finding.severity == "soft"]
