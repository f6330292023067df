"""Valid tallies and readings of them, for the validate tests (and the generator's own tests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from schemas.events import DigitAlternative, FieldReading, FormRead, QrPayload
from services.validate.rules import (
    FIELD_NAMES,
    TpsFacts,
    ballot_reserve,
    check_hard_rules,
    check_master_data,
    check_soft_rules,
)

TPS = "3171011001001"
OTHER_TPS = "3171011001002"
CONTEST = "PILGUB-31-2024"
FACTS = TpsFacts(tps=TPS, contest=CONTEST, dpt_l=281, dpt_p=290, candidates=3)

DrawInt = Callable[[int, int], int]

EXAMPLE: dict[str, int | None] = {
    "dpt_l": 281, "dpt_p": 290, "dpt_jml": 571,
    "pengguna_dpt_l": 200, "pengguna_dpt_p": 210, "pengguna_dpt_jml": 410,
    "pengguna_dptb_l": 3, "pengguna_dptb_p": 2, "pengguna_dptb_jml": 5,
    "pengguna_dpk_l": 1, "pengguna_dpk_p": 4, "pengguna_dpk_jml": 5,
    "pengguna_total_l": 204, "pengguna_total_p": 216, "pengguna_total_jml": 420,
    "ss_diterima": 586, "ss_digunakan": 420, "ss_dikembalikan": 2, "ss_tidak_digunakan": 164,
    "disabilitas_l": 2, "disabilitas_p": 1, "disabilitas_jml": 3,
    "suara_paslon_1": 150, "suara_paslon_2": 160, "suara_paslon_3": 100,
    "suara_paslon_4": None, "suara_paslon_5": None, "suara_paslon_6": None,
    "suara_sah": 410, "suara_tidak_sah": 10, "suara_total": 420,
}  # fmt: skip
"""A valid tally of FACTS' TPS: 3 candidates, DPT 281 + 290, ballots with the 2.5% reserve."""


def valid_tally(facts: TpsFacts, draw: DrawInt) -> dict[str, int | None]:
    """A tally that keeps every hard rule and the ballot reserve, with `draw(lo, hi)` choices."""
    values: dict[str, int | None] = dict(facts.dpt)
    for sex, dpt in (("l", facts.dpt_l), ("p", facts.dpt_p)):
        values[f"pengguna_dpt_{sex}"] = draw(0, dpt)
        values[f"pengguna_dptb_{sex}"] = draw(0, 12)
        values[f"pengguna_dpk_{sex}"] = draw(0, 12)
        values[f"pengguna_total_{sex}"] = sum(
            values[f"{group}_{sex}"] or 0
            for group in ("pengguna_dpt", "pengguna_dptb", "pengguna_dpk")
        )
    for group in ("pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total"):
        values[f"{group}_jml"] = (values[f"{group}_l"] or 0) + (values[f"{group}_p"] or 0)
    voters = values["pengguna_total_jml"] or 0
    returned = draw(0, 4)
    received = max(facts.dpt_jml + ballot_reserve(facts.dpt_jml), voters + returned)
    values |= {
        "ss_diterima": received,
        "ss_digunakan": voters,
        "ss_dikembalikan": returned,
        "ss_tidak_digunakan": received - voters - returned,
    }
    disabled_l = draw(0, min(4, voters))
    disabled_p = draw(0, min(4, voters - disabled_l))  # disabled voters are voters too
    values |= {
        "disabilitas_l": disabled_l,
        "disabilitas_p": disabled_p,
        "disabilitas_jml": disabled_l + disabled_p,
    }
    invalid = draw(0, min(voters, 15))
    valid = voters - invalid
    cuts = sorted(draw(0, valid) for _ in range(facts.candidates - 1))
    shares = [high - low for low, high in zip([0, *cuts], [*cuts, valid], strict=True)]
    for number in range(1, 7):
        values[f"suara_paslon_{number}"] = (
            shares[number - 1] if number <= facts.candidates else None
        )
    values |= {"suara_sah": valid, "suara_tidak_sah": invalid, "suara_total": voters}
    return {name: values[name] for name in FIELD_NAMES}


@st.composite
def tps_facts(draw: st.DrawFn) -> TpsFacts:
    return TpsFacts(
        tps=TPS,
        contest=CONTEST,
        dpt_l=draw(st.integers(60, 300)),
        dpt_p=draw(st.integers(60, 300)),
        candidates=draw(st.integers(1, 6)),
    )


@st.composite
def tallies(draw: st.DrawFn, facts: TpsFacts | None = None) -> tuple[TpsFacts, dict]:
    chosen = facts or draw(tps_facts())
    return chosen, valid_tally(chosen, lambda low, high: draw(st.integers(low, high)))


def confident(value: int | None, probability: float = 0.999) -> FieldReading:
    return FieldReading(value=value, confidence=probability)


def uncertain(*options: tuple[int | None, float]) -> FieldReading:
    """A reading whose options are (value, probability), most probable first."""
    (top, confidence), *alternatives = options
    return FieldReading(
        value=top,
        confidence=confidence,
        alternatives=[DigitAlternative(value=value, probability=p) for value, p in alternatives],
    )


def form_read(
    values: Mapping[str, int | None],
    overrides: Mapping[str, FieldReading] | None = None,
    qr: QrPayload | None = None,
    printed: str | None = None,
    facts: TpsFacts = FACTS,
) -> FormRead:
    """A reading of `values`, every field confident unless overridden, QR of the uploader."""
    fields = {name: confident(value) for name, value in values.items()}
    return FormRead(
        submission_id="sub-1",
        photo_sha256="a" * 64,
        contest=facts.contest,
        tps=facts.tps,
        officer_id="officer-1",
        engine_version="test",
        readable=True,
        qr=qr or QrPayload(contest=facts.contest, tps=facts.tps, page=1),
        printed_region_text=printed,
        fields=fields | dict(overrides or {}),
        read_at=datetime(2024, 11, 27, 14, 0, tzinfo=UTC),
    )


def test_the_example_keeps_every_rule() -> None:
    assert list(EXAMPLE) == list(FIELD_NAMES)
    assert check_hard_rules(EXAMPLE, FACTS.candidates) == []
    assert check_soft_rules(EXAMPLE) == []


@given(tallies())
def test_generated_tallies_keep_every_rule(case: tuple[TpsFacts, dict]) -> None:
    facts, values = case
    assert check_hard_rules(values, facts.candidates) == []
    assert check_master_data(values, QrPayload(contest=CONTEST, tps=TPS, page=1), None, facts) == []
    assert all(finding.rule != "dpt_within_cap" for finding in check_soft_rules(values))
