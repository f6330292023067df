"""Live updates: follow `results.updated` on JetStream and fan each update out to the
server-sent-event clients of this process.

Every results process must see every update, so there is no durable consumer: each follows
the RESULTS stream with an ephemeral ordered consumer from the newest message on. The broker
may be away; the API serves regardless and the follower keeps connecting in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js.api import DeliverPolicy
from pydantic import ValidationError

from schemas.events import ResultsUpdated
from services.common.messaging.declare import declare_topology
from services.common.settings import Settings

log = logging.getLogger(__name__)


class UpdateBroadcaster:
    """Hands each update to every connected client through a bounded queue of its own. A
    client that falls `queue_size` updates behind is disconnected, never waited for: its
    browser reconnects and reloads the numbers, and the other clients are not slowed."""

    def __init__(self, queue_size: int = 100) -> None:
        self.queue_size = queue_size
        self._queues: set[asyncio.Queue[ResultsUpdated | None]] = set()

    @property
    def clients(self) -> int:
        return len(self._queues)

    def publish(self, update: ResultsUpdated) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(update)
            except asyncio.QueueFull:
                log.info("stream: a client fell %d updates behind; disconnected", self.queue_size)
                self._disconnect(queue)

    def close(self) -> None:
        """End every client's stream (on shutdown)."""
        for queue in list(self._queues):
            self._disconnect(queue)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[AsyncIterator[ResultsUpdated]]:
        queue: asyncio.Queue[ResultsUpdated | None] = asyncio.Queue(self.queue_size)
        self._queues.add(queue)
        try:
            yield self._updates(queue)
        finally:
            self._queues.discard(queue)

    @staticmethod
    async def _updates(
        queue: asyncio.Queue[ResultsUpdated | None],
    ) -> AsyncIterator[ResultsUpdated]:
        while (update := await queue.get()) is not None:
            yield update

    def _disconnect(self, queue: asyncio.Queue[ResultsUpdated | None]) -> None:
        self._queues.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)


class ResultsFollower:
    """Connects (retrying forever), then follows `results.updated` into the broadcaster.

    nats-py keeps the connection and recreates the ordered consumer after a gap, but a consumer
    recreated before its first message restarts from the stream's first message: updates at or
    before the last one seen (or the last one in the stream when we subscribed) are skipped.
    """

    def __init__(
        self, settings: Settings, broadcaster: UpdateBroadcaster, retry_seconds: float = 2.0
    ) -> None:
        self.settings = settings
        self.broadcaster = broadcaster
        self.retry_seconds = retry_seconds
        self._client: Client | None = None
        self._subscribed = False
        self._last_sequence = 0

    @property
    def following(self) -> bool:
        """Subscribed, and connected to the broker now."""
        return self._subscribed and self._client is not None and self._client.is_connected

    async def run(self) -> None:
        """Returns once subscribed; the subscription then lives as long as the connection."""
        self._client = await nats.connect(
            self.settings.nats_url,
            name="rekap-results",
            connect_timeout=2,
            reconnect_time_wait=self.retry_seconds,
            max_reconnect_attempts=-1,
            error_cb=self._connection_error,
        )
        js = self._client.jetstream()
        while True:
            try:
                await declare_topology(js, self.settings)
                stream = await js.stream_info(ResultsUpdated.STREAM)
                self._last_sequence = stream.state.last_seq
                await js.subscribe(
                    ResultsUpdated.SUBJECT,
                    stream=ResultsUpdated.STREAM,
                    cb=self._deliver,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.NEW,
                )
                self._subscribed = True
                log.info("following %s", ResultsUpdated.SUBJECT)
                return
            except (NatsError, TimeoutError) as error:
                log.warning("cannot follow %s yet: %r", ResultsUpdated.SUBJECT, error)
                await asyncio.sleep(self.retry_seconds)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def _deliver(self, message: Msg) -> None:
        sequence = message.metadata.sequence.stream
        if sequence <= self._last_sequence:
            return
        self._last_sequence = sequence
        try:
            update = ResultsUpdated.model_validate_json(message.data)
        except ValidationError as error:
            log.warning("skipped a malformed %s: %s", ResultsUpdated.SUBJECT, error)
            return
        self.broadcaster.publish(update)

    @staticmethod
    async def _connection_error(error: Exception) -> None:
        log.debug("broker connection: %r", error)
