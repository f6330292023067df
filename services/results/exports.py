"""Bulk exports of a contest: CSV per level, and the NIST SP 1500-100 v2 CDF (JSON).

- `GET /api/v1/exports/{contest}/{level}.csv`, level provinsi, kota, kecamatan, kelurahan or
  tps: one row per unit in the contest's region, streamed;
- `GET /api/v1/exports/{contest}/cdf.json`: every unit down to each TPS (see `cdf.py`).

Both read the totals the aggregate service keeps, including tallies that are disputed (counted
in `tps_disputed`), as the rest of the public feed does.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database.models import (
    AppliedTally,
    Contest,
    Region,
    Tps,
)
from services.results.cdf import ContestFacts, Pair, UnitCounts, election_report
from services.results.database import DbSession
from services.results.queries import contest_candidates, region_totals

ExportLevel = Literal["provinsi", "kota", "kecamatan", "kelurahan", "tps"]
CACHING = {"Cache-Control": "public, max-age=30", "Access-Control-Allow-Origin": "*"}
ROWS_PER_CHUNK = 1000

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])


@router.get("/{contest}/cdf.json", response_class=Response)
async def cdf_export(contest: str, db: DbSession) -> Response:
    """NIST SP 1500-100 v2 election results (JSON), every unit down to each TPS."""
    facts = await contest_facts(db, contest)
    units = [*await region_units(db, facts), *await tps_units(db, facts)]
    body = await asyncio.to_thread(render_report, facts, units, datetime.now(UTC))
    return Response(body, media_type="application/json", headers=CACHING)


@router.get("/{contest}/{level}.csv", response_class=StreamingResponse)
async def csv_export(contest: str, level: ExportLevel, db: DbSession) -> StreamingResponse:
    """One row per unit of the level: TPS counts, votes per pair, valid and invalid votes."""
    facts = await contest_facts(db, contest)
    if level == "tps":
        units = await tps_units(db, facts)
    else:
        units = [unit for unit in await region_units(db, facts) if unit.level == level]
    return StreamingResponse(
        csv_chunks(units, facts.pairs),
        media_type="text/csv; charset=utf-8",
        headers={
            **CACHING,
            "Content-Disposition": f'attachment; filename="{facts.code}-{level}.csv"',
        },
    )


def render_report(facts: ContestFacts, units: list[UnitCounts], now: datetime) -> bytes:
    return json.dumps(election_report(facts, units, now), ensure_ascii=False).encode()


# ---- CSV -----------------------------------------------------------------------------------


def csv_header(pairs: Sequence[Pair]) -> list[str]:
    return [
        "code",
        "name",
        "parent_code",
        "tps_total",
        "tps_reported",
        "tps_disputed",
        *(f"suara_paslon_{pair.number}" for pair in pairs),
        "suara_sah",
        "suara_tidak_sah",
        "suara_total",
    ]


def csv_row(unit: UnitCounts, pairs: Sequence[Pair]) -> list[object]:
    return [
        unit.code,
        unit.name,
        unit.parent_code or "",
        unit.tps_total,
        unit.count("tps_reported"),
        unit.count("tps_disputed"),
        *(unit.count(f"suara_paslon_{pair.number}") for pair in pairs),
        unit.count("suara_sah"),
        unit.count("suara_tidak_sah"),
        unit.count("suara_total"),
    ]


def csv_chunks(units: Sequence[UnitCounts], pairs: Sequence[Pair]) -> Iterator[str]:
    """The header, then the rows a thousand at a time."""
    rows = [csv_header(pairs), *(csv_row(unit, pairs) for unit in units)]
    for start in range(0, len(rows), ROWS_PER_CHUNK):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows[start : start + ROWS_PER_CHUNK])
        yield buffer.getvalue()


# ---- reading the units ---------------------------------------------------------------------


async def contest_facts(db: AsyncSession, code: str) -> ContestFacts:
    contest = await db.get(Contest, code)
    if contest is None:
        raise HTTPException(404, f"no contest {code}")
    candidates = await contest_candidates(db, code)
    return ContestFacts(
        code=contest.code,
        name=contest.name,
        region_code=contest.region_code,
        polling_day=contest.polling_day,
        pairs=[Pair(c.number, c.name, c.sirekap_id) for c in candidates],
    )


async def region_units(db: AsyncSession, facts: ContestFacts) -> list[UnitCounts]:
    """The contest's region and every region below it, parents before children."""
    regions = await db.scalars(
        select(Region)
        .where(or_(Region.code == facts.region_code, Region.code.like(f"{facts.region_code}.%")))
        .order_by(Region.code)
    )
    stations = await db.execute(
        select(Tps.kelurahan_code, func.count(), func.sum(Tps.dpt_l + Tps.dpt_p))
        .where(Tps.code.like(f"{facts.region_code.replace('.', '')}%"))
        .group_by(Tps.kelurahan_code)
    )
    per_kelurahan = {kelurahan: (count, dpt) for kelurahan, count, dpt in stations}
    totals = await region_totals(db, facts.code)
    units = []
    for region in regions:
        below = [
            counts
            for kelurahan, counts in per_kelurahan.items()
            if kelurahan == region.code or kelurahan.startswith(f"{region.code}.")
        ]
        units.append(
            UnitCounts(
                code=region.code,
                level=region.level,
                name=region.name,
                parent_code=region.parent_code,
                tps_total=sum(count for count, _ in below),
                registered_voters=sum(dpt for _, dpt in below),
                totals=totals.get(region.code, {}),
            )
        )
    return units


async def tps_units(db: AsyncSession, facts: ContestFacts) -> list[UnitCounts]:
    stations = await db.scalars(
        select(Tps)
        .where(Tps.code.like(f"{facts.region_code.replace('.', '')}%"))
        .order_by(Tps.code)
    )
    applied = await db.execute(
        select(AppliedTally.tps_code, AppliedTally.counted).where(
            AppliedTally.contest_code == facts.code
        )
    )
    counted = {tps_code: json.loads(values) for tps_code, values in applied}
    return [
        UnitCounts(
            code=station.code,
            level="tps",
            name=f"TPS {station.number:03d}",
            parent_code=station.kelurahan_code,
            tps_total=1,
            registered_voters=station.dpt_l + station.dpt_p,
            totals=counted.get(station.code, {}),
        )
        for station in stations
    ]
