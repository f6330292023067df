"""Ingest on PostgreSQL: concurrent copies of one upload make exactly one submission each."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import httpx
import pytest

from tests.integration.test_ingest_api import TPS, issue_tokens, photo_jpeg

pytestmark = pytest.mark.integration


async def test_simultaneous_repeats_make_one_submission_per_officer_and_one_photo(
    postgres_url, nats_server, var_dir, launch_ingest
):
    env = {
        "REKAP_VAR_DIR": str(var_dir),
        "REKAP_DATABASE_URL": postgres_url,
        "REKAP_NATS_URL": nats_server.url,
    }
    subprocess.run(
        [sys.executable, "-m", "services.cli", "seed"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    [officer, partner] = issue_tokens(env, f"--tps={TPS}")
    ingest = launch_ingest(env)
    photo = photo_jpeg(7)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"{ingest.url}/api/v1/uploads",
                        headers={"Authorization": f"Bearer {token}"},
                        files={"photo": ("form.jpg", photo, "image/jpeg")},
                        data={"contest": "PILGUB-31-2024"},
                    )
                    for token in [officer["token"]] * 8 + [partner["token"]] * 2
                )
            )
    finally:
        ingest.stop()
    mine, partners = answers[:8], answers[8:]
    assert sorted(answer.status_code for answer in mine) == [200] * 7 + [201]
    assert sorted(answer.status_code for answer in partners) == [200, 201]
    assert len({answer.json()["submission_id"] for answer in mine}) == 1
    assert len({answer.json()["submission_id"] for answer in partners}) == 1
    database = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        assert await database.fetchval("SELECT count(*) FROM submissions") == 2
        assert await database.fetchval("SELECT count(*) FROM outbox") == 2
        assert await database.fetchval("SELECT count(*) FROM photos") == 1
    finally:
        await database.close()
