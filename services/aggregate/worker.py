"""The aggregate service's handler: apply an accepted tally to the totals, log it, announce it.

One transaction records the version in the transparency log, moves the region totals by its
difference and adds the `ResultsUpdated` event to the outbox; a redelivered or duplicate
`TallyAccepted` finds its log entry and applied version and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.events import ResultsUpdated, TallyAccepted
from services.aggregate.rollup import apply_tally
from services.common.outbox import OutboxRelay, add_to_outbox
from services.common.transparency.log_store import append_tally_version


@dataclass
class AggregateDependencies:
    sessions: async_sessionmaker
    relay: OutboxRelay


async def aggregate_tally(event: TallyAccepted, deps: AggregateDependencies) -> None:
    async with deps.sessions() as session:
        await record_tally(session, event, datetime.now(UTC))
        await session.commit()
    deps.relay.wake()


async def record_tally(session: AsyncSession, event: TallyAccepted, now: datetime) -> None:
    """Log the version, apply it, and announce it if it moved the totals; the caller commits."""
    await append_tally_version(session, event, now)
    application = await apply_tally(session, event, now)
    if application.moved:
        add_to_outbox(
            session,
            ResultsUpdated(
                contest=event.contest,
                tps=event.tps,
                version=event.version,
                region_codes=application.region_codes,
                updated_at=now,
            ),
        )
