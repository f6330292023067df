"""`rekap verify` against the results service: an honest feed passes; a record changed in the
database, a photo replaced in the store and a log rebuilt with a changed past each fail, named."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, HTTPException, Response
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, update

from schemas.events import TallyAccepted
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.migrate import upgrade_to_head
from services.common.database.models import LogEntry, SignedTreeHead
from services.common.photo_store import FilesystemPhotoStore, PhotoNotFound
from services.common.settings import Settings
from services.common.transparency import log_store
from services.common.transparency.heads import load_or_create_signing_key
from services.common.transparency.merkle import leaf_hash
from services.results.app import create_app
from services.verify_feed import VerifyReport, keep_heads, read_kept_heads, verify_feed

pytestmark = pytest.mark.integration

NOW = datetime(2024, 11, 27, 14, tzinfo=UTC)
CONTEST = "PILGUB-31-2024"


def tps_code(number: int) -> str:
    return f"3171011001{number:03d}"


# Appended in three batches; a head is signed after the first two: sizes 4 and 6, then one
# version logged after the latest head.
BATCHES = [[(1, 1), (2, 1), (3, 1), (4, 1)], [(2, 2), (5, 1)], [(6, 1)]]


class FeedUnderTest:
    def __init__(self, var_dir) -> None:
        self.settings = Settings(var_dir=var_dir)
        self.engine = make_engine(self.settings)
        self.sessions = make_sessionmaker(self.engine)
        self.store = FilesystemPhotoStore(self.settings.resolved_photo_dir)
        self.key = load_or_create_signing_key(self.settings.resolved_transparency_key_path)
        self.photos: dict[tuple[int, int], str] = {}

    async def build(self, valid_votes_of_tps_1: int = 200) -> None:
        for batch_number, batch in enumerate(BATCHES):
            async with self.sessions() as session:
                for number, version in batch:
                    sha256 = await self.store.put(f"form photo {number}/{version}".encode())
                    self.photos[number, version] = sha256
                    votes = valid_votes_of_tps_1 if number == 1 else 150 + number
                    await log_store.append_tally_version(
                        session, tally(number, version, votes, sha256), NOW
                    )
                if batch_number < 2:
                    await log_store.sign_tree_head(session, self.key, NOW)
                await session.commit()

    async def execute(self, statement) -> None:
        async with self.sessions() as session:
            await session.execute(statement)
            await session.commit()

    def app(self) -> FastAPI:
        app = create_app(self.settings)
        if not any(getattr(route, "path", "") == "/photos/{sha256}" for route in app.routes):

            @app.get("/photos/{sha256}")
            async def photo(sha256: str) -> Response:
                try:
                    return Response(await self.store.get(sha256), media_type="image/jpeg")
                except PhotoNotFound:
                    raise HTTPException(404, "no such photo") from None

        return app

    def verify(self, **options) -> VerifyReport:
        with TestClient(self.app()) as client:
            return verify_feed(client, **options)


def tally(number: int, version: int, valid_votes: int, photo_sha256: str) -> TallyAccepted:
    return TallyAccepted(
        contest=CONTEST,
        tps=tps_code(number),
        version=version,
        values={"suara_sah": valid_votes, "suara_paslon_1": valid_votes - 50, "suara_paslon_2": 50},
        candidate_votes={1: valid_votes - 50, 2: 50},
        decided_by="auto" if version == 1 else "reviewer:pps-3171011001",
        submission_ids=[f"submission-{number}-{version}"],
        photo_sha256s=[photo_sha256],
        accepted_at=NOW,
    )


@pytest.fixture
async def feed(var_dir):
    feed = FeedUnderTest(var_dir)
    await upgrade_to_head(feed.engine)
    await feed.build()
    yield feed
    await feed.engine.dispose()


def failures(report: VerifyReport, check: str) -> list[str]:
    return [failure.message for failure in report.failures if failure.check == check]


async def test_an_honest_feed_passes_and_its_heads_are_kept(feed, tmp_path):
    report = feed.verify()
    assert report.ok, report.summary()
    assert (report.heads, report.entries, report.tps_records, report.photos) == (2, 6, 6, 6)
    assert report.summary().startswith("OK: 2 signed heads, 6 entries")

    heads_file = tmp_path / "mirror" / "heads.jsonl"
    heads_file.parent.mkdir()
    keep_heads(heads_file, report.new_heads)
    kept = read_kept_heads(heads_file)
    assert [head.tree_size for head in kept] == [4, 6]
    again = feed.verify(kept_heads=kept, pinned_key=feed.key.public_key())
    assert again.ok and again.new_heads == []

    one_tps = feed.verify(kept_heads=kept, tps=tps_code(2))
    assert one_tps.ok, one_tps.summary()
    assert (one_tps.entries, one_tps.tps_records, one_tps.photos) == (0, 2, 2)


async def test_a_record_changed_in_the_database_is_named(feed):
    rewritten = func.replace(LogEntry.entry, '"suara_sah":152', '"suara_sah":252')
    await feed.execute(update(LogEntry).where(LogEntry.leaf_index == 1).values(entry=rewritten))
    report = feed.verify()
    assert not report.ok
    [message] = failures(report, "record")
    assert f"TPS {tps_code(2)}, contest {CONTEST}, version 1 (leaf 1) was altered" in message
    assert failures(report, "root")[0].startswith(
        "the entries do not reproduce the root signed at tree size 4"
    )
    assert any(tps_code(2) in message for message in failures(report, "inclusion"))

    one_tps = feed.verify(tps=tps_code(2), check_photos=False)
    [message] = failures(one_tps, "inclusion")
    assert "version 1 (leaf 1) as served is not in the log signed at tree size 6" in message


async def test_a_record_changed_with_its_leaf_hash_breaks_the_signed_root(feed):
    async with feed.sessions() as session:
        row = await session.get(LogEntry, 4)
        row.entry = row.entry.replace('"suara_paslon_2":50', '"suara_paslon_2":5')
        row.leaf_hash = leaf_hash(row.entry.encode()).hex()
        await session.commit()
    report = feed.verify(check_photos=False)
    assert failures(report, "record") == []
    assert failures(report, "root") == [
        "the entries do not reproduce the root signed at tree size 6: an entry between leaf 4 "
        "and 5 was altered after it was signed"
    ]


async def test_a_replaced_photo_is_named(feed):
    sha256 = feed.photos[3, 1]
    path = feed.store.path_of(sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"another photo altogether")
    report = feed.verify()
    [message] = failures(report, "photo")
    assert message.startswith(f"photo {sha256} of TPS {tps_code(3)}, contest {CONTEST}")
    assert "was replaced" in message
    assert len(report.failures) == 1
    assert feed.verify(check_photos=False).ok


async def test_a_rebuilt_log_with_a_changed_past_is_a_fork(feed):
    kept = feed.verify().new_heads
    await feed.execute(delete(SignedTreeHead))
    await feed.execute(delete(LogEntry))
    await feed.build(valid_votes_of_tps_1=230)
    rebuilt = feed.verify(kept_heads=kept, check_photos=False)
    assert [failure.check for failure in rebuilt.failures] == ["fork", "fork"]
    assert rebuilt.failures[0].message.startswith(
        "the log was rewritten: the head you kept at tree size 4"
    )
    assert "tree size 6" in rebuilt.failures[1].message
    assert [head.tree_size for head in rebuilt.new_heads] == [4, 6]

    light = feed.verify(kept_heads=kept, tps=tps_code(5), check_photos=False)
    assert [failure.check for failure in light.failures] == ["fork", "fork"]
    assert "tree size 4" in light.failures[0].message

    assert feed.verify(check_photos=False).ok, "without the kept heads the fork is invisible"


async def test_a_head_signed_by_another_key_is_caught(feed):
    report = feed.verify(pinned_key=Ed25519PrivateKey.generate().public_key())
    assert [failure.check for failure in report.failures] == ["key", "signature", "signature"]
    assert report.new_heads == []


async def test_the_log_routes_answer_with_their_caching(feed):
    with TestClient(feed.app()) as client:
        key = client.get("/api/v1/log/key").json()
        assert key["algorithm"] == "ed25519" and len(key["public_key"]) == 64
        heads = client.get("/api/v1/log/heads")
        assert heads.headers["cache-control"] == "public, max-age=5"
        assert [head["tree_size"] for head in heads.json()["heads"]] == [4, 6]
        assert client.get("/api/v1/log/heads/latest").json()["tree_size"] == 6

        entries = client.get("/api/v1/log/entries", params={"start": 2, "end": 4})
        assert "immutable" in entries.headers["cache-control"]
        body = entries.json()
        assert (body["start"], body["end"], body["log_size"]) == (2, 4, 7)
        assert [entry["leaf_index"] for entry in body["entries"]] == [2, 3]
        beyond = client.get("/api/v1/log/entries", params={"start": 5, "end": 50})
        assert beyond.headers["cache-control"] == "public, max-age=5"
        assert beyond.json()["end"] == 7

        proof = client.get(
            "/api/v1/log/proof/inclusion",
            params={"tps": tps_code(6), "contest": CONTEST, "version": 1, "tree_size": 7},
        )
        assert proof.json()["leaf_index"] == 6
        not_yet = client.get(
            "/api/v1/log/proof/inclusion",
            params={"tps": tps_code(6), "contest": CONTEST, "version": 1},
        )
        assert not_yet.status_code == 404
        too_big = client.get("/api/v1/log/proof/consistency", params={"first": 4, "second": 8})
        assert too_big.status_code == 400
        assert len(client.get("/api/v1/log/proof/consistency?first=4").json()["proof"]) == 1

        records = client.get(f"/api/v1/log/tps/{tps_code(6)}").json()["records"]
        assert records[0]["inclusion_proof"] is None and records[0]["tree_head"] is None
