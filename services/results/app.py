"""Composition root of the results service: settings in, the public FastAPI app out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.photo_store import FilesystemPhotoStore
from services.common.settings import Settings
from services.results import api, exports, sirekap, transparency
from services.results.queries import NotFound
from services.results.stream import ResultsFollower, UpdateBroadcaster

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    broadcaster = UpdateBroadcaster()
    follower = ResultsFollower(settings, broadcaster)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        follow_task = asyncio.create_task(follower.run(), name="results-follower")
        yield
        follow_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follow_task
        broadcaster.close()
        await follower.close()
        await engine.dispose()

    app = FastAPI(
        title="Rekap results",
        summary="Public, read-only election results with their provenance",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.photos = FilesystemPhotoStore(settings.resolved_photo_dir)
    app.state.broadcaster = broadcaster
    for module in (api, exports, sirekap, transparency):
        app.include_router(module.router)
    app.mount("/static", api.StaticAssets(directory=api.STATIC_DIR), name="static")

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"error": {"code": "not_found", "message": str(exc)}}, 404)

    @app.get("/healthz", tags=["health"])
    async def health() -> JSONResponse:
        """Up when the database answers; without the broker the numbers serve, not live."""
        try:
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception as error:
            log.error("health: database unavailable: %s", type(error).__name__)
            return JSONResponse({"status": "down", "database": "unavailable"}, status_code=503)
        return JSONResponse(
            {
                "status": "ok",
                "service": "results",
                "database": "ok",
                "broker": "connected" if follower.following else "connecting",
                "stream_clients": broadcaster.clients,
            }
        )

    return app
