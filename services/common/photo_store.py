"""Content-addressed photo storage: a photo is kept under its sha256 and never modified.

`PhotoStore` is the interface; `FilesystemPhotoStore` the default (a folder under ./var/).
A NATS object store or S3 implements the same three methods.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class PhotoNotFound(KeyError):
    pass


class PhotoStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their sha256."""

    async def get(self, sha256: str) -> bytes: ...

    async def exists(self, sha256: str) -> bool: ...


class FilesystemPhotoStore:
    """Files at `root/ab/cd/<sha256>`, written to a temporary file, synced, then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not SHA256_HEX.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write_once, self.path_of(sha256), data)
        return sha256

    async def get(self, sha256: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path_of(sha256).read_bytes)
        except FileNotFoundError:
            raise PhotoNotFound(sha256) from None

    async def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    @staticmethod
    def _write_once(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o444)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
