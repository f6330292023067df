"""The transactional outbox: events are written with their cause, then relayed to JetStream.

A service adds the event in the same database transaction as the change it reports
(`add_to_outbox`), so an event is never lost when the broker is down or the process dies
after the commit. `OutboxRelay` publishes unsent rows in order, marks them sent, and retries
the rest; a row published twice (a lost ack) is dropped by the stream's duplicate window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.events import Event
from services.common.database.models import OutboxMessage

log = logging.getLogger(__name__)

# (subject, payload, message id) -> None; raises when the stream did not acknowledge.
PublishFn = Callable[[str, bytes, str], Awaitable[None]]


def add_to_outbox(session: AsyncSession, event: Event) -> None:
    session.add(
        OutboxMessage(
            subject=event.SUBJECT,
            message_id=event.message_id(),
            payload=event.model_dump_json(),
            created_at=datetime.now(UTC),
        )
    )


async def relay_pending(
    sessions: async_sessionmaker, publish: PublishFn, batch_size: int = 100
) -> int:
    """Publish unsent rows oldest first; stop at the first failure. Returns how many were sent."""
    sent = 0
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(batch_size)
            )
        ).all()
        for row in rows:
            row.attempts += 1
            try:
                await publish(row.subject, row.payload.encode(), row.message_id)
            except Exception as error:
                row.last_error = f"{type(error).__name__}: {error}"[:500]
                await session.commit()
                raise
            row.published_at = datetime.now(UTC)
            row.last_error = None
            await session.commit()
            sent += 1
    return sent


class OutboxRelay:
    """Relays the outbox whenever woken, and every `poll_seconds` in case a wake was missed."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        connect: Callable[[], Awaitable[PublishFn]],
        poll_seconds: float,
    ) -> None:
        self.sessions = sessions
        self.connect = connect
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._publish: PublishFn | None = None

    @property
    def connected(self) -> bool:
        return self._publish is not None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self.relay_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def relay_once(self) -> int:
        """Publish everything unsent now; returns how many went out (0 if the broker is away)."""
        total = 0
        try:
            if self._publish is None:
                self._publish = await self.connect()
            while sent := await relay_pending(self.sessions, self._publish):
                total += sent
        except Exception as error:
            log.warning("outbox: publishing failed, will retry: %s", type(error).__name__)
        return total
