"""The search for the most probable reading that satisfies the rules, against brute force."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import DigitAlternative, FieldReading
from services.validate.constraint import (
    FieldBelief,
    find_consistent_readings,
    pinned_by_facts,
    settle,
)
from services.validate.rules import AtMostRule, SumRule
from tests.unit.test_validate_tallies import EXAMPLE, FACTS

A_PLUS_B_IS_C = (SumRule("a_plus_b_is_c", "c", ("a", "b")),)


def belief(*options: tuple[int | None, float]) -> FieldBelief:
    return FieldBelief(dict(options))


def test_a_belief_merges_blank_and_zero_and_keeps_the_rest_as_residual() -> None:
    reading = FieldReading(
        value=None,
        confidence=0.5,
        alternatives=[DigitAlternative(value=0, probability=0.3)],
    )
    field = FieldBelief.from_reading(reading)
    assert field.numbers == {0: pytest.approx(0.8)}
    assert field.residual == pytest.approx(0.2)
    assert field.top is None and field.top_probability == pytest.approx(0.8)
    assert field.probability_of_number(5) == pytest.approx(0.2 / 999)
    assert field.probability_as_written(0) == pytest.approx(0.3)


def test_a_belief_normalises_overconfident_readings_and_ignores_repeats() -> None:
    reading = FieldReading(
        value=7,
        confidence=0.9,
        alternatives=[
            DigitAlternative(value=1, probability=0.3),
            DigitAlternative(value=7, probability=0.1),
        ],
    )
    field = FieldBelief.from_reading(reading)
    assert field.listed == {7: pytest.approx(0.75), 1: pytest.approx(0.25)}
    assert field.residual == 0
    assert FieldBelief.from_reading(None).top is None


def test_the_most_probable_satisfying_assignment_and_its_posterior() -> None:
    beliefs = {
        "a": belief((1, 0.6), (7, 0.4)),
        "b": belief((2, 1.0)),
        "c": belief((3, 0.5), (9, 0.5)),
    }
    result = find_consistent_readings(beliefs, {}, A_PLUS_B_IS_C)
    assert [a.values for a in result.assignments] == [
        {"a": 1, "b": 2, "c": 3},
        {"a": 7, "b": 2, "c": 9},
    ]
    assert result.posterior == pytest.approx(0.6)
    assert result.margin == pytest.approx(math.log(0.3 / 0.2))
    assert result.field_posterior("c", 3) == pytest.approx(0.6)
    assert result.fitting_numbers("a") == [1, 7]


def test_a_value_the_reader_did_not_list_can_be_fixed_by_a_rule() -> None:
    beliefs = {"a": belief((1, 0.5)), "b": belief((2, 1.0)), "c": belief((9, 1.0))}
    result = find_consistent_readings(beliefs, {}, A_PLUS_B_IS_C)
    assert result.best is not None and result.best.values == {"a": 7, "b": 2, "c": 9}
    assert result.best.log_probability == pytest.approx(math.log(0.5 / 999))


def test_pinned_fields_enter_the_rules_as_constants() -> None:
    beliefs = {"a": belief((1, 0.6), (4, 0.4)), "b": belief((2, 1.0))}
    result = find_consistent_readings(beliefs, {"c": 6}, A_PLUS_B_IS_C)
    assert result.best is not None and result.best.values == {"a": 4, "b": 2}
    assert result.posterior == 1.0


def test_fields_the_rules_leave_free_count_as_unresolved_mass() -> None:
    beliefs = {"a": FieldBelief({}), "b": FieldBelief({}), "c": belief((9, 1.0))}
    result = find_consistent_readings(beliefs, {}, A_PLUS_B_IS_C)
    assert result.best is None
    assert result.unresolved_log_masses == (pytest.approx(math.log(1 / 1000)),)


def test_nothing_satisfies_the_rules_when_nothing_else_may_be_read() -> None:
    beliefs = {"a": belief((1, 1.0)), "b": belief((2, 1.0)), "c": belief((4, 1.0))}
    result = find_consistent_readings(beliefs, {}, A_PLUS_B_IS_C)
    assert result.best is None and result.complete


def test_the_node_budget_bounds_the_search() -> None:
    beliefs = {"a": belief((1, 0.5), (2, 0.5)), "b": belief((2, 1.0)), "c": belief((3, 1.0))}
    result = find_consistent_readings(beliefs, {}, A_PLUS_B_IS_C, max_nodes=1)
    assert not result.complete and result.nodes == 1


def test_facts_pin_the_dpt_and_blank_the_unused_rows() -> None:
    assert pinned_by_facts(FACTS) == {
        "dpt_l": 281,
        "dpt_p": 290,
        "dpt_jml": 571,
        "suara_paslon_4": None,
        "suara_paslon_5": None,
        "suara_paslon_6": None,
    }


def test_settle_leaves_a_confident_consistent_reading_as_it_is() -> None:
    beliefs = {name: belief((value, 0.999)) for name, value in EXAMPLE.items()}
    settlement = settle(beliefs, FACTS)
    assert settlement.settled and settlement.values == EXAMPLE
    assert settlement.corrected_fields == {} and settlement.notes == []
    assert settlement.search.nodes < 300


def test_only_the_fields_in_question_are_named_as_doubts() -> None:
    beliefs = {name: belief((value, 0.999)) for name, value in EXAMPLE.items()}
    beliefs["suara_paslon_2"] = belief((163, 0.002))  # unreadable: the rules must fix it
    beliefs["suara_paslon_3"] = belief((100, 0.5), (110, 0.4))
    settlement = settle(beliefs, FACTS)
    assert not settlement.settled
    assert set(settlement.doubts) == {"suara_paslon_1", "suara_paslon_2", "suara_paslon_3"}
    assert settlement.doubts["suara_paslon_3"][:2] == [100, 110]


SMALL_RULES = (
    SumRule("sum", "c", ("a", "b")),
    SumRule("split", "e", ("c", "d")),
    AtMostRule("bound", "d", "a"),
)


@st.composite
def small_beliefs(draw: st.DrawFn) -> dict[str, FieldBelief]:
    beliefs = {}
    for name in "abcde":
        values = draw(st.lists(st.integers(0, 12), min_size=1, max_size=3, unique=True))
        weights = draw(st.lists(st.integers(1, 10), min_size=len(values), max_size=len(values)))
        beliefs[name] = FieldBelief(
            {value: weight / sum(weights) for value, weight in zip(values, weights, strict=True)}
        )
    return beliefs


@settings(max_examples=300, deadline=None)
@given(small_beliefs())
def test_the_search_agrees_with_brute_force(beliefs: dict[str, FieldBelief]) -> None:
    names = list(beliefs)
    satisfying = {}
    for combination in itertools.product(*(beliefs[name].listed for name in names)):
        values = dict(zip(names, combination, strict=True))
        holds = (
            values["a"] + values["b"] == values["c"]
            and values["c"] + values["d"] == values["e"]
            and values["d"] <= values["a"]
        )
        if holds:
            satisfying[combination] = math.prod(
                beliefs[name].listed[value] for name, value in values.items()
            )
    result = find_consistent_readings(beliefs, {}, SMALL_RULES)
    if not satisfying:
        assert result.best is None
        return
    assert result.best is not None
    best = max(satisfying.values())
    assert result.best.log_probability == pytest.approx(math.log(best))
    assert satisfying[tuple(result.best.values[name] for name in names)] == pytest.approx(best)
    assert result.posterior == pytest.approx(best / sum(satisfying.values()))
    assert len(result.assignments) == len(satisfying)


def test_settle_leaves_a_search_cut_short_undecided() -> None:
    beliefs = {name: belief((value, 0.999)) for name, value in EXAMPLE.items()}
    settlement = settle(beliefs, FACTS, max_nodes=3)
    assert not settlement.settled and settlement.values == EXAMPLE
    assert settlement.notes == [
        "the search for values that fit the form's rules stopped after 3 steps"
    ]


def test_a_posterior_just_below_the_bar_never_reads_as_the_bar() -> None:
    beliefs = {name: belief((value, 0.999)) for name, value in EXAMPLE.items()}
    beliefs["suara_paslon_1"] = belief((150, 0.99), (140, 0.01))
    beliefs["suara_paslon_2"] = belief((160, 0.988), (170, 0.012))  # 140 + 170 fits too
    settlement = settle(beliefs, FACTS)
    assert not settlement.settled
    assert 0.99985 < settlement.search.posterior < 0.9999
    assert "posterior 0.99987," in " ".join(settlement.notes)
