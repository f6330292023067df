"""Bearer tokens of officers and reviewers: minted once, stored only as their SHA-256.

Tokens carry 256 random bits, so a plain SHA-256 is a safe digest (no slow hash is needed
against guessing) and lets a request find its credential with one indexed lookup.
Issuing a new token for a person revokes the tokens issued to them before (a lost phone).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database.models import Credential, Officer, Region, Reviewer

Role = Literal["officer", "reviewer", "admin"]
TOKEN_PREFIX = "rkp_"


class UnknownScope(LookupError):
    """No such TPS or kelurahan in the master data (has `rekap seed` run?)."""


@dataclass(frozen=True)
class IssuedToken:
    officer_id: str
    scope: str
    token: str


@dataclass(frozen=True)
class Principal:
    role: Role
    principal_id: str
    scope: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def issue_officer_tokens(session: AsyncSession, tps_code: str) -> list[IssuedToken]:
    officers = (
        await session.scalars(
            select(Officer).where(Officer.tps_code == tps_code).order_by(Officer.slot)
        )
    ).all()
    if not officers:
        raise UnknownScope(f"no officers for TPS {tps_code!r}: is it a 13-digit TPS code?")
    return [await _issue(session, "officer", officer.id, tps_code) for officer in officers]


async def issue_reviewer_tokens(session: AsyncSession, kelurahan_code: str) -> list[IssuedToken]:
    dotted = await _dotted_kelurahan_code(session, kelurahan_code)
    reviewers = (
        await session.scalars(select(Reviewer).where(Reviewer.kelurahan_code == dotted))
    ).all()
    if not reviewers:
        raise UnknownScope(f"no reviewer for kelurahan {kelurahan_code!r}")
    return [await _issue(session, "reviewer", reviewer.id, dotted) for reviewer in reviewers]


async def authenticate(session: AsyncSession, token: str) -> Principal | None:
    credential = await session.get(Credential, token_digest(token))
    if credential is None or credential.revoked_at is not None:
        return None
    return Principal(credential.role, credential.principal_id, credential.scope)


async def _issue(session: AsyncSession, role: Role, principal_id: str, scope: str) -> IssuedToken:
    now = datetime.now(UTC)
    await session.execute(
        update(Credential)
        .where(Credential.principal_id == principal_id, Credential.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = mint_token()
    session.add(
        Credential(
            token_sha256=token_digest(token),
            role=role,
            principal_id=principal_id,
            scope=scope,
            issued_at=now,
        )
    )
    return IssuedToken(principal_id, scope, token)


async def _dotted_kelurahan_code(session: AsyncSession, code: str) -> str:
    """Accept `31.71.01.1001` or `3171011001`."""
    digits = code.replace(".", "")
    if len(digits) == 10 and digits.isdigit():
        dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
        region = await session.get(Region, dotted)
        if region is not None and region.level == "kelurahan":
            return dotted
    raise UnknownScope(f"{code!r} is not a kelurahan code (e.g. 31.71.01.1001)")
