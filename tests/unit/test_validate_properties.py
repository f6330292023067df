"""Properties of the judge over random tallies: no silent error, no corrected officer's mistake.

The reader is modelled as calibrated: a noisy field's top reading is a plausible digit
confusion (1/7, 3/8, 5/6, 0/6) with probability p, the true value is listed with the
probability the rest leaves (minus a small residual), so the truth always has exactly the
probability the reading states.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import FieldReading
from services.validate.constraint import DEFAULT_THRESHOLDS, FieldBelief, settle
from services.validate.judge import judge
from services.validate.rules import FIELD_NAMES, TpsFacts, check_dpt, check_hard_rules
from tests.unit.test_validate_tallies import (
    FACTS,
    confident,
    form_read,
    tallies,
    uncertain,
    valid_tally,
)

CONFUSIONS = {"0": "6", "1": "7", "7": "1", "3": "8", "8": "3", "5": "6", "6": "50"}
ACCEPT_ODDS = DEFAULT_THRESHOLDS.min_posterior / (1 - DEFAULT_THRESHOLDS.min_posterior)


@dataclass(frozen=True)
class NoisyReading:
    facts: TpsFacts
    truth: dict[str, int | None]
    overrides: dict[str, FieldReading]
    evidence_for_a_wrong_tally: float
    """The product over noisy fields of P(wrong top) / P(truth): how much more probable the
    noise made the wrong values than the true ones, at most."""


def confusable(value: int, pick: Callable[[list], object]) -> int | None:
    """The value with one written digit swapped for a look-alike, or None if none is."""
    text = str(value)
    positions = [i for i, digit in enumerate(text) if digit in CONFUSIONS]
    if not positions:
        return None
    position = pick(positions)
    swapped = text[:position] + str(pick(list(CONFUSIONS[text[position]]))) + text[position + 1 :]
    return int(swapped)


def add_noise(
    facts: TpsFacts,
    truth: dict[str, int | None],
    pick: Callable[[list], object],
    draw_probability: Callable[[float, float], float],
    noisy_fields: list[str],
) -> NoisyReading:
    overrides: dict[str, FieldReading] = {}
    evidence = 1.0
    for name in noisy_fields:
        true_value = truth[name]
        wrong = None if true_value is None else confusable(true_value, pick)
        if wrong is None or wrong == true_value:
            continue
        p_wrong = draw_probability(0.05, 0.9)
        p_truth = 1.0 - p_wrong - draw_probability(0.0, 0.02)
        overrides[name] = uncertain(
            *sorted([(wrong, p_wrong), (true_value, p_truth)], key=lambda o: -o[1])
        )
        evidence *= max(1.0, p_wrong / p_truth)
    return NoisyReading(facts, truth, overrides, evidence)


@st.composite
def noisy_readings(draw: st.DrawFn) -> NoisyReading:
    facts, truth = draw(tallies())
    written = [name for name in FIELD_NAMES if truth[name] is not None]
    noisy_fields = draw(st.lists(st.sampled_from(written), unique=True, min_size=1, max_size=4))
    return add_noise(
        facts,
        truth,
        lambda options: draw(st.sampled_from(options)),
        lambda low, high: draw(st.floats(low, high)),
        noisy_fields,
    )


@settings(max_examples=300, deadline=None)
@given(noisy_readings())
def test_the_judge_never_accepts_a_wrong_tally_the_noise_did_not_make_overwhelming(
    noisy: NoisyReading,
) -> None:
    verdict = judge(form_read(noisy.truth, noisy.overrides, facts=noisy.facts), noisy.facts)
    if verdict.outcome == "accept" and verdict.values != noisy.truth:
        assert noisy.evidence_for_a_wrong_tally >= ACCEPT_ODDS


@settings(max_examples=100, deadline=None)
@given(noisy_readings())
def test_the_search_finishes_within_its_budget_on_noisy_readings(noisy: NoisyReading) -> None:
    reading = form_read(noisy.truth, noisy.overrides, facts=noisy.facts)
    beliefs = {name: FieldBelief.from_reading(reading.fields[name]) for name in FIELD_NAMES}
    assert settle(beliefs, noisy.facts).search.complete


@settings(max_examples=200, deadline=None)
@given(
    tallies(),
    st.data(),
    st.floats(DEFAULT_THRESHOLDS.confident_reading, 1.0),
)
def test_a_confidently_read_officers_mistake_is_never_accepted_nor_changed(
    case: tuple[TpsFacts, dict], data: st.DataObject, confidence: float
) -> None:
    facts, truth = case
    written = [name for name in FIELD_NAMES if truth[name] is not None]
    mistaken = data.draw(st.sampled_from(written))
    true_value = truth[mistaken] or 0
    wrong = data.draw(
        st.integers(max(0, true_value - 30), true_value + 30).filter(lambda v: v != true_value)
    )
    paper = truth | {mistaken: wrong}
    fields = {name: confident(value, confidence) for name, value in paper.items()}
    if data.draw(st.booleans()):  # the reader even lists the value that would fit
        fields[mistaken] = uncertain((wrong, confidence), (true_value, (1 - confidence) / 2))
    verdict = judge(form_read(paper, fields, facts=facts), facts)
    broken = {
        f.rule for f in [*check_hard_rules(paper, facts.candidates), *check_dpt(paper, facts)]
    }
    assert broken, "every single-field mistake breaks a rule"
    assert verdict.outcome == "review"
    assert verdict.values == paper and verdict.corrected_fields == {}
    assert broken <= {finding.rule for finding in verdict.findings}


def test_one_uncertain_digit_is_mostly_settled_and_never_wrongly() -> None:
    """What is not settled is held back for a reason a reviewer is told: the ink's support for
    the fitting value is too weak (the `min_correction_support` bar), or the alternative is
    what an officer's slip would have written (a units digit: 5 for 6 is 1 off)."""
    rng = random.Random(2024)
    outcomes = {"right": 0, "wrong": 0, "too little support": 0, "may be a slip": 0}
    for _ in range(300):
        truth = valid_tally(FACTS, rng.randint)
        written = [name for name in FIELD_NAMES if truth[name] is not None]
        noisy = add_noise(FACTS, truth, rng.choice, rng.uniform, [rng.choice(written)])
        verdict = judge(form_read(truth, noisy.overrides), FACTS)
        if verdict.outcome == "accept":
            outcomes["right" if verdict.values == truth else "wrong"] += 1
        elif any("officers' slip" in reason for reason in verdict.reasons):
            outcomes["may be a slip"] += 1
        else:
            assert any("the ink, not the arithmetic" in reason for reason in verdict.reasons)
            outcomes["too little support"] += 1
    assert outcomes["wrong"] == 0
    assert outcomes["right"] >= 0.8 * 300, outcomes
