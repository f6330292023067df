"""The Jakarta master-data plan, built without a database, against the real reference figures."""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import Counter, defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.masterdata.apportion import apportion
from services.common.masterdata.dpt import MIN_VOTERS_PER_TPS
from services.common.masterdata.plan import plan_jakarta_master_data, plan_master_data
from services.common.masterdata.reference import read_jakarta_reference
from services.common.masterdata.rows import REGION_LEVELS, MasterDataPlan

DPT = 8_214_007
DPT_MALE = 4_048_811
DPT_FEMALE = 4_165_196
DPT_PER_KOTA = {
    "31.01": 20_908,
    "31.71": 813_721,
    "31.72": 1_345_815,
    "31.73": 1_909_774,
    "31.74": 1_748_961,
    "31.75": 2_374_828,
}
CODE_PATTERNS = {
    "provinsi": r"\d{2}",
    "kota": r"\d{2}\.\d{2}",
    "kecamatan": r"\d{2}\.\d{2}\.\d{2}",
    "kelurahan": r"\d{2}\.\d{2}\.\d{2}\.\d{4}",
}


@pytest.fixture(scope="module")
def plan() -> MasterDataPlan:
    return plan_jakarta_master_data()


def dpt_by_kota(plan: MasterDataPlan) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for station in plan.tps:
        totals[station.kelurahan_code[:5]] += station.dpt
    return dict(totals)


def test_regions_are_the_jakarta_hierarchy_parents_first(plan):
    assert Counter(row.level for row in plan.regions) == {
        "provinsi": 1,
        "kota": 6,
        "kecamatan": 44,
        "kelurahan": 267,
    }
    seen: dict[str, str] = {}
    for row in plan.regions:
        assert re.fullmatch(CODE_PATTERNS[row.level], row.code)
        if row.level == "provinsi":
            assert row.parent_code is None
        else:
            parent_level = REGION_LEVELS[REGION_LEVELS.index(row.level) - 1]
            assert seen[row.parent_code] == parent_level
            assert row.code.startswith(row.parent_code + ".")
        seen[row.code] = row.level
    assert plan.regions[0].code == "31"


def test_tps_are_numbered_from_001_per_kelurahan(plan):
    assert len(plan.tps) == 14_835
    codes = [station.code for station in plan.tps]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"\d{13}", code) for code in codes)
    assert codes[0] == "3101011001001"
    numbers: dict[str, list[int]] = defaultdict(list)
    for station in plan.tps:
        assert station.code == station.kelurahan_code.replace(".", "") + f"{station.number:03d}"
        numbers[station.kelurahan_code].append(station.number)
    assert {code: len(found) for code, found in numbers.items()} == dict(
        read_jakarta_reference().tps_per_kelurahan
    )
    assert all(found == list(range(1, len(found) + 1)) for found in numbers.values())


def test_dpt_adds_up_to_the_register_overall_by_sex_and_by_kota(plan):
    assert sum(station.dpt for station in plan.tps) == DPT
    assert sum(station.dpt_l for station in plan.tps) == DPT_MALE
    assert sum(station.dpt_p for station in plan.tps) == DPT_FEMALE
    assert dpt_by_kota(plan) == DPT_PER_KOTA


def test_every_tps_has_a_plausible_dpt(plan):
    voters = [station.dpt for station in plan.tps]
    assert max(voters) <= 600
    assert min(voters) >= MIN_VOTERS_PER_TPS
    assert all(station.dpt_l > 0 and station.dpt_p > 0 for station in plan.tps)
    male_shares = [station.dpt_l / station.dpt for station in plan.tps]
    assert min(male_shares) > 0.4 and max(male_shares) < 0.6


def test_dpt_varies_between_tps(plan):
    voters = [station.dpt for station in plan.tps]
    assert len(set(voters)) > 200
    assert 15 < statistics.pstdev(voters) < 100
    assert Counter(voters).most_common(1)[0][1] < len(voters) / 20


def test_the_plan_is_deterministic(plan):
    assert plan_jakarta_master_data() == plan


def test_two_officers_per_tps(plan):
    assert len(plan.officers) == 2 * len(plan.tps)
    assert len({officer.id for officer in plan.officers}) == len(plan.officers)
    slots = defaultdict(set)
    for officer in plan.officers:
        assert officer.id == f"KPPS-{officer.tps_code}-{officer.slot}"
        assert officer.name
        slots[officer.tps_code].add(officer.slot)
    assert set(slots) == {station.code for station in plan.tps}
    assert all(found == {1, 2} for found in slots.values())


def test_one_reviewer_per_kelurahan(plan):
    kelurahan = [row.code for row in plan.regions if row.level == "kelurahan"]
    assert [reviewer.kelurahan_code for reviewer in plan.reviewers] == kelurahan
    assert all(
        reviewer.id == "PPS-" + reviewer.kelurahan_code.replace(".", "") and reviewer.name
        for reviewer in plan.reviewers
    )


def test_the_governor_contest_and_its_three_pairs(plan):
    (contest,) = plan.contests
    assert contest.code == "PILGUB-31-2024"
    assert contest.region_code == "31"
    assert contest.polling_day.isoformat() == "2024-11-27"
    assert contest.name.startswith("Pemilihan Gubernur dan Wakil Gubernur DKI Jakarta 2024")
    assert [(c.number, c.sirekap_id) for c in plan.candidates] == [
        (1, "1000023"),
        (2, "1000024"),
        (3, "1000025"),
    ]
    assert all(c.contest_code == contest.code and c.colour.startswith("#") for c in plan.candidates)
    assert plan.candidates[2].name == "Pramono Anung \N{EN DASH} Rano Karno"


def test_an_inconsistent_dpt_per_kota_falls_back_to_tps_shares():
    reference = read_jakarta_reference()
    broken = dataclasses.replace(
        reference,
        registration=dataclasses.replace(
            reference.registration, dpt_per_kota={**DPT_PER_KOTA, "31.01": 1}
        ),
    )
    fallback = plan_master_data(broken)
    assert sum(station.dpt for station in fallback.tps) == DPT
    assert sum(station.dpt_l for station in fallback.tps) == DPT_MALE
    tps_per_kota = Counter(station.kelurahan_code[:5] for station in fallback.tps)
    averages = [dpt / tps_per_kota[kota] for kota, dpt in dpt_by_kota(fallback).items()]
    assert max(averages) - min(averages) < 1


def test_a_register_whose_sexes_do_not_add_up_is_refused():
    reference = read_jakarta_reference()
    broken = dataclasses.replace(
        reference, registration=dataclasses.replace(reference.registration, dpt_male=DPT_MALE + 1)
    )
    with pytest.raises(ValueError, match="by sex"):
        plan_master_data(broken)


@given(
    st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 700)), min_size=1, max_size=50),
    st.floats(0, 1),
)
def test_apportion_is_exact_and_respects_caps(weights_and_caps, fill):
    weights = [weight for weight, _ in weights_and_caps]
    caps = [cap for _, cap in weights_and_caps]
    total = int(sum(caps) * fill)
    parts = apportion(total, weights, caps)
    assert sum(parts) == total
    assert all(0 <= part <= cap for part, cap in zip(parts, caps, strict=True))


def test_apportion_is_proportional_where_no_cap_binds():
    assert apportion(10, [1, 1, 1], [10, 10, 10]) == [4, 3, 3]
    assert apportion(100, [1, 3], [100, 100]) == [25, 75]
    assert apportion(100, [1, 3], [100, 60]) == [40, 60]


def test_apportion_refuses_a_total_that_does_not_fit():
    with pytest.raises(ValueError):
        apportion(31, [1, 1, 1], [10, 10, 10])
