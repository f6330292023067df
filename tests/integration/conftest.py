from __future__ import annotations

import pytest

from services.common.messaging.embedded_server import free_port
from tests.integration.ingest_server import IngestProcess, start_ingest


@pytest.fixture
def launch_ingest(tmp_path):
    """Start `rekap serve ingest` processes; whatever a test leaves running is killed after it."""
    started: list[IngestProcess] = []

    def launch(env: dict[str, str], port: int | None = None) -> IngestProcess:
        process = start_ingest(env, port or free_port(), tmp_path / "ingest.log")
        started.append(process)
        return process

    yield launch
    for process in started:
        if process.process.poll() is None:
            process.kill()
