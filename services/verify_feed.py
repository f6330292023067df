"""`rekap verify`: check a Rekap results feed against its signed tree heads, as a mirror would.

From the feed's public API it fetches the signing key, the signed tree heads and the log's
entries, then checks that
- every head is signed by the log's key (or the key pinned with `--key`);
- every entry hashes to its leaf hash, and the entries reproduce the root of every head;
- every head the mirror kept (`--heads FILE`, one head as JSON a line) is a prefix of the log
  served now: otherwise the past was rewritten (a fork), named by the kept head's tree size;
- each TPS record's inclusion proof, as served, leads to a signed root;
- each photo named by an entry is served with the bytes of its sha256.

With `--tps CODE` only that TPS's records are checked (by their inclusion proofs, and the
kept heads by consistency proofs), without downloading the whole log. The validly signed heads
not kept yet are appended to the heads file, even when a check fails: signed heads that do
not agree are the evidence of a fork.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.common.transparency.entries import is_canonical
from services.common.transparency.heads import (
    TreeHead,
    is_signed_by,
    key_id_of,
    public_key_from_text,
)
from services.common.transparency.merkle import (
    leaf_hash,
    roots_at_sizes,
    verify_consistency,
    verify_inclusion,
)

ENTRIES_PAGE = 1000


class FeedUnavailable(RuntimeError):
    """The feed did not answer a request the check needs; nothing could be concluded."""


Check = Literal["key", "signature", "record", "root", "fork", "inclusion", "photo"]


@dataclass(frozen=True)
class Failure:
    check: Check
    message: str


@dataclass
class VerifyReport:
    heads: int = 0
    entries: int = 0
    tps_records: int = 0
    photos: int = 0
    failures: list[Failure] = field(default_factory=list)
    new_heads: list[TreeHead] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, check: Check, message: str) -> None:
        self.failures.append(Failure(check, message))

    def summary(self) -> str:
        counts = (
            f"{self.heads} signed heads, {self.entries} entries, "
            f"{self.tps_records} TPS records, {self.photos} photos checked"
        )
        if self.ok:
            return f"OK: {counts}; the feed matches its signed heads."
        lines = [f"FAILED: {len(self.failures)} problem(s); {counts}."]
        lines += [f"- [{failure.check}] {failure.message}" for failure in self.failures]
        return "\n".join(lines)


@dataclass(frozen=True)
class Record:
    """A log entry as served: its place in the log and its canonical JSON."""

    leaf_index: int
    tps: str
    contest: str
    version: int
    entry: str

    @property
    def name(self) -> str:
        return (
            f"TPS {self.tps}, contest {self.contest}, version {self.version} "
            f"(leaf {self.leaf_index})"
        )

    def content(self) -> dict:
        return json.loads(self.entry)

    @classmethod
    def from_json(cls, data: dict) -> Record:
        return cls(data["leaf_index"], data["tps"], data["contest"], data["version"], data["entry"])


def verify_feed(
    client: httpx.Client,
    *,
    pinned_key: Ed25519PublicKey | None = None,
    kept_heads: Sequence[TreeHead] = (),
    tps: str | None = None,
    check_photos: bool = True,
) -> VerifyReport:
    """Check the feed `client` points at; raises FeedUnavailable when it does not answer."""
    report = VerifyReport()
    key = _log_key(client, pinned_key, report)
    heads = _signed_heads(client, key, kept_heads, report)
    newest = max(heads, key=lambda head: head.tree_size, default=None)
    if tps is None:
        records = _check_whole_log(client, heads, kept_heads, report)
        tps_codes = sorted({record.tps for record in records})
    else:
        records = []
        tps_codes = [tps]
        if newest is not None:
            _check_kept_heads_by_proofs(client, kept_heads, newest, report)
    for code in tps_codes:
        records_of_tps = _check_tps_records(client, code, heads, report)
        if tps is not None:
            records += records_of_tps
    if check_photos:
        _check_photos(client, records, report)
    return report


def _log_key(
    client: httpx.Client, pinned_key: Ed25519PublicKey | None, report: VerifyReport
) -> Ed25519PublicKey:
    served = public_key_from_text(_get(client, "/api/v1/log/key")["public_key"])
    if pinned_key is None:
        return served
    if key_id_of(served) != key_id_of(pinned_key):
        report.fail(
            "key",
            f"the feed's signing key is {key_id_of(served)}, not the pinned key "
            f"{key_id_of(pinned_key)}",
        )
    return pinned_key


def _signed_heads(
    client: httpx.Client,
    key: Ed25519PublicKey,
    kept_heads: Sequence[TreeHead],
    report: VerifyReport,
) -> list[TreeHead]:
    """The served heads that carry a valid signature; the others are failures."""
    valid = []
    kept = set(kept_heads)
    for data in _get(client, "/api/v1/log/heads")["heads"]:
        head = TreeHead.from_json(data)
        if not is_signed_by(head, key):
            report.fail(
                "signature",
                f"the tree head of size {head.tree_size} is not validly signed by key "
                f"{key_id_of(key)}: forged or altered",
            )
            continue
        valid.append(head)
        if head not in kept:
            report.new_heads.append(head)
    for head in kept_heads:
        if not is_signed_by(head, key):
            report.fail(
                "key",
                f"the head you kept at tree size {head.tree_size} is not signed by the key "
                f"{key_id_of(key)}: the log changed its key",
            )
    report.heads = len(valid)
    return valid


def _check_whole_log(
    client: httpx.Client,
    heads: list[TreeHead],
    kept_heads: Sequence[TreeHead],
    report: VerifyReport,
) -> list[Record]:
    """Recompute every entry's leaf hash and every head's root from the entries served."""
    size = max((head.tree_size for head in heads), default=0)
    records = []
    leaves = []
    for data in _entries(client, size):
        record = Record.from_json(data)
        if record.leaf_index != len(records):
            report.fail("record", f"entry {len(records)} is missing from the feed")
            return records
        computed = leaf_hash(record.entry.encode())
        if computed.hex() != data["leaf_hash"]:
            report.fail(
                "record",
                f"{record.name} was altered: its entry no longer hashes to its leaf hash",
            )
        _check_entry_names_itself(record, report)
        records.append(record)
        leaves.append(computed)
    report.entries = len(records)
    if len(records) < size:
        report.fail("record", f"the feed serves {len(records)} entries, but signed {size}")
    sizes = [head.tree_size for head in [*heads, *kept_heads] if head.tree_size <= len(leaves)]
    roots = roots_at_sizes(leaves, sizes)
    last_good = 0
    for head in sorted(heads, key=lambda head: head.tree_size):
        if head.tree_size not in roots:
            continue
        if roots[head.tree_size].hex() == head.root_hash:
            last_good = head.tree_size
            continue
        report.fail(
            "root",
            f"the entries do not reproduce the root signed at tree size {head.tree_size}: "
            f"an entry between leaf {last_good} and {head.tree_size - 1} was altered after "
            "it was signed",
        )
    for head in kept_heads:
        if head.tree_size > len(leaves):
            report.fail(
                "fork",
                f"the log shrank: you kept a head of tree size {head.tree_size}, and the feed "
                f"now signs only {size} entries",
            )
        elif roots[head.tree_size].hex() != head.root_hash:
            report.fail("fork", _rewritten_past(head))
    return records


def _check_entry_names_itself(record: Record, report: VerifyReport) -> None:
    if not is_canonical(record.entry):
        report.fail("record", f"{record.name} is not canonical JSON")
        return
    content = record.content()
    if (content.get("tps"), content.get("contest"), content.get("version")) != (
        record.tps,
        record.contest,
        record.version,
    ):
        report.fail("record", f"{record.name} is listed under another TPS, contest or version")


def _check_kept_heads_by_proofs(
    client: httpx.Client, kept_heads: Sequence[TreeHead], newest: TreeHead, report: VerifyReport
) -> None:
    for head in kept_heads:
        if head.tree_size > newest.tree_size:
            report.fail(
                "fork",
                f"the log shrank: you kept a head of tree size {head.tree_size}, and the feed's "
                f"newest head is of size {newest.tree_size}",
            )
            continue
        proof = _get(
            client,
            "/api/v1/log/proof/consistency",
            {"first": head.tree_size, "second": newest.tree_size},
        )["proof"]
        if not verify_consistency(
            head.tree_size,
            newest.tree_size,
            bytes.fromhex(head.root_hash),
            bytes.fromhex(newest.root_hash),
            [bytes.fromhex(node) for node in proof],
        ):
            report.fail("fork", _rewritten_past(head))


def _rewritten_past(head: TreeHead) -> str:
    return (
        f"the log was rewritten: the head you kept at tree size {head.tree_size} "
        f"(root {head.root_hash[:16]}…) is not a prefix of the log served now"
    )


def _check_tps_records(
    client: httpx.Client, tps: str, heads: list[TreeHead], report: VerifyReport
) -> list[Record]:
    """Check the inclusion proofs the feed serves for one TPS; returns its proven records."""
    signed = {(head.tree_size, head.root_hash) for head in heads}
    proven = []
    for data in _get(client, f"/api/v1/log/tps/{tps}")["records"]:
        if data["inclusion_proof"] is None:
            continue
        record = Record.from_json(data)
        head = TreeHead.from_json(data["tree_head"])
        report.tps_records += 1
        if (head.tree_size, head.root_hash) not in signed:
            report.fail(
                "inclusion",
                f"{record.name} is proven against a tree head of size {head.tree_size} that "
                "is not among the signed heads",
            )
        elif not verify_inclusion(
            leaf_hash(record.entry.encode()),
            record.leaf_index,
            head.tree_size,
            [bytes.fromhex(node) for node in data["inclusion_proof"]],
            bytes.fromhex(head.root_hash),
        ):
            report.fail(
                "inclusion",
                f"{record.name} as served is not in the log signed at tree size "
                f"{head.tree_size}: its inclusion proof fails",
            )
        else:
            _check_entry_names_itself(record, report)
            proven.append(record)
    return proven


def _check_photos(client: httpx.Client, records: list[Record], report: VerifyReport) -> None:
    checked: set[str] = set()
    for record in records:
        if not is_canonical(record.entry):
            continue  # reported already; names no photo that can be trusted
        for sha256 in record.content().get("photo_sha256s", []):
            if sha256 in checked:
                continue
            checked.add(sha256)
            answer = client.get(f"/photos/{sha256}")
            if answer.status_code != 200:
                report.fail(
                    "photo",
                    f"photo {sha256} of {record.name} is not served (HTTP {answer.status_code})",
                )
                continue
            served = hashlib.sha256(answer.content).hexdigest()
            if served != sha256:
                report.fail(
                    "photo",
                    f"photo {sha256} of {record.name} was replaced: the bytes served hash to "
                    f"{served}",
                )
    report.photos = len(checked)


def _entries(client: httpx.Client, size: int) -> Iterator[dict]:
    start = 0
    while start < size:
        page = _get(
            client, "/api/v1/log/entries", {"start": start, "end": min(size, start + ENTRIES_PAGE)}
        )
        if not page["entries"]:
            return
        yield from page["entries"]
        start = page["end"]


def _get(client: httpx.Client, path: str, params: dict | None = None) -> dict:
    try:
        answer = client.get(path, params=params)
    except httpx.HTTPError as error:
        raise FeedUnavailable(f"{path}: {error}") from error
    if answer.status_code != 200:
        raise FeedUnavailable(f"{path} answered HTTP {answer.status_code}: {answer.text[:200]}")
    return answer.json()


def read_kept_heads(path: Path) -> list[TreeHead]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [TreeHead.from_json(json.loads(line)) for line in lines if line.strip()]


def keep_heads(path: Path, heads: Sequence[TreeHead]) -> None:
    with path.open("a") as file:
        for head in heads:
            file.write(json.dumps(head.as_json(), sort_keys=True) + "\n")


def verify_feed_at(
    url: str,
    *,
    key_file: Path | None = None,
    heads_file: Path | None = None,
    tps: str | None = None,
    check_photos: bool = True,
    timeout_seconds: float = 30.0,
) -> VerifyReport:
    """`rekap verify`: check the feed at `url`, keeping its new signed heads in `heads_file`."""
    pinned_key = public_key_from_text(key_file.read_text()) if key_file else None
    kept_heads = read_kept_heads(heads_file) if heads_file else []
    with httpx.Client(base_url=url, timeout=timeout_seconds) as client:
        report = verify_feed(
            client, pinned_key=pinned_key, kept_heads=kept_heads, tps=tps, check_photos=check_photos
        )
    if heads_file:
        keep_heads(heads_file, report.new_heads)
    return report
