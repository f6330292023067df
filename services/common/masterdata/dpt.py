"""A deterministic DPT per TPS, split by sex, that adds up exactly to the real register.

KPU announced the DPT in total, by sex and per kota, but no DPT per TPS. Each kota's DPT is
spread over its TPS as "the cap (600) minus a gap": the kota's total gap (TPS x cap - DPT) is
apportioned by pseudo-random weights, a gamma draw per TPS times a factor per kelurahan (so the
TPS of one kelurahan look alike), no gap above cap - MIN_VOTERS_PER_TPS. Most TPS thus come out a
little under the cap with a tail of smaller ones, as when KPU fills TPS up to 600. The men are
then apportioned over all TPS in proportion to each TPS's DPT times a male share drawn within
MALE_SHARE_SPREAD of the real one. Everything comes from one `random.Random(SEED)` stream taken
in TPS code order, and every split is an exact integer apportionment.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.masterdata.apportion import apportion
from services.common.masterdata.reference import Registration

SEED = 31
MIN_VOTERS_PER_TPS = 100
GAP_SHAPE = 3.0
"""Shape of the gamma draw per TPS: light enough a tail that no TPS falls to the minimum."""
KELURAHAN_SPREAD = 0.4
MALE_SHARE_SPREAD = 0.03
WEIGHT_SCALE = 1_000_000
"""Random weights are scaled to integers so that apportioning them stays exact."""


@dataclass(frozen=True)
class TpsSite:
    code: str
    kelurahan_code: str
    kota_code: str


@dataclass(frozen=True)
class TpsDpt:
    dpt_l: int
    dpt_p: int


def allocate_dpt(sites: Sequence[TpsSite], registration: Registration) -> list[TpsDpt]:
    """One TpsDpt per site, in the order given (give the sites in TPS code order)."""
    if registration.dpt_male + registration.dpt_female != registration.dpt:
        raise ValueError("the DPT by sex does not add up to the DPT")
    rng = random.Random(SEED)
    weights = gap_weights(sites, rng)
    cap = registration.max_voters_per_tps
    dpt = [0] * len(sites)
    for kota_code, kota_dpt in dpt_per_kota(sites, registration).items():
        indices = [i for i, site in enumerate(sites) if site.kota_code == kota_code]
        if not MIN_VOTERS_PER_TPS * len(indices) <= kota_dpt <= cap * len(indices):
            raise ValueError(
                f"{kota_dpt} voters of {kota_code} do not fit {len(indices)} TPS "
                f"of {MIN_VOTERS_PER_TPS} to {cap} voters"
            )
        gaps = apportion(
            cap * len(indices) - kota_dpt,
            [weights[i] for i in indices],
            [cap - MIN_VOTERS_PER_TPS] * len(indices),
        )
        for i, gap in zip(indices, gaps, strict=True):
            dpt[i] = cap - gap
    male = allocate_men(dpt, registration, rng)
    return [TpsDpt(dpt_l=men, dpt_p=voters - men) for men, voters in zip(male, dpt, strict=True)]


def dpt_per_kota(sites: Sequence[TpsSite], registration: Registration) -> dict[str, int]:
    """The announced DPT per kota; if it does not cover exactly these kota and add up to the
    total, the total is split over the kota in proportion to their TPS instead."""
    tps_per_kota = Counter(site.kota_code for site in sites)
    announced = registration.dpt_per_kota
    if set(announced) == set(tps_per_kota) and sum(announced.values()) == registration.dpt:
        return dict(announced)
    kota_codes = sorted(tps_per_kota)
    shares = apportion(
        registration.dpt,
        [tps_per_kota[code] for code in kota_codes],
        [registration.max_voters_per_tps * tps_per_kota[code] for code in kota_codes],
    )
    return dict(zip(kota_codes, shares, strict=True))


def gap_weights(sites: Sequence[TpsSite], rng: random.Random) -> list[int]:
    kelurahan_factor: dict[str, float] = {}
    weights = []
    for site in sites:
        if site.kelurahan_code not in kelurahan_factor:
            kelurahan_factor[site.kelurahan_code] = rng.uniform(
                1 - KELURAHAN_SPREAD, 1 + KELURAHAN_SPREAD
            )
        draw = kelurahan_factor[site.kelurahan_code] * rng.gammavariate(GAP_SHAPE, 1.0)
        weights.append(max(1, round(draw * WEIGHT_SCALE)))
    return weights


def allocate_men(dpt: Sequence[int], registration: Registration, rng: random.Random) -> list[int]:
    male_share = registration.dpt_male / registration.dpt
    weights = []
    for voters in dpt:
        share = male_share + rng.uniform(-MALE_SHARE_SPREAD, MALE_SHARE_SPREAD)
        weights.append(max(1, round(voters * share * WEIGHT_SCALE)))
    return apportion(registration.dpt_male, weights, dpt)
