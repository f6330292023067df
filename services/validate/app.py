"""Composition root of the validate service: settings in, a worker app out."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.common.database.engine import make_engine, make_sessionmaker
from services.common.messaging.connect import RelayToBroker
from services.common.messaging.consume import build_consumer_broker
from services.common.messaging.topology import consumer
from services.common.settings import Settings
from services.common.worker_app import create_worker_app
from services.validate.worker import ValidateDependencies, decide_reading


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    relay = RelayToBroker(settings, sessions)
    deps = ValidateDependencies(sessions=sessions, relay=relay.relay)
    broker = build_consumer_broker(
        settings.nats_url, [(consumer("validate"), partial(decide_reading, deps=deps))]
    )
    return create_worker_app("validate", engine, broker, relay)
