"""The public results API against its contract (DESIGN.md, "Interfaces others rely on"):
totals per region down to the TPS, a TPS's photos, values, status and history, caching, and
the live stream from a real nats-server through a real `rekap serve results` process."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from datetime import UTC, datetime

import httpx
import nats
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from schemas.events import ResultsUpdated
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.models import Submission
from services.common.messaging.embedded_server import free_port, start_nats_server
from services.common.photo_store import FilesystemPhotoStore
from services.common.settings import Settings
from services.common.transparency.log_store import append_tally_version, sign_tree_head
from services.common.transparency.merkle import verify_inclusion
from services.results.app import create_app
from services.results.stream import UpdateBroadcaster
from tests.published_tallies import CONTEST, publish, record_upload, tally

pytestmark = pytest.mark.integration

GAMBIR = "31.71.01.1001"  # a kelurahan of Jakarta Pusat with five TPS
PUBLISHED, CORRECTED, DISPUTED, IN_REVIEW, BEING_READ = (
    f"3171011001{n:03d}" for n in (1, 2, 3, 4, 5)
)
ELSEWHERE = "3175011001001"  # Jakarta Timur
NOW = datetime(2024, 11, 27, 15, tzinfo=UTC)


def form_photo(seed: int) -> bytes:
    image = Image.new("RGB", (600, 800), (250, 250, 245 - seed))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


async def upload(session, store, tps: str, seed: int, outcome: str | None) -> Submission:
    return await record_upload(
        session, store, tps, form_photo(seed), seed, outcome, at=NOW, reasons=(f"{outcome}: test",)
    )


async def election_night(var_dir) -> dict[str, Submission]:
    """Gambir's five TPS in every state, and one TPS in Jakarta Timur."""
    settings = Settings(var_dir=var_dir)
    engine = make_engine(settings)
    store = FilesystemPhotoStore(settings.resolved_photo_dir)
    uploads = {}
    async with make_sessionmaker(engine)() as session:
        uploads[PUBLISHED] = await upload(session, store, PUBLISHED, 1, "accept")
        uploads[CORRECTED] = await upload(session, store, CORRECTED, 2, "review")
        uploads[DISPUTED] = await upload(session, store, DISPUTED, 3, "accept")
        await upload(session, store, DISPUTED, 4, "review")
        await upload(session, store, IN_REVIEW, 5, "review")
        await upload(session, store, BEING_READ, 6, None)
        accepted = [
            tally(PUBLISHED, (100, 20, 130), photos=(), decided_by="auto"),
            tally(CORRECTED, (90, 10, 110), invalid=4),
            tally(CORRECTED, (91, 10, 110), invalid=3, version=2, decided_by="reviewer:PPS-7"),
            tally(DISPUTED, (80, 5, 120), disputed=True),
            tally(ELSEWHERE, (50, 50, 50), invalid=0),
        ]
        await publish(session, *accepted)
        for event in accepted[:-1]:
            await append_tally_version(session, event, NOW)
        await sign_tree_head(session, Ed25519PrivateKey.generate(), NOW)
        await append_tally_version(session, accepted[-1], NOW)  # not signed yet
        await session.commit()
    await engine.dispose()
    return uploads


@pytest.fixture
async def client(seeded_var_dir):
    """The results app in process (no broker: the numbers serve without one)."""
    await election_night(seeded_var_dir)
    settings = Settings(var_dir=seeded_var_dir, nats_url=f"nats://127.0.0.1:{free_port()}")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://results") as client:
        yield client


async def test_the_whole_contest_adds_up_every_published_tps(client):
    response = await client.get(f"/api/v1/results/{CONTEST}")
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == {
        "code": "31",
        "name": "Daerah Khusus Ibukota Jakarta",
        "level": "provinsi",
        "parent_code": None,
    }
    assert [(c["number"], c["votes"]) for c in body["candidates"]] == [
        (1, 100 + 91 + 80 + 50),
        (2, 20 + 10 + 5 + 50),
        (3, 130 + 110 + 120 + 50),
    ]
    assert body["candidates"][0]["name"].startswith("Ridwan Kamil")
    assert body["suara_sah"] == sum(c["votes"] for c in body["candidates"])
    assert body["suara_tidak_sah"] == 5 + 3 + 5 + 0
    assert body["candidates"][2]["share"] == round(100 * 410 / body["suara_sah"], 2)
    assert (body["tps_reported"], body["tps_total"], body["tps_disputed"]) == (4, 14835, 1)
    assert body["children_level"] == "kota"
    kota = {child["region"]["code"]: child for child in body["children"]}
    assert len(kota) == 6
    assert sum(child["tps_total"] for child in kota.values()) == 14835
    pusat, timur = kota["31.71"], kota["31.75"]
    assert (pusat["tps_reported"], pusat["tps_disputed"], pusat["suara_sah"]) == (
        3,
        1,
        250 + 211 + 205,
    )
    assert [c["votes"] for c in timur["candidates"]] == [50, 50, 50]
    assert kota["31.01"]["tps_reported"] == 0


async def test_a_kelurahan_lists_its_tps_with_their_status(client):
    body = (await client.get(f"/api/v1/results/{CONTEST}/{GAMBIR}")).json()
    assert [r["code"] for r in body["path"]] == ["31", "31.71", "31.71.01", GAMBIR]
    assert body["region"]["name"] == "Gambir"
    assert body["children_level"] == "tps"
    children = {child["region"]["code"]: child for child in body["children"]}
    assert {code: child["status"] for code, child in children.items()} == {
        PUBLISHED: "published",
        CORRECTED: "published",
        DISPUTED: "disputed",
        IN_REVIEW: "waiting_for_review",
        BEING_READ: "being_read",
    }
    assert children[CORRECTED]["region"] == {
        "code": CORRECTED,
        "name": "TPS 002",
        "level": "tps",
        "parent_code": GAMBIR,
    }
    assert [c["votes"] for c in children[CORRECTED]["candidates"]] == [91, 10, 110]
    assert (children[DISPUTED]["tps_reported"], children[DISPUTED]["tps_disputed"]) == (1, 1)
    assert (children[IN_REVIEW]["tps_reported"], children[IN_REVIEW]["suara_sah"]) == (0, 0)
    assert (body["tps_reported"], body["tps_total"]) == (3, 5)


async def test_a_tps_shows_its_values_decision_photos_and_history(client):
    body = (await client.get(f"/api/v1/tps/{CORRECTED}")).json()
    assert body["tps"] == {
        "code": CORRECTED,
        "number": 2,
        "name": "TPS 002",
        "kelurahan_code": GAMBIR,
        "dpt_l": body["tps"]["dpt_l"],
        "dpt_p": body["tps"]["dpt_p"],
        "dpt_jml": body["tps"]["dpt_l"] + body["tps"]["dpt_p"],
    }
    assert [r["name"] for r in body["path"]][-1] == "Gambir"
    [contest] = body["contests"]
    assert contest["contest"]["code"] == CONTEST
    assert (contest["status"], contest["version"], contest["disputed"]) == ("published", 2, False)
    assert (contest["decided_by"], contest["reviewer"]) == ("reviewer:PPS-7", "PPS-7")
    assert contest["values"]["suara_paslon_1"] == 91
    assert contest["values"]["suara_tidak_sah"] == 3
    assert [c["votes"] for c in contest["candidates"]] == [91, 10, 110]
    assert [(v["version"], v["decided_by"]) for v in contest["history"]] == [
        (1, "auto"),
        (2, "reviewer:PPS-7"),
    ]
    assert contest["history"][0]["values"]["suara_paslon_1"] == 90
    [photo] = contest["photos"]
    assert photo["sha256"] == hashlib.sha256(form_photo(2)).hexdigest()
    assert photo["url"] == f"/photos/{photo['sha256']}"
    assert (photo["outcome"], photo["reasons"]) == ("review", ["review: test"])


async def test_a_tps_carries_the_transparency_log_proof_of_each_version(client):
    body = (await client.get(f"/api/v1/tps/{CORRECTED}")).json()
    assert [(record["version"], record["leaf_index"]) for record in body["log"]] == [(1, 1), (2, 2)]
    for record in body["log"]:
        head = record["tree_head"]
        assert head["tree_size"] == 4
        assert verify_inclusion(
            bytes.fromhex(record["leaf_hash"]),
            record["leaf_index"],
            head["tree_size"],
            [bytes.fromhex(node) for node in record["inclusion_proof"]],
            bytes.fromhex(head["root_hash"]),
        )
    [unsigned] = (await client.get(f"/api/v1/tps/{ELSEWHERE}")).json()["log"]
    assert (unsigned["tree_head"], unsigned["inclusion_proof"]) == (None, None)


async def test_a_tps_is_marked_disputed_and_keeps_every_photo(client):
    [contest] = (await client.get(f"/api/v1/tps/{DISPUTED}")).json()["contests"]
    assert (contest["status"], contest["disputed"]) == ("disputed", True)
    assert [photo["outcome"] for photo in contest["photos"]] == ["accept", "review"]


async def test_a_tps_with_nothing_accepted_yet_has_no_numbers(client):
    for tps, status in ((IN_REVIEW, "waiting_for_review"), (BEING_READ, "being_read")):
        [contest] = (await client.get(f"/api/v1/tps/{tps}")).json()["contests"]
        assert contest["status"] == status
        assert (contest["values"], contest["version"], contest["history"]) == (None, None, [])
        assert contest["candidates"] == []
    [contest] = (await client.get("/api/v1/tps/3171011002001")).json()["contests"]
    assert (contest["status"], contest["photos"]) == ("not_reported", [])


async def test_photos_serve_by_hash_and_never_change(client):
    [contest] = (await client.get(f"/api/v1/tps/{PUBLISHED}")).json()["contests"]
    [photo] = contest["photos"]
    assert photo["in_versions"] == [1]
    response = await client.get(photo["url"])
    assert response.status_code == 200
    assert response.content == form_photo(1)
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    for bad in ("0" * 64, "not-a-hash", "A" * 64):
        missing = await client.get(f"/photos/{bad}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


async def test_results_are_cacheable_and_revalidate_with_their_etag(client):
    first = await client.get(f"/api/v1/results/{CONTEST}/31.71")
    assert first.headers["cache-control"] == "public, max-age=5, stale-while-revalidate=30"
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = await client.get(f"/api/v1/results/{CONTEST}/31.71", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    other = await client.get(f"/api/v1/results/{CONTEST}/31.72", headers={"If-None-Match": etag})
    assert other.status_code == 200
    tps = await client.get(f"/api/v1/tps/{PUBLISHED}")
    assert tps.headers["cache-control"] == first.headers["cache-control"]
    tps_again = await client.get(
        f"/api/v1/tps/{PUBLISHED}", headers={"If-None-Match": tps.headers["etag"]}
    )
    assert tps_again.status_code == 304


async def test_unknown_contest_region_or_tps_is_a_clear_404(client):
    for path, mentions in (
        ("/api/v1/results/PILGUB-99-2024", "PILGUB-99-2024"),
        (f"/api/v1/results/{CONTEST}/31.71.99", "31.71.99"),
        (f"/api/v1/results/{CONTEST}/32.01", "32.01"),
        ("/api/v1/tps/3171011001999", "3171011001999"),
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        error = response.json()["error"]
        assert error["code"] == "not_found"
        assert mentions in error["message"]


async def test_contests_are_listed_with_their_candidates(client):
    [contest] = (await client.get("/api/v1/contests")).json()
    assert contest["code"] == CONTEST
    assert contest["region_code"] == "31"
    assert [c["number"] for c in contest["candidates"]] == [1, 2, 3]


async def test_the_page_and_its_assets_are_served(client):
    page = await client.get("/")
    assert page.status_code == 200
    assert 'lang="id"' in page.text
    chart = await client.get("/static/vendor/chart.js-4.6.1/chart.umd.min.js")
    assert chart.status_code == 200
    assert chart.headers["cache-control"] == "public, max-age=31536000, immutable"
    script = await client.get("/static/app.js")
    assert script.headers["cache-control"] == "public, max-age=3600"


# ---- the live stream, through a real process and a real broker ----------------------------


def results_updated(tps: str, version: int) -> ResultsUpdated:
    return ResultsUpdated(
        contest=CONTEST,
        tps=tps,
        version=version,
        region_codes=[GAMBIR, "31.71.01", "31.71", "31"],
        updated_at=NOW,
    )


async def announce(nats_url: str, update: ResultsUpdated) -> None:
    """What the aggregate service publishes once the totals moved."""
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(
            update.SUBJECT,
            update.model_dump_json().encode(),
            headers={"Nats-Msg-Id": update.message_id()},
        )
    finally:
        await client.close()


async def next_update(lines) -> dict:
    """The next `results` event's data from an SSE line iterator."""
    event = None
    async for line in lines:
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:") and event == "results":
            return json.loads(line.removeprefix("data:"))
    raise AssertionError("the stream ended")


async def wait_for_health(url: str, **expected) -> dict:
    async with httpx.AsyncClient() as http:
        for _ in range(100):
            health = (await http.get(f"{url}/healthz")).json()
            if all(health.get(key) == value for key, value in expected.items()):
                return health
            await asyncio.sleep(0.1)
    raise AssertionError(f"health never became {expected}: {health}")


async def test_updates_reach_every_stream_client(nats_server, seeded_var_dir, launch_service):
    results = launch_service(
        "results", {"REKAP_VAR_DIR": str(seeded_var_dir), "REKAP_NATS_URL": nats_server.url}
    )
    await wait_for_health(results.url, broker="connected")
    update = results_updated(PUBLISHED, 1)
    async with (
        httpx.AsyncClient(base_url=results.url, timeout=10) as first,
        httpx.AsyncClient(base_url=results.url, timeout=10) as second,
        first.stream("GET", "/api/v1/stream") as one,
        second.stream("GET", f"/api/v1/stream?contest={CONTEST}") as other,
    ):
        assert one.headers["content-type"].startswith("text/event-stream")
        assert one.headers["cache-control"] == "no-cache"
        await wait_for_health(results.url, stream_clients=2)
        await announce(nats_server.url, update)
        for stream in (one, other):
            received = await asyncio.wait_for(next_update(stream.aiter_lines()), 10)
            assert received == update.model_dump(mode="json")


async def test_the_api_serves_without_the_broker_and_follows_once_it_is_up(
    seeded_var_dir, launch_service, tmp_path
):
    port = free_port()
    results = launch_service(
        "results",
        {"REKAP_VAR_DIR": str(seeded_var_dir), "REKAP_NATS_URL": f"nats://127.0.0.1:{port}"},
    )
    assert results.health()["broker"] == "connecting"
    assert httpx.get(f"{results.url}/api/v1/results/{CONTEST}").status_code == 200
    broker = start_nats_server(port, tmp_path / "jetstream")
    try:
        await wait_for_health(results.url, broker="connected")
        async with (
            httpx.AsyncClient(base_url=results.url, timeout=10) as http,
            http.stream("GET", "/api/v1/stream") as stream,
        ):
            await wait_for_health(results.url, stream_clients=1)
            await announce(broker.url, results_updated(CORRECTED, 2))
            received = await asyncio.wait_for(next_update(stream.aiter_lines()), 10)
            assert (received["tps"], received["version"]) == (CORRECTED, 2)
    finally:
        broker.stop()


async def test_a_client_that_falls_behind_is_dropped_without_holding_up_the_others():
    broadcaster = UpdateBroadcaster(queue_size=2)
    with broadcaster.subscribe() as slow, broadcaster.subscribe() as keeping_up:
        received = []
        for version in (1, 2, 3):
            broadcaster.publish(results_updated(PUBLISHED, version))
            received.append(await anext(keeping_up))
        assert [update.version for update in received] == [1, 2, 3]
        assert broadcaster.clients == 1
        assert [update async for update in slow] == []
