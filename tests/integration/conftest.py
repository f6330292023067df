from __future__ import annotations

import pytest

from services.common.messaging.embedded_server import free_port
from tests.integration.service_process import RunningService, start_service


@pytest.fixture
def launch_service(tmp_path):
    """Start `rekap serve NAME` processes; whatever a test leaves running is killed after it."""
    started: list[RunningService] = []

    def launch(name: str, env: dict[str, str], port: int | None = None) -> RunningService:
        process = start_service(name, env, port or free_port(), tmp_path / f"{name}.log")
        started.append(process)
        return process

    yield launch
    for process in started:
        if process.process.poll() is None:
            process.kill()


@pytest.fixture
def launch_ingest(launch_service):
    return lambda env, port=None: launch_service("ingest", env, port)
