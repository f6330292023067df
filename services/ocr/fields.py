"""From each box's digit probabilities to each field's probable values.

A box holds a digit 0-9 or nothing (class 10, blank). A field's boxes are right-aligned: some
leading blanks, then digits; an all-blank field is None. The probability of a value is the sum
over the box patterns that spell it ("_05" and "005" are both 5). Patterns that break the
writing rule (a blank after a digit) spell no value: their mass is not renormalised away, so a
field that looks like "1_5" gets a low confidence instead of a confident wrong value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import product

import numpy as np

BLANK = 10
CLASSES = 11
NO_VALUE = -1  # a pattern that spells no value


@dataclass(frozen=True)
class FieldValues:
    """The most probable values of one field, most probable first, and their probabilities."""

    values: tuple[int | None, ...]
    probabilities: tuple[float, ...]

    @property
    def value(self) -> int | None:
        return self.values[0]

    @property
    def confidence(self) -> float:
        return self.probabilities[0]


@cache
def _pattern_values(digits: int) -> tuple[np.ndarray, int]:
    """For every box pattern (flattened, CLASSES**digits), the value index it spells.

    Index v in 0..10**digits-1 is the value v, index 10**digits is "blank field", NO_VALUE is
    an invalid pattern.
    """
    blank_index = 10**digits
    spelled = np.full(CLASSES**digits, NO_VALUE, dtype=np.int64)
    for flat, pattern in enumerate(product(range(CLASSES), repeat=digits)):
        written = list(pattern)
        while written and written[0] == BLANK:
            written.pop(0)
        if not written:
            spelled[flat] = blank_index
        elif BLANK not in written:
            spelled[flat] = int("".join(map(str, written)))
    return spelled, blank_index


def field_values(box_probabilities: np.ndarray, top: int = 6) -> FieldValues:
    """`box_probabilities`: (digits, 11) rows summing to 1, most significant box first."""
    digits = box_probabilities.shape[0]
    spelled, blank_index = _pattern_values(digits)
    joint = box_probabilities[0]
    for row in box_probabilities[1:]:
        joint = np.multiply.outer(joint, row)
    joint = joint.ravel()
    valid = spelled != NO_VALUE
    by_value = np.bincount(spelled[valid], weights=joint[valid], minlength=blank_index + 1)
    order = np.argsort(by_value)[::-1][:top]
    order = [index for index in order if by_value[index] > 0] or [blank_index]
    return FieldValues(
        values=tuple(None if index == blank_index else int(index) for index in order),
        probabilities=tuple(float(by_value[index]) for index in order),
    )
