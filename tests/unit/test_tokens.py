"""Minting and checking tokens against a real (SQLite) database with a little master data."""

from datetime import date

import pytest
from sqlalchemy import select

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.database.migrate import upgrade_to_head
from services.common.database.models import Contest, Credential, Officer, Region, Reviewer, Tps
from services.common.settings import Settings
from services.common.tokens import (
    UnknownScope,
    authenticate,
    issue_officer_tokens,
    issue_reviewer_tokens,
    token_digest,
)


@pytest.fixture
async def session(var_dir):
    engine = make_engine(Settings(var_dir=var_dir))
    await upgrade_to_head(engine)
    async with make_sessionmaker(engine)() as session:
        session.add_all(
            [
                Region(code="31", level="provinsi", name="DKI Jakarta"),
                Region(code="31.71", level="kota", name="Jakarta Pusat", parent_code="31"),
                Region(code="31.71.01", level="kecamatan", name="Gambir", parent_code="31.71"),
                Region(
                    code="31.71.01.1001", level="kelurahan", name="Gambir", parent_code="31.71.01"
                ),
            ]
        )
        await session.flush()
        session.add(
            Tps(
                code="3171011001001", kelurahan_code="31.71.01.1001", number=1, dpt_l=250, dpt_p=260
            )
        )
        session.add(
            Contest(
                code="PILGUB-31-2024",
                name="Pilgub",
                region_code="31",
                polling_day=date(2024, 11, 27),
            )
        )
        await session.flush()
        session.add_all(
            [
                Officer(id="KPPS-3171011001001-1", tps_code="3171011001001", slot=1, name="A"),
                Officer(id="KPPS-3171011001001-2", tps_code="3171011001001", slot=2, name="B"),
                Reviewer(id="PPS-3171011001", kelurahan_code="31.71.01.1001", name="C"),
            ]
        )
        await session.commit()
        yield session
    await engine.dispose()


async def test_both_officers_of_a_tps_get_a_token_stored_only_as_its_hash(session):
    issued = await issue_officer_tokens(session, "3171011001001")
    await session.commit()
    assert [token.officer_id for token in issued] == [
        "KPPS-3171011001001-1",
        "KPPS-3171011001001-2",
    ]
    stored = (await session.scalars(select(Credential))).all()
    assert {row.token_sha256 for row in stored} == {token_digest(t.token) for t in issued}
    assert all(t.token not in {row.token_sha256 for row in stored} for t in issued)
    principal = await authenticate(session, issued[0].token)
    assert principal is not None
    assert (principal.role, principal.scope) == ("officer", "3171011001001")


async def test_issuing_again_revokes_the_earlier_token(session):
    [old, _] = await issue_officer_tokens(session, "3171011001001")
    [new, _] = await issue_officer_tokens(session, "3171011001001")
    await session.commit()
    assert await authenticate(session, old.token) is None
    assert (await authenticate(session, new.token)).principal_id == "KPPS-3171011001001-1"


async def test_reviewer_tokens_accept_either_code_form(session):
    [dotted] = await issue_reviewer_tokens(session, "31.71.01.1001")
    [plain] = await issue_reviewer_tokens(session, "3171011001")
    assert dotted.scope == plain.scope == "31.71.01.1001"
    assert (await authenticate(session, plain.token)).role == "reviewer"


async def test_unknown_scopes_and_tokens(session):
    with pytest.raises(UnknownScope):
        await issue_officer_tokens(session, "3171011001999")
    with pytest.raises(UnknownScope):
        await issue_reviewer_tokens(session, "31.71.01")
    assert await authenticate(session, "rkp_guess") is None
