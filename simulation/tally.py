"""Plausible numbers for one TPS's form, and the arithmetic mistakes officers really make.

Field names are those of the form layout; see DESIGN.md "Arithmetic of a form" for the rules a
correct form satisfies.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

MAX_CANDIDATE_ROWS = 6
MAX_VALUE = 999
BALLOT_RESERVE = 0.025
SEXES = ("l", "p")
Values = dict[str, int | None]


def random_tally(
    rng: random.Random,
    dpt_l: int,
    dpt_p: int,
    candidates: int = 3,
    turnout: tuple[float, float] = (0.45, 0.85),
    invalid_share: tuple[float, float] = (0.0, 0.05),
) -> Values:
    """Every field of a correctly filled form for a TPS with that DPT: all hard rules hold, the
    ballots received are the DPT plus the 2.5% reserve, and rows past the last candidate are
    None (blank)."""
    if not 1 <= candidates <= MAX_CANDIDATE_ROWS:
        raise ValueError(f"the form has rows for 1 to {MAX_CANDIDATE_ROWS} candidates")
    dpt = {"l": dpt_l, "p": dpt_p}
    ballots = dpt_l + dpt_p + math.ceil((dpt_l + dpt_p) * BALLOT_RESERVE)
    if ballots > MAX_VALUE:
        raise ValueError(f"a DPT of {dpt_l + dpt_p} needs more ballots than three digits hold")
    spoiled = min(ballots, rng.choice((0, 0, 0, 1, 1, 2, 3)))
    rate = rng.uniform(*turnout)
    dpt_voters = {sex: _binomial(rng, dpt[sex], rate) for sex in SEXES}
    moved_in = {sex: rng.choice((0, 0, 0, 1, 1, 2, 3, 5)) for sex in SEXES}
    added = {sex: rng.choice((0, 0, 0, 0, 1, 2, 4)) for sex in SEXES}
    while _sum(dpt_voters) + _sum(moved_in) + _sum(added) + spoiled > ballots:
        counts = rng.choice([c for c in (dpt_voters, moved_in, added) if _sum(c) > 0])
        sex = rng.choice([sex for sex in SEXES if counts[sex] > 0])
        counts[sex] -= 1
    voters = {sex: dpt_voters[sex] + moved_in[sex] + added[sex] for sex in SEXES}
    total = _sum(voters)
    disabled = {sex: _binomial(rng, voters[sex], rng.uniform(0, 0.02)) for sex in SEXES}
    invalid = _binomial(rng, total, rng.uniform(*invalid_share))
    valid = total - invalid

    values: Values = {}
    for name, counts in (
        ("dpt", dpt),
        ("pengguna_dpt", dpt_voters),
        ("pengguna_dptb", moved_in),
        ("pengguna_dpk", added),
        ("pengguna_total", voters),
        ("disabilitas", disabled),
    ):
        values.update(_sexes_and_sum(name, counts))
    values |= {
        "ss_diterima": ballots,
        "ss_digunakan": total,
        "ss_dikembalikan": spoiled,
        "ss_tidak_digunakan": ballots - total - spoiled,
    }
    votes = _split(rng, valid, candidates)
    for row in range(1, MAX_CANDIDATE_ROWS + 1):
        values[f"suara_paslon_{row}"] = votes[row - 1] if row <= candidates else None
    values |= {"suara_sah": valid, "suara_tidak_sah": invalid, "suara_total": total}
    return values


def with_officer_mistake(values: Values, rng: random.Random) -> tuple[Values, str]:
    """A copy of a correct form with one arithmetic mistake of the kind officers make, and a
    sentence naming the rule it breaks."""
    mistakes: list[Callable[[Values, random.Random], str | None]] = [
        _valid_total_not_the_sum,
        _transposed_digits_in_a_total,
        _jml_not_l_plus_p,
        _ballots_do_not_add_up,
        _votes_total_not_the_voters,
    ]
    rng.shuffle(mistakes)
    for mistake in mistakes:
        wrong = dict(values)
        if (description := mistake(wrong, rng)) is not None:
            return wrong, description
    raise ValueError("no mistake fits these values")


def _valid_total_not_the_sum(values: Values, rng: random.Random) -> str | None:
    correct = _int(values, "suara_sah")
    wrong = _nudged(correct, rng)
    if wrong is None:
        return None
    values["suara_sah"] = wrong
    return f"rule 6: suara_sah written as {wrong}, the candidates' votes add up to {correct}"


def _transposed_digits_in_a_total(values: Values, rng: random.Random) -> str | None:
    names = ["pengguna_total_jml", "suara_sah", "suara_total", "ss_digunakan", "dpt_jml"]
    rng.shuffle(names)
    for name in names:
        correct = _int(values, name)
        digits = f"{correct:03d}"
        swaps = [i for i in range(2) if digits[i] != digits[i + 1] and (i > 0 or correct >= 100)]
        if swaps:
            i = rng.choice(swaps)
            wrong = int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
            values[name] = wrong
            return f"transposed digits: {name} written as {wrong} instead of {correct}"
    return None


def _jml_not_l_plus_p(values: Values, rng: random.Random) -> str | None:
    name = rng.choice(["dpt", "pengguna_dpt", "pengguna_total", "disabilitas", "pengguna_dptb"])
    correct = _int(values, f"{name}_jml")
    wrong = _nudged(correct, rng)
    if wrong is None:
        return None
    values[f"{name}_jml"] = wrong
    return f"rule 1: {name}_jml written as {wrong}, {name}_l + {name}_p is {correct}"


def _ballots_do_not_add_up(values: Values, rng: random.Random) -> str | None:
    correct = _int(values, "ss_tidak_digunakan")
    wrong = _nudged(correct, rng)
    if wrong is None:
        return None
    values["ss_tidak_digunakan"] = wrong
    return (
        f"rule 4: ss_tidak_digunakan written as {wrong}, the ballots received less those "
        f"used and returned leave {correct}"
    )


def _votes_total_not_the_voters(values: Values, rng: random.Random) -> str | None:
    correct = _int(values, "suara_total")
    wrong = _nudged(correct, rng)
    if wrong is None:
        return None
    values["suara_total"] = wrong
    return (
        f"rule 7: suara_total written as {wrong}, suara_sah + suara_tidak_sah and "
        f"pengguna_total_jml are {correct}"
    )


def _nudged(value: int, rng: random.Random) -> int | None:
    """`value` off by a small slip (1-10, or a ten), kept within three digits."""
    for _ in range(8):
        wrong = value + rng.choice((-10, -2, -1, 1, 1, 2, 3, 10)) * rng.choice((1, 1, 1, 2))
        if 0 <= wrong <= MAX_VALUE and wrong != value:
            return wrong
    return None


def _binomial(rng: random.Random, count: int, probability: float) -> int:
    """A binomial draw, by the normal approximation (counts here are in the hundreds)."""
    mean = count * probability
    spread = math.sqrt(count * probability * (1 - probability))
    return min(count, max(0, round(rng.gauss(mean, spread))))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` votes shared out by random popularity weights; the parts add up to `total`."""
    weights = [rng.gammavariate(2.0, 1.0) for _ in range(parts)]
    shares = [int(total * weight / sum(weights)) for weight in weights]
    for index in rng.sample(range(parts), parts)[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _sexes_and_sum(name: str, counts: dict[str, int]) -> Values:
    return {f"{name}_l": counts["l"], f"{name}_p": counts["p"], f"{name}_jml": _sum(counts)}


def _sum(counts: dict[str, int]) -> int:
    return counts["l"] + counts["p"]


def _int(values: Values, name: str) -> int:
    value = values[name]
    if value is None:
        raise ValueError(f"{name} is blank")
    return value
