"""The transparency log in the database: append tally versions, sign heads, serve proofs.

Appending takes the next leaf index (the log's size) in the caller's transaction and does not
commit: the caller commits it together with its own effect. Two appenders that race for one
leaf index (or log one tally version twice) collide on the table's primary key (or unique
key): the loser's flush or commit raises `sqlalchemy.exc.IntegrityError`, and the loser rolls
back and retries its whole transaction, which then takes the next index or finds the version
logged. Signing a head is guarded the same way by the heads' primary key, the tree size.

Proofs are computed from the leaf hashes, read in index order (the leaf_hash column only).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.events import TallyAccepted
from services.common.database.models import LogEntry, SignedTreeHead
from services.common.transparency.entries import tally_entry
from services.common.transparency.heads import TreeHead, raw_public_key, sign_head
from services.common.transparency.merkle import MerkleTree, leaf_hash

log = logging.getLogger(__name__)


class LogIsBroken(RuntimeError):
    """The stored log has a gap in its leaf indices: it was edited outside Rekap."""


async def log_size(session: AsyncSession) -> int:
    last = await session.scalar(select(func.max(LogEntry.leaf_index)))
    return 0 if last is None else last + 1


async def append_tally_version(
    session: AsyncSession, event: TallyAccepted, now: datetime
) -> LogEntry | None:
    """Log this tally version as the next leaf; None when it is logged already. Flushes but
    does not commit (see the module docstring for concurrent appenders)."""
    logged = await session.scalar(
        select(LogEntry.leaf_index).where(
            LogEntry.tps_code == event.tps,
            LogEntry.contest_code == event.contest,
            LogEntry.version == event.version,
        )
    )
    if logged is not None:
        return None
    entry = tally_entry(event)
    row = LogEntry(
        leaf_index=await log_size(session),
        tps_code=event.tps,
        contest_code=event.contest,
        version=event.version,
        entry=entry,
        leaf_hash=leaf_hash(entry.encode()).hex(),
        appended_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def read_leaf_hashes(session: AsyncSession, tree_size: int) -> list[bytes]:
    """The first `tree_size` leaf hashes, in index order."""
    hexes = (
        await session.scalars(
            select(LogEntry.leaf_hash)
            .where(LogEntry.leaf_index < tree_size)
            .order_by(LogEntry.leaf_index)
        )
    ).all()
    if len(hexes) != tree_size:
        raise LogIsBroken(f"the log holds {len(hexes)} leaves below index {tree_size}")
    return [bytes.fromhex(value) for value in hexes]


async def tree_at(session: AsyncSession, tree_size: int) -> MerkleTree:
    return MerkleTree(await read_leaf_hashes(session, tree_size))


async def sign_tree_head(
    session: AsyncSession, private_key: Ed25519PrivateKey, now: datetime
) -> SignedTreeHead | None:
    """Sign the log as it is now, if it grew since the last head; flushes, does not commit."""
    size = await log_size(session)
    latest = await latest_tree_head(session)
    if size == 0 or (latest is not None and latest.tree_size >= size):
        return None
    root = (await tree_at(session, size)).root()
    head = sign_head(private_key, size, root, int(now.timestamp() * 1000))
    public_key = raw_public_key(private_key.public_key()).hex()
    row = SignedTreeHead(**head.as_json(), public_key=public_key)
    session.add(row)
    await session.flush()
    return row


async def keep_signing_tree_heads(
    sessions: async_sessionmaker, private_key: Ed25519PrivateKey, interval_seconds: float
) -> None:
    """Sign a head every `interval_seconds` whenever the log grew; runs until cancelled. Any
    number of copies may run: a head another copy signed first is simply skipped."""
    while True:
        try:
            async with sessions() as session:
                if await sign_tree_head(session, private_key, datetime.now(UTC)):
                    await session.commit()
        except Exception as error:
            log.warning("transparency log: no tree head signed, will retry: %s", error)
        await asyncio.sleep(interval_seconds)


async def latest_tree_head(session: AsyncSession) -> SignedTreeHead | None:
    return await session.scalar(
        select(SignedTreeHead).order_by(SignedTreeHead.tree_size.desc()).limit(1)
    )


async def all_tree_heads(session: AsyncSession) -> list[SignedTreeHead]:
    return list(
        (await session.scalars(select(SignedTreeHead).order_by(SignedTreeHead.tree_size))).all()
    )


def tree_head_of(row: SignedTreeHead) -> TreeHead:
    return TreeHead(row.tree_size, row.root_hash, row.timestamp_ms, row.key_id, row.signature)


async def read_entries(session: AsyncSession, start: int, end: int) -> list[LogEntry]:
    """Entries with leaf index in [start, end), in order."""
    return list(
        (
            await session.scalars(
                select(LogEntry)
                .where(LogEntry.leaf_index >= start, LogEntry.leaf_index < end)
                .order_by(LogEntry.leaf_index)
            )
        ).all()
    )


async def entries_of_tps(session: AsyncSession, tps_code: str) -> list[LogEntry]:
    return list(
        (
            await session.scalars(
                select(LogEntry).where(LogEntry.tps_code == tps_code).order_by(LogEntry.leaf_index)
            )
        ).all()
    )


async def logged_version(
    session: AsyncSession, tps_code: str, contest_code: str, version: int
) -> LogEntry | None:
    return await session.scalar(
        select(LogEntry).where(
            LogEntry.tps_code == tps_code,
            LogEntry.contest_code == contest_code,
            LogEntry.version == version,
        )
    )
