"""The aggregate service as a process on a real broker: tallies in, totals, log and updates out."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select

from schemas.events import ResultsUpdated, TallyAccepted
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.models import LogEntry, RegionTotal, SignedTreeHead
from services.common.messaging.declare import declare_topology
from services.common.settings import Settings
from tests.integration.test_reading_pipeline import messages
from tests.published_tallies import CONTEST, tally

pytestmark = pytest.mark.integration

TPS_A, TPS_B = "3171011001001", "3171011001002"


async def declare(url: str, settings: Settings) -> None:
    connection = await nats.connect(url)
    try:
        await declare_topology(connection.jetstream(), settings)
    finally:
        await connection.close()


async def publish_all(url: str, events: list[tuple[TallyAccepted, str]]) -> None:
    """Publish each event under the given message id (a new id = a redelivery the stream's
    duplicate window cannot catch, like a replay)."""
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        for event, message_id in events:
            await js.publish(event.SUBJECT, event.to_json(), headers={"Nats-Msg-Id": message_id})
    finally:
        await connection.close()


async def totals_and_log(var_dir: Path) -> tuple[dict[tuple[str, str], int], int, int]:
    engine = make_engine(Settings(var_dir=var_dir))
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (
                await session.execute(
                    select(RegionTotal.region_code, RegionTotal.item, RegionTotal.amount).where(
                        RegionTotal.contest_code == CONTEST
                    )
                )
            ).all()
            entries = await session.scalar(select(func.count()).select_from(LogEntry))
            heads = await session.scalar(select(func.max(SignedTreeHead.tree_size)))
        return {(region, item): amount for region, item, amount in rows}, entries, heads or 0
    finally:
        await engine.dispose()


def test_replayed_and_out_of_order_tallies_leave_exact_totals_a_log_and_updates(
    nats_server, seeded_var_dir, launch_service
):
    env = {
        "REKAP_VAR_DIR": str(seeded_var_dir),
        "REKAP_NATS_URL": nats_server.url,
        "REKAP_OUTBOX_POLL_SECONDS": "0.5",
        "REKAP_TREE_HEAD_INTERVAL_SECONDS": "0.5",
    }
    settings = Settings(var_dir=seeded_var_dir, nats_url=nats_server.url)
    a1 = tally(TPS_A, (100, 20, 80))
    a2 = tally(TPS_A, (101, 20, 80), version=2, disputed=True)
    a3 = tally(TPS_A, (102, 20, 80), version=3, decided_by="reviewer:31.71.01.1001-r")
    b1 = tally(TPS_B, (10, 20, 30))
    asyncio.run(declare(nats_server.url, settings))  # as `rekap up` does before the services
    launch_service("aggregate", env)
    asyncio.run(
        publish_all(
            nats_server.url,
            [
                (a1, "a1"),
                (a3, "a3"),  # the newest arrives before the one it corrects
                (a2, "a2"),
                (b1, "b1"),
                (a1, "a1-replayed"),
                (a3, "a3-replayed"),
            ],
        )
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        totals, entries, head = asyncio.run(totals_and_log(seeded_var_dir))
        if entries == 4 and head == 4 and totals.get(("31", "tps_reported")) == 2:
            break
        time.sleep(0.3)
    for region in ("31", "31.71", "31.71.01", "31.71.01.1001"):
        assert totals[(region, "suara_paslon_1")] == 102 + 10
        assert totals[(region, "tps_reported")] == 2
        assert totals.get((region, "tps_disputed"), 0) == 0  # version 3, reviewed, not disputed
    assert (entries, head) == (4, 4), "every version logged once, and a head signed over them"
    updates = asyncio.run(messages(nats_server.url, ResultsUpdated.STREAM))
    announced = [ResultsUpdated.model_validate_json(m.data) for m in updates]
    versions = [(update.tps, update.version) for update in announced]
    # Delivery order is not guaranteed: version 2 moves the totals only if it came before 3.
    assert len(versions) == len(set(versions)), "a replayed tally is not announced again"
    assert (
        {(TPS_A, 3), (TPS_B, 1)}
        <= set(versions)
        <= {(TPS_A, 1), (TPS_A, 2), (TPS_A, 3), (TPS_B, 1)}
    )
    assert announced[0].region_codes == ["31.71.01.1001", "31.71.01", "31.71", "31"]
