"""The region totals always equal the sum of the latest accepted tally of every TPS.

Histories of versions per TPS are delivered shuffled, with duplicates, and applied one
transaction each, as the aggregate worker does; then the kept totals are compared with a
brute-force sum, on SQLite (hypothesis) and on PostgreSQL (with concurrent appliers).
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from schemas.events import TallyAccepted
from services.aggregate.counting import add_up, counted_items
from services.aggregate.rollup import apply_tally, check_totals
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.migrate import upgrade_to_head
from services.common.database.models import (
    AppliedTally,
    Base,
    Contest,
    Region,
    RegionTotal,
    Tps,
)
from services.common.settings import Settings
from tests.published_tallies import CONTEST, tally

pytestmark = pytest.mark.integration

REGIONS = [
    ("31", "provinsi", None),
    ("31.71", "kota", "31"),
    ("31.72", "kota", "31"),
    ("31.71.01", "kecamatan", "31.71"),
    ("31.72.01", "kecamatan", "31.72"),
    ("31.71.01.1001", "kelurahan", "31.71.01"),
    ("31.71.01.1002", "kelurahan", "31.71.01"),
    ("31.72.01.1001", "kelurahan", "31.72.01"),
]
TPS = ["3171011001001", "3171011001002", "3171011002001", "3172011001001"]


async def prepare(sessions) -> None:
    async with sessions() as session:
        for code, level, parent in REGIONS:
            session.add(Region(code=code, level=level, name=code, parent_code=parent))
            await session.flush()
        for code in TPS:
            kelurahan = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:10]}"
            session.add(
                Tps(code=code, kelurahan_code=kelurahan, number=int(code[10:]), dpt_l=1, dpt_p=1)
            )
        session.add(
            Contest(
                code=CONTEST,
                name="test",
                region_code="31",
                polling_day=datetime(2024, 11, 27).date(),
            )
        )
        await session.commit()


def expected_totals(deliveries: list[TallyAccepted]) -> dict[tuple[str, str], dict[str, int]]:
    latest: dict[str, TallyAccepted] = {}
    for event in deliveries:
        if event.tps not in latest or event.version > latest[event.tps].version:
            latest[event.tps] = event
    parents = {code: parent for code, _, parent in REGIONS}
    per_region: dict[str, list[dict[str, int]]] = {}
    for event in latest.values():
        region = f"{event.tps[:2]}.{event.tps[2:4]}.{event.tps[4:6]}.{event.tps[6:10]}"
        while region is not None:
            per_region.setdefault(region, []).append(counted_items(event.values, event.disputed))
            region = parents[region]
    return {(CONTEST, region): add_up(tallies) for region, tallies in per_region.items()}


async def kept_totals(sessions) -> dict[tuple[str, str], dict[str, int]]:
    kept: dict[tuple[str, str], dict[str, int]] = {}
    async with sessions() as session:
        for row in (await session.scalars(select(RegionTotal))).all():
            if row.amount:
                kept.setdefault((row.contest_code, row.region_code), {})[row.item] = row.amount
    return kept


def nonzero(totals: dict[tuple[str, str], dict[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    return {key: {i: a for i, a in items.items() if a} for key, items in totals.items()}


async def apply_with_retry(sessions, event: TallyAccepted) -> None:
    """One delivery, as the worker's transaction; a collision is retried like a redelivery."""
    for _ in range(50):
        try:
            async with sessions() as session:
                await apply_tally(session, event, datetime.now(UTC))
                await session.commit()
            return
        except (IntegrityError, DBAPIError):
            await asyncio.sleep(random.random() / 50)
    raise AssertionError(f"could not apply {event.tps} v{event.version}")


histories = st.lists(
    st.tuples(
        st.sampled_from(TPS),
        st.integers(1, 4),  # version
        st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300)),
        st.integers(0, 20),  # invalid
        st.booleans(),  # disputed
    ),
    min_size=1,
    max_size=25,
)


def as_events(history) -> list[TallyAccepted]:
    """One event per (tps, version): a redelivered version is the same event."""
    events: dict[tuple[str, int], TallyAccepted] = {}
    for tps, version, votes, invalid, disputed in history:
        events.setdefault(
            (tps, version), tally(tps, votes, invalid=invalid, version=version, disputed=disputed)
        )
    return list(events.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories, order=st.randoms(use_true_random=False), repeats=st.integers(0, 5))
def test_totals_equal_the_sum_of_the_latest_versions_whatever_the_order(history, order, repeats):
    events = as_events(history)
    deliveries = events + [order.choice(events) for _ in range(repeats)]
    order.shuffle(deliveries)

    async def run():
        engine = make_engine(Settings(database_url="sqlite+aiosqlite:///:memory:"))
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            sessions = make_sessionmaker(engine)
            await prepare(sessions)
            for event in deliveries:
                await apply_with_retry(sessions, event)
            async with sessions() as session:
                check = await check_totals(session)
            return await kept_totals(sessions), check
        finally:
            await engine.dispose()

    kept, check = asyncio.run(run())
    assert kept == nonzero(expected_totals(deliveries))
    assert check.consistent and check.tallies_summed == len({e.tps for e in events})


async def test_concurrent_appliers_on_postgresql_leave_the_totals_exact(postgres_url):
    engine = make_engine(Settings(database_url=postgres_url))
    try:
        await upgrade_to_head(engine)
        sessions = make_sessionmaker(engine)
        await prepare(sessions)
        rng = random.Random(7)
        events = [
            tally(
                tps,
                (rng.randint(0, 300), rng.randint(0, 300), rng.randint(0, 300)),
                version=version,
                disputed=rng.random() < 0.2,
            )
            for tps in TPS
            for version in range(1, 6)
        ]
        deliveries = events * 3
        rng.shuffle(deliveries)
        lanes = [deliveries[i::6] for i in range(6)]

        async def lane(events_of_lane):
            for event in events_of_lane:
                await apply_with_retry(sessions, event)

        await asyncio.gather(*(lane(events_of_lane) for events_of_lane in lanes))
        assert await kept_totals(sessions) == nonzero(expected_totals(deliveries))
        async with sessions() as session:
            versions = {
                row.tps_code: row.version
                for row in (await session.scalars(select(AppliedTally))).all()
            }
            check = await check_totals(session)
        assert versions == {tps: 5 for tps in TPS}
        assert check.consistent and check.not_yet_applied == []
    finally:
        await engine.dispose()


async def test_the_check_reports_a_total_that_was_changed_behind_its_back(seeded_var_dir):
    from tests.published_tallies import publish

    engine = make_engine(Settings(var_dir=seeded_var_dir))
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            await publish(session, tally("3171011001001", (100, 20, 80)))
        async with sessions() as session:
            row = await session.get(RegionTotal, (CONTEST, "31.71", "suara_paslon_1"))
            row.amount += 1
            await session.commit()
        async with sessions() as session:
            check = await check_totals(session)
        assert check.differences == [(CONTEST, "31.71", "suara_paslon_1", 101, 100)]
    finally:
        await engine.dispose()
