"""The docs and the migrations stay true to the code."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.common.database.engine import make_engine
from services.common.database.migrate import upgrade_to_head
from services.common.database.models import Base
from services.common.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`REKAP_{name.upper()}`" in readme, f"README lacks REKAP_{name.upper()}"


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "scripts/test " in readme
    assert "exec scripts/test" in (ROOT / ".ci" / "run").read_text()


async def migrated_schema_differences(settings: Settings) -> list:
    engine = make_engine(settings)
    try:
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()


async def test_migrations_on_sqlite_build_exactly_the_models(var_dir):
    assert await migrated_schema_differences(Settings(var_dir=var_dir)) == []
