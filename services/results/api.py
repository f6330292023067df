"""Public, read-only routes: results per contest and region, per TPS, the photos, the live
stream (DESIGN.md, "Interfaces others rely on"). Thin over `queries`.

Answers are cacheable so that a CDN carries election-night load: results for a few seconds
(then served stale while revalidated), with a strong ETag that answers 304 when unchanged;
photos forever (their URL is their content's hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter
from starlette.types import Scope

from services.common.photo_store import SHA256_HEX, FilesystemPhotoStore
from services.results.database import DbSession
from services.results.queries import (
    ContestListing,
    NotFound,
    RegionResults,
    TpsReport,
    list_contests,
    photo_content_type,
    region_results,
    tps_report,
)
from services.results.stream import UpdateBroadcaster

STATIC_DIR = Path(__file__).parent / "static"
RESULTS_CACHE = "public, max-age=5, stale-while-revalidate=30"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "public, max-age=60"
ASSET_CACHE = "public, max-age=3600"
STREAM_RETRY_MS = 3000
CONTEST_LISTING = TypeAdapter(list[ContestListing])

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["results"])


@api.get("/contests", response_model=list[ContestListing])
async def contests(request: Request, db: DbSession) -> Response:
    return cacheable(request, CONTEST_LISTING.dump_json(await list_contests(db)))


@api.get("/results/{contest}", response_model=RegionResults)
async def whole_contest(contest: str, request: Request, db: DbSession) -> Response:
    """The whole contest: its region's totals, with the kota/kabupaten below as children."""
    answer = await region_results(db, contest)
    return cacheable(request, answer.model_dump_json().encode())


@api.get("/results/{contest}/{region_code}", response_model=RegionResults)
async def one_region(contest: str, region_code: str, request: Request, db: DbSession) -> Response:
    """One region's totals; children are the regions one level down, or a kelurahan's TPS
    with their status."""
    answer = await region_results(db, contest, region_code)
    return cacheable(request, answer.model_dump_json().encode())


@api.get("/tps/{tps_code}", response_model=TpsReport)
async def one_tps(tps_code: str, request: Request, db: DbSession) -> Response:
    """Per contest: the latest accepted values, status, how they were decided, every photo
    with its sha256, and the history of versions; and the transparency log's proofs."""
    answer = await tps_report(db, tps_code)
    return cacheable(request, answer.model_dump_json().encode())


@api.get("/stream", response_class=EventSourceResponse)
async def updates_stream(
    request: Request, contest: str | None = None
) -> AsyncIterable[ServerSentEvent]:
    """Server-sent events: `event: results`, data `{"contest", "tps", "version",
    "region_codes", "updated_at"}` each time a TPS's published numbers change (optionally
    of one contest only). A comment keeps the connection alive every 15 seconds."""
    broadcaster: UpdateBroadcaster = request.app.state.broadcaster
    with broadcaster.subscribe() as updates:
        yield ServerSentEvent(comment="rekap results stream", retry=STREAM_RETRY_MS)
        async for update in updates:
            if contest is None or update.contest == contest:
                yield ServerSentEvent(event="results", data=update.model_dump(mode="json"))


router.include_router(api)


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    """The public web page (it browses the API above)."""
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": PAGE_CACHE})


@router.get("/photos/{sha256}", tags=["results"], response_class=FileResponse)
async def photo(sha256: str, request: Request, db: DbSession) -> FileResponse:
    """A form photo by its sha256, exactly as uploaded."""
    store: FilesystemPhotoStore = request.app.state.photos
    if not SHA256_HEX.match(sha256) or not await store.exists(sha256):
        raise NotFound(f"no photo {sha256!r} (a lowercase sha256 hex digest)")
    return FileResponse(
        store.path_of(sha256),
        media_type=await photo_content_type(db, sha256) or "application/octet-stream",
        headers={"Cache-Control": IMMUTABLE_CACHE},
    )


def cacheable(request: Request, body: bytes) -> Response:
    """JSON with a strong ETag of its bytes; 304 when the client or CDN has it already."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"Cache-Control": RESULTS_CACHE, "ETag": etag}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


class StaticAssets(StaticFiles):
    """The page's own files for an hour; vendored libraries, kept under a versioned folder,
    forever."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            vendored = path.startswith("vendor/")
            response.headers["Cache-Control"] = IMMUTABLE_CACHE if vendored else ASSET_CACHE
        return response
