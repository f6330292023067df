"""Create or update the streams and durable consumers of the topology on a JetStream server."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.common.messaging.topology import CONSUMERS, STREAMS
from services.common.settings import Settings


async def declare_topology(js: JetStreamContext, settings: Settings) -> None:
    for spec in STREAMS:
        config = spec.stream_config(
            replicas=settings.stream_replicas,
            duplicate_window_seconds=settings.duplicate_window_seconds,
        )
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
    for consumer in CONSUMERS:
        await js.add_consumer(consumer.stream, consumer.consumer_config())
