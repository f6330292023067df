"""What the public sees, read from the tables: plain query functions that return the API's
shapes. Region totals come from the aggregate's incremental `region_totals`; a TPS shows its
latest accepted tally version, every photo uploaded for it and the history of its versions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database.models import (
    AppliedTally,
    Candidate,
    Contest,
    Decision,
    Photo,
    Region,
    RegionTotal,
    Submission,
    TallyVersion,
    Tps,
)
from services.results.transparency import tps_log_records

LEVEL_BELOW = {
    "provinsi": "kota",
    "kota": "kecamatan",
    "kecamatan": "kelurahan",
    "kelurahan": "tps",
}
TPS_REPORTED = "tps_reported"
TPS_DISPUTED = "tps_disputed"

TpsStatus = Literal[
    "published", "disputed", "waiting_for_review", "rejected", "being_read", "not_reported"
]


class NotFound(LookupError):
    """An unknown contest, region or TPS (answered with 404)."""


# ---- shapes of the answers ---------------------------------------------------------------


class RegionRef(BaseModel):
    code: str
    name: str
    level: Literal["provinsi", "kota", "kecamatan", "kelurahan", "tps"]
    parent_code: str | None


class ContestRef(BaseModel):
    code: str
    name: str
    region_code: str
    polling_day: date


class CandidateRef(BaseModel):
    number: int
    name: str
    colour: str | None


class ContestListing(ContestRef):
    candidates: list[CandidateRef]


class CandidateVotes(CandidateRef):
    votes: int
    share: float | None = Field(description="Percent of valid votes (suara sah), 2 decimals.")


class Totals(BaseModel):
    candidates: list[CandidateVotes]
    suara_sah: int
    suara_tidak_sah: int
    tps_reported: int = Field(description="TPS whose tally is included in these totals.")
    tps_total: int
    tps_disputed: int = Field(description="Included TPS whose latest tally is disputed.")


class ChildResults(Totals):
    region: RegionRef
    status: TpsStatus | None = Field(None, description="Only for a TPS (children of a kelurahan).")


class RegionResults(Totals):
    contest: ContestRef
    region: RegionRef
    path: list[RegionRef] = Field(description="From the contest's region down to this one.")
    children_level: str | None
    children: list[ChildResults]


class TpsRef(BaseModel):
    code: str
    number: int
    name: str
    kelurahan_code: str
    dpt_l: int
    dpt_p: int
    dpt_jml: int


class PhotoRecord(BaseModel):
    sha256: str
    url: str
    content_type: str | None
    width: int | None
    height: int | None
    size_bytes: int | None
    submission_id: str
    uploaded_at: datetime
    outcome: Literal["accept", "review", "reject"] | None = Field(
        description="The check's decision on this photo's reading; null while being read."
    )
    reasons: list[str]
    in_versions: list[int] = Field(description="Tally versions whose numbers it supports.")


class VersionRecord(BaseModel):
    version: int
    values: dict[str, int | None]
    decided_by: str = Field(description="'auto' or 'reviewer:<id>'.")
    reviewer: str | None
    disputed: bool
    accepted_at: datetime
    submission_ids: list[str]


class ContestAtTps(BaseModel):
    """A TPS in one contest; the numbers are its latest accepted version's (none before)."""

    contest: ContestRef
    status: TpsStatus
    version: int | None = None
    values: dict[str, int | None] | None = None
    candidates: list[CandidateVotes] = []
    suara_sah: int | None = None
    suara_tidak_sah: int | None = None
    decided_by: str | None = None
    reviewer: str | None = None
    disputed: bool = False
    accepted_at: datetime | None = None
    photos: list[PhotoRecord]
    history: list[VersionRecord]


class TpsReport(BaseModel):
    tps: TpsRef
    region: RegionRef
    path: list[RegionRef]
    contests: list[ContestAtTps]
    log: list[dict] = Field(
        description="The transparency log's record of every version: entry, leaf index, "
        "and its inclusion proof against the latest signed tree head (null until signed)."
    )


# ---- queries -------------------------------------------------------------------------------


async def list_contests(session: AsyncSession) -> list[ContestListing]:
    contests = (await session.scalars(select(Contest).order_by(Contest.code))).all()
    return [
        ContestListing(
            **_contest_ref(contest).model_dump(),
            candidates=[
                CandidateRef(number=c.number, name=c.name, colour=c.colour)
                for c in await contest_candidates(session, contest.code)
            ],
        )
        for contest in contests
    ]


async def region_results(
    session: AsyncSession, contest_code: str, region_code: str | None = None
) -> RegionResults:
    contest = await session.get(Contest, contest_code)
    if contest is None:
        raise NotFound(f"no contest {contest_code!r} (GET /api/v1/contests lists them)")
    region = await session.get(Region, region_code or contest.region_code)
    if region is None or not _within(region.code, contest.region_code):
        raise NotFound(f"no region {region_code!r} in contest {contest_code}")
    candidates = await contest_candidates(session, contest.code)
    totals = await region_totals(session, contest.code, [region.code])
    if region.level == "kelurahan":
        children = await _tps_children(session, contest.code, region, candidates)
        tps_total = len(children)
    else:
        children = await _region_children(session, contest.code, region, candidates)
        digits = _digits(region.code)
        tps_total = (await tps_count_by_prefix(session, [digits])).get(digits, 0)
    return RegionResults(
        contest=_contest_ref(contest),
        region=_region_ref(region),
        path=await _path(session, region, contest.region_code),
        children_level=LEVEL_BELOW[region.level],
        children=children,
        **_totals(totals.get(region.code, {}), candidates, tps_total).model_dump(),
    )


async def tps_report(session: AsyncSession, tps_code: str) -> TpsReport:
    tps = await session.get(Tps, tps_code)
    if tps is None:
        raise NotFound(f"no TPS {tps_code!r} (13 digits: kelurahan code without dots + number)")
    kelurahan = await session.get(Region, tps.kelurahan_code)
    contests = [
        contest
        for contest in (await session.scalars(select(Contest).order_by(Contest.code))).all()
        if tps.code.startswith(_digits(contest.region_code))
    ]
    return TpsReport(
        tps=TpsRef(
            code=tps.code,
            number=tps.number,
            name=_tps_name(tps.number),
            kelurahan_code=tps.kelurahan_code,
            dpt_l=tps.dpt_l,
            dpt_p=tps.dpt_p,
            dpt_jml=tps.dpt_l + tps.dpt_p,
        ),
        region=_region_ref(kelurahan),
        path=await _path(session, kelurahan),
        contests=[await _contest_at_tps(session, contest, tps.code) for contest in contests],
        log=await tps_log_records(session, tps.code),
    )


async def photo_content_type(session: AsyncSession, sha256: str) -> str | None:
    return await session.scalar(select(Photo.content_type).where(Photo.sha256 == sha256))


def tps_status(latest_disputed: bool | None, outcomes: Iterable[str | None]) -> TpsStatus:
    """A TPS's state in a contest from its latest accepted version's dispute flag (None: no
    accepted version) and the latest decision on each uploaded photo (None: not decided)."""
    if latest_disputed is not None:
        return "disputed" if latest_disputed else "published"
    outcomes = list(outcomes)
    if "review" in outcomes:
        return "waiting_for_review"
    if outcomes and all(outcome == "reject" for outcome in outcomes):
        return "rejected"
    if outcomes:
        return "being_read"
    return "not_reported"


# ---- the parts -----------------------------------------------------------------------------


async def _contest_at_tps(session: AsyncSession, contest: Contest, tps_code: str) -> ContestAtTps:
    candidates = await contest_candidates(session, contest.code)
    versions = (
        await session.scalars(
            select(TallyVersion)
            .where(TallyVersion.tps_code == tps_code, TallyVersion.contest_code == contest.code)
            .order_by(TallyVersion.version)
        )
    ).all()
    history = [_version_record(version) for version in versions]
    latest = history[-1] if history else None
    photos = await _photos(session, contest.code, tps_code, history)
    status = tps_status(latest.disputed if latest else None, [photo.outcome for photo in photos])
    return ContestAtTps(
        contest=_contest_ref(contest),
        status=status,
        photos=photos,
        history=history,
        **(_latest_numbers(latest, candidates) if latest else {}),
    )


def _latest_numbers(latest: VersionRecord, candidates: list[Candidate]) -> dict:
    counted = {item: amount for item, amount in latest.values.items() if amount is not None}
    return {
        "version": latest.version,
        "values": latest.values,
        "candidates": _candidate_votes(counted, candidates),
        "suara_sah": counted.get("suara_sah"),
        "suara_tidak_sah": counted.get("suara_tidak_sah"),
        "decided_by": latest.decided_by,
        "reviewer": latest.reviewer,
        "disputed": latest.disputed,
        "accepted_at": latest.accepted_at,
    }


async def _photos(
    session: AsyncSession, contest_code: str, tps_code: str, history: list[VersionRecord]
) -> list[PhotoRecord]:
    """Every photo uploaded for the TPS and contest, in upload order, with its decision."""
    rows = (
        await session.execute(
            select(Submission, Photo)
            .outerjoin(Photo, Photo.sha256 == Submission.photo_sha256)
            .where(Submission.tps_code == tps_code, Submission.contest_code == contest_code)
            .order_by(Submission.created_at, Submission.id)
        )
    ).all()
    decisions = await _latest_decisions(
        session, contest_code, tps_code, [submission.id for submission, _ in rows]
    )
    return [
        _photo_record(submission, photo, decisions.get(submission.id), history)
        for submission, photo in rows
    ]


def _photo_record(
    submission: Submission,
    photo: Photo | None,
    decision: Decision | None,
    history: list[VersionRecord],
) -> PhotoRecord:
    return PhotoRecord(
        sha256=submission.photo_sha256,
        url=f"/photos/{submission.photo_sha256}",
        content_type=photo.content_type if photo else None,
        width=photo.width if photo else None,
        height=photo.height if photo else None,
        size_bytes=photo.size_bytes if photo else None,
        submission_id=submission.id,
        uploaded_at=submission.created_at,
        outcome=decision.outcome if decision else None,
        reasons=json.loads(decision.verdict).get("reasons", []) if decision else [],
        in_versions=[v.version for v in history if submission.id in v.submission_ids],
    )


async def _latest_decisions(
    session: AsyncSession, contest_code: str, tps_prefix: str, submission_ids: list[str]
) -> dict[str, Decision]:
    """The latest decision on each submission (a newer reader version decides again)."""
    if not submission_ids:
        return {}
    decisions = await session.scalars(
        select(Decision)
        .where(
            Decision.contest_code == contest_code,
            Decision.tps_code.startswith(tps_prefix),
            Decision.submission_id.in_(submission_ids),
        )
        .order_by(Decision.decided_at)
    )
    return {decision.submission_id: decision for decision in decisions}


async def _tps_statuses(
    session: AsyncSession, contest_code: str, tps_prefix: str
) -> dict[str, TpsStatus]:
    """The status of every TPS under a prefix that has anything (missing: not reported)."""
    latest: dict[str, tuple[int, bool]] = {}
    for tps_code, version, disputed in await session.execute(
        select(TallyVersion.tps_code, TallyVersion.version, TallyVersion.disputed).where(
            TallyVersion.contest_code == contest_code, TallyVersion.tps_code.startswith(tps_prefix)
        )
    ):
        if tps_code not in latest or version > latest[tps_code][0]:
            latest[tps_code] = (version, disputed)
    submissions: dict[str, list[str]] = {}
    for submission_id, tps_code in await session.execute(
        select(Submission.id, Submission.tps_code).where(
            Submission.contest_code == contest_code, Submission.tps_code.startswith(tps_prefix)
        )
    ):
        submissions.setdefault(tps_code, []).append(submission_id)
    decisions = await _latest_decisions(
        session, contest_code, tps_prefix, [each for ids in submissions.values() for each in ids]
    )
    return {
        tps_code: tps_status(
            latest[tps_code][1] if tps_code in latest else None,
            [
                decisions[submission_id].outcome if submission_id in decisions else None
                for submission_id in submissions.get(tps_code, [])
            ],
        )
        for tps_code in {*latest, *submissions}
    }


async def _tps_children(
    session: AsyncSession, contest_code: str, kelurahan: Region, candidates: list[Candidate]
) -> list[ChildResults]:
    """A kelurahan's TPS, each with what it counts in the totals now and its status."""
    prefix = _digits(kelurahan.code)
    all_tps = (
        await session.scalars(
            select(Tps).where(Tps.kelurahan_code == kelurahan.code).order_by(Tps.number)
        )
    ).all()
    applied = {
        tally.tps_code: json.loads(tally.counted)
        for tally in await session.scalars(
            select(AppliedTally).where(
                AppliedTally.contest_code == contest_code, AppliedTally.tps_code.startswith(prefix)
            )
        )
    }
    statuses = await _tps_statuses(session, contest_code, prefix)
    return [
        ChildResults(
            region=RegionRef(
                code=tps.code,
                name=_tps_name(tps.number),
                level="tps",
                parent_code=kelurahan.code,
            ),
            status=statuses.get(tps.code, "not_reported"),
            **_totals(applied.get(tps.code, {}), candidates, tps_total=1).model_dump(),
        )
        for tps in all_tps
    ]


async def _region_children(
    session: AsyncSession, contest_code: str, region: Region, candidates: list[Candidate]
) -> list[ChildResults]:
    children = (
        await session.scalars(
            select(Region).where(Region.parent_code == region.code).order_by(Region.code)
        )
    ).all()
    if not children:
        return []
    totals = await region_totals(session, contest_code, [child.code for child in children])
    tps_counts = await tps_count_by_prefix(session, [_digits(child.code) for child in children])
    return [
        ChildResults(
            region=_region_ref(child),
            **_totals(
                totals.get(child.code, {}), candidates, tps_counts.get(_digits(child.code), 0)
            ).model_dump(),
        )
        for child in children
    ]


async def region_totals(
    session: AsyncSession, contest_code: str, region_codes: Iterable[str] | None = None
) -> dict[str, dict[str, int]]:
    """The kept totals of the given regions (default: every region), by region and item."""
    query = select(RegionTotal.region_code, RegionTotal.item, RegionTotal.amount).where(
        RegionTotal.contest_code == contest_code
    )
    if region_codes is not None:
        query = query.where(RegionTotal.region_code.in_(list(region_codes)))
    totals: dict[str, dict[str, int]] = {}
    for region_code, item, amount in await session.execute(query):
        totals.setdefault(region_code, {})[item] = amount
    return totals


async def tps_count_by_prefix(session: AsyncSession, prefixes: list[str]) -> dict[str, int]:
    """How many TPS each region has, by the region's code without dots (all of one length):
    a TPS code starts with its regions' codes."""
    if not prefixes:
        return {}
    prefix = func.substr(Tps.code, 1, len(prefixes[0]))
    rows = await session.execute(
        select(prefix, func.count()).where(prefix.in_(prefixes)).group_by(prefix)
    )
    return dict(rows.all())


async def contest_candidates(session: AsyncSession, contest_code: str) -> list[Candidate]:
    return list(
        (
            await session.scalars(
                select(Candidate)
                .where(Candidate.contest_code == contest_code)
                .order_by(Candidate.number)
            )
        ).all()
    )


async def _path(
    session: AsyncSession, region: Region, top_code: str | None = None
) -> list[RegionRef]:
    """The region's ancestors and itself, from `top_code` (default: the provinsi) down."""
    chain = [region]
    while chain[-1].code != top_code and chain[-1].parent_code is not None:
        chain.append(await session.get(Region, chain[-1].parent_code))
    return [_region_ref(r) for r in reversed(chain)]


def _totals(counted: Mapping[str, int], candidates: list[Candidate], tps_total: int) -> Totals:
    return Totals(
        candidates=_candidate_votes(counted, candidates),
        suara_sah=counted.get("suara_sah", 0),
        suara_tidak_sah=counted.get("suara_tidak_sah", 0),
        tps_reported=counted.get(TPS_REPORTED, 0),
        tps_total=tps_total,
        tps_disputed=counted.get(TPS_DISPUTED, 0),
    )


def _candidate_votes(
    counted: Mapping[str, int], candidates: list[Candidate]
) -> list[CandidateVotes]:
    valid = counted.get("suara_sah", 0)
    return [
        CandidateVotes(
            number=candidate.number,
            name=candidate.name,
            colour=candidate.colour,
            votes=(votes := counted.get(f"suara_paslon_{candidate.number}", 0)),
            share=round(100 * votes / valid, 2) if valid else None,
        )
        for candidate in candidates
    ]


def _version_record(version: TallyVersion) -> VersionRecord:
    return VersionRecord(
        version=version.version,
        values=json.loads(version.values),
        decided_by=version.decided_by,
        reviewer=version.decided_by.removeprefix("reviewer:")
        if version.decided_by.startswith("reviewer:")
        else None,
        disputed=version.disputed,
        accepted_at=version.accepted_at,
        submission_ids=json.loads(version.submission_ids),
    )


def _contest_ref(contest: Contest) -> ContestRef:
    return ContestRef(
        code=contest.code,
        name=contest.name,
        region_code=contest.region_code,
        polling_day=contest.polling_day,
    )


def _region_ref(region: Region) -> RegionRef:
    return RegionRef(
        code=region.code, name=region.name, level=region.level, parent_code=region.parent_code
    )


def _within(region_code: str, ancestor_code: str) -> bool:
    return region_code == ancestor_code or region_code.startswith(f"{ancestor_code}.")


def _digits(region_code: str) -> str:
    """A region's code as the prefix of its TPS codes: 31.71.01.1001 -> 3171011001."""
    return region_code.replace(".", "")


def _tps_name(number: int) -> str:
    return f"TPS {number:03d}"
