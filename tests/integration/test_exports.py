"""The exports served by the results app, over all of Jakarta's master data: CSV per level and
the NIST CDF, valid against NIST's schema and equal to the published tallies."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.settings import Settings
from services.results.app import create_app
from tests.published_tallies import CONTEST, publish, tally
from tests.unit.test_cdf_export import nist_schema_errors

PUBLISHED = {
    "3171011001001": ((120, 30, 95), False),
    "3171011001002": ((80, 12, 101), True),
    "3101021001001": ((44, 2, 50), False),
}
INVALID = 3
JAKARTA_TPS = 14_835


@pytest.fixture
async def client(seeded_var_dir: Path):
    settings = Settings(var_dir=seeded_var_dir)
    engine = make_engine(settings)
    async with make_sessionmaker(engine)() as session:
        await publish(
            session,
            *(
                tally(tps, votes, invalid=INVALID, disputed=disputed)
                for tps, (votes, disputed) in PUBLISHED.items()
            ),
        )
    await engine.dispose()
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://rekap.test") as client:
        yield client


def published_votes(position: int, tps_prefix: str = "") -> int:
    return sum(v[position] for tps, (v, _) in PUBLISHED.items() if tps.startswith(tps_prefix))


async def read_csv(client: httpx.AsyncClient, level: str) -> list[dict[str, str]]:
    response = await client.get(f"/api/v1/exports/{CONTEST}/{level}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "public, max-age=30"
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_the_kota_csv_has_a_row_per_kota_with_its_totals(client):
    rows = {row["code"]: row for row in await read_csv(client, "kota")}

    assert len(rows) == 6
    pusat = rows["31.71"]
    assert (pusat["parent_code"], pusat["tps_reported"], pusat["tps_disputed"]) == ("31", "2", "1")
    assert int(pusat["suara_paslon_3"]) == published_votes(2, "3171")
    assert int(pusat["suara_tidak_sah"]) == 2 * INVALID
    assert sum(int(row["tps_total"]) for row in rows.values()) == JAKARTA_TPS
    assert rows["31.75"]["suara_sah"] == "0"


async def test_the_tps_csv_has_every_tps(client):
    rows = await read_csv(client, "tps")

    assert len(rows) == JAKARTA_TPS
    by_code = {row["code"]: row for row in rows}
    assert by_code["3171011001002"]["tps_disputed"] == "1"
    assert by_code["3171011001002"]["name"] == "TPS 002"
    assert by_code["3171011001002"]["parent_code"] == "31.71.01.1001"
    assert int(by_code["3101021001001"]["suara_paslon_1"]) == 44
    assert sum(int(row["suara_paslon_2"]) for row in rows) == published_votes(1)


async def test_the_provinsi_csv_adds_up_to_the_published_tallies(client):
    [jakarta] = await read_csv(client, "provinsi")

    assert [int(jakarta[f"suara_paslon_{n}"]) for n in (1, 2, 3)] == [
        published_votes(position) for position in range(3)
    ]
    assert (jakarta["tps_total"], jakarta["tps_reported"]) == (str(JAKARTA_TPS), "3")


async def test_the_cdf_of_all_jakarta_is_valid_nist_and_adds_up(client):
    response = await client.get(f"/api/v1/exports/{CONTEST}/cdf.json")
    assert response.status_code == 200
    report = response.json()

    assert nist_schema_errors(report) == []
    assert len(report["GpUnit"]) == 1 + 6 + 44 + 267 + JAKARTA_TPS
    contest = report["Election"][0]["Contest"][0]
    at_provinsi = {
        s["SequenceOrder"]: next(c["Count"] for c in s["VoteCounts"] if c["GpUnitId"] == "gp-31")
        for s in contest["ContestSelection"]
    }
    assert at_provinsi == {n: published_votes(n - 1) for n in (1, 2, 3)}
    assert contest["SubUnitsReported"] == 3
    assert report["Status"] == "unofficial-partial"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/exports/PILGUB-99-2024/kota.csv", 404),
        ("/api/v1/exports/PILGUB-99-2024/cdf.json", 404),
        (f"/api/v1/exports/{CONTEST}/rt.csv", 422),
    ],
)
async def test_unknown_contests_and_levels_are_refused(client, path, status):
    assert (await client.get(path)).status_code == status
