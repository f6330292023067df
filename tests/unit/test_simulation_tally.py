"""Simulated tallies obey every hard rule of a form; simulated officer mistakes break one."""

import random

from simulation.masterdata import master_plan
from simulation.tally import random_tally, with_officer_mistake


def broken_rules(values: dict, dpt_l: int, dpt_p: int, candidates: int) -> list[str]:
    """DESIGN.md "Arithmetic of a form", hard rules 1-9, checked from scratch."""
    broken = []
    for name in (
        "dpt",
        "pengguna_dpt",
        "pengguna_dptb",
        "pengguna_dpk",
        "pengguna_total",
        "disabilitas",
    ):
        if values[f"{name}_l"] + values[f"{name}_p"] != values[f"{name}_jml"]:
            broken.append(f"1 {name}")
    for sex in ("l", "p", "jml"):
        parts = sum(values[f"pengguna_{kind}_{sex}"] for kind in ("dpt", "dptb", "dpk"))
        if values[f"pengguna_total_{sex}"] != parts:
            broken.append(f"2 {sex}")
        if values[f"pengguna_dpt_{sex}"] > values[f"dpt_{sex}"]:
            broken.append(f"3 {sex}")
    if values["ss_diterima"] != (
        values["ss_digunakan"] + values["ss_dikembalikan"] + values["ss_tidak_digunakan"]
    ):
        broken.append("4")
    if values["ss_digunakan"] != values["pengguna_total_jml"]:
        broken.append("5")
    votes = [values[f"suara_paslon_{row}"] for row in range(1, 7)]
    if any(vote is None for vote in votes[:candidates]) or any(
        vote is not None for vote in votes[candidates:]
    ):
        broken.append("6 blank rows")
    elif sum(votes[:candidates]) != values["suara_sah"]:
        broken.append("6 sum")
    if not (
        values["suara_sah"] + values["suara_tidak_sah"]
        == values["suara_total"]
        == values["pengguna_total_jml"]
    ):
        broken.append("7")
    if values["disabilitas_jml"] > values["pengguna_total_jml"]:
        broken.append("8")
    if (values["dpt_l"], values["dpt_p"], values["dpt_jml"]) != (dpt_l, dpt_p, dpt_l + dpt_p):
        broken.append("9")
    return broken


def test_random_tallies_keep_every_hard_rule_for_many_seeds_and_stations():
    stations = master_plan().tps
    for seed in range(500):
        rng = random.Random(seed)
        station = stations[(seed * 97) % len(stations)]
        candidates = 3 if seed % 4 else rng.randint(1, 6)
        values = random_tally(rng, station.dpt_l, station.dpt_p, candidates)
        assert len(values) == 31
        assert broken_rules(values, station.dpt_l, station.dpt_p, candidates) == [], seed
        assert all(value is None or 0 <= value <= 999 for value in values.values())
        reserve = -(-(station.dpt_l + station.dpt_p) * 25 // 1000)
        assert values["ss_diterima"] == station.dpt_l + station.dpt_p + reserve


def test_tiny_and_full_stations_still_add_up():
    for seed, (dpt_l, dpt_p) in enumerate([(1, 0), (0, 0), (3, 4), (300, 300), (487, 487)]):
        values = random_tally(random.Random(seed), dpt_l, dpt_p, turnout=(0.99, 1.0))
        assert broken_rules(values, dpt_l, dpt_p, 3) == []


def test_an_officer_mistake_breaks_at_least_one_rule_and_says_which():
    for seed in range(300):
        rng = random.Random(seed)
        values = random_tally(rng, 250, 260)
        wrong, description = with_officer_mistake(values, rng)
        assert broken_rules(wrong, 250, 260, 3), (seed, description)
        assert wrong != values and description
        assert all(value is None or 0 <= value <= 999 for value in wrong.values())
        assert values == random_tally(random.Random(seed), 250, 260)
