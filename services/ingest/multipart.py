"""Reading the multipart upload without ever holding more than the size cap."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from services.ingest.errors import MalformedUpload, UploadTooLarge

MULTIPART_OVERHEAD_BYTES = 64 * 1024


async def read_upload_form(
    request: Request, max_photo_bytes: int
) -> tuple[bytes, str | None, dict]:
    """The photo's bytes, its declared content type, and the other (text) fields."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise MalformedUpload("send multipart/form-data with a `photo` file and a `contest` field")
    limit = max_photo_bytes + MULTIPART_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(_too_large(max_photo_bytes))
    parser = MultiPartParser(
        request.headers,
        _capped(request.stream(), limit, max_photo_bytes),
        max_files=1,
        max_fields=8,
    )
    try:
        form: FormData = await parser.parse()
    except MultiPartException as error:
        raise MalformedUpload(f"the multipart body could not be parsed: {error.message}") from None
    try:
        photo = form.get("photo")
        if not isinstance(photo, UploadFile):
            raise MalformedUpload("the `photo` file part is missing")
        data = await photo.read()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        return data, photo.content_type, fields
    finally:
        await form.close()


async def _capped(chunks: AsyncIterator[bytes], limit: int, max_photo_bytes: int):
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise UploadTooLarge(_too_large(max_photo_bytes))
        yield chunk


def _too_large(max_photo_bytes: int) -> str:
    return (
        f"the photo is larger than {max_photo_bytes // (1024 * 1024)} MiB; "
        "send it at the phone camera's normal JPEG quality"
    )
