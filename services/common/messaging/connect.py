"""Connecting a service to JetStream: one broker, the topology declared, a publish function."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.common.messaging.declare import declare_topology
from services.common.messaging.publish import publish_raw
from services.common.messaging.topology import stream_of_subject
from services.common.outbox import PublishFn
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
