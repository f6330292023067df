"""A consuming service as a process: its durable consumers, its outbox relay, a health endpoint.

Each worker service (ocr, validate, ...) builds its consumer broker (its subscriptions, under
the delivery contract of `messaging.consume`) and its outbox relay, and hands them here: the
app starts both with the process, stops them with it, and answers `/healthz`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from faststream.nats import NatsBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.messaging.connect import RelayToBroker


def create_worker_app(
    name: str,
    engine: AsyncEngine,
    consumer: NatsBroker,
    relay: RelayToBroker,
    background: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    """The process of a worker: `consumer` runs its subscriptions, `relay` its outbox, and
    each of `background` runs as a task for as long as the process does."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await consumer.start()
        tasks = [asyncio.create_task(relay.relay.run(), name=f"{name}-outbox-relay")]
        tasks += [
            asyncio.create_task(run(), name=f"{name}-background-{number}")
            for number, run in enumerate(background, start=1)
        ]
        yield
        await consumer.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await relay.close()
        await engine.dispose()

    app = FastAPI(title=f"Rekap {name}", lifespan=lifespan)

    @app.get("/healthz", tags=["health"])
    async def health() -> JSONResponse:
        connected = bool(consumer.config.connection_state)
        return JSONResponse(
            {
                "status": "ok" if connected else "down",
                "service": name,
                "broker": "connected" if connected else "disconnected",
            },
            status_code=200 if connected else 503,
        )

    return app
