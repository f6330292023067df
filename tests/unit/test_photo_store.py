import hashlib

import pytest

from services.common.photo_store import FilesystemPhotoStore, PhotoNotFound


async def test_a_photo_is_kept_under_its_sha256_once_and_read_only(tmp_path):
    store = FilesystemPhotoStore(tmp_path)
    data = b"\xff\xd8\xff fake jpeg bytes"
    sha256 = await store.put(data)
    assert sha256 == hashlib.sha256(data).hexdigest()
    assert await store.put(data) == sha256
    path = store.path_of(sha256)
    assert path == tmp_path / sha256[:2] / sha256[2:4] / sha256
    assert path.stat().st_mode & 0o222 == 0
    assert await store.get(sha256) == data and await store.exists(sha256)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]


async def test_unknown_and_malformed_keys(tmp_path):
    store = FilesystemPhotoStore(tmp_path)
    with pytest.raises(PhotoNotFound):
        await store.get("0" * 64)
    with pytest.raises(ValueError):
        store.path_of("../../etc/passwd")
