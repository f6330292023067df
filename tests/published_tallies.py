"""Accepted tallies and uploads in a database, as the services leave them: for the tests of the
public side (results API, page, exports, mirror) without running the whole pipeline."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.events import TallyAccepted
from services.aggregate.rollup import apply_tally
from services.common.database.models import Decision, Photo, Submission
from services.common.photo_store import PhotoStore
from services.validate.publication import Publication
from services.validate.worker import record_publication

CONTEST = "PILGUB-31-2024"


def tally(
    tps: str,
    votes: tuple[int, int, int],
    *,
    invalid: int = 5,
    version: int = 1,
    disputed: bool = False,
    decided_by: str = "auto",
    photos: tuple[str, ...] = ("a" * 64,),
    dpt: tuple[int, int] = (250, 260),
) -> TallyAccepted:
    """A consistent form: voters = valid + invalid, split between L and P."""
    valid = sum(votes)
    voters = valid + invalid
    values: dict[str, int | None] = {
        "dpt_l": dpt[0],
        "dpt_p": dpt[1],
        "dpt_jml": sum(dpt),
        "pengguna_dpt_l": voters // 2,
        "pengguna_dpt_p": voters - voters // 2,
        "pengguna_dpt_jml": voters,
        "pengguna_dptb_l": 0,
        "pengguna_dptb_p": 0,
        "pengguna_dptb_jml": 0,
        "pengguna_dpk_l": 0,
        "pengguna_dpk_p": 0,
        "pengguna_dpk_jml": 0,
        "pengguna_total_l": voters // 2,
        "pengguna_total_p": voters - voters // 2,
        "pengguna_total_jml": voters,
        **{f"suara_paslon_{n}": v for n, v in enumerate(votes, start=1)},
        "suara_paslon_4": None,
        "suara_paslon_5": None,
        "suara_paslon_6": None,
        "suara_sah": valid,
        "suara_tidak_sah": invalid,
        "suara_total": voters,
    }
    return TallyAccepted(
        contest=CONTEST,
        tps=tps,
        version=version,
        values=values,
        candidate_votes=dict(enumerate(votes, start=1)),
        decided_by=decided_by,
        submission_ids=[f"00000000-0000-0000-0000-{version:012d}"],
        photo_sha256s=list(photos),
        disputed=disputed,
        accepted_at=datetime(2024, 11, 27, 14, version, tzinfo=UTC),
    )


async def publish(session: AsyncSession, *events: TallyAccepted) -> None:
    """Record each version as validate does, and apply it to the totals as aggregate does."""
    for event in events:
        record_publication(session, Publication(accepted=event))
        await apply_tally(session, event, event.accepted_at)
    await session.commit()


async def record_upload(
    session: AsyncSession,
    store: PhotoStore,
    tps: str,
    jpeg: bytes,
    number: int,
    outcome: str | None,
    *,
    at: datetime,
    reasons: tuple[str, ...] = (),
) -> Submission:
    """An officer's upload of a photo for the TPS, and the judge's decision on it (if any);
    its submission id is the one `tally(..., version=number)` names. Commits."""
    sha256 = await store.put(jpeg)
    if await session.get(Photo, sha256) is None:
        width, height = Image.open(io.BytesIO(jpeg)).size
        session.add(
            Photo(
                sha256=sha256,
                content_type="image/jpeg",
                size_bytes=len(jpeg),
                width=width,
                height=height,
                stored_at=at,
            )
        )
    submission = Submission(
        id=str(uuid.UUID(int=number)),
        officer_id=f"KPPS-{tps}-{1 + number % 2}",
        tps_code=tps,
        contest_code=CONTEST,
        photo_sha256=sha256,
        status="received",
        created_at=at,
    )
    session.add(submission)
    await session.flush()
    if outcome is not None:
        verdict = {"values": {}, "findings": [], "reasons": list(reasons)}
        session.add(
            Decision(
                submission_id=submission.id,
                engine_version="test",
                tps_code=tps,
                contest_code=CONTEST,
                photo_sha256=sha256,
                outcome=outcome,
                verdict=json.dumps(verdict),
                decided_at=at,
            )
        )
    await session.commit()
    return submission
