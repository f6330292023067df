"""The transparency log in a real database (SQLite and PostgreSQL): append, sign, prove."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from schemas.events import TallyAccepted
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.migrate import upgrade_to_head
from services.common.database.models import LogEntry
from services.common.settings import Settings
from services.common.transparency import log_store
from services.common.transparency.heads import is_signed_by
from services.common.transparency.merkle import (
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

pytestmark = pytest.mark.integration

NOW = datetime(2024, 11, 27, 14, tzinfo=UTC)


def tally(tps_number: int, version: int = 1, sah: int = 200) -> TallyAccepted:
    return TallyAccepted(
        contest="PILGUB-31-2024",
        tps=f"3171011001{tps_number:03d}",
        version=version,
        values={"suara_sah": sah, "suara_paslon_1": sah - 80, "suara_paslon_2": 80},
        candidate_votes={1: sah - 80, 2: 80},
        decided_by="auto" if version == 1 else "reviewer:pps-1",
        submission_ids=[f"submission-{tps_number}-{version}"],
        photo_sha256s=[hashlib.sha256(f"{tps_number}/{version}".encode()).hexdigest()],
        accepted_at=NOW,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, var_dir) -> Settings:
    if request.param == "postgresql":
        return Settings(var_dir=var_dir, database_url=request.getfixturevalue("postgres_url"))
    return Settings(var_dir=var_dir)


@pytest.fixture
async def sessions(settings):
    engine = make_engine(settings)
    await upgrade_to_head(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def append_committed(sessions, event: TallyAccepted) -> LogEntry | None:
    """What a caller does: append in its transaction, commit, and on a collision start over."""
    for _ in range(100):
        async with sessions() as session:
            try:
                row = await log_store.append_tally_version(session, event, NOW)
                await session.commit()
                return row
            except IntegrityError:
                await session.rollback()
    raise AssertionError("never got a leaf index")


async def test_versions_are_appended_in_order_and_once(sessions):
    rows = [await append_committed(sessions, tally(n)) for n in (1, 2, 3)]
    assert [row.leaf_index for row in rows] == [0, 1, 2]
    assert rows[1].leaf_hash == leaf_hash(rows[1].entry.encode()).hex()
    correction = await append_committed(sessions, tally(2, version=2, sah=210))
    assert correction.leaf_index == 3
    assert await append_committed(sessions, tally(2)) is None
    async with sessions() as session:
        assert await log_store.log_size(session) == 4
        versions = await log_store.entries_of_tps(session, tally(2).tps)
    assert [entry.version for entry in versions] == [1, 2]


async def test_concurrent_appenders_make_one_gapless_log(sessions):
    events = [tally(n, version) for n in range(1, 7) for version in (1, 2)]
    rows = await asyncio.gather(*(append_committed(sessions, event) for event in events * 2))
    assert sum(row is not None for row in rows) == len(events)
    async with sessions() as session:
        logged = (await session.scalars(select(LogEntry).order_by(LogEntry.leaf_index))).all()
    assert [row.leaf_index for row in logged] == list(range(len(events)))
    assert {(row.tps_code, row.version) for row in logged} == {
        (event.tps, event.version) for event in events
    }


async def test_heads_are_signed_when_the_log_grew_and_prove_it(sessions):
    key = Ed25519PrivateKey.generate()
    async with sessions() as session:
        assert await log_store.sign_tree_head(session, key, NOW) is None
    for n in range(1, 6):
        await append_committed(sessions, tally(n))
    async with sessions() as session:
        first = await log_store.sign_tree_head(session, key, NOW)
        await session.commit()
        assert await log_store.sign_tree_head(session, key, NOW) is None
    for n in range(6, 10):
        await append_committed(sessions, tally(n))
    async with sessions() as session:
        second = await log_store.sign_tree_head(session, key, NOW)
        await session.commit()
        heads = await log_store.all_tree_heads(session)
        leaves = await log_store.read_leaf_hashes(session, second.tree_size)
        third = await log_store.logged_version(session, tally(3).tps, tally(3).contest, 1)
        proof = (await log_store.tree_at(session, 5)).inclusion_proof(third.leaf_index)
        consistency = (await log_store.tree_at(session, 9)).consistency_proof(5)
        latest = await log_store.latest_tree_head(session)

    assert [head.tree_size for head in heads] == [5, 9] and latest.tree_size == 9
    assert first.timestamp_ms == int(NOW.timestamp() * 1000)
    for row in heads:
        assert is_signed_by(log_store.tree_head_of(row), key.public_key())
    assert second.root_hash == root_hash(leaves).hex()
    assert first.root_hash == root_hash(leaves[:5]).hex()
    assert third.leaf_index == 2
    assert verify_inclusion(leaves[2], 2, 5, proof, bytes.fromhex(first.root_hash))
    assert verify_consistency(
        5, 9, bytes.fromhex(first.root_hash), bytes.fromhex(second.root_hash), consistency
    )
