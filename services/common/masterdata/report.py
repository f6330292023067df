"""What the database holds after a load: counts and DPT sums, read back with SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.database.models import Candidate, Contest, Officer, Region, Reviewer, Tps
from services.common.masterdata.rows import REGION_LEVELS


@dataclass(frozen=True)
class LoadReport:
    regions_by_level: Mapping[str, int]
    tps: int
    dpt_l: int
    dpt_p: int
    contests: int
    candidates: int
    officers: int
    reviewers: int
    rows_written: int = 0
    """Rows this load inserted or changed: 0 when the database already matched the plan."""
    seconds: float = 0.0

    @property
    def dpt(self) -> int:
        return self.dpt_l + self.dpt_p

    def __str__(self) -> str:
        levels = ", ".join(f"{count:,} {level}" for level, count in self.regions_by_level.items())
        return "\n".join(
            (
                f"regions: {levels}",
                f"TPS: {self.tps:,}; DPT {self.dpt:,} ({self.dpt_l:,} L, {self.dpt_p:,} P)",
                f"contests: {self.contests}; candidates: {self.candidates}",
                f"officers: {self.officers:,}; reviewers: {self.reviewers:,}",
                f"{self.rows_written:,} rows written in {self.seconds:.2f} s",
            )
        )


async def count_master_data(connection: AsyncConnection) -> LoadReport:
    levels = await connection.execute(select(Region.level, func.count()).group_by(Region.level))
    tps, dpt_l, dpt_p = (
        await connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Tps.dpt_l), 0),
                func.coalesce(func.sum(Tps.dpt_p), 0),
            )
        )
    ).one()

    async def count(model: type) -> int:
        return (await connection.execute(select(func.count()).select_from(model))).scalar_one()

    by_level = dict(levels.all())
    return LoadReport(
        regions_by_level={level: by_level.get(level, 0) for level in REGION_LEVELS},
        tps=tps,
        dpt_l=dpt_l,
        dpt_p=dpt_p,
        contests=await count(Contest),
        candidates=await count(Candidate),
        officers=await count(Officer),
        reviewers=await count(Reviewer),
    )


async def master_data_loaded(engine: AsyncEngine) -> bool:
    """Whether any TPS is loaded: `rekap up` seeds only a database without them."""
    async with engine.connect() as connection:
        return (await connection.execute(select(Tps.code).limit(1))).first() is not None
