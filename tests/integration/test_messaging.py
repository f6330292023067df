"""The delivery contract on a real nats-server: dedupe, retries, redelivery, dead letters."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from schemas.events import MessageDeadLettered, PhotoReceived
from services.common.messaging.consume import build_consumer_broker
from services.common.messaging.declare import declare_topology
from services.common.messaging.publish import publish_event, publish_raw
from services.common.messaging.topology import ConsumerSpec
from services.common.settings import Settings

pytestmark = pytest.mark.integration


def photo_event(submission_id: str | None = None) -> PhotoReceived:
    return PhotoReceived(
        submission_id=submission_id or str(uuid.uuid4()),
        photo_sha256=uuid.uuid4().hex * 2,
        content_type="image/jpeg",
        size_bytes=1234,
        width=3000,
        height=4000,
        contest="PILGUB-31-2024",
        tps="3171011001001",
        officer_id="KPPS-3171011001001-1",
        uploaded_at=datetime.now(UTC),
    )


def fast_spec(durable: str = "tester", **changes) -> ConsumerSpec:
    base = ConsumerSpec(
        durable, PhotoReceived, max_attempts=3, ack_wait_seconds=2.0, retry_delays=(0.1,)
    )
    return replace(base, **changes)


@pytest.fixture
async def js(nats_server):
    connection = await nats.connect(nats_server.url)
    stream = connection.jetstream()
    await declare_topology(stream, Settings(nats_url=nats_server.url))
    yield stream
    await connection.close()


async def dead_letters(js, durable: str) -> list[MessageDeadLettered]:
    info = await js.stream_info("DEADLETTER")
    letters = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        message = await js.get_msg("DEADLETTER", sequence)
        if message.subject == MessageDeadLettered.subject_for(durable):
            letters.append(MessageDeadLettered.model_validate_json(message.data))
    return letters


async def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_a_retried_publish_is_stored_once(js, nats_server):
    broker = build_consumer_broker(nats_server.url, [])
    await broker.connect()
    event = photo_event()
    assert await publish_event(broker, event) is True
    assert await publish_event(broker, event) is False
    assert (await js.stream_info("PHOTOS")).state.messages == 1
    await broker.stop()


async def test_a_handler_that_fails_once_is_retried_and_succeeds(js, nats_server):
    attempts: list[str] = []

    async def flaky(event: PhotoReceived) -> None:
        attempts.append(event.submission_id)
        if len(attempts) == 1:
            raise RuntimeError("database briefly away")

    broker = build_consumer_broker(nats_server.url, [(fast_spec(), flaky)])
    await broker.start()
    event = photo_event()
    await publish_event(broker, event)
    await wait_for(lambda: asyncio.sleep(0, len(attempts) == 2))
    await asyncio.sleep(0.3)
    await broker.stop()
    assert attempts == [event.submission_id, event.submission_id]
    assert await dead_letters(js, "tester") == []
    consumer = await js.consumer_info("PHOTOS", "tester")
    assert consumer.num_ack_pending == 0 and consumer.num_pending == 0


async def test_a_handler_that_keeps_failing_is_dead_lettered(js, nats_server):
    calls = 0

    async def broken(event: PhotoReceived) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("cannot handle this one")

    broker = build_consumer_broker(nats_server.url, [(fast_spec(), broken)])
    await broker.start()
    event = photo_event()
    await publish_event(broker, event)
    await wait_for(lambda: _has_dead_letter(js, "tester"))
    await broker.stop()
    [letter] = await dead_letters(js, "tester")
    assert calls == 3
    assert letter.reason == "failed" and letter.deliveries == 3
    assert "ValueError: cannot handle this one" in letter.error
    assert PhotoReceived.model_validate_json(letter.payload) == event


async def test_poison_goes_to_the_dead_letter_subject_at_once_and_the_stream_moves_on(
    js, nats_server
):
    handled: list[str] = []

    async def handle(event: PhotoReceived) -> None:
        handled.append(event.submission_id)

    broker = build_consumer_broker(nats_server.url, [(fast_spec(), handle)])
    await broker.start()
    await publish_raw(broker, PhotoReceived.SUBJECT, b'{"not": "an event"}', "poison-1", "PHOTOS")
    good = photo_event()
    await publish_event(broker, good)
    await wait_for(lambda: asyncio.sleep(0, handled == [good.submission_id]))
    await wait_for(lambda: _has_dead_letter(js, "tester"))
    await broker.stop()
    [letter] = await dead_letters(js, "tester")
    assert letter.reason == "poison" and letter.deliveries == 1
    assert letter.payload == '{"not": "an event"}'
    assert "submission_id: Field required" in letter.error


async def test_a_crash_before_ack_is_redelivered_to_another_worker(js, nats_server, tmp_path):
    event = photo_event()
    marker = tmp_path / "crashed"
    spec = fast_spec(max_attempts=3)
    await js.add_consumer("PHOTOS", spec.consumer_config())
    crashed = _run_crashing_worker(nats_server.url, spec, marker)
    broker = build_consumer_broker(nats_server.url, [])
    await broker.connect()
    await publish_event(broker, event)
    assert crashed.wait(20) == 3
    assert marker.read_text() == event.submission_id

    seen: list[int] = []

    async def survivor(received: PhotoReceived) -> None:
        seen.append(1)
        assert received == event

    worker = build_consumer_broker(nats_server.url, [(spec, survivor)])
    await worker.start()
    await wait_for(lambda: asyncio.sleep(0, seen == [1]))
    await asyncio.sleep(0.3)
    await worker.stop()
    await broker.stop()
    consumer = await js.consumer_info("PHOTOS", "tester")
    assert consumer.num_ack_pending == 0 and consumer.num_pending == 0


async def test_a_message_that_crashes_every_worker_is_given_up(js, nats_server, tmp_path):
    spec = fast_spec(max_attempts=1)
    await js.add_consumer("PHOTOS", spec.consumer_config())
    crashed = _run_crashing_worker(nats_server.url, spec, tmp_path / "crashed")
    broker = build_consumer_broker(nats_server.url, [])
    await broker.connect()
    await publish_event(broker, photo_event())
    assert crashed.wait(20) == 3

    async def never(event: PhotoReceived) -> None:
        raise AssertionError("a given-up message must not reach the handler again")

    worker = build_consumer_broker(nats_server.url, [(spec, never)])
    await worker.start()
    await wait_for(lambda: _has_dead_letter(js, "tester"))
    await worker.stop()
    await broker.stop()
    [letter] = await dead_letters(js, "tester")
    assert letter.reason == "gave_up" and letter.deliveries == 2


async def _has_dead_letter(js, durable: str) -> bool:
    return bool(await dead_letters(js, durable))


def _run_crashing_worker(url: str, spec: ConsumerSpec, marker: Path) -> subprocess.Popen:
    script = Path(__file__).with_name("crashing_worker.py")
    return subprocess.Popen(
        [sys.executable, str(script), url, spec.durable, str(spec.ack_wait_seconds), str(marker)]
    )
