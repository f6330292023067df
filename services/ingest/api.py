"""HTTP routes of the upload API (DESIGN.md, "Interfaces others rely on"); thin on purpose."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.outbox import OutboxRelay
from services.common.photo_store import PhotoStore
from services.common.tokens import Principal, authenticate
from services.ingest.errors import (
    MalformedUpload,
    OutOfScope,
    SubmissionNotFound,
    Unauthorized,
)
from services.ingest.multipart import read_upload_form
from services.ingest.photo_inspection import PhotoLimits, inspect_photo
from services.ingest.rate_limit import UploadRateLimiter
from services.ingest.submissions import (
    check_upload_scope,
    find_submission_for,
    record_upload,
    submission_progress,
)


@dataclass
class IngestDependencies:
    sessions: async_sessionmaker
    photos: PhotoStore
    limits: PhotoLimits
    rate_limiter: UploadRateLimiter
    relay: OutboxRelay


class UploadAnswer(BaseModel):
    submission_id: str
    photo_sha256: str
    status: str


class SubmissionStatus(UploadAnswer):
    contest: str
    tps: str
    officer_id: str
    uploaded_at: str
    values: dict[str, int | None] | None = None
    reasons: list[str] = []


router = APIRouter(prefix="/api/v1")
bearer = HTTPBearer(auto_error=False)


def dependencies(request: Request) -> IngestDependencies:
    return request.app.state.ingest


async def session(deps: Annotated[IngestDependencies, Depends(dependencies)]):
    async with deps.sessions() as session:
        yield session


async def officer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    db: Annotated[AsyncSession, Depends(session)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("send `Authorization: Bearer <officer token>`")
    principal = await authenticate(db, credentials.credentials)
    if principal is None:
        raise Unauthorized("this token is not valid (revoked or mistyped?)")
    if principal.role != "officer":
        raise OutOfScope("only KPPS officers' tokens can upload")
    return principal


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo", "contest"],
                    "properties": {
                        "photo": {"type": "string", "format": "binary"},
                        "contest": {"type": "string", "example": "PILGUB-31-2024"},
                        "tps": {"type": "string", "description": "optional; must be yours"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/uploads",
    response_model=UploadAnswer,
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses={200: {"model": UploadAnswer, "description": "The same photo, uploaded again"}},
)
async def upload_photo(
    request: Request,
    uploader: Annotated[Principal, Depends(officer)],
    db: Annotated[AsyncSession, Depends(session)],
    deps: Annotated[IngestDependencies, Depends(dependencies)],
):
    deps.rate_limiter.check(uploader.principal_id)
    data, declared_type, fields = await read_upload_form(request, deps.limits.max_bytes)
    contest = fields.get("contest", "").strip()
    if not contest:
        raise MalformedUpload("the `contest` field is missing (e.g. PILGUB-31-2024)")
    await check_upload_scope(db, uploader, contest, fields.get("tps") or None)
    photo = await asyncio.to_thread(inspect_photo, data, declared_type, deps.limits)
    await deps.photos.put(data)
    recorded = await record_upload(db, uploader, contest, photo)
    if recorded.created:
        deps.relay.wake()
    answer = UploadAnswer(
        submission_id=recorded.submission.id,
        photo_sha256=recorded.submission.photo_sha256,
        status=recorded.submission.status,
    )
    return JSONResponse(answer.model_dump(), status_code=201 if recorded.created else 200)


@router.get("/uploads/{submission_id}", response_model=SubmissionStatus)
async def upload_status(
    submission_id: str,
    uploader: Annotated[Principal, Depends(officer)],
    db: Annotated[AsyncSession, Depends(session)],
) -> SubmissionStatus:
    submission = await find_submission_for(db, uploader, submission_id)
    if submission is None:
        raise SubmissionNotFound(f"no submission {submission_id} for TPS {uploader.scope}")
    progress = await submission_progress(db, submission)
    return SubmissionStatus(
        submission_id=submission.id,
        photo_sha256=submission.photo_sha256,
        status=progress.status,
        values=progress.values,
        reasons=progress.reasons,
        contest=submission.contest_code,
        tps=submission.tps_code,
        officer_id=submission.officer_id,
        uploaded_at=submission.created_at.isoformat(),
    )
