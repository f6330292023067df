"""The public page in a real Chromium, over a real `rekap serve results` and nats-server:
totals and progress, drilling down to a TPS's form photo, a live update arriving, and a
disputed TPS marked as such, on a desktop and on a phone."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from playwright.async_api import Page, expect

from schemas.events import ResultsUpdated
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.messaging.embedded_server import free_port
from services.common.photo_store import FilesystemPhotoStore
from services.common.settings import Settings
from services.common.transparency.log_store import append_tally_version, sign_tree_head
from simulation.scenarios import simulate_photo
from simulation.writers import TRAINING_WRITERS
from tests.integration.service_process import RunningService, start_service
from tests.published_tallies import CONTEST, publish, record_upload, tally

pytestmark = pytest.mark.integration

GAMBIR = "31.71.01.1001"
WITH_FORM, DISPUTED, LATE = "3171011001001", "3171011001002", "3171011001003"
ELSEWHERE = "3175011001001"
NOW = datetime(2024, 11, 27, 14, 30, tzinfo=UTC)


@functools.cache
def simulated_form() -> tuple[bytes, dict[str, int | None]]:
    """A phone photo of TPS 001's filled form, and the numbers written on it."""
    photo = simulate_photo(7, WITH_FORM, TRAINING_WRITERS[0], megapixels=2)
    return photo.jpeg, photo.truth.values


def plain_photo(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), (shade, shade, 240)).save(buffer, "JPEG")
    return buffer.getvalue()


async def record(var_dir, *tallies) -> None:
    engine = make_engine(Settings(var_dir=var_dir))
    async with make_sessionmaker(engine)() as session:
        await publish(session, *tallies)
    await engine.dispose()


async def announce(nats_url: str, tps: str, version: int) -> None:
    """What the aggregate service publishes once the totals moved."""
    update = ResultsUpdated(
        contest=CONTEST,
        tps=tps,
        version=version,
        region_codes=[GAMBIR, "31.71.01", "31.71", "31"],
        updated_at=datetime.now(UTC),
    )
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(
            update.SUBJECT, update.model_dump_json().encode(), stream=update.STREAM
        )
    finally:
        await client.close()


@dataclass
class Site:
    url: str
    var_dir: Path
    nats_url: str


@pytest.fixture
async def site(nats_server, seeded_var_dir, tmp_path) -> AsyncIterator[Site]:
    """Gambir (Jakarta Pusat) on election night: TPS 001 published with its form photo (and
    logged under a signed tree head), TPS 002 disputed, TPS 003 not yet in; and one TPS in
    Jakarta Timur."""
    jpeg, values = simulated_form()
    settings = Settings(var_dir=seeded_var_dir)
    engine = make_engine(settings)
    store = FilesystemPhotoStore(settings.resolved_photo_dir)
    async with make_sessionmaker(engine)() as session:
        await record_upload(session, store, WITH_FORM, jpeg, 1, "accept", at=NOW)
        await record_upload(session, store, DISPUTED, plain_photo(200), 2, "accept", at=NOW)
        await record_upload(session, store, DISPUTED, plain_photo(120), 3, "review", at=NOW)
        with_form = tally(WITH_FORM, (0, 0, 0)).model_copy(update={"values": values})
        await publish(
            session,
            with_form,
            tally(DISPUTED, (100, 20, 130), disputed=True),
            tally(ELSEWHERE, (50, 50, 50), invalid=0),
        )
        await append_tally_version(session, with_form, NOW)
        await sign_tree_head(session, Ed25519PrivateKey.generate(), NOW)
        await session.commit()
    await engine.dispose()
    env = {"REKAP_VAR_DIR": str(seeded_var_dir), "REKAP_NATS_URL": nats_server.url}
    results = start_service("results", env, free_port(), tmp_path / "results.log")
    try:
        await following_the_broker(results)
        yield Site(results.url, seeded_var_dir, nats_server.url)
    finally:
        results.kill()


async def following_the_broker(results: RunningService) -> None:
    for _ in range(100):
        if results.health()["broker"] == "connected":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"results never followed the broker:\n{results.log.read_text()}")


def votes_of(values: dict[str, int | None]) -> tuple[int, int, int]:
    return tuple(values[f"suara_paslon_{n}"] for n in (1, 2, 3))


def shown(number: int) -> str:
    """As the page writes a count (Indonesian thousands separator)."""
    return f"{number:,}".replace(",", ".")


async def test_the_contest_page_shows_totals_progress_and_shares(site, desktop: Page):
    _, values = simulated_form()
    await desktop.goto(site.url)
    await expect(desktop.locator("#region-name")).to_have_text("Daerah Khusus Ibukota Jakarta")
    await expect(desktop.locator("#tps-reported")).to_have_text("3")
    await expect(desktop.locator("#tps-total")).to_have_text("14.835")
    first = values["suara_paslon_1"] + 100 + 50
    await expect(desktop.locator('.candidate[data-candidate="1"] .votes')).to_have_text(
        shown(first)
    )
    valid = values["suara_sah"] + 250 + 150
    await expect(desktop.locator("#suara-sah")).to_have_text(shown(valid))
    share = f"{100 * first / valid:.2f}".replace(".", ",") + "%"
    await expect(desktop.locator('.candidate[data-candidate="1"] .share')).to_have_text(share)
    await expect(desktop.locator("[data-provisional]")).to_contain_text("Hasil sementara")
    drawn = await desktop.evaluate("!!Chart.getChart(document.getElementById('share-chart'))")
    assert drawn
    await expect(desktop.locator('tr[data-code="31.71"]')).to_contain_text("2/")


async def test_drilling_down_to_a_tps_shows_its_form_photo_beside_its_numbers(site, desktop: Page):
    jpeg, values = simulated_form()
    await desktop.goto(site.url)
    for code in ("31.71", "31.71.01", GAMBIR, WITH_FORM):
        await desktop.locator(f'tr[data-code="{code}"] th a').click()
    await expect(desktop.locator("#region-name")).to_have_text("TPS 001")
    await expect(desktop.locator(".crumbs")).to_contain_text("Gambir")
    photo = desktop.locator(f'figure[data-sha256="{hashlib.sha256(jpeg).hexdigest()}"] img')
    await expect(photo).to_be_visible()
    assert await photo.evaluate("img => img.complete && img.naturalWidth > 0")
    for n, votes in enumerate(votes_of(values), start=1):
        await expect(desktop.locator(f'[data-field="suara_paslon_{n}"]')).to_have_text(shown(votes))
    await expect(desktop.locator('[data-field="suara_sah"]')).to_have_text(
        shown(values["suara_sah"])
    )
    await expect(desktop.locator(".decided")).to_contain_text("otomatis")
    await desktop.locator(".history summary").click()
    await expect(desktop.locator('tr[data-version="1"] [data-log]')).to_have_text("#0 ✓ terbukti")
    photo_box, numbers_box = [
        await desktop.locator(selector).bounding_box() for selector in (".photos", ".numbers")
    ]
    assert photo_box["x"] + photo_box["width"] <= numbers_box["x"], "photo beside the numbers"


async def test_a_new_tally_changes_the_open_page_without_reload(site, desktop: Page):
    await desktop.goto(f"{site.url}/#/{CONTEST}/{GAMBIR}")
    await expect(desktop.locator(f'tr[data-code="{LATE}"]')).to_have_attribute(
        "data-status", "not_reported"
    )
    await expect(desktop.locator("#live")).to_have_attribute("data-state", "live")
    before = await desktop.locator("#suara-sah").inner_text()
    await desktop.evaluate("window.stillTheSamePage = true")

    await record(site.var_dir, tally(LATE, (40, 30, 20), invalid=2))
    await announce(site.nats_url, LATE, 1)

    await expect(desktop.locator(f'tr[data-code="{LATE}"]')).to_have_attribute(
        "data-status", "published", timeout=10_000
    )
    after = int(before.replace(".", "")) + 90
    await expect(desktop.locator("#suara-sah")).to_have_text(shown(after))
    await expect(desktop.locator("#suara-sah")).to_have_class("changed")
    await expect(desktop.locator("#tps-reported")).to_have_text("3")
    assert await desktop.evaluate("window.stillTheSamePage === true")


async def test_a_disputed_tps_is_marked_everywhere_it_shows(site, phone: Page):
    await phone.goto(site.url)
    await expect(phone.locator("[data-disputed]")).to_contain_text("1 TPS disengketakan")
    await phone.goto(f"{site.url}/#/{CONTEST}/{GAMBIR}")
    row = phone.locator(f'tr[data-code="{DISPUTED}"]')
    await expect(row).to_have_attribute("data-status", "disputed")
    await expect(row.locator(".badge")).to_have_text("Disengketakan")
    await row.locator("th a").click()
    section = phone.locator(".tps-contest")
    await expect(section).to_have_attribute("data-status", "disputed")
    await expect(section.locator(".tps-contest-header .badge")).to_have_text("Disengketakan")
    await expect(section.locator("figure.photo")).to_have_count(2)
    await expect(section.locator(".outcome")).to_have_text(["Diterima", "Perlu pemeriksaan"])


async def test_the_page_fits_a_phone_screen(site, phone: Page):
    for route, title in (
        ("", "Daerah Khusus Ibukota Jakarta"),
        (f"#/{CONTEST}/{GAMBIR}", "Gambir"),
        (f"#/tps/{WITH_FORM}", "TPS 001"),
    ):
        await phone.goto(f"{site.url}/{route}")
        await expect(phone.locator("#region-name")).to_have_text(title)
        overflow = await phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{route or 'home'} is {overflow}px wider than the phone"
