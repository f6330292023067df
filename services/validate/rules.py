"""The rules of a C.Hasil-KWK form, each named and explained so that a reviewer can act on it.

Hard rules (DESIGN.md, "Arithmetic of a form", 1-9) must all hold for a form to be published
without a human; soft rules publish but flag the form for a look. Every finding names its rule
(a stable snake_case name), the fields involved, and says in plain English what was read, with
the numbers, e.g. "suara_paslon_1..3 add up to 412 but suara_sah is 402".

Rules 1-8 are linear: sums (`SumRule`: the parts add up to the total) and upper bounds
(`AtMostRule`). `arithmetic_rules` lists them once, as data, so that the checker here and the
correction search (`constraint.py`) enforce exactly the same arithmetic. A blank field counts
as 0, except in the candidate rows past the contest's last candidate, which must be blank.

Rule 9 ties the form to the upload: the QR's contest and TPS are the uploading officer's; the
printed region block, when Tesseract found a TPS code in it, names the QR's TPS (a QR sticker
from another TPS otherwise); the DPT on the form is the TPS's DPT in master data.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from schemas.events import QrPayload, RuleFinding
from schemas.form_layout import (
    load_form_layout,
    printed_tps_agrees,
    tps_codes_in_text,
    tps_number_of,
    tps_numbers_in_text,
)

FIELD_NAMES: tuple[str, ...] = load_form_layout().field_names
MAX_FIELD_VALUE = 10 ** load_form_layout().number_boxes.digits - 1
CANDIDATE_FIELDS: tuple[str, ...] = tuple(
    name for name in FIELD_NAMES if name.startswith("suara_paslon_")
)
DPT_FIELDS = ("dpt_l", "dpt_p", "dpt_jml")
SEXES = ("l", "p", "jml")
VOTER_LISTS = ("pengguna_dpt", "pengguna_dptb", "pengguna_dpk")
SPLIT_BY_SEX = ("dpt", *VOTER_LISTS, "pengguna_total", "disabilitas")

DPT_CAP_PER_TPS = 600
"""Pilkada 2024: at most 600 voters on the DPT of one TPS."""
BALLOT_RESERVE_DIVISOR = 40
"""Ballots come with a 2.5% reserve (1/40 of the DPT), rounded up."""
OUTLIER_ROBUST_Z = 3.5
"""Iglewicz and Hoaglin's cut-off for the modified z-score 0.6745 (x - median) / MAD."""
MIN_TPS_FOR_OUTLIERS = 5
"""Below this many TPS a median and its spread say too little to call anything an outlier."""
MAD_TO_MEAN_ABSOLUTE_DEVIATION = 1.253314
"""sqrt(pi/2): scales the mean absolute deviation when the MAD is 0 (IBM SPSS convention)."""

Values = Mapping[str, int | None]


@dataclass(frozen=True)
class TpsFacts:
    """What master data says about the uploader's TPS and contest."""

    tps: str
    contest: str
    dpt_l: int
    dpt_p: int
    candidates: int

    def __post_init__(self) -> None:
        if not 1 <= self.candidates <= len(CANDIDATE_FIELDS):
            raise ValueError(
                f"a contest has 1 to {len(CANDIDATE_FIELDS)} candidates, got {self.candidates}"
            )

    @property
    def dpt_jml(self) -> int:
        return self.dpt_l + self.dpt_p

    @property
    def dpt(self) -> dict[str, int]:
        return {"dpt_l": self.dpt_l, "dpt_p": self.dpt_p, "dpt_jml": self.dpt_jml}


@dataclass(frozen=True)
class SumRule:
    """The parts add up to the total."""

    rule: str
    total: str
    parts: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.parts, self.total)


@dataclass(frozen=True)
class AtMostRule:
    """A field is at most another field."""

    rule: str
    field: str
    limit: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field, self.limit)


ArithmeticRule = SumRule | AtMostRule


def active_candidate_fields(candidates: int) -> tuple[str, ...]:
    return CANDIDATE_FIELDS[:candidates]


def unused_candidate_fields(candidates: int) -> tuple[str, ...]:
    return CANDIDATE_FIELDS[candidates:]


def arithmetic_rules(candidates: int) -> tuple[ArithmeticRule, ...]:
    """Hard rules 1-8 for a contest with this many candidates, blank rows aside."""
    return (
        *(
            SumRule("male_plus_female_equals_total", f"{group}_jml", (f"{group}_l", f"{group}_p"))
            for group in SPLIT_BY_SEX
        ),
        *(
            SumRule(
                "voters_total_equals_sum_of_lists",
                f"pengguna_total_{sex}",
                tuple(f"{voters}_{sex}" for voters in VOTER_LISTS),
            )
            for sex in SEXES
        ),
        *(
            AtMostRule("dpt_voters_within_dpt", f"pengguna_dpt_{sex}", f"dpt_{sex}")
            for sex in SEXES
        ),
        SumRule(
            "ballots_received_accounted_for",
            "ss_diterima",
            ("ss_digunakan", "ss_dikembalikan", "ss_tidak_digunakan"),
        ),
        SumRule("ballots_used_equal_voters", "ss_digunakan", ("pengguna_total_jml",)),
        SumRule("sum_of_candidates_equals_valid", "suara_sah", active_candidate_fields(candidates)),
        SumRule("valid_plus_invalid_equals_total", "suara_total", ("suara_sah", "suara_tidak_sah")),
        SumRule("votes_cast_equal_voters", "suara_total", ("pengguna_total_jml",)),
        AtMostRule("disabled_voters_within_voters", "disabilitas_jml", "pengguna_total_jml"),
    )


def number(values: Values, name: str) -> int:
    """A field's value in the arithmetic: a blank (or a field not read at all) counts as 0."""
    return values.get(name) or 0


def check_hard_rules(values: Values, candidates: int) -> list[RuleFinding]:
    """Every broken instance of hard rules 1-8, including non-blank rows past the last candidate."""
    findings = [
        finding
        for rule in arithmetic_rules(candidates)
        if (finding := _check_arithmetic(rule, values)) is not None
    ]
    findings.extend(
        RuleFinding(
            rule="rows_past_last_candidate_blank",
            severity="hard",
            message=(
                f"{name} reads {values[name]} but the contest has {candidates} candidate(s), "
                "so that row must be blank"
            ),
            fields=[name],
        )
        for name in unused_candidate_fields(candidates)
        if values.get(name) is not None
    )
    return findings


def check_master_data(
    values: Values, qr: QrPayload | None, printed_region_text: str | None, facts: TpsFacts
) -> list[RuleFinding]:
    """Rule 9: the form is the uploader's (QR and printed block) and its DPT is master data's."""
    return [*check_form_identity(qr, printed_region_text, facts), *check_dpt(values, facts)]


def check_form_identity(
    qr: QrPayload | None, printed_region_text: str | None, facts: TpsFacts
) -> list[RuleFinding]:
    """Rule 9, identity part: QR present, of the uploader's contest and TPS, and of the print."""
    printed_text = printed_region_text or ""
    printed_codes = tps_codes_in_text(printed_text)
    if qr is None:
        printed_hint = (
            f"; the printed block names TPS {', '.join(sorted(printed_codes))}"
            if printed_codes
            else ""
        )
        return [
            RuleFinding(
                rule="qr_unreadable",
                severity="hard",
                message=(
                    "the QR code could not be read, so the form cannot be tied to a TPS by "
                    f"machine: check by eye that it is the form of TPS {facts.tps}{printed_hint}"
                ),
            )
        ]
    findings = []
    if qr.contest != facts.contest:
        findings.append(
            RuleFinding(
                rule="qr_contest_is_uploaders",
                severity="hard",
                message=(
                    f"the QR names contest {qr.contest} but the photo was uploaded for "
                    f"contest {facts.contest}"
                ),
            )
        )
    if qr.tps != facts.tps:
        findings.append(
            RuleFinding(
                rule="qr_tps_is_uploaders",
                severity="hard",
                message=(
                    f"the QR names TPS {qr.tps} but the photo was uploaded by an officer of "
                    f"TPS {facts.tps}"
                ),
            )
        )
    if printed_tps_agrees(printed_text, qr.tps) is False:
        printed = (
            f"TPS {', '.join(sorted(printed_codes))}"
            if printed_codes
            else "TPS number " + ", ".join(map(str, sorted(tps_numbers_in_text(printed_text))))
        )
        findings.append(
            RuleFinding(
                rule="printed_tps_differs_from_qr",
                severity="hard",
                message=(
                    f"the printed region block names {printed} but the QR names TPS {qr.tps} "
                    f"(number {tps_number_of(qr.tps)}): is the QR sticker from another TPS?"
                ),
            )
        )
    return findings


def check_dpt(values: Values, facts: TpsFacts) -> list[RuleFinding]:
    """Rule 9, register part: dpt_l, dpt_p and dpt_jml are master data's DPT of the TPS."""
    return [
        RuleFinding(
            rule="dpt_equals_master_data",
            severity="hard",
            message=(
                f"{name} reads {_shown(values.get(name))} but the DPT of TPS {facts.tps} in "
                f"master data is {registered}"
            ),
            fields=[name],
        )
        for name, registered in facts.dpt.items()
        if number(values, name) != registered
    ]


def check_soft_rules(values: Values) -> list[RuleFinding]:
    """Soft rules that need only this form: the DPT cap and the 2.5% ballot reserve."""
    findings = []
    dpt = number(values, "dpt_jml")
    if dpt > DPT_CAP_PER_TPS:
        findings.append(
            RuleFinding(
                rule="dpt_within_cap",
                severity="soft",
                message=f"dpt_jml is {dpt}, more than the {DPT_CAP_PER_TPS} voters a TPS may have",
                fields=["dpt_jml"],
            )
        )
    expected_ballots = dpt + ballot_reserve(dpt)
    received = number(values, "ss_diterima")
    if received != expected_ballots:
        findings.append(
            RuleFinding(
                rule="ballots_received_equal_dpt_plus_reserve",
                severity="soft",
                message=(
                    f"ss_diterima is {received} but a DPT of {dpt} plus the 2.5% reserve "
                    f"({ballot_reserve(dpt)}) makes {expected_ballots}"
                ),
                fields=["ss_diterima", "dpt_jml"],
            )
        )
    return findings


def ballot_reserve(dpt: int) -> int:
    """2.5% of the DPT rounded up, in integers (no float rounding at the .5 edges)."""
    return -(-dpt // BALLOT_RESERVE_DIVISOR)


def turnout_outliers(turnouts_by_tps: Mapping[str, float]) -> set[str]:
    """The TPS whose turnout (or any share, e.g. a candidate's) is an outlier among its peers.

    Robust z-score: 0.6745 (x - median) / MAD, where MAD is the median absolute deviation from
    the median; |z| > 3.5 is an outlier (Iglewicz and Hoaglin). When more than half the TPS
    share one value the MAD is 0; the mean absolute deviation times sqrt(pi/2) stands in for
    it, and when that is 0 too every TPS has the same value and none is an outlier. Fewer than
    five TPS: none.
    """
    if len(turnouts_by_tps) < MIN_TPS_FOR_OUTLIERS:
        return set()
    median = statistics.median(turnouts_by_tps.values())
    deviations = [abs(turnout - median) for turnout in turnouts_by_tps.values()]
    spread = statistics.median(deviations) / 0.6745 or (
        MAD_TO_MEAN_ABSOLUTE_DEVIATION * statistics.fmean(deviations)
    )
    if spread == 0:
        return set()
    return {
        tps
        for tps, turnout in turnouts_by_tps.items()
        if abs(turnout - median) / spread > OUTLIER_ROBUST_Z
    }


def _check_arithmetic(rule: ArithmeticRule, values: Values) -> RuleFinding | None:
    if isinstance(rule, SumRule):
        total = number(values, rule.total)
        parts_sum = sum(number(values, part) for part in rule.parts)
        if parts_sum == total:
            return None
        if len(rule.parts) == 1:
            message = f"{rule.total} is {total} but {rule.parts[0]} is {parts_sum}"
        else:
            message = (
                f"{_parts_label(rule.parts)} add up to {parts_sum} but {rule.total} is {total}"
            )
        return _hard(rule.rule, message, rule.fields)
    value, limit = number(values, rule.field), number(values, rule.limit)
    if value <= limit:
        return None
    return _hard(
        rule.rule, f"{rule.field} is {value}, more than {rule.limit} ({limit})", rule.fields
    )


def _hard(rule: str, message: str, fields: tuple[str, ...]) -> RuleFinding:
    return RuleFinding(rule=rule, severity="hard", message=message, fields=list(fields))


_NUMBERED = re.compile(r"(.*_)(\d+)")


def _parts_label(parts: tuple[str, ...]) -> str:
    """`suara_paslon_1..3` for a run of numbered fields, `a + b + c` otherwise."""
    numbered = [_NUMBERED.fullmatch(part) for part in parts]
    if len(parts) > 2 and all(numbered):
        prefixes = {match.group(1) for match in numbered if match}
        numbers = [int(match.group(2)) for match in numbered if match]
        if len(prefixes) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{prefixes.pop()}{numbers[0]}..{numbers[-1]}"
    return " + ".join(parts)


def _shown(value: int | None) -> str:
    return "blank" if value is None else str(value)
