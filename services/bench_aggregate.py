"""`rekap bench aggregate`: how fast accepted tallies become region totals and log entries.

Into a fresh database with the Jakarta master data, every TPS (or the first N) gets a random
consistent tally (the photo simulator's), applied one transaction each by the aggregate
worker's own `record_tally` (log entry, totals moved, outbox event); a tenth then get a
corrected second version. Then a tree head is signed over the whole log, and the totals are
recomputed by brute force and compared.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from schemas.events import TallyAccepted
from services.aggregate.rollup import check_totals
from services.aggregate.worker import record_tally
from services.common.database.models import Candidate, Tps
from services.common.transparency.log_store import sign_tree_head
from simulation.tally import random_tally


@dataclass(frozen=True)
class AggregateBench:
    database: str
    tallies: int
    corrections: int
    apply_seconds: float
    sign_seconds: float
    check_seconds: float
    consistent: bool

    def lines(self) -> list[str]:
        applied = self.tallies + self.corrections
        return [
            f"{self.database}: {applied} tally versions applied in {self.apply_seconds:.1f} s "
            f"({applied / self.apply_seconds:.0f}/s, one transaction each: log entry, totals "
            "of 4 regions, outbox event)",
            f"  tree head signed over {applied} entries in {self.sign_seconds * 1000:.0f} ms",
            f"  brute-force recomputation in {self.check_seconds:.1f} s: "
            + ("every total equal" if self.consistent else "TOTALS DIFFER"),
        ]


def accepted_tally(
    rng: random.Random, tps: Tps, contest: str, candidates: int, version: int
) -> TallyAccepted:
    """A consistent tally of `tps` (the simulator's), as validate would publish it."""
    values = random_tally(rng, tps.dpt_l, tps.dpt_p, candidates)
    return TallyAccepted(
        contest=contest,
        tps=tps.code,
        version=version,
        values=values,
        candidate_votes={
            number: values[f"suara_paslon_{number}"] or 0 for number in range(1, candidates + 1)
        },
        decided_by="auto",
        submission_ids=[f"bench-{tps.code}-{version}"],
        photo_sha256s=[f"{rng.getrandbits(256):064x}"],
        accepted_at=datetime.now(UTC),
    )


async def run_aggregate_bench(sessions, database: str, limit: int | None, seed: int):
    rng = random.Random(seed)
    async with sessions() as session:
        stations = (await session.scalars(select(Tps).order_by(Tps.code).limit(limit))).all()
        candidate = (await session.scalars(select(Candidate))).first()
        contest = candidate.contest_code
        candidates = len(
            (
                await session.scalars(select(Candidate).where(Candidate.contest_code == contest))
            ).all()
        )
    versions = [accepted_tally(rng, tps, contest, candidates, 1) for tps in stations]
    versions += [
        accepted_tally(rng, tps, contest, candidates, 2)
        for tps in rng.sample(stations, len(stations) // 10)
    ]
    started = time.perf_counter()
    for event in versions:
        async with sessions() as session:
            await record_tally(session, event, datetime.now(UTC))
            await session.commit()
    apply_seconds = time.perf_counter() - started
    started = time.perf_counter()
    async with sessions() as session:
        await sign_tree_head(session, Ed25519PrivateKey.generate(), datetime.now(UTC))
        await session.commit()
    sign_seconds = time.perf_counter() - started
    started = time.perf_counter()
    async with sessions() as session:
        check = await check_totals(session)
    return AggregateBench(
        database,
        len(stations),
        len(versions) - len(stations),
        apply_seconds,
        sign_seconds,
        time.perf_counter() - started,
        check.consistent,
    )
