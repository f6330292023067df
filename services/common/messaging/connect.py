"""Connecting a service to JetStream: one broker, the topology declared, a publish function."""

from __future__ import annotations

from faststream.nats import NatsBroker
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.messaging.declare import declare_topology
from services.common.messaging.publish import publish_raw
from services.common.messaging.topology import stream_of_subject
from services.common.outbox import OutboxRelay, PublishFn
from services.common.settings import Settings


async def connect_publisher(settings: Settings) -> tuple[NatsBroker, PublishFn]:
    """Connect (raises when the broker is unreachable), declare the topology, and return a
    publish function that waits for the stream's acknowledgement."""
    broker = NatsBroker(
        settings.nats_url, connect_timeout=2.0, max_reconnect_attempts=-1, logger=None
    )
    try:
        client = await broker.connect()
        await declare_topology(client.jetstream(), settings)
    except BaseException:
        await broker.stop()
        raise

    async def publish(subject: str, payload: bytes, message_id: str) -> None:
        await publish_raw(broker, subject, payload, message_id, stream_of_subject(subject))

    return broker, publish


class RelayToBroker:
    """An outbox relay that connects to the settings' broker on its first run (and retries)."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker) -> None:
        self.settings = settings
        self._brokers: list[NatsBroker] = []
        self.relay = OutboxRelay(sessions, self._connect, settings.outbox_poll_seconds)

    async def _connect(self) -> PublishFn:
        broker, publish = await connect_publisher(self.settings)
        self._brokers.append(broker)
        return publish

    async def close(self) -> None:
        for broker in self._brokers:
            await broker.stop()
