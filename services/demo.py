"""`rekap demo`: a kecamatan's election night on one machine, in a few minutes.

The embedded stack starts in a state folder of its own (`<var_dir>/demo`, made afresh). Both
officers of every TPS of one kecamatan upload a simulated phone photo of their form through
the real upload API; a few photos are bad (a photo of something else, a badly framed one) and
a few forms carry the officers' own arithmetic mistakes. A live progress display follows the
pipeline; at the end the published totals stand beside the truth the simulation used, each
published TPS is checked against its truth, and the public page keeps running until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import func, select

from services.aggregate.rollup import not_yet_applied
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.models import (
    AppliedTally,
    Decision,
    OutboxMessage,
    Reading,
    RegionTotal,
    Submission,
    TallyVersion,
    Tps,
)
from services.common.settings import Settings
from services.common.tokens import issue_officer_tokens
from services.embedded_stack import EmbeddedStack
from simulation.masterdata import contest_for, master_plan, tps_row
from simulation.scenarios import Kind, simulate_photo
from simulation.writers import HELD_OUT_WRITERS

SUMMED_FIELDS = (
    "suara_paslon_1",
    "suara_paslon_2",
    "suara_paslon_3",
    "suara_sah",
    "suara_tidak_sah",
)
# What happens at a TPS: both officers photograph the same form; in `one_bad_photo` the first
# officer's photo is of something else or badly framed, the second one's is fine.
TPS_STORIES: dict[str, float] = {
    "clean": 0.78,
    "officers_mistake": 0.1,
    "one_bad_photo": 0.12,
}
STALL_SECONDS = 180.0


@dataclass(frozen=True)
class PlannedUpload:
    tps: str
    slot: int
    seed: int
    photo_seed: int
    kind: Kind
    writer_index: int


def smallest_kecamatan() -> str:
    counts: dict[str, int] = {}
    for row in master_plan().tps:
        kecamatan = row.kelurahan_code.rsplit(".", 1)[0]
        counts[kecamatan] = counts.get(kecamatan, 0) + 1
    return min(counts, key=lambda code: (counts[code], code))


def plan_uploads(tps_codes: list[str], seed: int) -> list[PlannedUpload]:
    """Two uploads per TPS, the story of each TPS drawn with `TPS_STORIES`' weights."""
    draw = random.Random(seed)
    stories = list(TPS_STORIES)
    planned = []
    for tps in tps_codes:
        story = draw.choices(stories, weights=[TPS_STORIES[s] for s in stories])[0]
        form_seed = draw.getrandbits(48)
        writer_index = draw.randrange(len(HELD_OUT_WRITERS))
        bad_kind: Kind = draw.choice(["other", "badly_framed"])
        for slot in (1, 2):
            kind: Kind = "clean"
            if story == "officers_mistake":
                kind = "mistake"
            elif story == "one_bad_photo" and slot == 1:
                kind = bad_kind
            planned.append(
                PlannedUpload(tps, slot, form_seed, draw.getrandbits(48), kind, writer_index)
            )
    return planned


def photograph(upload: PlannedUpload, megapixels: float) -> tuple[bytes, dict | None]:
    """The photo's bytes and the TPS's true tally (None for a photo of something else)."""
    simulated = simulate_photo(
        upload.seed,
        upload.tps,
        HELD_OUT_WRITERS[upload.writer_index],
        upload.kind,
        megapixels=megapixels,
        photo_seed=upload.photo_seed,
    )
    truth = simulated.truth
    return simulated.jpeg, truth.correct_values or truth.values


@dataclass
class PipelineCounts:
    uploaded: int = 0
    read: int = 0
    decided: int = 0
    tps_published: int = 0
    tps_in_review: int = 0
    unsent_events: int = 0
    versions_not_applied: int = 0


@dataclass
class DemoSummary:
    kecamatan: str
    tps: int
    photos: int
    published_tps: list[str] = field(default_factory=list)
    review_tps: list[str] = field(default_factory=list)
    rejected_photos: int = 0
    officers_mistakes: list[str] = field(default_factory=list)
    published_totals: dict[str, int] = field(default_factory=dict)
    truth_of_published: dict[str, int] = field(default_factory=dict)
    wrong_published_tps: list[str] = field(default_factory=list)
    review_rules: dict[str, int] = field(default_factory=dict)
    results_url: str = ""


async def pipeline_counts(sessions, tps_codes: list[str]) -> PipelineCounts:
    async with sessions() as session:

        async def count(*where, of=Submission.id) -> int:
            return await session.scalar(select(func.count(func.distinct(of))).where(*where))

        in_demo = Submission.tps_code.in_(tps_codes)
        published = AppliedTally.tps_code.in_(tps_codes)
        return PipelineCounts(
            uploaded=await count(in_demo),
            read=await session.scalar(
                select(func.count()).select_from(Reading).join(Submission).where(in_demo)
            ),
            decided=await count(Decision.tps_code.in_(tps_codes), of=Decision.submission_id),
            tps_published=await count(published, of=AppliedTally.tps_code),
            tps_in_review=await count(
                Decision.tps_code.in_(tps_codes),
                Decision.outcome == "review",
                Decision.tps_code.not_in(select(AppliedTally.tps_code)),
                of=Decision.tps_code,
            ),
            unsent_events=await session.scalar(
                select(func.count()).where(OutboxMessage.published_at.is_(None))
            ),
            versions_not_applied=len(await not_yet_applied(session)),
        )


class Demo:
    def __init__(
        self,
        settings: Settings,
        kecamatan: str,
        tps_limit: int | None,
        seed: int,
        megapixels: float,
        console: Console,
    ) -> None:
        self.settings = settings.model_copy(
            update={"var_dir": settings.var_dir / "demo", "database_url": None, "photo_dir": None}
        )
        self.kecamatan = kecamatan
        self.tps_codes = sorted(
            row.code for row in master_plan().tps if row.kelurahan_code.startswith(kecamatan + ".")
        )[:tps_limit]
        if not self.tps_codes:
            raise ValueError(f"no TPS in kecamatan {kecamatan}")
        self.contest = contest_for(tps_row(self.tps_codes[0])).code
        self.plan = plan_uploads(self.tps_codes, seed)
        self.megapixels = megapixels
        self.console = console
        self.truth: dict[str, dict] = {}
        self.mistakes = sorted({u.tps for u in self.plan if u.kind == "mistake"})

    def run(
        self, prepare_database: Callable[[Settings], object], keep_running: bool
    ) -> DemoSummary:
        if self.settings.var_dir.exists():
            shutil.rmtree(self.settings.var_dir)
        self.console.print(f"Demo state in {self.settings.var_dir} (made afresh)")
        asyncio.run(prepare_database(self.settings))
        stack = EmbeddedStack(self.settings, say=self.console.print)
        try:
            stack.start()
            summary = asyncio.run(self._election_night())
            self._report(summary)
            (self.settings.var_dir / "summary.json").write_text(json.dumps(asdict(summary)))
            if keep_running:
                self.console.print(f"\nStill running: {summary.results_url}   Stop: Ctrl-C")
                stack.supervise_until_interrupted()
            return summary
        finally:
            stack.stop()

    async def _election_night(self) -> DemoSummary:
        engine = make_engine(self.settings)
        sessions = make_sessionmaker(engine)
        try:
            tokens = await self._issue_tokens(sessions)
            with Progress(
                TextColumn("{task.description:<28}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
            ) as progress:
                bars = {
                    "uploaded": progress.add_task("photos uploaded", total=len(self.plan)),
                    "read": progress.add_task("photos read", total=len(self.plan)),
                    "decided": progress.add_task("photos judged", total=len(self.plan)),
                    "tps_published": progress.add_task("TPS published", total=len(self.tps_codes)),
                    "tps_in_review": progress.add_task(
                        "TPS waiting for review", total=len(self.tps_codes)
                    ),
                }
                uploading = asyncio.create_task(self._upload_all(tokens))
                await self._follow(sessions, uploading, progress, bars)
            return await self._summarise(sessions)
        finally:
            await engine.dispose()

    async def _issue_tokens(self, sessions) -> dict[tuple[str, int], str]:
        tokens = {}
        async with sessions() as session:
            for tps in self.tps_codes:
                issued = await issue_officer_tokens(session, tps)  # ordered by slot
                for slot, officer in enumerate(issued, start=1):
                    tokens[(tps, slot)] = officer.token
            await session.commit()
        return tokens

    async def _upload_all(self, tokens: dict[tuple[str, int], str]) -> None:
        loop = asyncio.get_running_loop()
        url = f"http://127.0.0.1:{self.settings.ingest_port}/api/v1/uploads"
        with ProcessPoolExecutor(max_workers=1) as pool:
            photos = [
                loop.run_in_executor(pool, photograph, upload, self.megapixels)
                for upload in self.plan
            ]
            async with httpx.AsyncClient(timeout=60) as client:
                for upload, photo in zip(self.plan, photos, strict=True):
                    jpeg, truth = await photo
                    if truth is not None:
                        self.truth[upload.tps] = truth
                    response = await client.post(
                        url,
                        headers={"Authorization": f"Bearer {tokens[(upload.tps, upload.slot)]}"},
                        data={"contest": self.contest},
                        files={"photo": (f"{upload.tps}-{upload.slot}.jpg", jpeg, "image/jpeg")},
                    )
                    response.raise_for_status()

    async def _follow(self, sessions, uploading: asyncio.Task, progress, bars) -> None:
        """Update the bars until every photo is judged and every tally applied and announced."""
        last_change, last_counts = time.monotonic(), None
        while True:
            counts = await pipeline_counts(sessions, self.tps_codes)
            for name, task in bars.items():
                progress.update(task, completed=getattr(counts, name))
            if uploading.done():
                uploading.result()  # an upload that failed stops the demo with its error
                settled = (
                    counts.decided == counts.uploaded == len(self.plan)
                    and counts.unsent_events == 0
                    and counts.versions_not_applied == 0
                )
                if settled:
                    return
            if counts != last_counts:
                last_change, last_counts = time.monotonic(), counts
            elif time.monotonic() - last_change > STALL_SECONDS:
                raise TimeoutError(
                    f"nothing moved for {STALL_SECONDS:.0f} s: {counts}; "
                    f"see the logs in {self.settings.var_dir / 'log'}"
                )
            await asyncio.sleep(0.5)

    async def _summarise(self, sessions) -> DemoSummary:
        summary = DemoSummary(
            kecamatan=self.kecamatan,
            tps=len(self.tps_codes),
            photos=len(self.plan),
            officers_mistakes=self.mistakes,
            results_url=f"http://127.0.0.1:{self.settings.results_port}/",
        )
        async with sessions() as session:
            for tps in self.tps_codes:
                latest = await session.scalar(
                    select(TallyVersion)
                    .where(TallyVersion.tps_code == tps)
                    .order_by(TallyVersion.version.desc())
                    .limit(1)
                )
                if latest is None:
                    if await session.scalar(
                        select(func.count()).where(
                            Decision.tps_code == tps, Decision.outcome == "review"
                        )
                    ):
                        summary.review_tps.append(tps)
                    continue
                summary.published_tps.append(tps)
                published = json.loads(latest.values)
                # A zero the officer left blank is read as blank, and counts as zero.
                if any((published.get(f) or 0) != (v or 0) for f, v in self.truth[tps].items()):
                    summary.wrong_published_tps.append(tps)
                for name in SUMMED_FIELDS:
                    summary.truth_of_published[name] = summary.truth_of_published.get(name, 0) + (
                        self.truth[tps].get(name) or 0
                    )
            review_verdicts = await session.execute(
                select(Decision.tps_code, Decision.verdict).where(
                    Decision.tps_code.in_(summary.review_tps), Decision.outcome == "review"
                )
            )
            rules = Counter(
                rule
                for _, rule in {
                    (tps, finding["rule"])
                    for tps, verdict in review_verdicts
                    for finding in json.loads(verdict)["findings"]
                    if finding["severity"] == "hard"
                }
            )
            summary.review_rules = dict(rules.most_common())
            summary.rejected_photos = await session.scalar(
                select(func.count()).where(
                    Decision.tps_code.in_(self.tps_codes), Decision.outcome == "reject"
                )
            )
            kecamatan_totals = await session.execute(
                select(RegionTotal.item, RegionTotal.amount).where(
                    RegionTotal.contest_code == self.contest,
                    RegionTotal.region_code == self.kecamatan,
                )
            )
            amounts = dict(kecamatan_totals.all())
            summary.published_totals = {name: amounts.get(name, 0) for name in SUMMED_FIELDS}
            tps_total = await session.scalar(
                select(func.count()).where(Tps.kelurahan_code.startswith(self.kecamatan + "."))
            )
        if tps_total != len(self.tps_codes):
            self.console.print(
                f"(the demo used {len(self.tps_codes)} of the kecamatan's {tps_total} TPS)"
            )
        return summary

    def _report(self, summary: DemoSummary) -> None:
        table = Table(
            "",
            "published",
            "truth of the published TPS",
            "difference",
            title=f"Kecamatan {self.kecamatan}: {len(summary.published_tps)} of {summary.tps} "
            "TPS published",
        )
        for name in SUMMED_FIELDS:
            published = summary.published_totals.get(name, 0)
            truth = summary.truth_of_published.get(name, 0)
            table.add_row(name, f"{published:,}", f"{truth:,}", f"{published - truth:+,}")
        self.console.print(table)
        caught = [tps for tps in summary.officers_mistakes if tps not in summary.published_tps]
        self.console.print(
            f"Waiting for a reviewer: {len(summary.review_tps)} TPS "
            f"(officers' own mistakes caught: {len(caught)} of {len(summary.officers_mistakes)}); "
            f"photos rejected as unreadable: {summary.rejected_photos}"
        )
        if summary.review_rules:
            self.console.print(
                "Why they wait (rule: TPS held back by it): "
                + ", ".join(f"{rule}: {count}" for rule, count in summary.review_rules.items())
            )
        wrong = summary.wrong_published_tps
        self.console.print(
            f"Published TPS whose numbers differ from the truth (silent errors): {len(wrong)}"
            + (f" {wrong}" if wrong else "")
        )
        self.console.print(f"Public results: {summary.results_url}")
