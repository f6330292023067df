"""Publishing an event: to its subject, with its business-key message id, acknowledged."""

from __future__ import annotations

from faststream.nats import NatsBroker, PubAck

from schemas.events import Event

MSG_ID_HEADER = "Nats-Msg-Id"


async def publish_event(broker: NatsBroker, event: Event, *, subject: str | None = None) -> bool:
    """Publish and wait for the stream's ack. Returns False when the stream saw it already."""
    ack = await publish_raw(
        broker, subject or event.SUBJECT, event.to_json(), event.message_id(), event.STREAM
    )
    return not ack.duplicate


async def publish_raw(
    broker: NatsBroker, subject: str, payload: bytes, message_id: str, stream: str
) -> PubAck:
    return await broker.publish(
        payload,
        subject,
        headers={MSG_ID_HEADER: message_id},
        stream=stream,
        timeout=5.0,
    )
