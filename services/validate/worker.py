"""The validate service's handler: judge a reading, then publish what the TPS's state allows.

The decision, the tally version it creates (if any) and the events it publishes are written
in one transaction (events through the outbox), keyed by (submission, engine version): a
redelivered `FormRead` finds its decision and does nothing. Two copies deciding on the same
TPS at once collide on the tally version's primary key; the loser's transaction rolls back
and its message is retried, and then sees the other's tally.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.events import FormRead
from services.common.database.models import Candidate, Decision, TallyVersion, Tps
from services.common.outbox import OutboxRelay, add_to_outbox
from services.validate.judge import Verdict, judge
from services.validate.publication import (
    PriorReading,
    Publication,
    PublishedTally,
    plan_publication,
)
from services.validate.rules import TpsFacts

VERDICT_JSON = TypeAdapter(Verdict)


class UnknownTps(LookupError):
    """The reading names a TPS or contest that master data does not have."""


@dataclass
class ValidateDependencies:
    sessions: async_sessionmaker
    relay: OutboxRelay


async def decide_reading(event: FormRead, deps: ValidateDependencies) -> None:
    async with deps.sessions() as session:
        if await session.get(Decision, (event.submission_id, event.engine_version)) is not None:
            return
        facts = await tps_facts(session, event.tps, event.contest)
        verdict = judge(event, facts)
        now = datetime.now(UTC)
        publication = plan_publication(
            event,
            verdict,
            facts.candidates,
            await latest_published(session, event.tps, event.contest),
            await latest_other_reading(session, event),
            now,
        )
        session.add(
            Decision(
                submission_id=event.submission_id,
                engine_version=event.engine_version,
                tps_code=event.tps,
                contest_code=event.contest,
                photo_sha256=event.photo_sha256,
                outcome=verdict.outcome,
                verdict=VERDICT_JSON.dump_json(verdict).decode(),
                decided_at=now,
            )
        )
        record_publication(session, publication)
        await session.commit()
    deps.relay.wake()


def record_publication(session: AsyncSession, publication: Publication) -> None:
    if (accepted := publication.accepted) is not None:
        session.add(
            TallyVersion(
                tps_code=accepted.tps,
                contest_code=accepted.contest,
                version=accepted.version,
                values=json.dumps(accepted.values),
                decided_by=accepted.decided_by,
                submission_ids=json.dumps(accepted.submission_ids),
                disputed=accepted.disputed,
                accepted_at=accepted.accepted_at,
            )
        )
        add_to_outbox(session, accepted)
    if publication.review is not None:
        add_to_outbox(session, publication.review)


async def tps_facts(session: AsyncSession, tps_code: str, contest_code: str) -> TpsFacts:
    tps = await session.get(Tps, tps_code)
    candidates = await session.scalar(
        select(func.count()).where(Candidate.contest_code == contest_code)
    )
    if tps is None or not candidates:
        raise UnknownTps(f"no master data for TPS {tps_code} in contest {contest_code}")
    return TpsFacts(tps_code, contest_code, tps.dpt_l, tps.dpt_p, candidates)


async def latest_published(
    session: AsyncSession, tps_code: str, contest_code: str
) -> PublishedTally | None:
    latest = await session.scalar(
        select(TallyVersion)
        .where(TallyVersion.tps_code == tps_code, TallyVersion.contest_code == contest_code)
        .order_by(TallyVersion.version.desc())
        .limit(1)
    )
    if latest is None:
        return None
    submission_ids = json.loads(latest.submission_ids)
    photos = await session.scalars(
        select(Decision.photo_sha256).where(Decision.submission_id.in_(submission_ids))
    )
    return PublishedTally(
        latest.version, json.loads(latest.values), submission_ids, sorted(set(photos))
    )


async def latest_other_reading(session: AsyncSession, event: FormRead) -> PriorReading | None:
    other = await session.scalar(
        select(Decision)
        .where(
            Decision.tps_code == event.tps,
            Decision.contest_code == event.contest,
            Decision.submission_id != event.submission_id,
        )
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )
    if other is None:
        return None
    return PriorReading(
        other.submission_id, other.photo_sha256, VERDICT_JSON.validate_json(other.verdict)
    )
