"""Signed tree heads, the signing key on disk, and the canonical log entry."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import UTC, datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.events import TallyAccepted
from services.common.transparency.entries import is_canonical, tally_entry
from services.common.transparency.heads import (
    TreeHead,
    is_signed_by,
    key_id_of,
    load_or_create_signing_key,
    public_key_from_text,
    public_key_pem,
    raw_public_key,
    sign_head,
    tree_head_message,
)
from services.common.transparency.merkle import EMPTY_ROOT

ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


def test_a_signed_head_verifies_and_any_change_breaks_it():
    key = Ed25519PrivateKey.generate()
    head = sign_head(key, 8, ROOT, 1_732_700_000_000)
    assert head.key_id == key_id_of(key.public_key())
    assert is_signed_by(head, key.public_key())
    for change in (
        {"tree_size": 9},
        {"root_hash": EMPTY_ROOT.hex()},
        {"timestamp_ms": head.timestamp_ms + 1},
        {"signature": "00" * 64},
        {"signature": "not hex"},
    ):
        assert not is_signed_by(dataclasses.replace(head, **change), key.public_key())
    assert not is_signed_by(head, Ed25519PrivateKey.generate().public_key())


def test_the_signed_text_is_one_field_a_line():
    assert tree_head_message(3, "ab" * 32, 17, "cd" * 32) == (
        b"rekap transparency log tree head v1\n"
        b"tree_size 3\n"
        b"root_hash " + b"ab" * 32 + b"\n"
        b"timestamp_ms 17\n"
        b"key_id " + b"cd" * 32 + b"\n"
    )


def test_a_head_round_trips_through_json():
    head = sign_head(Ed25519PrivateKey.generate(), 1, ROOT, 5)
    assert TreeHead.from_json(json.loads(json.dumps(head.as_json()))) == head


def test_the_key_is_made_once_private_and_then_reused(tmp_path):
    path = tmp_path / "keys" / "transparency-ed25519.pem"
    key = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_signing_key(path)
    assert raw_public_key(again.public_key()) == raw_public_key(key.public_key())
    assert list(path.parent.iterdir()) == [path]


def test_a_public_key_is_read_from_pem_or_hex():
    public_key = Ed25519PrivateKey.generate().public_key()
    for text in (public_key_pem(public_key), raw_public_key(public_key).hex() + "\n"):
        assert key_id_of(public_key_from_text(text)) == key_id_of(public_key)


def tally(**changes) -> TallyAccepted:
    fields = {
        "contest": "PILGUB-31-2024",
        "tps": "3171011001001",
        "version": 1,
        "values": {"suara_sah": 200, "suara_paslon_1": 120, "suara_paslon_2": 80, "x": None},
        "candidate_votes": {10: 0, 1: 120, 2: 80},
        "decided_by": "auto",
        "submission_ids": ["b5c2"],
        "photo_sha256s": ["f" * 64, "a" * 64],
        "accepted_at": datetime(2024, 11, 27, 20, 30, tzinfo=timezone(timedelta(hours=7))),
    }
    return TallyAccepted(**(fields | changes))


def test_the_entry_is_canonical_and_binds_the_photos():
    entry = tally_entry(tally())
    assert is_canonical(entry)
    content = json.loads(entry)
    assert content["photo_sha256s"] == ["a" * 64, "f" * 64]
    assert content["accepted_at"] == "2024-11-27T13:30:00+00:00"
    assert content["candidate_votes"] == {"1": 120, "10": 0, "2": 80}
    assert "submission_ids" not in content
    assert tally_entry(tally(photo_sha256s=["a" * 64, "f" * 64])) == entry
    assert tally_entry(tally(accepted_at=datetime(2024, 11, 27, 13, 30, tzinfo=UTC))) == entry
    assert tally_entry(tally(photo_sha256s=["a" * 64])) != entry
    assert not is_canonical(json.dumps(content))
