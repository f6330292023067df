"""A public Sirekap scraper's parsing, run against Rekap's Sirekap-compatible mirror.

The scraper: mfikribp/scrap_data_gubernur_pilkada2024_, files `gubernur_prov.py` and
`lib_pilkada.py` at commit c33aba1d395cf19dfeef0ab45274a6d026c09253, written for the West Java
governor race of Pilkada 2024. It walks Sirekap's region lists from a provinsi down to every
TPS (`/wilayah/pilkada/pkwkp/32.json`, `.../32/{kab}.json`, `.../32/{kab}/{kec}.json`,
`.../32/{kab}/{kec}/{kel}.json`), keeping each item's `kode` and `nama`, then fetches
`/pilkada/hhcw/pkwkp/32/{kab}/{kec}/{kel}/{tps}.json` and reads `tungsura.administrasi`'s
`pemilih_dpt_j`, `pengguna_dpt_j`, `suara_total`, `suara_sah`, `suara_tidak_sah` and
`tungsura.chart[<candidate id>]` for each pair, taking 0 where a key is missing.

Here the same walk and the same reads run against the mirror for Jakarta (31, with Jakarta's
candidate ids), through the kota Kepulauan Seribu only (its 41 TPS keep the test fast), and the
numbers the scraper ends with equal what was published.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.models import Photo, Submission
from services.common.settings import Settings
from services.results.app import create_app
from tests.published_tallies import CONTEST, publish, tally

JAKARTA_CANDIDATE_IDS = ("1000023", "1000024", "1000025")
KEPULAUAN_SERIBU = "3101"
PUBLISHED = {
    "3101011001001": (120, 30, 95),
    "3101011001002": (80, 12, 101),
    "3101011002005": (60, 5, 70),
    "3101021001001": (44, 2, 50),
}
INVALID = 4
PHOTO = "c" * 64


async def get_json(client: httpx.AsyncClient, url: str):
    """`lib_pilkada.get_response`: a GET whose JSON body is the answer."""
    response = await client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["cache-control"] == "public, max-age=30"
    return response.json()


def code_and_name(items: list[dict]) -> list[tuple[str, str]]:
    """`lib_pilkada.get_unique_number`: each item's `kode` and `nama`."""
    return [(item["kode"], item["nama"]) for item in items]


def read_tps(answer: dict) -> dict[str, int]:
    """`lib_pilkada.get_data`: each value from its path in the answer, 0 where it is missing."""

    def at(*keys: str) -> int:
        try:
            value = answer
            for key in keys:
                value = value[key]
            return value
        except (KeyError, TypeError):
            return 0

    row = {
        "pemilih_dpt_j": at("tungsura", "administrasi", "pemilih_dpt_j"),
        "pengguna_dpt_j": at("tungsura", "administrasi", "pengguna_dpt_j"),
        "suara_total": at("tungsura", "administrasi", "suara_total"),
        "suara_sah": at("tungsura", "administrasi", "suara_sah"),
        "suara_tidak_sah": at("tungsura", "administrasi", "suara_tidak_sah"),
    }
    row.update({cid: at("tungsura", "chart", cid) for cid in JAKARTA_CANDIDATE_IDS})
    return row


async def scrape_provinsi(client: httpx.AsyncClient, provinsi: str, only_kota: str) -> list[dict]:
    """`gubernur_prov.py`'s walk, one row per TPS."""
    rows = []
    wilayah = f"/wilayah/pilkada/pkwkp/{provinsi}"
    for kode_kab, _ in code_and_name(await get_json(client, f"{wilayah}.json")):
        if kode_kab != only_kota:
            continue
        kecamatan = code_and_name(await get_json(client, f"{wilayah}/{kode_kab}.json"))
        for kode_kec, _ in kecamatan:
            kelurahan = code_and_name(
                await get_json(client, f"{wilayah}/{kode_kab}/{kode_kec}.json")
            )
            for kode_kel, _ in kelurahan:
                stations = code_and_name(
                    await get_json(client, f"{wilayah}/{kode_kab}/{kode_kec}/{kode_kel}.json")
                )
                for kode_tps, nama_tps in stations:
                    answer = await get_json(
                        client,
                        f"/pilkada/hhcw/pkwkp/{provinsi}/{kode_kab}/{kode_kec}/{kode_kel}"
                        f"/{kode_tps}.json",
                    )
                    rows.append({"kode_tps": kode_tps, "nama_tps": nama_tps, **read_tps(answer)})
    return rows


@pytest.fixture
async def mirror(seeded_var_dir: Path):
    settings = Settings(var_dir=seeded_var_dir)
    engine = make_engine(settings)
    async with make_sessionmaker(engine)() as session:
        await publish(
            session,
            *(tally(tps, votes, invalid=INVALID) for tps, votes in PUBLISHED.items()),
        )
        session.add(
            Photo(
                sha256=PHOTO,
                content_type="image/jpeg",
                size_bytes=1,
                width=1,
                height=1,
                stored_at=datetime(2024, 11, 27, 13, tzinfo=UTC),
            )
        )
        await session.flush()
        session.add(
            Submission(
                id="00000000-0000-0000-0000-000000000001",
                officer_id="KPPS-3101011001001-1",
                tps_code="3101011001001",
                contest_code=CONTEST,
                photo_sha256=PHOTO,
                status="accepted",
                created_at=datetime(2024, 11, 27, 13, tzinfo=UTC),
            )
        )
        await session.commit()
    await engine.dispose()
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rekap.test") as client:
        yield client


async def test_the_scrapers_walk_reads_the_published_numbers(mirror):
    rows = await scrape_provinsi(mirror, "31", only_kota=KEPULAUAN_SERIBU)

    assert len(rows) == 41
    assert [row["nama_tps"] for row in rows[:2]] == ["TPS 001", "TPS 002"]
    by_tps = {row["kode_tps"]: row for row in rows}
    for tps, votes in PUBLISHED.items():
        row = by_tps[tps]
        assert tuple(row[cid] for cid in JAKARTA_CANDIDATE_IDS) == votes
        assert row["suara_sah"] == sum(votes)
        assert row["suara_tidak_sah"] == INVALID
        assert row["suara_total"] == row["pengguna_dpt_j"] == sum(votes) + INVALID
        assert row["pemilih_dpt_j"] == 510
    unreported = [row for tps, row in by_tps.items() if tps not in PUBLISHED]
    assert {row[key] for row in unreported for key in [*JAKARTA_CANDIDATE_IDS, "suara_sah"]} == {0}

    for position, cid in enumerate(JAKARTA_CANDIDATE_IDS):
        published = sum(votes[position] for votes in PUBLISHED.values())
        assert sum(row[cid] for row in rows) == published
    kota = await get_json(mirror, f"/pilkada/hhcw/pkwkp/31/{KEPULAUAN_SERIBU}.json")
    assert {cid: sum(row[cid] for row in rows) for cid in JAKARTA_CANDIDATE_IDS} == {
        cid: kota["tungsura"]["chart"][cid] for cid in JAKARTA_CANDIDATE_IDS
    }
    assert kota["tungsura"]["chart"]["progres"] == {
        "total": 41,
        "persen": round(100 * 4 / 41, 2),
        "progres": 4,
    }


async def test_region_lists_go_down_to_the_tps(mirror):
    provinces = await get_json(mirror, "/wilayah/pilkada/pkwkp/0.json")
    kotas = await get_json(mirror, "/wilayah/pilkada/pkwkp/31.json")
    stations = await get_json(mirror, "/wilayah/pilkada/pkwkp/31/3101/310101/3101011001.json")

    assert provinces == [
        {"nama": "DAERAH KHUSUS IBUKOTA JAKARTA", "id": 31, "kode": "31", "tingkat": 1}
    ]
    assert [k["kode"] for k in kotas] == ["3101", "3171", "3172", "3173", "3174", "3175"]
    assert {k["tingkat"] for k in kotas} == {2}
    assert len(stations) == 8
    assert stations[0] == {
        "nama": "TPS 001",
        "id": 3101011001001,
        "kode": "3101011001001",
        "tingkat": 5,
    }


async def test_an_aggregate_has_a_row_per_child(mirror):
    provinsi = await get_json(mirror, "/pilkada/hhcw/pkwkp/31.json")
    kelurahan = await get_json(mirror, "/pilkada/hhcw/pkwkp/31/3101/310101/3101011001.json")

    assert set(provinsi) == {"mode", "tungsura", "psu", "progres", "ts"}
    assert provinsi["progres"] == {"total": 14_835, "progres": 4}
    assert provinsi["tungsura"]["chart"]["1000023"] == 120 + 80 + 60 + 44
    assert list(provinsi["tungsura"]["table"]["3101"]) == [
        "psu",
        "1000023",
        "1000024",
        "1000025",
        "progres",
        "status_progress",
    ]
    assert provinsi["tungsura"]["table"]["3171"] == {
        "psu": "Reguler",
        "progres": {
            "total": provinsi["tungsura"]["table"]["3171"]["progres"]["total"],
            "persen": 0,
            "progres": 0,
        },
        "status_progress": False,
    }
    assert list(kelurahan["tungsura"]["table"])[:2] == ["3101011001001", "3101011001002"]
    assert kelurahan["tungsura"]["table"]["3101011001002"]["1000025"] == 101


async def test_a_tps_answer_carries_its_form_and_photos(mirror):
    reported = await get_json(
        mirror, "/pilkada/hhcw/pkwkp/31/3101/310101/3101011001/3101011001001.json"
    )
    waiting = await get_json(
        mirror, "/pilkada/hhcw/pkwkp/31/3101/310101/3101011001/3101011001003.json"
    )

    assert reported["tungsura"]["chart"] == {"1000023": 120, "1000024": 30, "1000025": 95}
    assert reported["tungsura"]["administrasi"]["pengguna_non_dpt_j"] == 0
    assert reported["images"] == [f"http://rekap.test/photos/{PHOTO}"]
    assert reported["psu"] is None
    assert reported["status_suara"] is reported["status_adm"] is True
    assert reported["ts"] == "2024-11-27 21:01:00"
    assert waiting["tungsura"] == {"chart": None, "administrasi": None}
    assert (waiting["images"], waiting["status_suara"]) == ([], False)


async def test_candidates_under_sirekaps_ids(mirror):
    paslon = await get_json(mirror, "/pilkada/paslon/pkwkp.json")

    assert list(paslon) == ["31"]
    assert list(paslon["31"]) == list(JAKARTA_CANDIDATE_IDS)
    assert paslon["31"]["1000023"]["nomor_urut"] == 1
    assert paslon["31"]["1000023"]["warna"] == "#B67352"
    assert paslon["31"]["1000023"]["nama"] == "H. M. RIDWAN KAMIL - H. SUSWONO"


@pytest.mark.parametrize(
    "path",
    [
        "/pilkada/hhcw/pkwkp/32.json",
        "/pilkada/hhcw/pkwkp/31/3271.json",
        "/pilkada/hhcw/pkwkp/31/3179.json",
        "/pilkada/hhcw/pkwkp/31/3101/310101/3101011001/3101011001999.json",
        "/wilayah/pilkada/pkwkp/31/3101/310101/3101011001/3101011001001.json",
        "/pilkada/hhcw/pkwkp/31/3101",
    ],
)
async def test_what_sirekap_would_not_have_is_not_found(mirror, path):
    assert (await mirror.get(path)).status_code == 404
