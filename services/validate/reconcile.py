"""Two officers, one form: reconciling two readings, and a later upload against a published tally.

Both IT officers of a TPS may photograph the form of a contest. Their verdicts are compared
value by value (a blank and a 0 are the same number):

- Values differ: one reading is wrong, or the photos show different papers. Review, with the
  differing fields side by side, whatever each verdict says alone.
- Values agree:
  - two accepts: accept;
  - an accept and a review held back only by doubt about the reading (`uncertain_reading`):
    accept. The accepted reading meets the bar alone and the other does not contradict it;
  - two reviews held back only by doubt: accept when the photos are different files and the
    chance that both readings are wrong on the same field, summed over the fields, is at most
    `max_joint_doubt` (1e-5), taking each field's doubt as 1 - its confidence and the two
    photos' doubts as independent. They are not quite: the same ambiguous hand misleads the
    reader in both photos. Hence a bar ten times stricter than one reading's (1e-4), and no
    credit at all for one photo uploaded twice;
  - otherwise (a broken rule, the QR or printed TPS, the DPT, a field not read, an officers'
    slip the reading cannot rule out): review. Agreement cannot vouch for a form's identity or
    for an officer's arithmetic: a second photo of the same paper is no evidence against a
    slip on it.
- An unreadable photo adds nothing: the other reading decides alone.

A later upload against a published tally (`compare_with_published`): the same values confirm
it. Different values in fields the new reading is sure of (confidence >= `sure_reading`), on a
form whose identity checks out, dispute it: the public feed marks the tally disputed until a
reviewer decides. Differences only where the new reading is unsure, or a form whose identity
is in question, go to review without disputing the published numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from services.validate.constraint import DEFAULT_THRESHOLDS
from services.validate.judge import Verdict

MAX_JOINT_DOUBT = 1e-5
SURE_READING = DEFAULT_THRESHOLDS.confident_reading
DOUBT_ONLY = "uncertain_reading"
IDENTITY_RULES = frozenset(
    {
        "qr_unreadable",
        "qr_contest_is_uploaders",
        "qr_tps_is_uploaders",
        "printed_tps_differs_from_qr",
    }
)


@dataclass(frozen=True)
class Upload:
    """One officer's photo of the form and the judge's verdict on it."""

    photo_sha256: str
    verdict: Verdict


@dataclass(frozen=True)
class Reconciliation:
    """What two readings of one form (or a reading and the published tally) decide together.

    `values`: the agreed values (empty when the readings differ). `differences`: name: (first
    or published value, second or latest value). `reasons`: for humans.
    """

    outcome: Literal["accept", "review", "reject", "disputed"]
    values: dict[str, int | None]
    differences: dict[str, tuple[int | None, int | None]]
    reasons: list[str]


def reconcile(
    first: Upload, second: Upload, max_joint_doubt: float = MAX_JOINT_DOUBT
) -> Reconciliation:
    """Decide on two officers' readings of the same contest at the same TPS."""
    if first.verdict.outcome == "reject" or second.verdict.outcome == "reject":
        return _without_unreadable(first, second)
    differences = value_differences(first.verdict.values, second.verdict.values)
    if differences:
        return Reconciliation(
            "review",
            {},
            differences,
            [
                f"{name}: {_shown(a)} in photo {first.photo_sha256[:12]} but {_shown(b)} in "
                f"photo {second.photo_sha256[:12]}"
                for name, (a, b) in differences.items()
            ],
        )
    values = first.verdict.values
    outcomes = {first.verdict.outcome, second.verdict.outcome}
    if outcomes == {"accept"}:
        return Reconciliation("accept", values, {}, ["both readings accepted and agree"])
    if not (_held_back_only_by_doubt(first.verdict) or first.verdict.outcome == "accept") or not (
        _held_back_only_by_doubt(second.verdict) or second.verdict.outcome == "accept"
    ):
        return Reconciliation(
            "review",
            values,
            {},
            ["the readings agree, but a reading is held back by more than doubt about digits"],
        )
    if "accept" in outcomes:
        return Reconciliation(
            "accept",
            values,
            {},
            ["one reading is accepted; the other agrees on every value, only less sure of it"],
        )
    if first.photo_sha256 == second.photo_sha256:
        return Reconciliation(
            "review", values, {}, ["the same photo was uploaded twice: no second reading"]
        )
    doubt = joint_doubt(first.verdict.field_confidence, second.verdict.field_confidence)
    if doubt <= max_joint_doubt:
        return Reconciliation(
            "accept",
            values,
            {},
            [
                f"two photos agree on every value; the chance both are wrong on a field is "
                f"{doubt:.1e}, within {max_joint_doubt:.0e}"
            ],
        )
    return Reconciliation(
        "review",
        values,
        {},
        [
            f"two photos agree but both are unsure: the chance both are wrong on a field is "
            f"{doubt:.1e}, above {max_joint_doubt:.0e}"
        ],
    )


def compare_with_published(
    published: Mapping[str, int | None], latest: Upload, sure_reading: float = SURE_READING
) -> Reconciliation:
    """Decide on an upload that arrives after the tally of its TPS and contest was published."""
    verdict = latest.verdict
    if verdict.outcome == "reject":
        return Reconciliation(
            "reject", dict(published), {}, ["the new photo is unreadable; the tally stands"]
        )
    differences = value_differences(published, verdict.values)
    if not differences:
        return Reconciliation(
            "accept", dict(published), {}, ["the new photo confirms the published tally"]
        )
    shown = [
        f"{name}: published {_shown(old)}, new photo {latest.photo_sha256[:12]} reads "
        f"{_shown(new)} (p={verdict.field_confidence.get(name, 0.0):.2f})"
        for name, (old, new) in differences.items()
    ]
    identity = [f.message for f in verdict.findings if f.rule in IDENTITY_RULES]
    if identity:
        return Reconciliation("review", dict(published), differences, [*identity, *shown])
    sure = [name for name in differences if verdict.field_confidence.get(name, 0.0) >= sure_reading]
    if sure:
        return Reconciliation(
            "disputed",
            dict(published),
            differences,
            [f"a new photo contradicts the published tally in {', '.join(sure)}", *shown],
        )
    return Reconciliation(
        "review",
        dict(published),
        differences,
        ["a new photo differs from the published tally only where it is unsure", *shown],
    )


def value_differences(
    first: Mapping[str, int | None], second: Mapping[str, int | None]
) -> dict[str, tuple[int | None, int | None]]:
    """The fields whose numbers differ (a blank and a 0 are the same number)."""
    return {
        name: (first.get(name), second.get(name))
        for name in dict.fromkeys([*first, *second])
        if (first.get(name) or 0) != (second.get(name) or 0)
    }


def joint_doubt(first: Mapping[str, float], second: Mapping[str, float]) -> float:
    """Sum over fields of the chance that both readings are wrong there (independence)."""
    return sum(
        (1.0 - first.get(name, 0.0)) * (1.0 - second.get(name, 0.0))
        for name in dict.fromkeys([*first, *second])
    )


def _held_back_only_by_doubt(verdict: Verdict) -> bool:
    blocking = [finding for finding in verdict.findings if finding.severity == "hard"]
    return bool(blocking) and all(finding.rule == DOUBT_ONLY for finding in blocking)


def _without_unreadable(first: Upload, second: Upload) -> Reconciliation:
    readable = [upload for upload in (first, second) if upload.verdict.outcome != "reject"]
    if not readable:
        return Reconciliation("reject", {}, {}, ["neither photo could be read"])
    verdict = readable[0].verdict
    return Reconciliation(
        verdict.outcome,
        verdict.values,
        {},
        ["the other photo is unreadable; this reading decides alone", *verdict.reasons],
    )


def _shown(value: int | None) -> str:
    return "blank" if value is None else str(value)
