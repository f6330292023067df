"""Runs `rekap serve NAME` as a real process for the tests, and stops or kills it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class RunningService:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict:
        return httpx.get(f"{self.url}/healthz", timeout=5).json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(15)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(15)


def start_service(
    name: str, env: dict[str, str], port: int, log: Path, timeout: float = 30
) -> RunningService:
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", name],
        env={**os.environ, **env, f"REKAP_{name.upper()}_PORT": str(port)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    server = RunningService(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{name} not healthy in {timeout}s:\n{log.read_text()}")
