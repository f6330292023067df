"""The Sirekap-compatible mirror: Sirekap Pilkada's public paths and JSON shapes, read-only.

Tools written for Sirekap's object data (journalists' and watchdogs' scrapers, KawalPemilu's
importer) work against Rekap by changing only the host. Served for governor contests
(`pkwkp`, a contest whose region is a provinsi):

- `/wilayah/pilkada/pkwkp/0.json`, `.../31.json`, `.../31/3171.json`, `.../31/3171/317101.json`
  and `.../31/3171/317101/3171011001.json`: the regions below, down to a kelurahan's TPS;
- `/pilkada/hhcw/pkwkp/31.json` ... `.../3171011001.json`: a region's totals with a row per
  child, and `.../3171011001/3171011001001.json`: one TPS, with its photos' URLs;
- `/pilkada/paslon/pkwkp.json`: the candidate pairs by provinsi, under Sirekap's own ids.

Answers may be cached for 30 seconds and read from any origin (browser-based tools).
What each field means, and what stands in where Rekap knows less than Sirekap: see
`services/results/sirekap_shapes.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database.models import (
    AppliedTally,
    Contest,
    Region,
    Submission,
    TallyVersion,
    Tps,
)
from services.results.database import DbSession
from services.results.queries import contest_candidates, region_totals, tps_count_by_prefix
from services.results.sirekap_shapes import (
    ChildTotals,
    Progress,
    SirekapCandidate,
    aggregate_node,
    codes_along_path,
    dotted_code,
    paslon_list,
    region_item,
    sirekap_code,
    tps_item,
    tps_node,
)

MIRROR_HEADERS = {"Cache-Control": "public, max-age=30", "Access-Control-Allow-Origin": "*"}
KELURAHAN_DEPTH = 4

router = APIRouter(tags=["Sirekap-compatible mirror"])


def mirror_answer(content: object) -> JSONResponse:
    return JSONResponse(content, headers=MIRROR_HEADERS)


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} is not in Rekap's Sirekap-compatible mirror")


@router.get("/wilayah/pilkada/pkwkp/0.json")
async def provinsi_list(db: DbSession) -> JSONResponse:
    provinces = await db.scalars(
        select(Region)
        .join(Contest, Contest.region_code == Region.code)
        .where(Region.level == "provinsi")
        .distinct()
        .order_by(Region.code)
    )
    return mirror_answer([region_item(r.code, r.name, r.level) for r in provinces])


@router.get("/wilayah/pilkada/pkwkp/{path:path}")
async def region_list(path: str, db: DbSession) -> JSONResponse:
    codes = codes_along_path(path)
    if codes is None or len(codes) > KELURAHAN_DEPTH:
        raise not_found(f"/wilayah/pilkada/pkwkp/{path}")
    await governor_contest(db, codes[0])  # 404 unless the provinsi holds a governor contest
    region = await known_region(db, codes[-1])
    if len(codes) == KELURAHAN_DEPTH:
        return mirror_answer([tps_item(t.code, t.number) for t in await tps_of(db, region)])
    return mirror_answer([region_item(r.code, r.name, r.level) for r in await children(db, region)])


@router.get("/pilkada/hhcw/pkwkp/{path:path}")
async def results(path: str, request: Request, db: DbSession) -> JSONResponse:
    codes = codes_along_path(path)
    if codes is None:
        raise not_found(f"/pilkada/hhcw/pkwkp/{path}")
    contest, candidates = await governor_contest(db, codes[0])
    now = datetime.now(UTC)
    if len(codes) > KELURAHAN_DEPTH:
        return mirror_answer(await tps_results(db, contest, candidates, codes[-1], request, now))
    region = await known_region(db, codes[-1])
    return mirror_answer(await region_results(db, contest, candidates, region, now))


@router.get("/pilkada/paslon/pkwkp.json")
async def candidate_pairs(db: DbSession) -> JSONResponse:
    contests = await db.scalars(
        select(Contest)
        .join(Region, Region.code == Contest.region_code)
        .where(Region.level == "provinsi")
        .order_by(Contest.region_code, Contest.polling_day)
    )
    by_provinsi = {
        contest.region_code: await candidates_of(db, contest) for contest in contests.all()
    }
    return mirror_answer(paslon_list(by_provinsi))


# ---- reading what the mirror shows ---------------------------------------------------------


async def governor_contest(
    db: AsyncSession, provinsi: str
) -> tuple[Contest, list[SirekapCandidate]]:
    """The provinsi's latest contest (its governor election) and its candidate pairs."""
    contest = await db.scalar(
        select(Contest)
        .where(Contest.region_code == provinsi)
        .order_by(Contest.polling_day.desc())
        .limit(1)
    )
    if contest is None:
        raise not_found(f"a governor contest in provinsi {provinsi}")
    return contest, await candidates_of(db, contest)


async def candidates_of(db: AsyncSession, contest: Contest) -> list[SirekapCandidate]:
    return [
        SirekapCandidate(
            c.number, c.sirekap_id or str(c.number), c.sirekap_name or c.name, c.colour
        )
        for c in await contest_candidates(db, contest.code)
    ]


async def known_region(db: AsyncSession, code: str) -> Region:
    region = await db.get(Region, dotted_code(code))
    if region is None:
        raise not_found(f"region {code}")
    return region


async def children(db: AsyncSession, region: Region) -> list[Region]:
    rows = await db.scalars(
        select(Region).where(Region.parent_code == region.code).order_by(Region.code)
    )
    return list(rows)


async def tps_of(db: AsyncSession, kelurahan: Region) -> list[Tps]:
    rows = await db.scalars(
        select(Tps).where(Tps.kelurahan_code == kelurahan.code).order_by(Tps.number)
    )
    return list(rows)


async def region_results(
    db: AsyncSession,
    contest: Contest,
    candidates: list[SirekapCandidate],
    region: Region,
    now: datetime,
) -> dict[str, object]:
    if region.level == "kelurahan":
        rows = await tps_rows(db, contest, region)
    else:
        rows = await region_rows(db, contest, await children(db, region))
    totals = await region_totals(db, contest.code, [region.code])
    progress = Progress(
        reported=totals.get(region.code, {}).get("tps_reported", 0),
        total=sum(row.progress.total for row in rows),
    )
    return aggregate_node(candidates, totals.get(region.code, {}), progress, rows, now)


async def region_rows(
    db: AsyncSession, contest: Contest, regions: list[Region]
) -> list[ChildTotals]:
    totals = await region_totals(db, contest.code, [r.code for r in regions])
    tps_total = await tps_count_by_prefix(db, [sirekap_code(r.code) for r in regions])
    return [
        ChildTotals(
            sirekap_code(r.code),
            totals.get(r.code, {}),
            Progress(
                reported=totals.get(r.code, {}).get("tps_reported", 0),
                total=tps_total.get(sirekap_code(r.code), 0),
            ),
        )
        for r in regions
    ]


async def tps_rows(db: AsyncSession, contest: Contest, kelurahan: Region) -> list[ChildTotals]:
    tps_codes = [t.code for t in await tps_of(db, kelurahan)]
    applied = await db.scalars(
        select(AppliedTally).where(
            AppliedTally.contest_code == contest.code, AppliedTally.tps_code.in_(tps_codes)
        )
    )
    counted = {a.tps_code: json.loads(a.counted) for a in applied}
    return [
        ChildTotals(code, counted.get(code, {}), Progress(int(code in counted), 1))
        for code in tps_codes
    ]


async def tps_results(
    db: AsyncSession,
    contest: Contest,
    candidates: list[SirekapCandidate],
    tps_code: str,
    request: Request,
    now: datetime,
) -> dict[str, object]:
    if await db.get(Tps, tps_code) is None:
        raise not_found(f"TPS {tps_code}")
    applied = await db.get(AppliedTally, (tps_code, contest.code))
    if applied is None:
        return tps_node(candidates, None, [], now)
    photos = await photos_of_version(db, tps_code, contest.code, applied.version)
    urls = [f"{request.base_url}photos/{sha256}" for sha256 in photos]
    return tps_node(candidates, json.loads(applied.counted), urls, applied.applied_at)


async def photos_of_version(
    db: AsyncSession, tps_code: str, contest_code: str, version: int
) -> list[str]:
    """The photos the accepted version was read from, in the order of its submissions."""
    tally = await db.get(TallyVersion, (tps_code, contest_code, version))
    submission_ids = json.loads(tally.submission_ids) if tally is not None else []
    rows = await db.execute(
        select(Submission.id, Submission.photo_sha256).where(Submission.id.in_(submission_ids))
    )
    photo_of = dict(rows.all())
    ordered = [photo_of[s] for s in submission_ids if s in photo_of]
    return list(dict.fromkeys(ordered))
