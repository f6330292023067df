"""Composition root of the aggregate service: settings in, a worker app out."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.aggregate.worker import AggregateDependencies, aggregate_tally
from services.common.database.engine import make_engine, make_sessionmaker
from services.common.messaging.connect import RelayToBroker
from services.common.messaging.consume import build_consumer_broker
from services.common.messaging.topology import consumer
from services.common.settings import Settings
from services.common.transparency.heads import load_or_create_signing_key
from services.common.transparency.log_store import keep_signing_tree_heads
from services.common.worker_app import create_worker_app


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    relay = RelayToBroker(settings, sessions)
    deps = AggregateDependencies(sessions=sessions, relay=relay.relay)
    broker = build_consumer_broker(
        settings.nats_url, [(consumer("aggregate"), partial(aggregate_tally, deps=deps))]
    )
    key = load_or_create_signing_key(settings.resolved_transparency_key_path)
    return create_worker_app(
        "aggregate",
        engine,
        broker,
        relay,
        background=[
            partial(keep_signing_tree_heads, sessions, key, settings.tree_head_interval_seconds)
        ],
    )
