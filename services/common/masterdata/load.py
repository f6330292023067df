"""Writing a master-data plan: one transaction of bulk upserts, parents before children.

Rows that are missing are inserted and rows that differ are updated; rows that match are left
alone, so loading the same plan again writes nothing. Rows the plan lacks are never deleted
(results may already point at them). SQLAlchemy's "insertmanyvalues" sends each table's rows as
multi-row INSERT statements of up to 1000 rows, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from sqlalchemy import Table, or_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.database.dialect_insert import dialect_insert
from services.common.database.models import Candidate, Contest, Officer, Region, Reviewer, Tps
from services.common.masterdata.report import LoadReport, count_master_data
from services.common.masterdata.rows import MasterDataPlan


async def load_master_data(engine: AsyncEngine, plan: MasterDataPlan) -> LoadReport:
    """Upsert the plan and count what the database then holds."""
    started = time.perf_counter()
    tables_in_order = (
        (Region.__table__, plan.regions),
        (Contest.__table__, plan.contests),
        (Candidate.__table__, plan.candidates),
        (Tps.__table__, plan.tps),
        (Officer.__table__, plan.officers),
        (Reviewer.__table__, plan.reviewers),
    )
    async with engine.begin() as connection:
        written = 0
        for table, rows in tables_in_order:
            written += await upsert(connection, table, rows)
        counts = await count_master_data(connection)
    return dataclasses.replace(counts, rows_written=written, seconds=time.perf_counter() - started)


async def upsert(connection: AsyncConnection, table: Table, rows: Sequence[object]) -> int:
    """Insert or update `rows` (dataclasses named like the columns); returns how many changed."""
    if not rows:
        return 0
    insert = dialect_insert(connection.dialect.name, table)
    changeable = [column for column in table.columns if not column.primary_key]
    statement = insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column.name: insert.excluded[column.name] for column in changeable},
        where=or_(
            *(column.is_distinct_from(insert.excluded[column.name]) for column in changeable)
        ),
    ).returning(*table.primary_key.columns)
    result = await connection.execute(statement, [vars(row) for row in rows])
    return len(result.all())
