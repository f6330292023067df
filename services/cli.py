"""`rekap`: the command line, and the composition root that starts each part."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.common.settings import Settings

app = typer.Typer(
    help="Rekap: photographed result forms in, verified public results out.", no_args_is_help=True
)
officers_app = typer.Typer(help="KPPS officers (uploaders).", no_args_is_help=True)
reviewers_app = typer.Typer(help="PPS reviewers.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
schemas_app = typer.Typer(help="Generated contract documents.", no_args_is_help=True)
forms_app = typer.Typer(help="The printed C.Hasil-KWK form.", no_args_is_help=True)
totals_app = typer.Typer(help="The region totals of the public feed.", no_args_is_help=True)
app.add_typer(officers_app, name="officers")
app.add_typer(reviewers_app, name="reviewers")
app.add_typer(db_app, name="db")
app.add_typer(schemas_app, name="schemas")
app.add_typer(forms_app, name="forms")
app.add_typer(totals_app, name="totals")
console = Console()
errors = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


@app.command()
def up() -> None:
    """Start the embedded stack (nats-server, database, every service) until Ctrl-C."""
    from services.embedded_stack import EmbeddedStack, occupied_ports

    settings = Settings()
    if busy := occupied_ports(settings):
        raise fail(
            f"port(s) {', '.join(map(str, busy))} already in use: is `rekap up` running "
            "already? Set REKAP_EMBEDDED_NATS_PORT / REKAP_INGEST_PORT to use others."
        )
    report = asyncio.run(_prepare_database(settings))
    if report:
        console.print(report)
    stack = EmbeddedStack(settings, say=console.print)
    try:
        stack.start()
        print(
            "\nReady. Mint an officer token:  rekap officers issue --tps 3171011001001\n"
            "Upload:  curl -H 'Authorization: Bearer <token>' -F photo=@form.jpg "
            f"-F contest=PILGUB-31-2024 http://127.0.0.1:{settings.ingest_port}/api/v1/uploads\n"
            "Watch:   rekap status            Stop: Ctrl-C",
            flush=True,
        )
        stack.supervise_until_interrupted()
    finally:
        stack.stop()


@app.command()
def demo(
    kecamatan: Annotated[
        str | None, typer.Option(help="Dotted kecamatan code; default: the smallest one.")
    ] = None,
    tps: Annotated[int | None, typer.Option(help="Use only the first N of its TPS.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the simulated election night.")] = 2024,
    megapixels: Annotated[float, typer.Option(help="Size of the simulated photos.")] = 3.0,
    keep_running: Annotated[
        bool, typer.Option(help="Keep the stack and the public page running until Ctrl-C.")
    ] = True,
) -> None:
    """Election night of one kecamatan: both officers of every TPS upload simulated photos;
    watch them read, judged and published, then compare the totals with the truth."""
    from services.demo import Demo, smallest_kecamatan
    from services.embedded_stack import occupied_ports

    settings = Settings()
    if busy := occupied_ports(settings):
        raise fail(
            f"port(s) {', '.join(map(str, busy))} already in use: is `rekap up` running? "
            "Stop it, or set REKAP_*_PORT to use others."
        )
    try:
        run = Demo(settings, kecamatan or smallest_kecamatan(), tps, seed, megapixels, console)
    except ValueError as error:
        raise fail(str(error)) from None
    summary = run.run(_prepare_database, keep_running)
    if summary.wrong_published_tps:
        raise fail(f"published numbers differ from the truth at {summary.wrong_published_tps}")


async def _prepare_database(settings: Settings) -> str | None:
    """Migrate, and load the master data on the first start. Returns what was loaded."""
    from services.common.database.engine import make_engine
    from services.common.database.migrate import upgrade_to_head
    from services.common.masterdata import master_data_loaded, seed

    engine = make_engine(settings)
    try:
        await upgrade_to_head(engine)
        if await master_data_loaded(engine):
            return None
    finally:
        await engine.dispose()
    return str(await seed(settings))


@app.command()
def serve(name: Annotated[str, typer.Argument(help="The service to run, e.g. ingest.")]) -> None:
    """Run one service in this process (what `rekap up` starts for each)."""
    import importlib

    import uvicorn

    from services.embedded_stack import services_of

    settings = Settings()
    known = {service.name: service for service in services_of(settings)}
    if name not in known:
        raise fail(f"no service {name!r}; the services so far: {', '.join(known)}")
    create_app = importlib.import_module(f"services.{name}.app").create_app
    uvicorn.run(
        create_app(settings),
        host=settings.bind_host,
        port=known[name].port,
        log_level="info",
        access_log=name == "ingest",
        timeout_graceful_shutdown=3,  # open event streams must not hold a stop
    )


@app.command()
def seed() -> None:
    """Load the master data (Jakarta: regions, TPS with DPT, contest, officers, reviewers)."""
    from services.common.masterdata import seed as load

    console.print(str(asyncio.run(load(Settings()))))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from services.common.database.engine import make_engine
    from services.common.database.migrate import upgrade_to_head

    async def run() -> None:
        engine = make_engine(Settings())
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    console.print("database at the newest schema")


@officers_app.command("issue")
def officers_issue(
    tps: Annotated[str, typer.Option(help="13-digit TPS code, e.g. 3171011001001.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Mint tokens for both officers of a TPS (printed once; older ones are revoked)."""
    from services.common.tokens import issue_officer_tokens

    _print_tokens(asyncio.run(_issue(issue_officer_tokens, tps)), as_json)


@reviewers_app.command("issue")
def reviewers_issue(
    kelurahan: Annotated[str, typer.Option(help="Kelurahan code, e.g. 31.71.01.1001.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Mint a token for the reviewer of a kelurahan (printed once; older ones are revoked)."""
    from services.common.tokens import issue_reviewer_tokens

    _print_tokens(asyncio.run(_issue(issue_reviewer_tokens, kelurahan)), as_json)


async def _issue(issue, scope: str):
    from services.common.database.engine import make_engine, make_sessionmaker
    from services.common.tokens import UnknownScope

    engine = make_engine(Settings())
    try:
        async with make_sessionmaker(engine)() as session:
            tokens = await issue(session, scope)
            await session.commit()
            return tokens
    except UnknownScope as error:
        raise fail(f"{error}") from None
    finally:
        await engine.dispose()


def _print_tokens(tokens, as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(token) for token in tokens]))
        return
    for token in tokens:
        print(f"{token.officer_id}  scope {token.scope}  token {token.token}")
    print("Tokens are shown only now; Rekap keeps only their hashes.")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Streams, consumer lag, dead letters and the unsent outbox of the running stack."""
    from services.stack_status import read_status

    settings = Settings()
    try:
        state = asyncio.run(read_status(settings))
    except (OSError, TimeoutError) as error:
        raise fail(
            f"cannot reach NATS at {settings.nats_url} ({error}); is `rekap up` running?"
        ) from None
    if as_json:
        print(json.dumps(asdict(state), default=str, indent=2))
        return
    streams = Table("stream", "subjects", "messages", "bytes", "last seq", title="Streams")
    for s in state.streams:
        streams.add_row(
            s.name, " ".join(s.subjects), str(s.messages), str(s.bytes), str(s.last_sequence)
        )
    consumers = Table(
        "consumer", "stream", "waiting (lag)", "in flight", "redelivered", title="Durable consumers"
    )
    for c in state.consumers:
        consumers.add_row(c.durable, c.stream, str(c.waiting), str(c.in_flight), str(c.redelivered))
    console.print(streams, consumers)
    if state.missing:
        console.print(f"[yellow]not declared yet:[/yellow] {', '.join(state.missing)}")
    console.print(f"Dead letters: {state.dead_letters_total}")
    for letter in state.recent_dead_letters:
        console.print(
            f"  {letter.dead_lettered_at:%Y-%m-%d %H:%M:%S} {letter.consumer} "
            f"{letter.original_subject}#{letter.original_sequence} {letter.reason}: {letter.error}"
        )
    unsent = "unknown (no database)" if state.outbox_unsent is None else state.outbox_unsent
    console.print(f"Outbox events not yet on the broker: {unsent}")


@app.command()
def verify(
    url: Annotated[
        str, typer.Argument(help="The results service, e.g. http://127.0.0.1:8000.")
    ] = "http://127.0.0.1:8000",
    key: Annotated[
        Path | None,
        typer.Option(help="The log's public key to pin (PEM, or hex of the raw key)."),
    ] = None,
    heads: Annotated[
        Path | None,
        typer.Option(help="Heads this mirror kept (JSON lines); new signed heads are appended."),
    ] = None,
    tps: Annotated[
        str | None, typer.Option(help="Check only this TPS, by its inclusion proofs.")
    ] = None,
    photos: Annotated[
        bool,
        typer.Option("--photos/--no-photos", help="Download every photo and check its sha256."),
    ] = True,
) -> None:
    """Check a results feed against its signed tree heads: records, proofs, photos, forks."""
    from services.verify_feed import FeedUnavailable, verify_feed_at

    try:
        report = verify_feed_at(url, key_file=key, heads_file=heads, tps=tps, check_photos=photos)
    except FeedUnavailable as error:
        raise fail(f"cannot verify {url}: {error}") from None
    console.print(report.summary(), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@totals_app.command("check")
def totals_check() -> None:
    """Recompute every region's totals from the applied tallies and report any difference."""
    from services.aggregate.rollup import check_totals
    from services.common.database.engine import make_engine, make_sessionmaker

    async def run():
        engine = make_engine(Settings())
        try:
            async with make_sessionmaker(engine)() as session:
                return await check_totals(session)
        finally:
            await engine.dispose()

    check = asyncio.run(run())
    console.print(
        f"recomputed {check.regions_checked} region totals from {check.tallies_summed} tallies"
    )
    for tps, contest, applied, latest in check.not_yet_applied:
        console.print(
            f"[yellow]not yet applied:[/yellow] {contest} TPS {tps}: "
            f"version {applied} in the totals, {latest} accepted"
        )
    for contest, region, item, kept, recomputed in check.differences:
        console.print(
            f"[red]difference:[/red] {contest} {region} {item}: "
            f"kept {kept}, recomputed {recomputed}"
        )
    if not check.consistent:
        raise fail(f"{len(check.differences)} totals differ from the tallies")
    console.print("every total equals the sum of its tallies")


@schemas_app.command("generate")
def schemas_generate() -> None:
    """Write the JSON Schema files and the AsyncAPI document from schemas/events.py."""
    from schemas.generate import generate

    for path in generate():
        console.print(f"wrote {path}")


@schemas_app.command("check")
def schemas_check() -> None:
    """Fail when the generated documents are stale."""
    from schemas.generate import generate

    if stale := generate(check=True):
        raise fail("stale: " + ", ".join(map(str, stale)) + "; run `rekap schemas generate`")
    console.print("generated documents are up to date")


@app.command()
def read(
    photos: Annotated[list[Path], typer.Argument(help="Photos of C.Hasil-KWK forms.")],
    contest: Annotated[str | None, typer.Option(help="The uploader's contest.")] = None,
    tps: Annotated[str | None, typer.Option(help="The uploader's TPS (rule 9 applies).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per photo.")] = False,
) -> None:
    """Read photos offline with the services' reader and rules: accept, review or reject."""
    from services.ocr.digits import ModelMissing
    from services.ocr.printed_text import TesseractMissing
    from services.ocr.reader import FormReader, read_on_one_core
    from services.read_photos import read_photos

    read_on_one_core()
    try:
        reader = FormReader()
    except (ModelMissing, TesseractMissing) as error:
        raise fail(str(error)) from None
    for line in read_photos(photos, reader, contest, tps):
        if as_json:
            print(json.dumps(line), flush=True)
            continue
        qr = line["qr"]
        where = f"{qr['contest']} TPS {qr['tps']}" if qr else "QR unreadable"
        console.print(f"[bold]{line['photo']}[/bold]  {where}  -> {line['verdict']}")
        for reason in line["reasons"]:
            console.print(f"    {reason}")


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder for NNNN.jpg and truth.jsonl.")],
    count: Annotated[int, typer.Option(help="How many photos.")] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same photos.")] = 1,
    held_out: Annotated[
        bool, typer.Option("--held-out", help="Use the writers kept out of training.")
    ] = False,
    megapixels: Annotated[float | None, typer.Option(help="Fixed size (2-12).")] = None,
) -> None:
    """Simulated phone photos of filled forms, with their truth (tests, demo, benchmarks)."""
    from simulation.scenarios import simulate_set
    from simulation.writers import HELD_OUT_WRITERS, TRAINING_WRITERS

    writers = HELD_OUT_WRITERS if held_out else TRAINING_WRITERS
    truth = simulate_set(out, count, seed, writers=writers, megapixels=megapixels)
    console.print(f"{count} photos in {out}, truth in {truth}")


bench_app = typer.Typer(help="Benchmarks: numbers and ratios measured side by side.")
app.add_typer(bench_app, name="bench")


@bench_app.command("read")
def bench_read(
    count: Annotated[int, typer.Option(help="Photos per size.")] = 40,
    seed: Annotated[int, typer.Option(help="Same seed, same photos.")] = 7,
    printed_text: Annotated[
        bool, typer.Option(help="Include Tesseract's read of the printed region block.")
    ] = True,
    printers: Annotated[
        str,
        typer.Option(
            help="'rekap': forms as `rekap forms render` prints them; 'other': in turn by "
            "other print shops (other fonts and line widths, grey toner, shrunk, photocopied)."
        ),
    ] = "rekap",
    only: Annotated[
        str | None,
        typer.Option(
            help="Photos of this kind only (clean, mistake, other, badly_framed, qr_damaged): "
            "'mistake' puts the promise never to publish an officers' mistake to the test."
        ),
    ] = None,
) -> None:
    """Reader and judge on simulated 12 MP and 3 MP photos of unseen writers."""
    from services.bench_read import report, run_bench
    from simulation.render import OTHER_PRINTERS, REKAP_PRINT
    from simulation.scenarios import DEFAULT_MIX, KINDS

    styles = {"rekap": (REKAP_PRINT,), "other": OTHER_PRINTERS}
    if printers not in styles:
        raise typer.BadParameter(f"--printers must be one of {', '.join(styles)}")
    if only is not None and only not in KINDS:
        raise typer.BadParameter(f"--only must be one of {', '.join(KINDS)}")
    mix = DEFAULT_MIX if only is None else {only: 1.0}
    for megapixels in (12.0, 3.0):
        score = run_bench(count, seed, megapixels, printed_text, styles[printers], mix)
        label = f"{megapixels:.0f} MP" + (", other print shops" if printers == "other" else "")
        for line in report(label, score):
            print(line, flush=True)


@bench_app.command("aggregate")
def bench_aggregate(
    tps: Annotated[int | None, typer.Option(help="Only the first N TPS (default: all).")] = None,
    postgres: Annotated[
        str | None,
        typer.Option(
            help="Also on this PostgreSQL (an empty database it may fill), e.g. "
            "postgresql+asyncpg://postgres@127.0.0.1/bench"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same tallies.")] = 7,
) -> None:
    """Accepted tallies into totals and the transparency log, on SQLite (and PostgreSQL)."""
    import tempfile

    from services.bench_aggregate import run_aggregate_bench
    from services.common.database.engine import make_engine, make_sessionmaker
    from services.common.masterdata import seed as load

    async def bench(settings: Settings, name: str):
        await load(settings)
        engine = make_engine(settings)
        try:
            return await run_aggregate_bench(make_sessionmaker(engine), name, tps, seed)
        finally:
            await engine.dispose()

    with tempfile.TemporaryDirectory() as scratch:
        targets = [(Settings(var_dir=Path(scratch)), "SQLite")]
        if postgres:
            targets.append((Settings(var_dir=Path(scratch), database_url=postgres), "PostgreSQL"))
        for settings, name in targets:
            for line in asyncio.run(bench(settings, name)).lines():
                print(line, flush=True)


@forms_app.command("render")
def forms_render(
    tps: Annotated[str | None, typer.Option(help="One TPS (13 digits).")] = None,
    kelurahan: Annotated[str | None, typer.Option(help="Every TPS of a kelurahan.")] = None,
    kota: Annotated[str | None, typer.Option(help="Every TPS of a kota/kabupaten.")] = None,
    out: Annotated[Path, typer.Option(help="Folder to write the PDF and PNGs to.")] = Path("forms"),
    dpi: Annotated[int, typer.Option(help="Print resolution.")] = 300,
) -> None:
    """Print-ready forms to the layout, one page per TPS, with QR and region block."""
    from simulation.batch import render_forms

    scopes = [scope for scope in (tps, kelurahan, kota) if scope]
    if len(scopes) != 1:
        raise fail("give exactly one of --tps, --kelurahan, --kota")
    try:
        written = render_forms(scopes[0], out, dpi)
    except (KeyError, ValueError) as error:
        raise fail(str(error)) from None
    console.print(f"{written[0]} ({len(written) - 1} pages) and {len(written) - 1} PNGs")


if __name__ == "__main__":
    app()
