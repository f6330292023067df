"""`rekap up` as a new user runs it: everything starts, survives a killed service, and stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.common.messaging.embedded_server import free_port
from services.common.settings import Settings
from services.embedded_stack import services_of
from tests.integration.test_ingest_api import photo_jpeg

pytestmark = pytest.mark.integration


def rekap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "rekap up exited early"
        try:
            answer = httpx.get(url, timeout=1)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not healthy in {timeout}s")


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def stack_env(var_dir: Path) -> dict[str, str]:
    """The environment of a whole embedded stack on free ports, its state in `var_dir`."""
    nats_port = free_port()
    env = {
        **os.environ,
        "REKAP_VAR_DIR": str(var_dir),
        "REKAP_EMBEDDED_NATS_PORT": str(nats_port),
        "REKAP_NATS_URL": f"nats://127.0.0.1:{nats_port}",
    }
    for service in services_of(Settings()):
        env[f"REKAP_{service.name.upper()}_PORT"] = str(free_port())
    return env


def test_rekap_up_runs_the_stack_restarts_a_killed_service_and_stops_on_ctrl_c(
    tmp_path, seeded_var_dir
):
    env = stack_env(seeded_var_dir)
    ingest_port = int(env["REKAP_INGEST_PORT"])
    up = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "up"],
        env=env,
        stdout=(tmp_path / "up.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        health = wait_healthy(f"http://127.0.0.1:{ingest_port}/healthz", up)
        assert health["database"] == "ok"

        [officer, _] = json.loads(
            rekap(env, "officers", "issue", "--tps", "3171011001001", "--json").stdout
        )
        upload = httpx.post(
            f"http://127.0.0.1:{ingest_port}/api/v1/uploads",
            headers={"Authorization": f"Bearer {officer['token']}"},
            files={"photo": ("form.jpg", photo_jpeg(), "image/jpeg")},
            data={"contest": "PILGUB-31-2024"},
            timeout=30,
        )
        assert upload.status_code == 201, upload.text

        [ingest_pid] = [
            pid
            for pid in child_pids(up.pid)
            if b"serve\0ingest" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        os.kill(ingest_pid, signal.SIGKILL)
        time.sleep(1)
        wait_healthy(f"http://127.0.0.1:{ingest_port}/healthz", up)
        assert ingest_pid not in child_pids(up.pid)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = json.loads(rekap(env, "status", "--json").stdout)
            streams = {s["name"]: s["messages"] for s in status["streams"]}
            if streams["FORMS"] == 1 and status["outbox_unsent"] == 0:
                break
            time.sleep(0.5)
        assert streams["PHOTOS"] == 1 and streams["FORMS"] == 1  # read once by ocr
        ocr = next(c for c in status["consumers"] if c["durable"] == "ocr")
        assert ocr["waiting"] == 0 and ocr["in_flight"] == 0
        assert status["dead_letters_total"] == 0 and status["outbox_unsent"] == 0
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(30) == 0
    log = (tmp_path / "up.log").read_text()
    assert "restarting" in log and "stopped" in log
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{ingest_port}/healthz", timeout=1)
