"""The master data of the Jakarta governor contest as rows to load: pure, no database."""

from __future__ import annotations

from services.common.masterdata.dpt import TpsSite, allocate_dpt
from services.common.masterdata.people import person_name
from services.common.masterdata.reference import ElectionReference, read_jakarta_reference
from services.common.masterdata.rows import (
    REGION_LEVELS,
    CandidateRow,
    ContestRow,
    MasterDataPlan,
    OfficerRow,
    RegionRow,
    ReviewerRow,
    TpsRow,
)

OFFICER_SLOTS = (1, 2)
"""KPPS members 4 and 5 of every TPS operate Sirekap."""


def plan_jakarta_master_data() -> MasterDataPlan:
    return plan_master_data(read_jakarta_reference())


def plan_master_data(reference: ElectionReference) -> MasterDataPlan:
    regions = tuple(
        sorted(reference.regions, key=lambda row: (REGION_LEVELS.index(row.level), row.code))
    )
    tps = plan_tps(reference)
    contest = ContestRow(
        code=f"PILGUB-{reference.province_code}-{reference.polling_day.year}",
        name=reference.election_name,
        region_code=reference.province_code,
        polling_day=reference.polling_day,
    )
    return MasterDataPlan(
        regions=regions,
        tps=tps,
        contests=(contest,),
        candidates=tuple(
            CandidateRow(
                contest.code,
                pair.number,
                pair.name,
                pair.sirekap_id,
                pair.sirekap_name,
                pair.colour,
            )
            for pair in reference.candidates
        ),
        officers=tuple(officer(station, slot) for station in tps for slot in OFFICER_SLOTS),
        reviewers=tuple(reviewer(row) for row in regions if row.level == "kelurahan"),
    )


def plan_tps(reference: ElectionReference) -> tuple[TpsRow, ...]:
    """The TPS of every kelurahan, numbered from 001, in code order, with their DPT."""
    parents = {row.code: row.parent_code for row in reference.regions if row.level != "provinsi"}
    kelurahan_codes = {row.code for row in reference.regions if row.level == "kelurahan"}
    unknown = set(reference.tps_per_kelurahan) - kelurahan_codes
    if unknown:
        raise ValueError(f"TPS counted for unknown kelurahan: {sorted(unknown)}")

    numbered = [
        (kelurahan_code, number)
        for kelurahan_code in sorted(reference.tps_per_kelurahan)
        for number in range(1, reference.tps_per_kelurahan[kelurahan_code] + 1)
    ]
    sites = [
        TpsSite(tps_code(kelurahan_code, number), kelurahan_code, parents[parents[kelurahan_code]])
        for kelurahan_code, number in numbered
    ]
    dpt = allocate_dpt(sites, reference.registration)
    return tuple(
        TpsRow(site.code, site.kelurahan_code, number, voters.dpt_l, voters.dpt_p)
        for site, (_, number), voters in zip(sites, numbered, dpt, strict=True)
    )


def tps_code(kelurahan_code: str, number: int) -> str:
    """`31.71.01.1001` and 1 give `3171011001001`."""
    if not 1 <= number <= 999:
        raise ValueError(f"TPS number {number} does not fit three digits")
    return f"{kelurahan_code.replace('.', '')}{number:03d}"


def officer(station: TpsRow, slot: int) -> OfficerRow:
    officer_id = f"KPPS-{station.code}-{slot}"
    return OfficerRow(officer_id, station.code, slot, person_name(officer_id))


def reviewer(kelurahan: RegionRow) -> ReviewerRow:
    reviewer_id = f"PPS-{kelurahan.code.replace('.', '')}"
    return ReviewerRow(reviewer_id, kelurahan.code, person_name(reviewer_id))
