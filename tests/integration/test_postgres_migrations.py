import pytest

from services.common.settings import Settings
from tests.unit.test_docs_and_migrations import migrated_schema_differences

pytestmark = pytest.mark.integration


async def test_migrations_on_postgresql_build_exactly_the_models(postgres_url):
    assert await migrated_schema_differences(Settings(database_url=postgres_url)) == []
