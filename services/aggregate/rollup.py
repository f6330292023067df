"""Applying a tally version to the region totals, and checking the totals from scratch.

`apply_tally` runs inside the caller's transaction: the applied version, every ancestor's
move and whatever else the caller records commit together or not at all. Only a newer
version moves the totals, by its difference from the version applied before, so redelivery,
duplicates and versions arriving out of order all leave the totals equal to the sum of the
latest version of every TPS. Two copies applying the same TPS at once serialise on the
applied tally's row (PostgreSQL locks it; a first insert collides on its key and the loser
retries).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from schemas.events import TallyAccepted
from services.aggregate.counting import add_up, counted_items, difference
from services.common.database.dialect_insert import dialect_insert
from services.common.database.models import AppliedTally, Region, RegionTotal, TallyVersion, Tps


class UnknownTps(LookupError):
    """The tally names a TPS that master data does not have."""


@dataclass(frozen=True)
class Application:
    moved: bool
    region_codes: list[str]


async def region_chain(session: AsyncSession, tps_code: str) -> list[str]:
    """The TPS's kelurahan, kecamatan, kota and provinsi codes, nearest first (one query: the
    hierarchy has exactly these four levels)."""
    kelurahan, kecamatan, kota, provinsi = (aliased(Region) for _ in range(4))
    chain = (
        await session.execute(
            select(kelurahan.code, kecamatan.code, kota.code, provinsi.code)
            .select_from(Tps)
            .join(kelurahan, kelurahan.code == Tps.kelurahan_code)
            .outerjoin(kecamatan, kecamatan.code == kelurahan.parent_code)
            .outerjoin(kota, kota.code == kecamatan.parent_code)
            .outerjoin(provinsi, provinsi.code == kota.parent_code)
            .where(Tps.code == tps_code)
        )
    ).first()
    if chain is None:
        raise UnknownTps(f"no master data for TPS {tps_code}")
    return [code for code in chain if code is not None]


async def apply_tally(session: AsyncSession, event: TallyAccepted, now: datetime) -> Application:
    chain = await region_chain(session, event.tps)
    current = await session.get(
        AppliedTally, (event.tps, event.contest), with_for_update=True, populate_existing=True
    )
    if current is not None and current.version >= event.version:
        return Application(moved=False, region_codes=chain)
    after = counted_items(event.values, event.disputed)
    before = json.loads(current.counted) if current is not None else {}
    if current is None:
        current = AppliedTally(tps_code=event.tps, contest_code=event.contest)
        session.add(current)
    current.version = event.version
    current.counted = json.dumps(after, sort_keys=True)
    current.disputed = event.disputed
    current.decided_by = event.decided_by
    current.applied_at = now
    await session.flush()
    await _move_totals(session, event.contest, chain, difference(before, after))
    return Application(moved=True, region_codes=chain)


async def _move_totals(
    session: AsyncSession, contest: str, regions: list[str], moves: dict[str, int]
) -> None:
    if not moves:
        return
    insert = dialect_insert(session.bind.dialect.name, RegionTotal)
    rows = [
        {"contest_code": contest, "region_code": region, "item": item, "amount": amount}
        for region in regions
        for item, amount in moves.items()
    ]
    await session.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=["contest_code", "region_code", "item"],
            set_={"amount": RegionTotal.amount + insert.excluded.amount},
        )
    )


@dataclass(frozen=True)
class TotalsCheck:
    """What recomputing every total from the applied tallies found."""

    regions_checked: int
    tallies_summed: int
    differences: list[tuple[str, str, str, int, int]]  # contest, region, item, kept, recomputed
    not_yet_applied: list[tuple[str, str, int, int]]  # tps, contest, applied, latest accepted

    @property
    def consistent(self) -> bool:
        return not self.differences


async def check_totals(session: AsyncSession) -> TotalsCheck:
    """Recompute every region's totals by brute force and compare them with the kept ones."""
    summed: dict[tuple[str, str], list[dict[str, int]]] = {}
    applied = (await session.scalars(select(AppliedTally))).all()
    for tally in applied:
        for region in await region_chain(session, tally.tps_code):
            summed.setdefault((tally.contest_code, region), []).append(json.loads(tally.counted))
    recomputed = {key: add_up(tallies) for key, tallies in summed.items()}
    kept: dict[tuple[str, str], dict[str, int]] = {}
    for row in (await session.scalars(select(RegionTotal))).all():
        kept.setdefault((row.contest_code, row.region_code), {})[row.item] = row.amount
    differences = [
        (contest, region, item, kept_amount, recomputed_amount)
        for contest, region in sorted({*recomputed, *kept})
        for item in sorted(
            {*kept.get((contest, region), {}), *recomputed.get((contest, region), {})}
        )
        if (kept_amount := kept.get((contest, region), {}).get(item, 0))
        != (recomputed_amount := recomputed.get((contest, region), {}).get(item, 0))
    ]
    return TotalsCheck(
        regions_checked=len({*recomputed, *kept}),
        tallies_summed=len(applied),
        differences=differences,
        not_yet_applied=await not_yet_applied(session),
    )


async def not_yet_applied(session: AsyncSession) -> list[tuple[str, str, int, int]]:
    """TPS whose latest accepted version is not the applied one (the aggregate is behind)."""
    latest = (
        select(
            TallyVersion.tps_code,
            TallyVersion.contest_code,
            func.max(TallyVersion.version).label("latest"),
        )
        .group_by(TallyVersion.tps_code, TallyVersion.contest_code)
        .subquery()
    )
    rows = await session.execute(
        select(latest.c.tps_code, latest.c.contest_code, AppliedTally.version, latest.c.latest)
        .outerjoin(
            AppliedTally,
            (AppliedTally.tps_code == latest.c.tps_code)
            & (AppliedTally.contest_code == latest.c.contest_code),
        )
        .where(func.coalesce(AppliedTally.version, 0) < latest.c.latest)
        .order_by(latest.c.tps_code)
    )
    return [(tps, contest, applied or 0, newest) for tps, contest, applied, newest in rows]
