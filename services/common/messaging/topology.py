"""Every JetStream stream, durable consumer and dead-letter subject of Rekap, in one place.

Streams follow from the event contracts in `schemas.events`: an event's first subject token
names the stream's subject space (`photo.received.v1` lives in PHOTOS under `photo.>`).
Consumers are named after the service that consumes; each states its delivery contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from schemas.events import (
    EVENTS,
    Event,
    FormRead,
    MessageDeadLettered,
    PhotoReceived,
    TallyAccepted,
    TallyReviewRequested,
)


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer and the delivery contract its subscriber keeps.

    `max_attempts` handler runs that raise are retried with `retry_delays`; one more delivery
    is allowed so that a message whose handler crashed the process (never acked) every time is
    still seen once more and dead-lettered instead of blocking the stream.
    """

    durable: str
    event: type[Event]
    max_attempts: int = 5
    ack_wait_seconds: float = 60.0
    retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0, 60.0)
    max_ack_pending: int = 1000
    batch_size: int = 10

    @property
    def stream(self) -> str:
        return self.event.STREAM

    @property
    def filter_subject(self) -> str:
        return self.event.SUBJECT

    @property
    def dead_letter_subject(self) -> str:
        return MessageDeadLettered.subject_for(self.durable)

    @property
    def max_deliver(self) -> int:
        return self.max_attempts + 1

    def retry_delay(self, attempt: int) -> float:
        """Seconds before redelivery after the given failed attempt (1-based)."""
        return self.retry_delays[min(attempt, len(self.retry_delays)) - 1]

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            filter_subject=self.filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait_seconds,
            max_deliver=self.max_deliver,
            max_ack_pending=self.max_ack_pending,
        )


# `results.updated` has no durable consumer: every copy of the results service must see every
# update (it pushes them to its own server-sent-event clients), so each follows the RESULTS
# stream with an ephemeral ordered consumer instead of sharing the work.
CONSUMERS: tuple[ConsumerSpec, ...] = (
    ConsumerSpec("ocr", PhotoReceived, ack_wait_seconds=120.0, batch_size=2),
    ConsumerSpec("validate", FormRead),
    ConsumerSpec("review", TallyReviewRequested),
    ConsumerSpec("aggregate", TallyAccepted),
)


def consumer(durable: str) -> ConsumerSpec:
    for spec in CONSUMERS:
        if spec.durable == durable:
            return spec
    raise KeyError(f"no consumer named {durable!r} in the topology")


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str

    def stream_config(self, *, replicas: int, duplicate_window_seconds: int) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            description=self.description,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=replicas,
            duplicate_window=duplicate_window_seconds,
        )


def _streams_from_events() -> tuple[StreamSpec, ...]:
    subjects: dict[str, set[str]] = {}
    descriptions: dict[str, list[str]] = {}
    for event in EVENTS:
        subjects.setdefault(event.STREAM, set()).add(f"{event.SUBJECT.split('.')[0]}.>")
        descriptions.setdefault(event.STREAM, []).append(event.__name__)
    return tuple(
        StreamSpec(name, tuple(sorted(subjects[name])), ", ".join(descriptions[name]))
        for name in sorted(subjects)
    )


STREAMS: tuple[StreamSpec, ...] = _streams_from_events()


def stream_of_subject(subject: str) -> str:
    """The stream that keeps a subject (e.g. `photo.received.v1` -> PHOTOS)."""
    space = f"{subject.split('.')[0]}.>"
    for spec in STREAMS:
        if space in spec.subjects:
            return spec.name
    raise KeyError(f"no stream keeps subject {subject!r}")
