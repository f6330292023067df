"""Photo to verdict through the running services: ingest -> ocr -> validate, real NATS."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime

import httpx
import nats
import pytest

from schemas.events import FormRead, PhotoReceived, TallyAccepted
from services.common.messaging.publish import publish_raw
from simulation.scenarios import simulate_photo
from simulation.writers import HELD_OUT_WRITERS
from tests.integration.test_ingest_api import TPS, issue_tokens

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(nats_server, seeded_var_dir, launch_service):
    env = {
        "REKAP_VAR_DIR": str(seeded_var_dir),
        "REKAP_NATS_URL": nats_server.url,
        "REKAP_OUTBOX_POLL_SECONDS": "0.5",
    }
    tokens = issue_tokens(env, f"--tps={TPS}")
    ingest = launch_service("ingest", env)
    launch_service("ocr", env)
    launch_service("validate", env)
    return ingest, tokens, nats_server.url


def upload(ingest, token: str, jpeg: bytes) -> dict:
    answer = httpx.post(
        f"{ingest.url}/api/v1/uploads",
        headers={"Authorization": f"Bearer {token}"},
        files={"photo": ("form.jpg", jpeg, "image/jpeg")},
        data={"contest": "PILGUB-31-2024"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def status_when_decided(ingest, token: str, submission_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(
            f"{ingest.url}/api/v1/uploads/{submission_id}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        if status["status"] in ("accepted", "review", "rejected"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"no decision on {submission_id} in {timeout}s: {status}")


async def messages(url: str, stream: str) -> list:
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        state = (await js.stream_info(stream)).state
        return [
            await js.get_msg(stream, seq)
            for seq in range(state.first_seq, state.last_seq + 1)
            if state.messages
        ]
    finally:
        await connection.close()


def test_both_officers_photos_are_read_judged_and_published_once(pipeline):
    ingest, tokens, url = pipeline
    rng = random.Random(11)
    first = simulate_photo(rng.randrange(2**40), TPS, HELD_OUT_WRITERS[0], "clean", 3.0)
    other_thing = simulate_photo(rng.randrange(2**40), TPS, HELD_OUT_WRITERS[1], "other", 3.0)

    submitted = upload(ingest, tokens[0]["token"], first.jpeg)
    rejected = upload(ingest, tokens[1]["token"], other_thing.jpeg)

    verdict = status_when_decided(ingest, tokens[0]["token"], submitted["submission_id"])
    assert (
        status_when_decided(ingest, tokens[1]["token"], rejected["submission_id"])["status"]
        == "rejected"
    )
    truth = first.truth.values
    if verdict["status"] == "accepted":
        assert {k: v or 0 for k, v in verdict["values"].items()} == {
            k: v or 0 for k, v in truth.items()
        }
        [tally] = [
            TallyAccepted.model_validate_json(m.data)
            for m in asyncio.run(messages(url, "TALLIES"))
            if m.subject == TallyAccepted.SUBJECT
        ]
        assert (tally.tps, tally.version, tally.decided_by) == (TPS, 1, "auto")
    else:
        assert verdict["status"] == "review" and verdict["reasons"]

    # A replay of the photo event (another message id) is read once: no second FormRead.
    [photo_event] = [
        PhotoReceived.model_validate_json(m.data)
        for m in asyncio.run(messages(url, "PHOTOS"))
        if PhotoReceived.model_validate_json(m.data).submission_id == submitted["submission_id"]
    ]
    asyncio.run(_replay(url, photo_event))
    time.sleep(3)
    reads = [FormRead.model_validate_json(m.data) for m in asyncio.run(messages(url, "FORMS"))]
    assert sorted(r.submission_id for r in reads) == sorted(
        [submitted["submission_id"], rejected["submission_id"]]
    )


async def _replay(url: str, event: PhotoReceived) -> None:
    from faststream.nats import NatsBroker

    broker = NatsBroker(url)
    await broker.connect()
    try:
        await publish_raw(
            broker,
            event.SUBJECT,
            event.to_json(),
            f"replay-{datetime.now(UTC).timestamp()}",
            event.STREAM,
        )
    finally:
        await broker.stop()
