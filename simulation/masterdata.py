"""The Jakarta master-data plan, built once, and lookups the simulation needs from it."""

from __future__ import annotations

import re
from functools import cache

from services.common.masterdata.plan import plan_jakarta_master_data
from services.common.masterdata.rows import ContestRow, MasterDataPlan, RegionRow, TpsRow

__all__ = [
    "TpsRow",
    "candidate_count",
    "contest_for",
    "master_plan",
    "region",
    "tps_in_scope",
    "tps_row",
]

_TPS_CODE = re.compile(r"[0-9]{13}")
_KELURAHAN_DIGITS = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{4})")
_DOTTED_REGION = re.compile(r"[0-9]{2}(\.[0-9]{2}){0,2}|[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")


@cache
def master_plan() -> MasterDataPlan:
    return plan_jakarta_master_data()


@cache
def _tps_by_code() -> dict[str, TpsRow]:
    return {row.code: row for row in master_plan().tps}


@cache
def _regions_by_code() -> dict[str, RegionRow]:
    return {row.code: row for row in master_plan().regions}


def tps_row(tps_code: str) -> TpsRow:
    try:
        return _tps_by_code()[tps_code]
    except KeyError:
        raise KeyError(f"no TPS {tps_code!r} in the master data") from None


def region(code: str) -> RegionRow:
    try:
        return _regions_by_code()[code]
    except KeyError:
        raise KeyError(f"no region {code!r} in the master data") from None


def contest_for(tps: TpsRow) -> ContestRow:
    """The contest held at that TPS (the one whose region contains it)."""
    for contest in master_plan().contests:
        if tps.kelurahan_code.startswith(contest.region_code):
            return contest
    raise KeyError(f"no contest covers TPS {tps.code}")


def candidate_count(contest_code: str) -> int:
    return sum(1 for row in master_plan().candidates if row.contest_code == contest_code)


def tps_in_scope(scope: str) -> tuple[TpsRow, ...]:
    """The TPS a scope names: a 13-digit TPS code, or a region code (dotted, or a kelurahan's
    10 digits), e.g. `3171011001001`, `31.71.01.1001`, `3171011001`, `31.71.01`, `31.71`."""
    scope = scope.strip()
    if _TPS_CODE.fullmatch(scope):
        return (tps_row(scope),)
    if match := _KELURAHAN_DIGITS.fullmatch(scope):
        scope = ".".join(match.groups())
    if not _DOTTED_REGION.fullmatch(scope):
        raise ValueError(
            f"{scope!r} is neither a 13-digit TPS code nor a region code like 31.71 or "
            "31.71.01.1001"
        )
    region(scope)
    return tuple(
        row for row in master_plan().tps if f"{row.kelurahan_code}.".startswith(f"{scope}.")
    )
