import numpy as np
import pytest

from services.ocr.fields import BLANK, CLASSES, field_values


def box(cls: int, p: float = 1.0, other: int | None = None) -> np.ndarray:
    row = np.zeros(CLASSES)
    row[cls] = p
    if p < 1.0:
        row[other] = 1.0 - p
    return row


def test_a_certain_right_aligned_number():
    reading = field_values(np.stack([box(BLANK), box(4), box(2)]))
    assert (reading.value, reading.confidence) == (42, pytest.approx(1.0))


def test_leading_zero_and_leading_blank_spell_the_same_value():
    rows = np.stack([box(BLANK, 0.5, 0), box(0), box(5)])
    reading = field_values(rows)
    assert reading.values == (5,) and reading.confidence == pytest.approx(1.0)


def test_an_all_blank_field_is_none():
    assert field_values(np.stack([box(BLANK)] * 3)).value is None


def test_uncertain_digit_gives_ranked_alternatives():
    reading = field_values(np.stack([box(1), box(7, 0.7, 1), box(3)]))
    assert reading.values[:2] == (173, 113)
    assert reading.probabilities[:2] == pytest.approx((0.7, 0.3))


def test_a_blank_between_digits_spells_nothing_and_lowers_confidence():
    reading = field_values(np.stack([box(1), box(BLANK, 0.9, 0), box(5)]))
    assert reading.value == 105
    assert reading.confidence == pytest.approx(0.1)
