"""The judge: one reading of one form in; accept, review or reject out, with every reason.

1. A photo the reader could not read as a form is rejected with the reader's reason: the
   officer can take another.
2. The reading meets the form's arithmetic (`constraint.settle`): it stands, is corrected where
   uncertain digits have exactly one probable reading that fits the rules, or stays as read
   when the arithmetic cannot decide (doubt) or when it breaks a rule with numbers read
   confidently (the officers' own mistake, never corrected by machine).
3. The final values are checked against every rule: the arithmetic (hard rules 1-8), the DPT
   of master data and the form's identity (rule 9: QR and printed block), fields in doubt, and
   the soft rules. Any hard finding sends the form to review; soft findings alone publish it
   with the findings attached.

An accept thus means: the QR ties the form to the uploader's TPS and contest, every hard rule
holds, and the values have posterior >= `min_posterior` under the reader's own probabilities,
officers' slips allowed for (`slips.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemas.events import FormRead, RuleFinding
from services.validate.constraint import (
    DEFAULT_THRESHOLDS,
    FieldBelief,
    Settlement,
    Thresholds,
    settle,
)
from services.validate.rules import (
    FIELD_NAMES,
    TpsFacts,
    check_dpt,
    check_form_identity,
    check_hard_rules,
    check_soft_rules,
)

Outcome = Literal["accept", "review", "reject"]


@dataclass(frozen=True)
class Verdict:
    """The judge's decision on one reading.

    `values`: final values, corrected where `corrected_fields` (name: (as read, corrected))
    says so. `findings`: hard and soft, each naming its rule and fields. `reasons`: short
    strings for humans, "rule: explanation". `field_confidence`: the probability that the form
    shows each final value: its posterior under the form's rules when the values satisfy them,
    the reader's own probability when they do not.
    """

    outcome: Outcome
    values: dict[str, int | None]
    findings: list[RuleFinding]
    corrected_fields: dict[str, tuple[int | None, int | None]]
    reasons: list[str]
    field_confidence: dict[str, float]


def judge(
    reading: FormRead, facts: TpsFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Verdict:
    """Decide whether `reading` can be published without a human (module docstring)."""
    if (reading.tps, reading.contest) != (facts.tps, facts.contest):
        raise ValueError(
            f"facts of TPS {facts.tps} contest {facts.contest} given for a reading uploaded for "
            f"TPS {reading.tps} contest {reading.contest}"
        )
    if not reading.readable:
        unreadable = RuleFinding(
            rule="form_unreadable",
            severity="hard",
            message=reading.unreadable_reason or "the photo could not be read as a form",
        )
        return Verdict("reject", {}, [unreadable], {}, [_reason(unreadable)], {})
    beliefs = {name: FieldBelief.from_reading(reading.fields.get(name)) for name in FIELD_NAMES}
    settlement = settle(beliefs, facts, thresholds)
    values = settlement.values
    about_values = [
        *check_hard_rules(values, facts.candidates),
        *check_dpt(values, facts),
        *_fields_not_read(reading),
    ]
    findings = [
        *check_form_identity(reading.qr, reading.printed_region_text, facts),
        *about_values,
        *_doubt_findings(settlement, beliefs, values_already_held=bool(about_values)),
        *check_soft_rules(values),
    ]
    blocked = any(finding.severity == "hard" for finding in findings)
    return Verdict(
        outcome="review" if blocked else "accept",
        values=values,
        findings=findings,
        corrected_fields=settlement.corrected_fields,
        reasons=[_reason(finding) for finding in findings]
        + [f"constraint: {note}" for note in settlement.notes],
        field_confidence=settlement.field_confidence,
    )


def _fields_not_read(reading: FormRead) -> list[RuleFinding]:
    missing = [name for name in FIELD_NAMES if name not in reading.fields]
    if not missing:
        return []
    return [
        RuleFinding(
            rule="field_not_read",
            severity="hard",
            message=f"the reader returned nothing for {', '.join(missing)}",
            fields=missing,
        )
    ]


def _doubt_findings(
    settlement: Settlement, beliefs: dict[str, FieldBelief], values_already_held: bool
) -> list[RuleFinding]:
    """One finding per field the arithmetic could not settle, one for an officers' slip it
    cannot rule out, or one saying why it could not when no broken rule holds the values back
    already."""
    if settlement.settled:
        return []
    findings = [
        RuleFinding(
            rule="uncertain_reading",
            severity="hard",
            message=(
                f"{name} reads {_shown(settlement.values[name])} "
                f"(p={beliefs[name].top_probability:.2f}); the form's rules fit with "
                f"{' or '.join(str(number) for number in fitting[:3])}: check the photo"
            ),
            fields=[name],
        )
        for name, fitting in settlement.doubts.items()
    ]
    if settlement.suspected_slip is not None:
        field, why = settlement.suspected_slip
        findings.append(
            RuleFinding(
                rule="possible_officer_slip",
                severity="hard",
                message=why,
                fields=[field] if field else [],
            )
        )
    if not findings and not values_already_held:
        findings.append(
            RuleFinding(
                rule="uncertain_reading", severity="hard", message="; ".join(settlement.notes)
            )
        )
    return findings


def _reason(finding: RuleFinding) -> str:
    return f"{finding.rule}: {finding.message}"


def _shown(value: int | None) -> str:
    return "blank" if value is None else str(value)
