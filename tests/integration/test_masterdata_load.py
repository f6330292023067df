"""`rekap seed` on a fresh SQLite file and a fresh PostgreSQL database: twice, checked with SQL.

The PostgreSQL database comes from the `postgres_url` fixture (tests/conftest.py): a new
database per test, dropped afterwards; without PostgreSQL the test is skipped, or fails when
CI=true.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from services.common.database.engine import make_engine
from services.common.database.migrate import upgrade_to_head
from services.common.masterdata import master_data_loaded, seed
from services.common.settings import Settings

pytestmark = pytest.mark.integration

ROWS = 1 + 6 + 44 + 267 + 1 + 3 + 14_835 + 29_670 + 267
LOAD_SECONDS_LIMIT = 15.0
"""Measured well under 1 s on SQLite and PostgreSQL; row-by-row writes would take minutes."""


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(var_dir=tmp_path, database_url=None)
    return Settings(var_dir=tmp_path, database_url=request.getfixturevalue("postgres_url"))


async def query(settings: Settings, sql: str) -> list[tuple]:
    """Run one statement in its own transaction; the rows it returns, if any."""
    engine = make_engine(settings)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_seeding_twice_loads_jakarta_once(settings: Settings):
    first = await seed(settings)
    second = await seed(settings)

    assert first.rows_written == ROWS
    assert second.rows_written == 0
    assert first.seconds < LOAD_SECONDS_LIMIT
    assert replace(first, rows_written=0, seconds=0) == replace(second, rows_written=0, seconds=0)
    assert second.regions_by_level == {"provinsi": 1, "kota": 6, "kecamatan": 44, "kelurahan": 267}
    assert (second.tps, second.dpt_l, second.dpt_p) == (14_835, 4_048_811, 4_165_196)

    assert await query(
        settings, "SELECT level, COUNT(*) FROM regions GROUP BY level ORDER BY 1"
    ) == [
        ("kecamatan", 44),
        ("kelurahan", 267),
        ("kota", 6),
        ("provinsi", 1),
    ]
    ((tps, dpt, dpt_l, dpt_p, smallest, largest),) = await query(
        settings,
        "SELECT COUNT(*), SUM(dpt_l + dpt_p), SUM(dpt_l), SUM(dpt_p),"
        " MIN(dpt_l + dpt_p), MAX(dpt_l + dpt_p) FROM tps",
    )
    assert (tps, dpt, dpt_l, dpt_p) == (14_835, 8_214_007, 4_048_811, 4_165_196)
    assert smallest >= 100 and largest <= 600
    assert await query(
        settings,
        "SELECT kecamatan.parent_code, SUM(tps.dpt_l + tps.dpt_p) FROM tps"
        " JOIN regions kelurahan ON kelurahan.code = tps.kelurahan_code"
        " JOIN regions kecamatan ON kecamatan.code = kelurahan.parent_code"
        " GROUP BY kecamatan.parent_code ORDER BY 1",
    ) == [
        ("31.01", 20_908),
        ("31.71", 813_721),
        ("31.72", 1_345_815),
        ("31.73", 1_909_774),
        ("31.74", 1_748_961),
        ("31.75", 2_374_828),
    ]
    assert await query(
        settings,
        "SELECT COUNT(*), COUNT(DISTINCT tps_code), MIN(slot), MAX(slot) FROM officers",
    ) == [(29_670, 14_835, 1, 2)]
    assert await query(settings, "SELECT COUNT(*) FROM reviewers") == [(267,)]
    assert await query(settings, "SELECT number, sirekap_id FROM candidates ORDER BY number") == [
        (1, "1000023"),
        (2, "1000024"),
        (3, "1000025"),
    ]
    assert await query(settings, "SELECT code, region_code FROM contests") == [
        ("PILGUB-31-2024", "31")
    ]


async def test_seeding_again_repairs_a_changed_row_only(settings: Settings):
    await seed(settings)
    (original,) = await query(settings, "SELECT dpt_l FROM tps WHERE code = '3171011001001'")
    await query(settings, "UPDATE tps SET dpt_l = 1 WHERE code = '3171011001001'")

    repaired = await seed(settings)

    assert repaired.rows_written == 1
    assert await query(settings, "SELECT dpt_l FROM tps WHERE code = '3171011001001'") == [original]


async def test_master_data_counts_as_loaded_only_after_seeding(settings: Settings):
    engine = make_engine(settings)
    try:
        await upgrade_to_head(engine)
        assert not await master_data_loaded(engine)
        await seed(settings)
        assert await master_data_loaded(engine)
    finally:
        await engine.dispose()
