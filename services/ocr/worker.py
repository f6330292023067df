"""The ocr service's handler: a received photo is read once per engine version.

The reading and its `FormRead` event are written in one transaction (the event through the
outbox), keyed by (submission, engine version): a redelivered `PhotoReceived` finds the
reading and does nothing; two copies racing on one photo leave one reading.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from schemas.events import FormRead, PhotoReceived
from services.common.database.models import Reading
from services.common.outbox import OutboxRelay, add_to_outbox
from services.common.photo_store import PhotoStore
from services.ocr.reader import FormReader, FormReading


@dataclass
class OcrDependencies:
    sessions: async_sessionmaker
    photos: PhotoStore
    reader: FormReader
    relay: OutboxRelay


async def read_received_photo(event: PhotoReceived, deps: OcrDependencies) -> None:
    engine_version = deps.reader.engine_version
    async with deps.sessions() as session:
        if await session.get(Reading, (event.submission_id, engine_version)) is not None:
            return
    data = await deps.photos.get(event.photo_sha256)
    reading = await asyncio.to_thread(deps.reader.read, data)
    form_read = form_read_event(event, reading, engine_version, datetime.now(UTC))
    async with deps.sessions() as session:
        session.add(
            Reading(
                submission_id=event.submission_id,
                engine_version=engine_version,
                readable=reading.readable,
                event=form_read.model_dump_json(),
                read_at=form_read.read_at,
            )
        )
        add_to_outbox(session, form_read)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another copy read it first; its event stands
            return
    deps.relay.wake()


def form_read_event(
    event: PhotoReceived, reading: FormReading, engine_version: str, now: datetime
) -> FormRead:
    return FormRead(
        submission_id=event.submission_id,
        photo_sha256=event.photo_sha256,
        contest=event.contest,
        tps=event.tps,
        officer_id=event.officer_id,
        engine_version=engine_version,
        readable=reading.readable,
        unreadable_reason=reading.unreadable_reason,
        qr=reading.qr,
        printed_region_text=reading.printed_region_text,
        fields=reading.fields,
        read_at=now,
    )
