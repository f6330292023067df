"""Composition root of the ocr service: settings in, a worker app out."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.messaging.connect import RelayToBroker
from services.common.messaging.consume import build_consumer_broker
from services.common.messaging.topology import consumer
from services.common.photo_store import FilesystemPhotoStore
from services.common.settings import Settings
from services.common.worker_app import create_worker_app
from services.ocr.reader import FormReader, read_on_one_core
from services.ocr.worker import OcrDependencies, read_received_photo


def create_app(settings: Settings) -> FastAPI:
    read_on_one_core()
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    relay = RelayToBroker(settings, sessions)
    deps = OcrDependencies(
        sessions=sessions,
        photos=FilesystemPhotoStore(settings.resolved_photo_dir),
        reader=FormReader(),
        relay=relay.relay,
    )
    broker = build_consumer_broker(
        settings.nats_url, [(consumer("ocr"), partial(read_received_photo, deps=deps))]
    )
    return create_worker_app("ocr", engine, broker, relay)
