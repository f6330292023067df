"""Fixtures that own real services: a nats-server per test, a fresh PostgreSQL database.

Under CI (`CI=true`) a missing nats-server or PostgreSQL fails the run; elsewhere the tests
that need it are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.common.messaging.embedded_server import (
    EmbeddedNats,
    NatsServerUnavailable,
    free_port,
    start_nats_server,
)

POSTGRES_ADMIN_DSN = os.environ.get(
    "REKAP_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
UNDER_CI = os.environ.get("CI") == "true"


def service_missing(what: str) -> None:
    if UNDER_CI:
        pytest.fail(f"{what} (CI=true: a missing service is a failure)")
    pytest.skip(what)


@pytest.fixture
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """A nats-server of its own for each test (it starts in well under a second)."""
    store = tmp_path_factory.mktemp("jetstream")
    try:
        server = start_nats_server(free_port(), store, log_file=store / "nats.log")
    except NatsServerUnavailable as error:
        service_missing(f"no nats-server: {error}")
    yield server
    server.stop()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"rekap_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        service_missing(f"no PostgreSQL at {POSTGRES_ADMIN_DSN}: {error}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+asyncpg://"
        )
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    path = tmp_path / "var"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def seeded_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated and loaded with the master data, once per test session."""
    import asyncio

    from services.common.masterdata import seed
    from services.common.settings import Settings

    template_dir = tmp_path_factory.mktemp("seeded")
    asyncio.run(seed(Settings(var_dir=template_dir)))
    return template_dir / "rekap.db"


@pytest.fixture
def seeded_var_dir(var_dir: Path, seeded_database_template: Path) -> Path:
    """A fresh var dir whose database is a copy of the seeded template."""
    import shutil

    shutil.copyfile(seeded_database_template, var_dir / "rekap.db")
    return var_dir
