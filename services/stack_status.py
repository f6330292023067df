"""What `rekap status` shows: streams, consumer lag, dead letters, and the unsent outbox."""

from __future__ import annotations

from dataclasses import dataclass

import nats
from nats.js.errors import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from schemas.events import MessageDeadLettered
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.models import OutboxMessage
from services.common.messaging.topology import CONSUMERS, STREAMS
from services.common.settings import Settings


@dataclass(frozen=True)
class StreamState:
    name: str
    subjects: tuple[str, ...]
    messages: int
    bytes: int
    last_sequence: int


@dataclass(frozen=True)
class ConsumerState:
    durable: str
    stream: str
    waiting: int
    in_flight: int
    redelivered: int
    last_delivered: int


@dataclass(frozen=True)
class StackStatus:
    streams: list[StreamState]
    consumers: list[ConsumerState]
    missing: list[str]
    recent_dead_letters: list[MessageDeadLettered]
    dead_letters_total: int
    outbox_unsent: int | None


async def read_status(settings: Settings, recent: int = 10) -> StackStatus:
    connection = await nats.connect(settings.nats_url, connect_timeout=3, max_reconnect_attempts=0)
    try:
        js = connection.jetstream()
        streams, consumers, missing = [], [], []
        for spec in STREAMS:
            try:
                info = await js.stream_info(spec.name)
            except NotFoundError:
                missing.append(f"stream {spec.name}")
                continue
            streams.append(
                StreamState(
                    spec.name,
                    spec.subjects,
                    info.state.messages,
                    info.state.bytes,
                    info.state.last_seq,
                )
            )
        for spec in CONSUMERS:
            try:
                info = await js.consumer_info(spec.stream, spec.durable)
            except NotFoundError:
                missing.append(f"consumer {spec.durable}")
                continue
            consumers.append(
                ConsumerState(
                    spec.durable,
                    spec.stream,
                    info.num_pending,
                    info.num_ack_pending,
                    info.num_redelivered,
                    info.delivered.stream_seq or 0,
                )
            )
        letters, total = await _recent_dead_letters(js, recent)
    finally:
        await connection.close()
    return StackStatus(streams, consumers, missing, letters, total, await _outbox_unsent(settings))


async def _recent_dead_letters(js, recent: int) -> tuple[list[MessageDeadLettered], int]:
    try:
        state = (await js.stream_info(MessageDeadLettered.STREAM)).state
    except NotFoundError:
        return [], 0
    letters = []
    for sequence in range(
        state.last_seq, max(state.first_seq, state.last_seq - recent + 1) - 1, -1
    ):
        if state.messages == 0:
            break
        try:
            message = await js.get_msg(MessageDeadLettered.STREAM, sequence)
        except NotFoundError:
            continue
        letters.append(MessageDeadLettered.model_validate_json(message.data))
    return letters, state.messages


async def _outbox_unsent(settings: Settings) -> int | None:
    """Events written but not yet on the broker; None when there is no database yet."""
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return await session.scalar(
                select(func.count()).where(OutboxMessage.published_at.is_(None))
            )
    except (OperationalError, ProgrammingError):
        return None
    finally:
        await engine.dispose()
