"""Correction by constraint: the most probable reading of a form that obeys its own arithmetic.

The model. For each field the reader lists a few values with probabilities (its top reading
and alternatives). Those are the field's distribution; the mass they leave, 1 minus their sum,
is "something else", spread evenly over the values it did not list (0-999). A blank and a 0
are the same number, so their masses add. Fields are read independently, so the probability
of an assignment of all fields is the product of its fields' probabilities. Facts pin fields:
dpt_l, dpt_p and dpt_jml to master data, the rows past the last candidate to blank.

The search (`find_consistent_readings`) is exact over that model: a best-first (A*) search
over the fields that are not pinned, in which every rule is a linear equality or inequality
(`rules.arithmetic_rules`). Choosing a value for a field propagates: a rule left with one open
field fixes it, and a rule whose open fields can no longer bring it to balance (all fields lie
in 0-999) kills the branch. A field is branched only on the values the reader listed, plus one
branch "something else" which costs the whole residual mass until a rule fixes the value and
it costs its share. The score of a partial assignment is its probability so far times, for
every open field, its most probable option: an upper bound, so the first complete assignment
taken from the queue is the most probable one that satisfies every rule, and the ones after it
come in order. The search goes on until nothing left in the queue can reach `TAIL_RATIO` of
the best, so the best's posterior (its share of the probability of all assignments found that
satisfy the rules) and the margin to the runner-up are known; `MAX_NODES` bounds the work.
A form with a few uncertain digits closes in a hundred or two nodes (a few milliseconds),
because confident fields make every other branch improbable at once.

The decision (`settle`). The search does not know whether the paper itself is wrong. Officers
make arithmetic mistakes, and a form whose own numbers break a rule must go to a reviewer with
the rule named, never be "fixed". So a different reading from the top one is taken only when
all of these hold:
- the search was complete and the chosen assignment has posterior >= `min_posterior` (0.9999:
  odds of 10,000 to 1) among the assignments that satisfy the rules and the papers that hold
  an officers' slip (`slip_mass`, `slips.py`), so that a misread landing on the arithmetic is
  weighed against "the officers slipped, and the ink shows what they wrote";
- no field it changes was read confidently (top probability >= `confident_reading`, 0.98): a
  confident reading that breaks a rule is the officer's number, not a misread;
- every changed field takes a value the reader itself proposed: the new number has been seen in
  the ink, not only inferred from the arithmetic (which would hide an officer's mistake in the
  one rule that field is part of). Master data's DPT counts as proposed only if the reader
  proposed it as well;
- the reader gave the new value at least `min_correction_support` (a fifth) of the probability
  it gave the value read: the arithmetic may settle a close call between readings, not overrule
  the ink. An officer's mistake that the reader read unsurely looks exactly like a misread. Of
  1,000 simulated photos of forms with officers' mistakes, 10 were "corrected" into the
  arithmetic without this bar, 4 with a bar of a twentieth, 1 with a fifth, none with a half;
  of 350 clean forms 204, 188, 158 and 127 were accepted. A fifth keeps most of what the
  arithmetic can settle; the residue (an officer's wrong digit that the reader itself could
  hardly tell from the right one, or misread into exactly the sum) was 2 and 4 of another
  1,000 such photos before slips were weighed (none of 4,100 since, `SlipPrior`);
- it changes at most `max_corrected_fields` fields (3): many simultaneous misreads are more
  likely a badly read form, or a form with real mistakes, than a lucky fix.
When the top reading already satisfies every rule, nothing is changed, and it is settled when
its posterior reaches `min_posterior`: an uncertain digit whose alternatives all break a rule is
settled by the arithmetic, unless an alternative is what an officer's slip would have written
(296 where the rules need 294); one whose alternative fits as well leaves the form in doubt.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from fractions import Fraction

from schemas.events import FieldReading
from services.validate.rules import (
    MAX_FIELD_VALUE,
    ArithmeticRule,
    SumRule,
    TpsFacts,
    arithmetic_rules,
    unused_candidate_fields,
)
from services.validate.slips import DEFAULT_SLIP_PRIOR, SlipPrior, slipped_belief, slips_of

NUMBERS_ON_A_FIELD = MAX_FIELD_VALUE + 1
TAIL_RATIO = 1e-6
"""The search enumerates every satisfying assignment at least this probable relative to the
best; anything less probable no longer moves a posterior judged against 0.9999."""
MAX_NODES = 5_000
"""Work bound per form, about 150 ms; a search that needs more leaves the form to a reviewer.
Forms with up to ten misread fields needed fewer than 800 nodes in 1,000 random trials."""

ROUNDING_NOISE = 1e-9
"""A residual below this is the float sum of listed probabilities missing 1, not a belief."""

_OPEN = -1
_SOMETHING_ELSE = -2
_QueueEntry = tuple[float, int, float, list[int]]
"""(-upper bound, tie-break, log-probability so far, state): heapq pops the highest bound."""


@dataclass(frozen=True)
class FieldBelief:
    """What the reader believes about one field: the values it listed, as written, and their
    probabilities (None for a blank); the rest of the mass is on values it did not list."""

    listed: Mapping[int | None, float]

    @classmethod
    def from_reading(cls, reading: FieldReading | None) -> FieldBelief:
        if reading is None:
            return cls({})
        listed: dict[int | None, float] = {}
        options = [(reading.value, reading.confidence)]
        options += [
            (alternative.value, alternative.probability) for alternative in reading.alternatives
        ]
        for value, probability in options:
            if probability > 0:
                listed.setdefault(value, probability)
        total = sum(listed.values())
        if total > 1:
            listed = {value: probability / total for value, probability in listed.items()}
        return cls(listed)

    @property
    def residual(self) -> float:
        rest = 1.0 - sum(self.listed.values())
        return rest if rest > ROUNDING_NOISE else 0.0

    @property
    def numbers(self) -> dict[int, float]:
        """The listed probabilities by number: a blank counts as 0."""
        merged: dict[int, float] = {}
        for value, probability in self.listed.items():
            merged[value or 0] = merged.get(value or 0, 0.0) + probability
        return merged

    @property
    def top(self) -> int | None:
        """The most probable number, written as the reader saw it (blank if blank beat "0")."""
        numbers = self.numbers
        if not numbers:
            return None
        best = max(numbers, key=lambda number: (numbers[number], -number))
        if best == 0 and self.listed.get(None, 0.0) >= self.listed.get(0, 0.0):
            return None
        return best

    @property
    def top_probability(self) -> float:
        return self.probability_of_number(self.top or 0)

    def probability_of_number(self, number: int) -> float:
        numbers = self.numbers
        if number in numbers:
            return numbers[number]
        return self.residual / (NUMBERS_ON_A_FIELD - len(numbers))

    def probability_as_written(self, value: int | None) -> float:
        """Like `probability_of_number`, but a blank is not a 0 (for rows that must be blank)."""
        if value in self.listed:
            return self.listed[value]
        return self.residual / (NUMBERS_ON_A_FIELD + 1 - len(self.listed))

    def probability_of(self, value: int | None, blank_is_zero: bool) -> float:
        if blank_is_zero:
            return self.probability_of_number(value or 0)
        return self.probability_as_written(value)

    def proposes(self, value: int | None, blank_is_zero: bool) -> bool:
        return (value or 0) in self.numbers if blank_is_zero else value in self.listed


@dataclass(frozen=True)
class Assignment:
    """Values of the searched fields that satisfy every rule, and their log-probability."""

    values: dict[str, int]
    log_probability: float


@dataclass(frozen=True)
class SearchResult:
    """The satisfying assignments found, most probable first, and what the search left.

    `unresolved_log_masses`: branches where the rules left fields free among values the reader
    did not list (many assignments); each is an upper bound of their total probability.
    `frontier_log_bound`: an upper bound of every assignment not found (-inf when none is left).
    """

    assignments: tuple[Assignment, ...]
    unresolved_log_masses: tuple[float, ...]
    frontier_log_bound: float
    complete: bool
    nodes: int

    @property
    def best(self) -> Assignment | None:
        return self.assignments[0] if self.assignments else None

    @property
    def posterior(self) -> float:
        """The best assignment's share of the probability of all satisfying ones found."""
        if not self.assignments:
            return 0.0
        return 1.0 / sum(
            math.exp(log_mass - self.assignments[0].log_probability)
            for log_mass in self._log_masses()
        )

    @property
    def margin(self) -> float:
        """log(P(best) / P(runner-up)), a lower bound when the runner-up was not enumerated."""
        if not self.assignments:
            return 0.0
        competitors = [*[*self._log_masses()][1:], self.frontier_log_bound]
        return self.assignments[0].log_probability - max(competitors)

    @property
    def log_mass(self) -> float:
        """log of the probability of all satisfying assignments found (-inf when none)."""
        masses = list(self._log_masses())
        if not masses:
            return -math.inf
        top = max(masses)
        return top + math.log(sum(math.exp(mass - top) for mass in masses))

    def field_posterior(self, name: str, number: int) -> float:
        """The probability that `name` holds `number`, among the satisfying assignments found."""
        if not self.assignments:
            return 0.0
        best = self.assignments[0].log_probability
        agreeing = sum(
            math.exp(assignment.log_probability - best)
            for assignment in self.assignments
            if assignment.values[name] == number
        )
        return agreeing * self.posterior

    def fitting_numbers(self, name: str) -> list[int]:
        """The numbers of a field in the satisfying assignments found, most probable first."""
        return list(dict.fromkeys(assignment.values[name] for assignment in self.assignments))

    def _log_masses(self) -> Iterable[float]:
        yield from (assignment.log_probability for assignment in self.assignments)
        yield from self.unresolved_log_masses


@dataclass(frozen=True)
class _Constraint:
    """sum(coefficient * field) + constant == 0 (or <= 0)."""

    fields: tuple[int, ...]
    coefficients: tuple[int, ...]
    constant: int
    is_equality: bool


@dataclass(frozen=True)
class _Problem:
    names: tuple[str, ...]
    listed_log: tuple[dict[int, float], ...]
    something_else_log: tuple[float, ...]
    """log of the residual mass, the cost of the branch "something else"."""
    share_log: tuple[float, ...]
    """log of the number of unlisted values: what fixing "something else" to one costs."""
    best_option_log: tuple[float, ...]
    constraints: tuple[_Constraint, ...]
    constraints_of: tuple[tuple[int, ...], ...]
    ranks: dict[tuple[int, ...], int] = dataclass_field(default_factory=dict)
    """The rank of the equalities over each set of fields left open, as the search meets it."""

    def log_probability(self, field: int, number: int) -> float:
        listed = self.listed_log[field].get(number)
        if listed is not None:
            return listed
        return self.something_else_log[field] - self.share_log[field]


def find_consistent_readings(
    beliefs: Mapping[str, FieldBelief],
    pinned: Mapping[str, int | None],
    rules: Sequence[ArithmeticRule],
    tail_ratio: float = TAIL_RATIO,
    max_nodes: int = MAX_NODES,
    log_floor: float = -math.inf,
) -> SearchResult:
    """Every assignment of the fields not in `pinned` that satisfies `rules`, best first, down
    to `tail_ratio` of the best and no lower than `log_floor` (see the module docstring)."""
    problem = _compile(beliefs, pinned, rules)
    root = [_OPEN] * len(problem.names)
    root_score = _propagate(problem, root, 0.0, range(len(problem.constraints)))
    if root_score is None:
        return SearchResult((), (), -math.inf, complete=True, nodes=0)
    queue: list[_QueueEntry] = []
    tiebreak = itertools.count()
    _push(queue, tiebreak, problem, root, root_score)
    found: list[Assignment] = []
    unresolved: list[float] = []
    nodes = 0
    while queue:
        upper_bound = -queue[0][0]
        if upper_bound < log_floor or (
            found and upper_bound < found[0].log_probability + math.log(tail_ratio)
        ):
            break
        if nodes >= max_nodes:
            return SearchResult(tuple(found), tuple(unresolved), upper_bound, False, nodes)
        _, _, log_probability, state = heapq.heappop(queue)
        nodes += 1
        field = _field_to_branch(problem, state)
        if field is None:
            if _SOMETHING_ELSE in state:
                unresolved.append(_unresolved_log_mass(problem, state, log_probability))
            else:
                values = dict(zip(problem.names, state, strict=True))
                found.append(Assignment(values, log_probability))
            continue
        for option, option_log in _options(problem, field):
            child = list(state)
            child[field] = option
            score = _propagate(
                problem, child, log_probability + option_log, problem.constraints_of[field]
            )
            if score is not None:
                _push(queue, tiebreak, problem, child, score)
    frontier = -queue[0][0] if queue else -math.inf
    return SearchResult(tuple(found), tuple(unresolved), frontier, complete=True, nodes=nodes)


@dataclass(frozen=True)
class SlipMass:
    """The probability that the paper holds an officers' slip, field by field, relative to the
    best satisfying assignment (`slips.py`); `right`: for each field, the number the rules need
    there in the most probable slipped reading (absent when the rules leave it open).
    Incomplete when a search ran out of nodes."""

    by_field: dict[str, float]
    right: dict[str, int]
    complete: bool = True

    @property
    def relative(self) -> float:
        return sum(self.by_field.values()) if self.complete else math.inf

    @property
    def heaviest(self) -> str | None:
        return max(self.by_field, key=self.by_field.__getitem__, default=None)


def slip_mass(
    beliefs: Mapping[str, FieldBelief],
    pinned: Mapping[str, int | None],
    rules: Sequence[ArithmeticRule],
    best_log_probability: float,
    prior: SlipPrior,
    max_nodes: int = MAX_NODES,
) -> SlipMass:
    """For each field not pinned, prior * P(ink | that field slipped) / P(best): the search of
    `find_consistent_readings` with the field's belief replaced by its `slipped_belief`.
    Slipped readings below `TAIL_RATIO` of the best, prior included, are left out."""
    by_field: dict[str, float] = {}
    right: dict[str, int] = {}
    if prior.per_field == 0:
        return SlipMass(by_field, right)
    rate = prior.per_field
    floor = best_log_probability + math.log(TAIL_RATIO / rate)
    for name, belief in beliefs.items():
        if name in pinned:
            continue
        slipped = FieldBelief(slipped_belief(belief.numbers, belief.residual))
        result = find_consistent_readings(
            {**beliefs, name: slipped}, pinned, rules, max_nodes=max_nodes, log_floor=floor
        )
        if not result.complete:
            return SlipMass(by_field, right, complete=False)
        if result.log_mass > -math.inf:
            by_field[name] = rate * math.exp(result.log_mass - best_log_probability)
        if result.best is not None:
            right[name] = result.best.values[name]
    return SlipMass(by_field, right)


def pinned_by_facts(facts: TpsFacts) -> dict[str, int | None]:
    """The fields whose values the facts fix: the DPT from master data, unused rows blank."""
    return {**facts.dpt, **dict.fromkeys(unused_candidate_fields(facts.candidates))}


def _compile(
    beliefs: Mapping[str, FieldBelief],
    pinned: Mapping[str, int | None],
    rules: Sequence[ArithmeticRule],
) -> _Problem:
    names = tuple(name for name in beliefs if name not in pinned)
    index = {name: position for position, name in enumerate(names)}
    listed_log = tuple(
        {number: math.log(p) for number, p in beliefs[name].numbers.items()} for name in names
    )
    something_else_log = tuple(_log(beliefs[name].residual) for name in names)
    share_log = tuple(math.log(NUMBERS_ON_A_FIELD - len(listed)) for listed in listed_log)
    best_option_log = tuple(
        max([*listed.values(), rest])
        for listed, rest in zip(listed_log, something_else_log, strict=True)
    )
    constraints = tuple(_linear(rule, index, pinned) for rule in rules)
    constraints_of = tuple(
        tuple(
            position
            for position, constraint in enumerate(constraints)
            if field in constraint.fields
        )
        for field in range(len(names))
    )
    return _Problem(
        names,
        listed_log,
        something_else_log,
        share_log,
        best_option_log,
        constraints,
        constraints_of,
    )


def _linear(
    rule: ArithmeticRule, index: Mapping[str, int], pinned: Mapping[str, int | None]
) -> _Constraint:
    terms = (
        [(part, 1) for part in rule.parts] + [(rule.total, -1)]
        if isinstance(rule, SumRule)
        else [(rule.field, 1), (rule.limit, -1)]
    )
    constant = sum(
        coefficient * (pinned[name] or 0) for name, coefficient in terms if name in pinned
    )
    free = [(index[name], coefficient) for name, coefficient in terms if name not in pinned]
    return _Constraint(
        fields=tuple(field for field, _ in free),
        coefficients=tuple(coefficient for _, coefficient in free),
        constant=constant,
        is_equality=isinstance(rule, SumRule),
    )


def _propagate(
    problem: _Problem, state: list[int], log_probability: float, touched: Iterable[int]
) -> float | None:
    """Apply every rule that the latest choice touched, in place: fix what a rule leaves with a
    single open field, and return the new log-probability, or None if a rule cannot hold."""
    pending = list(touched)
    while pending:
        constraint = problem.constraints[pending.pop()]
        balance = constraint.constant
        open_terms = []
        reach_down = reach_up = 0
        for field, coefficient in zip(constraint.fields, constraint.coefficients, strict=True):
            if state[field] >= 0:
                balance += coefficient * state[field]
                continue
            open_terms.append((field, coefficient))
            if coefficient > 0:
                reach_up += coefficient * MAX_FIELD_VALUE
            else:
                reach_down += coefficient * MAX_FIELD_VALUE
        if balance + reach_down > 0 or (constraint.is_equality and balance + reach_up < 0):
            return None
        if not constraint.is_equality or len(open_terms) != 1:
            continue
        field, coefficient = open_terms[0]
        number = -balance * coefficient
        if state[field] == _OPEN:
            log_probability += problem.log_probability(field, number)
        elif number in problem.listed_log[field]:
            return None  # the branch with that listed value covers this assignment
        else:
            log_probability -= problem.share_log[field]
        if log_probability == -math.inf:
            return None
        state[field] = number
        pending.extend(problem.constraints_of[field])
    return log_probability


def _push(
    queue: list[_QueueEntry],
    tiebreak: Iterator[int],
    problem: _Problem,
    state: list[int],
    log_probability: float,
) -> None:
    """Queue a partial assignment under its upper bound: every open field at its best option."""
    optimistic = log_probability + sum(
        problem.best_option_log[field] for field, value in enumerate(state) if value == _OPEN
    )
    heapq.heappush(queue, (-optimistic, next(tiebreak), log_probability, state))


def _field_to_branch(problem: _Problem, state: list[int]) -> int | None:
    """An open field of the rule with the fewest open fields (its choice fixes the most), the
    one with the fewest listed values; None when no field is open."""
    best: tuple[int, int, int] | None = None
    for constraint in problem.constraints:
        open_fields = [field for field in constraint.fields if state[field] < 0]
        for field in open_fields:
            if state[field] == _OPEN:
                key = (len(open_fields), len(problem.listed_log[field]), field)
                best = key if best is None or key < best else best
    if best is not None:
        return best[2]
    return next((field for field, value in enumerate(state) if value == _OPEN), None)


def _unresolved_log_mass(problem: _Problem, state: list[int], log_probability: float) -> float:
    """An upper bound of the probability of every completion of a branch whose rules leave
    k fields open among unlisted values: each open value costs its share of the residual, and
    the rules, of rank r over those fields, leave at most 1000^(k - r) completions."""
    open_fields = tuple(field for field, value in enumerate(state) if value == _SOMETHING_ELSE)
    if open_fields not in problem.ranks:
        rows = [
            [
                dict(zip(constraint.fields, constraint.coefficients, strict=True)).get(field, 0)
                for field in open_fields
            ]
            for constraint in problem.constraints
            if constraint.is_equality and any(field in open_fields for field in constraint.fields)
        ]
        problem.ranks[open_fields] = _rank(rows)
    free_dimensions = len(open_fields) - problem.ranks[open_fields]
    return (
        log_probability
        - sum(problem.share_log[field] for field in open_fields)
        + free_dimensions * math.log(NUMBERS_ON_A_FIELD)
    )


def _rank(rows: list[list[int]]) -> int:
    """The rank of a small integer matrix (Gaussian elimination in exact fractions)."""
    matrix = [[Fraction(entry) for entry in row] for row in rows]
    rank = 0
    for column in range(len(matrix[0]) if matrix else 0):
        pivot = next((row for row in range(rank, len(matrix)) if matrix[row][column]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for row in range(len(matrix)):
            if row != rank and matrix[row][column]:
                factor = matrix[row][column] / matrix[rank][column]
                matrix[row] = [
                    a - factor * b for a, b in zip(matrix[row], matrix[rank], strict=True)
                ]
        rank += 1
    return rank


def _options(problem: _Problem, field: int) -> list[tuple[int, float]]:
    options = list(problem.listed_log[field].items())
    if problem.something_else_log[field] > -math.inf:
        options.append((_SOMETHING_ELSE, problem.something_else_log[field]))
    return options


def _log(probability: float) -> float:
    return math.log(probability) if probability > 0 else -math.inf


@dataclass(frozen=True)
class Thresholds:
    """How sure the machine must be to publish a form without a human (module docstring)."""

    min_posterior: float = 0.9999
    confident_reading: float = 0.98
    min_correction_support: float = 0.2
    max_corrected_fields: int = 3


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Settlement:
    """What the form's arithmetic makes of a reading.

    `values` are corrected where `corrected_fields` says so, else as read. `settled`: the
    reading is sure enough to publish (the judge still checks the rules on `values`).
    `field_confidence`: the probability that the form shows each value: its posterior under
    the rules when `values` satisfy them, the reader's own probability when they do not (a
    form that breaks a rule, or values the search could not settle). `doubts`: for each field
    in doubt, the numbers that fit the rules, most probable first. `notes`: what was decided
    and why, for humans. `suspected_slip`: (the field or None, why) when the reading would
    have been settled but for an officers' slip it cannot rule out; a doubt about the paper,
    not the photo, which a second photo of the same paper does not lessen.
    """

    values: dict[str, int | None]
    settled: bool
    corrected_fields: dict[str, tuple[int | None, int | None]]
    field_confidence: dict[str, float]
    doubts: dict[str, list[int]]
    notes: list[str]
    search: SearchResult
    suspected_slip: tuple[str | None, str] | None = None


def settle(
    beliefs: Mapping[str, FieldBelief],
    facts: TpsFacts,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    tail_ratio: float = TAIL_RATIO,
    max_nodes: int = MAX_NODES,
    slip_prior: SlipPrior = DEFAULT_SLIP_PRIOR,
) -> Settlement:
    """Decide whether the reading stands, is corrected by the arithmetic, or needs a human."""
    pinned = pinned_by_facts(facts)
    blank_rows = set(unused_candidate_fields(facts.candidates))
    read = {name: belief.top for name, belief in beliefs.items()}
    rules = arithmetic_rules(facts.candidates)
    search = find_consistent_readings(beliefs, pinned, rules, tail_ratio, max_nodes)
    if search.best is None:
        note = (
            f"the search for values that fit the form's rules stopped after {search.nodes} steps"
            if not search.complete
            else "no values fit the form's rules, whatever the reader may have misread"
        )
        confidence = _reader_confidence(beliefs, read, blank_rows)
        return Settlement(read, False, {}, confidence, {}, [note], search)
    solution: dict[str, int | None] = {**search.best.values, **pinned}
    changed = {
        name: (read[name], solution[name])
        for name in beliefs
        if not _same_number(read[name], solution[name], blank_is_zero=name not in blank_rows)
    }
    sure = search.complete and search.posterior >= thresholds.min_posterior
    refusals = _refusals(beliefs, changed, blank_rows, thresholds)
    slips = SlipMass({}, {})
    suspected_slip = None
    if sure and not refusals:
        slips = slip_mass(
            beliefs, pinned, rules, search.best.log_probability, slip_prior, max_nodes
        )
        posterior = 1 / (1 / search.posterior + slips.relative)
        if posterior < thresholds.min_posterior:
            sure = False
            suspected_slip = (slips.heaviest, _slip_note(slips, posterior, beliefs, thresholds))
            refusals.append(suspected_slip[1])
    if not sure and not refusals:
        refusals.append(_ambiguity_note(search, thresholds))
    read_probability = _reader_confidence(beliefs, read, blank_rows)
    doubts = {} if sure else _doubts(search, thresholds, read_probability)
    if refusals:
        confidence = (
            read_probability if changed else _posterior_confidence(search, read, pinned, slips)
        )
        return Settlement(read, False, {}, confidence, doubts, refusals, search, suspected_slip)
    values = {**read, **{name: new for name, (_, new) in changed.items()}}
    notes = [
        _correction_note(name, old, new, read_probability[name], beliefs[name], search)
        for name, (old, new) in changed.items()
    ]
    notes += [
        f"{name} was read as {_shown(value)} with p={_p(read_probability[name])}; "
        "the form's rules settle it"
        for name, value in read.items()
        if name not in changed and read_probability[name] < thresholds.confident_reading
    ]
    confidence = _posterior_confidence(search, values, pinned, slips)
    return Settlement(values, True, changed, confidence, {}, notes, search)


def _refusals(
    beliefs: Mapping[str, FieldBelief],
    changed: Mapping[str, tuple[int | None, int | None]],
    blank_rows: set[str],
    thresholds: Thresholds,
) -> list[str]:
    """Why the values that fit the rules may not replace the reading (empty: they may)."""
    refusals = []
    for name, (old, new) in changed.items():
        belief, blank_is_zero = beliefs[name], name not in blank_rows
        read_probability = belief.probability_of(old, blank_is_zero)
        if read_probability >= thresholds.confident_reading:
            refusals.append(
                f"not corrected: the form's numbers would fit if {name} were {_shown(new)}, but "
                f"it reads {_shown(old)} with p={_p(read_probability)}; a number written "
                "on the form is the officers' to correct, not the machine's"
            )
        elif not belief.proposes(new, blank_is_zero):
            refusals.append(
                f"not corrected: the form's numbers would fit if {name} were {_shown(new)}, a "
                f"value the reader did not see (it read {_shown(old)}, "
                f"p={_p(read_probability)})"
            )
        elif (
            new_probability := belief.probability_of(new, blank_is_zero)
        ) < thresholds.min_correction_support * read_probability:
            refusals.append(
                f"not corrected: the form's numbers would fit if {name} were {_shown(new)}, but "
                f"the reader saw {_shown(new)} with p={_p(new_probability)} against "
                f"{_shown(old)} with p={_p(read_probability)}: the ink, not the arithmetic, "
                "must decide (it may be the officers' own mistake)"
            )
    if len(changed) > thresholds.max_corrected_fields:
        refusals.append(
            f"not corrected: fitting the rules would change {len(changed)} fields "
            f"({', '.join(changed)}), more than {thresholds.max_corrected_fields}"
        )
    return refusals


def _slip_note(
    slips: SlipMass, posterior: float, beliefs: Mapping[str, FieldBelief], thresholds: Thresholds
) -> str:
    if not slips.complete:
        return (
            "the search for officers' slips stopped before it could rule them out: the values "
            "that fit the form's rules cannot be told from a form that breaks them"
        )
    suspect = slips.heaviest
    below = (
        f"allowing for officers' slips the values that fit have posterior {_p(posterior)}, "
        f"below {_p(thresholds.min_posterior)}"
    )
    if suspect not in slips.right:
        return f"{suspect} may hold the officers' slip, and the form's rules leave it open; {below}"
    right, belief = slips.right[suspect], beliefs[suspect]
    slipped = slips_of(right)
    written = max(
        belief.numbers, key=lambda x: belief.numbers[x] * slipped.get(x, 0.0), default=None
    )
    seen = (
        f"the reader sees {written} there (p={_p(belief.numbers[written])})"
        if written in slipped
        else f"the reader hardly sees {right} there (p={_p(belief.probability_of_number(right))})"
    )
    return f"{suspect} may hold the officers' slip: the form's rules need {right}, {seen}; {below}"


def _ambiguity_note(search: SearchResult, thresholds: Thresholds) -> str:
    if not search.complete:
        return (
            f"the search stopped after {search.nodes} steps, before it could rule out other "
            "values that fit the form's rules"
        )
    return (
        f"the most probable values that fit the form's rules have posterior "
        f"{_p(search.posterior)}, below {_p(thresholds.min_posterior)}: other values fit too"
    )


def _doubts(
    search: SearchResult, thresholds: Thresholds, read_probability: Mapping[str, float]
) -> dict[str, list[int]]:
    """The fields whose value the found assignments do not agree on well enough, with the
    numbers that fit, most probable first. A field read confidently whose reading is the only
    number that fits is left out: the doubt lies elsewhere, and naming it sends a reviewer to
    the wrong box."""
    best = search.best
    if best is None:
        return {}
    doubts = {}
    for name, number in best.values.items():
        if search.field_posterior(name, number) >= thresholds.min_posterior:
            continue
        fitting = search.fitting_numbers(name)
        if fitting == [number] and read_probability[name] >= thresholds.confident_reading:
            continue
        doubts[name] = fitting
    return doubts


def _posterior_confidence(
    search: SearchResult,
    values: Mapping[str, int | None],
    pinned: Mapping[str, int | None],
    slips: SlipMass,
) -> dict[str, float]:
    """Each value's probability among the satisfying assignments (values that satisfy them),
    and the slip that field may hold: P(rules hold, value) / (P(rules hold) + P(field slipped))."""
    return {
        name: (
            float(value == pinned[name])
            if name in pinned
            else search.field_posterior(name, value or 0)
            / (1 + slips.by_field.get(name, 0.0) * search.posterior)
        )
        for name, value in values.items()
    }


def _reader_confidence(
    beliefs: Mapping[str, FieldBelief], values: Mapping[str, int | None], blank_rows: set[str]
) -> dict[str, float]:
    return {
        name: beliefs[name].probability_of(value, blank_is_zero=name not in blank_rows)
        for name, value in values.items()
    }


def _correction_note(
    name: str,
    old: int | None,
    new: int | None,
    read_probability: float,
    belief: FieldBelief,
    search: SearchResult,
) -> str:
    new_probability = belief.probability_of(new, blank_is_zero=new is not None)
    return (
        f"corrected {name} from {_shown(old)} (p={_p(read_probability)}) to {_shown(new)} "
        f"(p={_p(new_probability)}), the reading that fits the form's rules "
        f"(posterior {_p(search.posterior)})"
    )


def _same_number(read: int | None, solved: int | None, blank_is_zero: bool) -> bool:
    if blank_is_zero:
        return (read or 0) == solved
    return read == solved


def _shown(value: int | None) -> str:
    return "blank" if value is None else str(value)


def _p(probability: float) -> str:
    """A probability as a reviewer reads it: 0.7, 0.9998, > 0.99999. Cut, not rounded, so
    that a posterior just below a threshold never reads as the threshold itself."""
    if probability > 0.99999:
        return "> 0.99999"
    return f"{math.floor(probability * 1e5 + 1e-6) / 1e5:.5f}".rstrip("0").rstrip(".")
