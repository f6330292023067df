"""Composition root of the ingest service: settings in, a FastAPI app out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import func, select, text

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.models import OutboxMessage
from services.common.messaging.connect import RelayToBroker
from services.common.photo_store import FilesystemPhotoStore
from services.common.settings import Settings
from services.ingest.api import IngestDependencies, router
from services.ingest.errors import ApiError
from services.ingest.photo_inspection import PhotoLimits, PhotoRejected
from services.ingest.rate_limit import UploadRateLimiter

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    relay_to_broker = RelayToBroker(settings, sessions)
    relay = relay_to_broker.relay

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
        yield
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
        await relay_to_broker.close()
        await engine.dispose()

    app = FastAPI(
        title="Rekap ingest",
        summary="Upload API for KPPS officers' photos of C.Hasil-KWK forms",
        version="1",
        lifespan=lifespan,
    )
    app.state.ingest = IngestDependencies(
        sessions=sessions,
        photos=FilesystemPhotoStore(settings.resolved_photo_dir),
        limits=PhotoLimits(
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            max_side=settings.max_image_side,
            min_side=settings.min_image_side,
        ),
        rate_limiter=UploadRateLimiter(settings.uploads_per_minute),
        relay=relay,
    )
    app.include_router(router)
    _install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def health() -> JSONResponse:
        """Up when the database answers; the broker may be away (uploads wait in the outbox)."""
        try:
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
                pending = await session.scalar(
                    select(func.count()).where(OutboxMessage.published_at.is_(None))
                )
        except Exception as error:
            log.error("health: database unavailable: %s", type(error).__name__)
            return JSONResponse({"status": "down", "database": "unavailable"}, status_code=503)
        return JSONResponse(
            {
                "status": "ok",
                "service": "ingest",
                "database": "ok",
                "broker": "connected" if relay.connected else "connecting",
                "outbox_pending": pending,
            }
        )

    return app


def _install_error_handlers(app: FastAPI) -> None:
    def error(status: int, code: str, message: str, headers=None) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": code, "message": message}}, status_code=status, headers=headers
        )

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(PhotoRejected)
    async def photo_rejected(_: Request, exc: PhotoRejected) -> JSONResponse:
        return error(exc.status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in exc.errors())
        return error(422, "invalid_request", where)
