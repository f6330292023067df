"""Recording an upload: the photo, the submission and its event, in one transaction.

Uploading the same photo again (same officer, same contest) finds the first submission and
publishes nothing new. The `PhotoReceived` event goes into the outbox with the submission, so
it is published even if the broker is down now.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.events import FormRead, PhotoReceived
from services.common.database.dialect_insert import dialect_insert
from services.common.database.models import (
    Contest,
    Decision,
    Photo,
    Reading,
    Submission,
    Tps,
)
from services.common.outbox import add_to_outbox
from services.common.tokens import Principal
from services.ingest.errors import OutOfScope
from services.ingest.photo_inspection import InspectedPhoto


@dataclass(frozen=True)
class RecordedUpload:
    submission: Submission
    created: bool


async def check_upload_scope(
    session: AsyncSession, officer: Principal, contest_code: str, claimed_tps: str | None
) -> None:
    """The officer uploads for their own TPS, and for a contest held there."""
    if claimed_tps is not None and claimed_tps != officer.scope:
        raise OutOfScope(f"this token uploads for TPS {officer.scope} only, not {claimed_tps}")
    contest = await session.get(Contest, contest_code)
    tps = await session.get(Tps, officer.scope)
    if contest is None or tps is None or not _is_within(tps.kelurahan_code, contest.region_code):
        raise OutOfScope(f"contest {contest_code!r} is not held at TPS {officer.scope}")


async def record_upload(
    session: AsyncSession, officer: Principal, contest_code: str, photo: InspectedPhoto
) -> RecordedUpload:
    existing = await _find(session, officer.principal_id, photo.sha256, contest_code)
    if existing is not None:
        return RecordedUpload(existing, created=False)
    now = datetime.now(UTC)
    await _record_photo_once(session, photo, now)
    submission = Submission(
        id=str(uuid.uuid4()),
        officer_id=officer.principal_id,
        tps_code=officer.scope,
        contest_code=contest_code,
        photo_sha256=photo.sha256,
        status="received",
        created_at=now,
    )
    session.add(submission)
    add_to_outbox(session, _photo_received(submission, photo))
    try:
        await session.commit()
    except IntegrityError:
        # The same upload raced in on another connection: that one is the submission.
        await session.rollback()
        existing = await _find(session, officer.principal_id, photo.sha256, contest_code)
        if existing is None:
            raise
        return RecordedUpload(existing, created=False)
    return RecordedUpload(submission, created=True)


@dataclass(frozen=True)
class SubmissionProgress:
    """How far a submission got: received, read, then accepted, review or rejected."""

    status: str
    values: dict[str, int | None] | None
    reasons: list[str]


async def submission_progress(session: AsyncSession, submission: Submission) -> SubmissionProgress:
    """What the officer sees on the phone: the judge's decision, else the raw reading."""
    decision = await session.scalar(
        select(Decision)
        .where(Decision.submission_id == submission.id)
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )
    if decision is not None:
        status = {"accept": "accepted", "review": "review", "reject": "rejected"}[decision.outcome]
        verdict = json.loads(decision.verdict)
        return SubmissionProgress(status, verdict["values"] or None, verdict["reasons"])
    reading = await session.scalar(
        select(Reading)
        .where(Reading.submission_id == submission.id)
        .order_by(Reading.read_at.desc())
        .limit(1)
    )
    if reading is not None:
        read = FormRead.model_validate_json(reading.event)
        values = {name: field.value for name, field in read.fields.items()} or None
        return SubmissionProgress("read", values, [])
    return SubmissionProgress(submission.status, None, [])


async def find_submission_for(
    session: AsyncSession, officer: Principal, submission_id: str
) -> Submission | None:
    """A submission of the officer's own TPS (an officer may check their partner's too)."""
    submission = await session.get(Submission, submission_id)
    if submission is None or submission.tps_code != officer.scope:
        return None
    return submission


def _photo_received(submission: Submission, photo: InspectedPhoto) -> PhotoReceived:
    return PhotoReceived(
        submission_id=submission.id,
        photo_sha256=photo.sha256,
        content_type=photo.content_type,
        size_bytes=photo.size_bytes,
        width=photo.width,
        height=photo.height,
        contest=submission.contest_code,
        tps=submission.tps_code,
        officer_id=submission.officer_id,
        uploaded_at=submission.created_at,
    )


async def _record_photo_once(session: AsyncSession, photo: InspectedPhoto, now: datetime) -> None:
    """Both officers may send the same photo at the same moment: the first row stands."""
    insert = dialect_insert(session.get_bind().dialect.name, Photo)
    await session.execute(
        insert.values(
            sha256=photo.sha256,
            content_type=photo.content_type,
            size_bytes=photo.size_bytes,
            width=photo.width,
            height=photo.height,
            stored_at=now,
        ).on_conflict_do_nothing(index_elements=[Photo.sha256])
    )


async def _find(
    session: AsyncSession, officer_id: str, sha256: str, contest_code: str
) -> Submission | None:
    return await session.scalar(
        select(Submission).where(
            Submission.officer_id == officer_id,
            Submission.photo_sha256 == sha256,
            Submission.contest_code == contest_code,
        )
    )


def _is_within(region_code: str, ancestor_code: str) -> bool:
    return region_code == ancestor_code or region_code.startswith(ancestor_code + ".")
