"""Signed tree heads: the log's size and root at a moment, signed with Ed25519.

What is signed is a fixed text (`tree_head_message`), one field a line, integers in decimal
and hashes in lowercase hex, so that a signature can mean one thing only. The key id is the
SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TREE_HEAD_HEADER = "rekap transparency log tree head v1"


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: str
    timestamp_ms: int
    key_id: str
    signature: str

    def message(self) -> bytes:
        return tree_head_message(self.tree_size, self.root_hash, self.timestamp_ms, self.key_id)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TreeHead:
        return cls(
            tree_size=int(data["tree_size"]),
            root_hash=str(data["root_hash"]),
            timestamp_ms=int(data["timestamp_ms"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )


def tree_head_message(tree_size: int, root_hash: str, timestamp_ms: int, key_id: str) -> bytes:
    return (
        f"{TREE_HEAD_HEADER}\n"
        f"tree_size {tree_size}\n"
        f"root_hash {root_hash}\n"
        f"timestamp_ms {timestamp_ms}\n"
        f"key_id {key_id}\n"
    ).encode()


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_key(public_key)).hexdigest()


def sign_head(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, timestamp_ms: int
) -> TreeHead:
    key_id = key_id_of(private_key.public_key())
    message = tree_head_message(tree_size, root_hash.hex(), timestamp_ms, key_id)
    signature = private_key.sign(message).hex()
    return TreeHead(tree_size, root_hash.hex(), timestamp_ms, key_id, signature)


def is_signed_by(head: TreeHead, public_key: Ed25519PublicKey) -> bool:
    """Whether `head` names this key and carries its valid signature over the head's fields."""
    if head.key_id != key_id_of(public_key):
        return False
    try:
        public_key.verify(bytes.fromhex(head.signature), head.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A public key written as PEM (SubjectPublicKeyInfo) or as the 64 hex digits of its raw
    bytes; raises ValueError for anything else."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The private key in PEM at `path`; made (mode 0600) when there is none. Two processes
    creating it at once agree: the file appears whole, once, by a hard link."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key
