"""Subscribing a plain handler to a durable consumer, with retries and dead letters.

faststream's default (reject on error, never retry) is not what Rekap wants: here a failing
handler is retried after a delay, up to the consumer's `max_attempts`; then the message goes
to the consumer's dead-letter subject with the error, and is acked so it never blocks the
stream. A message that is not a valid event is poison: dead-lettered at once. A message
delivered more often than `max_attempts` without an ack (its handler crashed the process or
outlived `ack_wait` every time) is dead-lettered without running the handler again.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from faststream import BaseMiddleware
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from pydantic import ValidationError

from schemas.events import MessageDeadLettered
from services.common.messaging.publish import publish_event
from services.common.messaging.topology import ConsumerSpec

log = logging.getLogger(__name__)


class PoisonMessage(Exception):
    """The message can never be handled (it is not a valid event): retrying would not help."""


Handler = Callable[[Any], Awaitable[None]]


def build_consumer_broker(
    nats_url: str, subscriptions: Sequence[tuple[ConsumerSpec, Handler]]
) -> NatsBroker:
    """A broker whose subscribers run the handlers under their consumers' contracts."""
    broker = NatsBroker(nats_url, max_reconnect_attempts=-1)
    specs = {spec.durable: spec for spec, _ in subscriptions}
    broker.add_middleware(delivery_contract(broker, specs))
    for spec, handler in subscriptions:
        subscribe(broker, spec, handler)
    return broker


def subscribe(broker: NatsBroker, spec: ConsumerSpec, handler: Handler) -> None:
    """Run `handler(event)` for every message of the durable consumer `spec`."""
    model = spec.event

    async def on_message(msg: NatsMessage) -> None:
        try:
            event = model.model_validate_json(msg.body)
        except ValidationError as error:
            raise PoisonMessage(_summarize_validation_error(error)) from error
        await handler(event)

    on_message.__name__ = f"{spec.durable}_on_{model.__name__}"
    subscriber = broker.subscriber(
        spec.filter_subject,
        stream=JStream(spec.stream, declare=False),
        durable=spec.durable,
        config=spec.consumer_config(),
        pull_sub=PullSub(batch_size=spec.batch_size, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        title=spec.durable,
        description=f"{spec.durable} consumes {spec.filter_subject}",
    )
    subscriber(on_message)


def delivery_contract(broker: NatsBroker, specs: Mapping[str, ConsumerSpec]):
    """The broker middleware that keeps each consumer's delivery contract (module doc)."""
    return partial(_DeliveryContract, broker=broker, specs=specs)


class _DeliveryContract(BaseMiddleware):
    def __init__(
        self,
        msg: Any,
        /,
        *,
        context: Any,
        broker: NatsBroker,
        specs: Mapping[str, ConsumerSpec],
    ):
        super().__init__(msg, context=context)
        self.broker = broker
        self.specs = specs

    async def consume_scope(self, call_next, msg: NatsMessage) -> Any:
        metadata = msg.raw_message.metadata
        spec = self.specs[metadata.consumer]
        delivery = metadata.num_delivered
        if delivery > spec.max_attempts:
            await self._dead_letter(
                spec, msg, "gave_up", f"delivered {delivery} times without an ack"
            )
            return None
        try:
            result = await call_next(msg)
        except PoisonMessage as error:
            await self._dead_letter(spec, msg, "poison", str(error))
            return None
        except Exception as error:
            if delivery >= spec.max_attempts:
                await self._dead_letter(spec, msg, "failed", _describe(error))
                return None
            delay = spec.retry_delay(delivery)
            log.warning(
                "%s: attempt %d failed (%s); retrying in %.0fs",
                spec.durable,
                delivery,
                _describe(error),
                delay,
            )
            await msg.nack(delay=delay)
            return None
        await msg.ack()
        return result

    async def _dead_letter(
        self, spec: ConsumerSpec, msg: NatsMessage, reason: str, error: str
    ) -> None:
        metadata = msg.raw_message.metadata
        dead = MessageDeadLettered(
            consumer=spec.durable,
            original_stream=metadata.stream,
            original_subject=msg.raw_message.subject,
            original_sequence=metadata.sequence.stream,
            deliveries=metadata.num_delivered,
            reason=reason,
            error=error,
            payload=msg.body.decode("utf-8", errors="replace"),
            dead_lettered_at=datetime.now(UTC),
        )
        await publish_event(self.broker, dead, subject=spec.dead_letter_subject)
        log.error(
            "%s: message %s dead-lettered (%s): %s",
            spec.durable,
            metadata.sequence.stream,
            reason,
            error,
        )
        await msg.ack()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _summarize_validation_error(error: ValidationError) -> str:
    """Which fields were wrong, without echoing their (possibly sensitive) values."""
    problems = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()]
    return f"not a valid event: {'; '.join(problems)}"[:1000]
