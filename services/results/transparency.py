"""The transparency log, public and read-only: signing key, signed tree heads, entries, proofs.

Hashes, keys and signatures are lowercase hex; a head signs the text of
`services.common.transparency.heads.tree_head_message`; entries are canonical JSON strings
whose leaf hash is SHA-256(0x00 || UTF-8 bytes). Shapes:

- `GET /api/v1/log/key`: `{"algorithm": "ed25519", "key_id", "public_key", "public_key_pem"}`
- a head: `{"tree_size", "root_hash", "timestamp_ms", "key_id", "signature"}`
- `GET /api/v1/log/heads`: `{"heads": [head, ...]}`, oldest first;
  `GET /api/v1/log/heads/latest`: a head (404 before the first)
- `GET /api/v1/log/entries?start=&end=`: leaves [start, end), at most 1000:
  `{"start", "end", "log_size", "entries": [{"leaf_index", "tps", "contest", "version",
  "entry", "leaf_hash"}]}`
- `GET /api/v1/log/proof/inclusion?tps=&contest=&version=&tree_size=` (default: the latest
  head's size): `{"leaf_index", "tree_size", "entry", "leaf_hash", "proof": [hash, ...]}`
- `GET /api/v1/log/proof/consistency?first=&second=` (default second: the latest head's
  size): `{"first", "second", "proof": [hash, ...]}`
- `GET /api/v1/log/tps/{tps_code}`: `{"tps", "records": tps_log_records(...)}`, a record being
  an entry (as above) with `"tree_head": head | null, "inclusion_proof": [hash, ...] | null`
  (null: logged after the latest signed head)

What a fixed range or size answers never changes (cached as immutable); heads and answers
about "the latest" change every few seconds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database.models import LogEntry, SignedTreeHead
from services.common.transparency import log_store
from services.common.transparency.heads import (
    key_id_of,
    public_key_from_text,
    public_key_pem,
)
from services.common.transparency.merkle import MerkleTree
from services.results.database import DbSession

router = APIRouter(prefix="/api/v1/log", tags=["transparency log"])

MAX_ENTRIES_PER_PAGE = 1000
CHANGING = "public, max-age=5"
IMMUTABLE = "public, max-age=31536000, immutable"

NonNegative = Annotated[int, Query(ge=0)]


# Trees of signed heads by (database, size, root): a head's tree never changes, and building
# one reads every leaf hash (about 1 s at 500k leaves). The last few are kept: the latest
# head's, which TPS pages and proofs mostly ask for, and the ones just before it. A size no
# head was signed at is built for the one request.
_head_trees: dict[tuple[str, int, str], MerkleTree] = {}
HEAD_TREES_KEPT = 3


async def tree_of_size(session: AsyncSession, tree_size: int) -> MerkleTree:
    head = await session.get(SignedTreeHead, tree_size)
    if head is None:
        return await log_store.tree_at(session, tree_size)
    key = (str(session.bind.url), tree_size, head.root_hash)
    if key not in _head_trees:
        _head_trees[key] = await log_store.tree_at(session, tree_size)
        while len(_head_trees) > HEAD_TREES_KEPT:
            del _head_trees[next(iter(_head_trees))]
    return _head_trees[key]


def head_json(row: SignedTreeHead) -> dict:
    return log_store.tree_head_of(row).as_json()


def entry_json(row: LogEntry) -> dict:
    return {
        "leaf_index": row.leaf_index,
        "tps": row.tps_code,
        "contest": row.contest_code,
        "version": row.version,
        "entry": row.entry,
        "leaf_hash": row.leaf_hash,
    }


async def tps_log_records(session: AsyncSession, tps_code: str) -> list[dict]:
    """Every logged version of this TPS's tallies, with its proof against the latest head."""
    entries = await log_store.entries_of_tps(session, tps_code)
    head = await log_store.latest_tree_head(session)
    signed_size = head.tree_size if head is not None else 0
    tree = (
        await tree_of_size(session, head.tree_size)
        if head is not None and any(entry.leaf_index < signed_size for entry in entries)
        else None
    )
    records = []
    for entry in entries:
        proven = tree is not None and head is not None and entry.leaf_index < tree.size
        records.append(
            entry_json(entry)
            | {
                "tree_head": head_json(head) if proven else None,
                "inclusion_proof": (
                    [node.hex() for node in tree.inclusion_proof(entry.leaf_index)]
                    if proven
                    else None
                ),
            }
        )
    return records


async def _latest_head_size(session: AsyncSession) -> int:
    head = await log_store.latest_tree_head(session)
    if head is None:
        raise HTTPException(404, "no tree head has been signed yet")
    return head.tree_size


async def _check_within_log(session: AsyncSession, tree_size: int) -> None:
    size = await log_store.log_size(session)
    if tree_size > size:
        raise HTTPException(400, f"tree_size {tree_size} is beyond the log's {size} entries")


@router.get("/key")
async def log_key(session: DbSession, response: Response) -> dict:
    """The key of the latest signed head (the signing key itself stays with the aggregate
    service: the public side never holds it)."""
    latest = await log_store.latest_tree_head(session)
    if latest is None:
        raise HTTPException(404, "no tree head signed yet")
    public_key = public_key_from_text(latest.public_key)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return {
        "algorithm": "ed25519",
        "key_id": key_id_of(public_key),
        "public_key": latest.public_key,
        "public_key_pem": public_key_pem(public_key),
    }


@router.get("/heads")
async def tree_heads(session: DbSession, response: Response) -> dict:
    response.headers["Cache-Control"] = CHANGING
    return {"heads": [head_json(row) for row in await log_store.all_tree_heads(session)]}


@router.get("/heads/latest")
async def latest_tree_head(session: DbSession, response: Response) -> dict:
    head = await log_store.latest_tree_head(session)
    if head is None:
        raise HTTPException(404, "no tree head has been signed yet")
    response.headers["Cache-Control"] = CHANGING
    return head_json(head)


@router.get("/entries")
async def log_entries(
    session: DbSession, response: Response, start: NonNegative = 0, end: NonNegative | None = None
) -> dict:
    size = await log_store.log_size(session)
    wanted_end = min(start + MAX_ENTRIES_PER_PAGE, size if end is None else end)
    rows = await log_store.read_entries(session, start, wanted_end)
    response.headers["Cache-Control"] = (
        IMMUTABLE if end is not None and wanted_end <= size else CHANGING
    )
    return {
        "start": start,
        "end": max(start, min(wanted_end, size)),
        "log_size": size,
        "entries": [entry_json(row) for row in rows],
    }


@router.get("/proof/inclusion")
async def inclusion_proof(
    session: DbSession,
    response: Response,
    tps: str,
    contest: str,
    version: Annotated[int, Query(ge=1)],
    tree_size: Annotated[int | None, Query(ge=1)] = None,
) -> dict:
    size = tree_size if tree_size is not None else await _latest_head_size(session)
    await _check_within_log(session, size)
    entry = await log_store.logged_version(session, tps, contest, version)
    if entry is None or entry.leaf_index >= size:
        raise HTTPException(
            404, f"version {version} of TPS {tps}, contest {contest} is not in the log of {size}"
        )
    proof = (await tree_of_size(session, size)).inclusion_proof(entry.leaf_index)
    response.headers["Cache-Control"] = IMMUTABLE if tree_size is not None else CHANGING
    return {
        "leaf_index": entry.leaf_index,
        "tree_size": size,
        "entry": entry.entry,
        "leaf_hash": entry.leaf_hash,
        "proof": [node.hex() for node in proof],
    }


@router.get("/proof/consistency")
async def consistency_proof(
    session: DbSession, response: Response, first: NonNegative, second: NonNegative | None = None
) -> dict:
    size = second if second is not None else await _latest_head_size(session)
    if first > size:
        raise HTTPException(400, f"first ({first}) must not exceed second ({size})")
    await _check_within_log(session, size)
    proof = (await tree_of_size(session, size)).consistency_proof(first)
    response.headers["Cache-Control"] = IMMUTABLE if second is not None else CHANGING
    return {"first": first, "second": size, "proof": [node.hex() for node in proof]}


@router.get("/tps/{tps_code}")
async def tps_records(session: DbSession, response: Response, tps_code: str) -> dict:
    response.headers["Cache-Control"] = CHANGING
    return {"tps": tps_code, "records": await tps_log_records(session, tps_code)}
