"""The outbox relay against a real SQLite database and a fake publisher."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from schemas.events import ResultsUpdated
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.migrate import upgrade_to_head
from services.common.database.models import OutboxMessage
from services.common.outbox import OutboxRelay, add_to_outbox, relay_pending
from services.common.settings import Settings


def results_event(tps: str) -> ResultsUpdated:
    return ResultsUpdated(
        contest="PILGUB-31-2024",
        tps=tps,
        version=1,
        region_codes=["31"],
        updated_at=datetime(2024, 11, 27, 13, tzinfo=UTC),
    )


@pytest.fixture
async def sessions(var_dir):
    engine = make_engine(Settings(var_dir=var_dir))
    await upgrade_to_head(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def write_events(sessions, *tps_codes: str) -> None:
    async with sessions() as session:
        for tps in tps_codes:
            add_to_outbox(session, results_event(tps))
        await session.commit()


async def rows(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_unsent_events_are_published_in_order_and_marked(sessions):
    await write_events(sessions, "3171011001001", "3171011001002")
    published = []

    async def publish(subject, payload, message_id):
        published.append((subject, message_id))

    assert await relay_pending(sessions, publish) == 2
    assert published == [
        ("results.updated.v1", "results:PILGUB-31-2024:3171011001001:1"),
        ("results.updated.v1", "results:PILGUB-31-2024:3171011001002:1"),
    ]
    assert all(row.published_at is not None for row in await rows(sessions))
    assert await relay_pending(sessions, publish) == 0


async def test_a_failed_publish_keeps_the_event_and_the_ones_after_it(sessions):
    await write_events(sessions, "3171011001001", "3171011001002")

    async def broker_down(subject, payload, message_id):
        raise ConnectionError("no servers available")

    with pytest.raises(ConnectionError):
        await relay_pending(sessions, broker_down)
    first, second = await rows(sessions)
    assert first.published_at is None and first.attempts == 1
    assert first.last_error == "ConnectionError: no servers available"
    assert second.published_at is None and second.attempts == 0


async def test_the_relay_retries_a_broker_that_was_unreachable(sessions):
    await write_events(sessions, "3171011001001")
    attempts = []

    async def connect():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("connection refused")

        async def publish(subject, payload, message_id):
            return None

        return publish

    relay = OutboxRelay(sessions, connect, poll_seconds=0.01)
    assert await relay.relay_once() == 0 and not relay.connected
    assert await relay.relay_once() == 1 and relay.connected
    assert [row.published_at is not None for row in await rows(sessions)] == [True]
