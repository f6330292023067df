"""The upload API as a phone (or curl) sees it: a real ingest process, a real nats-server."""

from __future__ import annotations

import asyncio
import io
import json
import random
import sqlite3
import struct
import zlib

import httpx
import nats
import pytest
from PIL import Image

from schemas.events import PhotoReceived
from services.common.messaging.embedded_server import free_port, start_nats_server

pytestmark = pytest.mark.integration

CONTEST = "PILGUB-31-2024"
TPS = "3171011001001"


def photo_jpeg(seed: int = 0, size=(1200, 1600), quality: int = 85) -> bytes:
    """A photo-like JPEG, the same bytes for the same seed."""
    noise = random.Random(seed).randbytes(size[0] * size[1])
    image = Image.frombytes("L", size, noise).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares huge dimensions (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def stack(nats_server, seeded_var_dir, launch_ingest):
    """An ingest process over a seeded database and photo folder, with officer tokens."""
    env = {
        "REKAP_VAR_DIR": str(seeded_var_dir),
        "REKAP_NATS_URL": nats_server.url,
        "REKAP_UPLOADS_PER_MINUTE": "8",
        "REKAP_OUTBOX_POLL_SECONDS": "0.5",
    }
    tokens = issue_tokens(env, f"--tps={TPS}")
    yield Stack(launch_ingest(env), tokens, seeded_var_dir, nats_server.url)


class Stack:
    def __init__(self, server, tokens, var_dir, nats_url):
        self.server, self.tokens, self.var_dir, self.nats_url = server, tokens, var_dir, nats_url

    def upload(
        self,
        data: bytes,
        *,
        token: str | None = "officer",
        content_type="image/jpeg",
        contest=CONTEST,
        extra: dict | None = None,
        authorization: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if token == "officer":
            token = self.tokens[0]["token"]
        if authorization or token:
            headers["Authorization"] = authorization or f"Bearer {token}"
        return httpx.post(
            f"{self.server.url}/api/v1/uploads",
            headers=headers,
            files={"photo": ("form.jpg", data, content_type)},
            data={"contest": contest, **(extra or {})},
            timeout=30,
        )

    def stored_photos(self) -> list[str]:
        return sorted(p.name for p in (self.var_dir / "photos").rglob("*") if p.is_file())

    def submissions(self) -> int:
        with sqlite3.connect(self.var_dir / "rekap.db") as db:
            return db.execute("SELECT count(*) FROM submissions").fetchone()[0]

    def stream_messages(self) -> list:
        return asyncio.run(_stream_messages(self.nats_url))


async def _stream_messages(url: str) -> list:
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        state = (await js.stream_info("PHOTOS")).state
        if state.messages == 0:
            return []
        return [
            await js.get_msg("PHOTOS", seq) for seq in range(state.first_seq, state.last_seq + 1)
        ]
    finally:
        await connection.close()


def issue_tokens(env: dict[str, str], *args: str) -> list[dict]:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "officers", "issue", *args, "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def wait_for_stream(stack: Stack, count: int, timeout: float = 10) -> list:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = stack.stream_messages()
        if len(messages) >= count:
            return messages
        time.sleep(0.1)
    raise AssertionError(f"expected {count} message(s) on PHOTOS, saw {len(messages)}")


def assert_nothing_written(stack: Stack) -> None:
    assert stack.stored_photos() == []
    assert stack.submissions() == 0
    assert stack.stream_messages() == []


def test_an_upload_is_stored_and_published_once_even_when_repeated(stack):
    photo = photo_jpeg()
    first = stack.upload(photo)
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"submission_id", "photo_sha256", "status"}
    assert body["status"] == "received"

    again = stack.upload(photo)
    assert again.status_code == 200
    assert again.json() == body

    [message] = wait_for_stream(stack, 1)
    event = PhotoReceived.model_validate_json(message.data)
    assert event.submission_id == body["submission_id"]
    assert event.photo_sha256 == body["photo_sha256"]
    assert (event.tps, event.contest, event.officer_id) == (
        TPS,
        CONTEST,
        stack.tokens[0]["officer_id"],
    )
    assert message.headers["Nats-Msg-Id"] == event.message_id()
    assert stack.stored_photos() == [body["photo_sha256"]]
    assert stack.submissions() == 1

    status = httpx.get(
        f"{stack.server.url}/api/v1/uploads/{body['submission_id']}",
        headers={"Authorization": f"Bearer {stack.tokens[1]['token']}"},
    )
    assert status.status_code == 200
    assert status.json()["status"] == "received" and status.json()["tps"] == TPS


def test_the_second_officer_uploading_the_same_photo_is_a_submission_of_their_own(stack):
    photo = photo_jpeg()
    first = stack.upload(photo)
    second = stack.upload(photo, token=stack.tokens[1]["token"])
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["submission_id"] != second.json()["submission_id"]
    assert len(wait_for_stream(stack, 2)) == 2
    assert len(stack.stored_photos()) == 1


@pytest.mark.parametrize(
    "authorization", [None, "Bearer rkp_not-a-real-token", "Basic a3Bwczpwdw==", "Bearer"]
)
def test_no_or_wrong_token_is_401(stack, authorization):
    answer = stack.upload(photo_jpeg(), token=None, authorization=authorization)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "rkp_not-a-real-token" not in answer.text
    assert_nothing_written(stack)


def test_uploads_outside_the_officers_scope_are_403(stack):
    wrong_contest = stack.upload(photo_jpeg(), contest="PILBUP-32-2024")
    other_tps = stack.upload(photo_jpeg(), extra={"tps": "3171011001002"})
    assert (wrong_contest.status_code, other_tps.status_code) == (403, 403)
    assert wrong_contest.json()["error"]["code"] == "out_of_scope"
    assert "3171011001002" in other_tps.json()["error"]["message"]
    assert_nothing_written(stack)


def test_a_reviewer_token_cannot_upload(stack):
    import os
    import subprocess
    import sys

    env = {"REKAP_VAR_DIR": str(stack.var_dir)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli",
            "reviewers",
            "issue",
            "--kelurahan",
            "31.71.01.1001",
            "--json",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    [reviewer] = json.loads(result.stdout)
    answer = stack.upload(photo_jpeg(), token=reviewer["token"])
    assert answer.status_code == 403
    assert_nothing_written(stack)


def truncated_jpeg() -> bytes:
    data = photo_jpeg()
    return data[: len(data) * 6 // 10]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"%PDF-1.7 this is not a photo", "application/pdf", 415, "not_an_image"),
        (b"hello", "image/jpeg", 415, "not_an_image"),
        ("png-as-jpeg", "image/jpeg", 415, "content_type_mismatch"),
        ("bomb", "image/png", 422, "decompression_bomb"),
        ("tiny", "image/jpeg", 422, "absurd_dimensions"),
        ("truncated", "image/jpeg", 422, "truncated_image"),
    ],
)
def test_bad_photos_get_a_clear_error_and_leave_nothing(stack, data, content_type, status, code):
    if data == "png-as-jpeg":
        buffer = io.BytesIO()
        Image.frombytes("L", (1200, 1600), random.Random(1).randbytes(1920000)).save(buffer, "PNG")
        data = buffer.getvalue()
    elif data == "bomb":
        data = png_claiming(40_000, 40_000)
    elif data == "tiny":
        data = photo_jpeg(size=(40, 30))
    elif data == "truncated":
        data = truncated_jpeg()
    answer = stack.upload(data, content_type=content_type)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]
    assert_nothing_written(stack)


def test_a_photo_over_the_size_cap_is_413(nats_server, seeded_var_dir, launch_ingest):
    env = {
        "REKAP_VAR_DIR": str(seeded_var_dir),
        "REKAP_NATS_URL": nats_server.url,
        "REKAP_MAX_UPLOAD_BYTES": str(200_000),
    }
    tokens = issue_tokens(env, f"--tps={TPS}")
    stack = Stack(launch_ingest(env), tokens, seeded_var_dir, nats_server.url)
    answer = stack.upload(photo_jpeg(size=(3000, 4000), quality=95))
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "photo_too_large"
    assert_nothing_written(stack)


def test_a_flood_from_one_officer_is_429_and_the_other_officer_is_not_affected(stack):
    answers = [stack.upload(photo_jpeg(seed)) for seed in range(10)]
    codes = [answer.status_code for answer in answers]
    assert codes[:8] == [201] * 8 and codes[8:] == [429, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].json()["error"]["code"] == "too_many_uploads"
    assert stack.upload(photo_jpeg(99), token=stack.tokens[1]["token"]).status_code == 201
    assert len(wait_for_stream(stack, 9)) == 9


def test_an_upload_while_the_broker_is_down_is_published_when_it_returns(
    seeded_var_dir, tmp_path, launch_ingest
):
    """The outbox: accepted, kept through a crash of ingest itself, published once later."""
    port = free_port()
    env = {
        "REKAP_VAR_DIR": str(seeded_var_dir),
        "REKAP_NATS_URL": f"nats://127.0.0.1:{port}",
        "REKAP_OUTBOX_POLL_SECONDS": "0.3",
    }
    tokens = issue_tokens(env, f"--tps={TPS}")
    ingest = launch_ingest(env)
    stack = Stack(ingest, tokens, seeded_var_dir, env["REKAP_NATS_URL"])
    answer = stack.upload(photo_jpeg())
    assert answer.status_code == 201
    assert ingest.health()["outbox_pending"] == 1
    ingest.kill()  # dies before it ever published

    server = start_nats_server(port, tmp_path / "jetstream")
    try:
        ingest = launch_ingest(env, ingest.port)
        [message] = wait_for_stream(stack, 1)
        assert (
            PhotoReceived.model_validate_json(message.data).submission_id
            == (answer.json()["submission_id"])
        )
        assert stack.upload(photo_jpeg()).status_code == 200  # the phone retried: no double
        assert ingest.health()["outbox_pending"] == 0
        assert len(stack.stream_messages()) == 1
    finally:
        server.stop()
