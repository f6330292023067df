"""Officers' slips: how likely it is that the paper itself breaks the arithmetic.

The correction search (`constraint.py`) weighs readings that fit the form's rules against each
other. But a paper may break a rule: an officer adds up wrong by a little, carries a ten
wrongly, swaps two digits when copying a total. A reading that fits the rules must then also
beat "the officers wrote what the ink suggests, and slipped", or a misread that happens to land
on the arithmetic (suara_sah written 296, read 294, the candidates adding up to 294) is
published as if it were the truth.

The model. With prior probability `SlipPrior.per_field`, one field holds a slip: the paper
shows the right numbers everywhere else, and in that field a value x near the right one y,
drawn from `slips_of(y)`: half the time off by 1-9 (more often by little), a quarter by a ten,
twenty or a hundred, a quarter with two neighbouring digits swapped. The probability of the
ink under "field f slipped" is then a sum over the numbers y that fit the rules:
    P(ink | rest = y_rest) * sum_x P_f(x) * slip(x | y_f),
which is the search of `constraint.py` run with f's belief replaced by the `slipped_belief`
over y_f. Summed over the fields and weighted by the prior, that is the probability mass of
"the paper holds a slip", against which a reading that fits the rules is judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from services.validate.rules import MAX_FIELD_VALUE

SMALL_SLIPS = range(1, 10)
"""Off by one to nine; a slip of d is taken 1/d as often as a slip of one."""
ROUND_SLIPS = (10, 20, 100)
"""A carry gone wrong: a ten, twenty or hundred off."""
SLIP_KIND_SHARES = {"small": 0.5, "round": 0.25, "swapped": 0.25}


@dataclass(frozen=True)
class SlipPrior:
    """How often officers slip: the prior probability that a given field of a form holds a
    slip, the rest of the form right. At 0.001, a form of 25 fields slips about 1 time in 40.

    Measured on simulated photos of unseen writers (1,500 clean forms; 4,100 forms with one
    officers' mistake), with the reader's weights of 3,000 photos: without slips 47.9% of the
    clean forms were accepted and 11 forms with mistakes; at 0.0004, 44.3% and 3; at 0.001,
    38.5% and none (0 of 1,400 on a set kept aside until the rate was chosen)."""

    per_field: float = 0.001


DEFAULT_SLIP_PRIOR = SlipPrior()


@cache
def slips_of(right: int) -> dict[int, float]:
    """What an officer may write instead of `right`, with probabilities that add up to 1."""
    kinds: dict[str, dict[int, float]] = {"small": {}, "round": {}, "swapped": {}}
    for sign in (1, -1):
        for offset in SMALL_SLIPS:
            kinds["small"][right + sign * offset] = 1 / offset
        for offset in ROUND_SLIPS:
            kinds["round"][right + sign * offset] = 1.0
    digits = str(right)
    for position in range(len(digits) - 1):
        if digits[position] != digits[position + 1]:
            swapped = (
                digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
            )
            kinds["swapped"][int(swapped)] = 1.0
    in_range = {
        kind: {value: weight for value, weight in values.items() if 0 <= value <= MAX_FIELD_VALUE}
        for kind, values in kinds.items()
    }
    shares = {kind: SLIP_KIND_SHARES[kind] for kind, values in in_range.items() if values}
    total_share = sum(shares.values())
    slips: dict[int, float] = {}
    for kind, share in shares.items():
        weights = in_range[kind]
        for value, weight in weights.items():
            slips[value] = slips.get(value, 0.0) + share / total_share * weight / sum(
                weights.values()
            )
    return slips


@cache
def _rights_behind() -> tuple[dict[int, float], ...]:
    """For every written number x, the right numbers y it may be a slip of, with slip(x | y)."""
    behind: list[dict[int, float]] = [{} for _ in range(MAX_FIELD_VALUE + 1)]
    for right in range(MAX_FIELD_VALUE + 1):
        for written, probability in slips_of(right).items():
            behind[written][right] = probability
    return tuple(behind)


def slipped_belief(numbers: dict[int, float], residual: float) -> dict[int, float]:
    """The weight of each right number y under "this field slipped", given the reader's belief
    in the written number x (`numbers`, and `residual` spread evenly over the rest):
    sum_x P(x) slip(x | y). The unlisted written numbers contribute at most their even share
    to each y, which is what every y is given (an upper bound: the model errs towards slips)."""
    unlisted_share = residual / (MAX_FIELD_VALUE + 1 - len(numbers)) if residual > 0 else 0.0
    weights: dict[int, float] = {}
    behind = _rights_behind()
    for written, probability in numbers.items():
        for right, slip in behind[written].items():
            weights[right] = weights.get(right, unlisted_share) + probability * slip
    return weights
