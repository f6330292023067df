"""`rekap seed`: bring the database to the newest schema and load the Jakarta master data."""

from __future__ import annotations

from services.common.database.engine import make_engine
from services.common.database.migrate import upgrade_to_head
from services.common.masterdata.load import load_master_data
from services.common.masterdata.plan import plan_jakarta_master_data
from services.common.masterdata.report import LoadReport
from services.common.settings import Settings


async def seed(settings: Settings) -> LoadReport:
    engine = make_engine(settings)
    try:
        await upgrade_to_head(engine)
        return await load_master_data(engine, plan_jakarta_master_data())
    finally:
        await engine.dispose()
