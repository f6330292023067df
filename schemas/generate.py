"""Write the event contracts of `schemas.events` as JSON Schema files and an AsyncAPI document.

`schemas/generated/` is fully generated: `json-schema/<subject>.json` per event (Draft
2020-12) and `asyncapi.json` (AsyncAPI 3.0) with the channels, who sends and who receives
each event, and the `Nats-Msg-Id` header. Output is byte-for-byte deterministic, so a test
can tell when the checked-in files are stale. Run `python -m schemas.generate [--check]`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, get_origin

from pydantic.json_schema import models_json_schema

from schemas.events import (
    EVENTS,
    Event,
    FormRead,
    MessageDeadLettered,
    PhotoReceived,
    ResultsUpdated,
    TallyAccepted,
    TallyReviewRequested,
)

GENERATED_DIR = Path(__file__).resolve().parent / "generated"
JSON_SCHEMA_DIR = GENERATED_DIR / "json-schema"
ASYNCAPI_PATH = GENERATED_DIR / "asyncapi.json"

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
GENERATED_NOTE = "Generated from schemas/events.py by `rekap schemas generate`; do not edit."
API_VERSION = "1.0.0"
EMBEDDED_NATS_HOST = "127.0.0.1:14222"
DEAD_LETTER_PARAMETER = "consumer"

SENDERS: dict[type[Event], tuple[str, ...]] = {
    PhotoReceived: ("ingest",),
    FormRead: ("ocr",),
    TallyAccepted: ("validate", "review"),
    TallyReviewRequested: ("validate",),
    ResultsUpdated: ("aggregate",),
}
"""Services that publish each event; every receiver also publishes its dead letters."""

RECEIVERS: dict[type[Event], tuple[str, ...]] = {
    PhotoReceived: ("ocr",),
    FormRead: ("validate",),
    TallyReviewRequested: ("review",),
    TallyAccepted: ("aggregate",),
}
"""Services that consume each event, each with a durable consumer named after it."""

FOLLOWERS: dict[type[Event], tuple[str, ...]] = {
    ResultsUpdated: ("results",),
}
"""Services every copy of which sees every such event (an ephemeral ordered consumer each):
nothing to share out, nothing to dead-letter."""


def dead_letter_senders() -> tuple[str, ...]:
    return tuple(sorted({service for services in RECEIVERS.values() for service in services}))


def address(event: type[Event]) -> str:
    """The subject an event is published on, with AsyncAPI's `{parameter}` where it varies."""
    if event is MessageDeadLettered:
        return MessageDeadLettered.subject_for(f"{{{DEAD_LETTER_PARAMETER}}}")
    return event.SUBJECT


def message_id_template(event: type[Event]) -> str:
    """The event's `Nats-Msg-Id` with each field shown as `<field>`, e.g. `photo:<sha>:<id>`."""
    placeholders = {
        name: [f"<{name}>"] if get_origin(field.annotation) is list else f"<{name}>"
        for name, field in event.model_fields.items()
    }
    return event.model_construct(**placeholders).message_id()


def rekap_annotations(event: type[Event]) -> dict[str, Any]:
    return {
        "x-rekap-subject": address(event),
        "x-rekap-stream": event.STREAM,
        "x-rekap-schema-version": event.SCHEMA_VERSION,
    }


def where_published(event: type[Event]) -> str:
    return (
        f"Published on `{address(event)}`, kept in stream {event.STREAM}, "
        f"schema version {event.SCHEMA_VERSION}."
    )


def event_json_schema(event: type[Event]) -> dict[str, Any]:
    """The standalone JSON Schema of one event, naming its subject, stream and version."""
    schema = event.model_json_schema()
    return {
        **schema,
        "$schema": DRAFT_2020_12,
        "$id": f"urn:rekap:event:{event.SUBJECT}",
        "$comment": GENERATED_NOTE,
        "title": f"{event.__name__} ({event.SUBJECT})",
        "description": f"{schema['description']}\n\n{where_published(event)}",
        **rekap_annotations(event),
    }


def component_schemas() -> dict[str, Any]:
    """Every event and nested model, with `$ref`s pointing into `#/components/schemas/`."""
    _, schemas = models_json_schema(
        [(event, "validation") for event in EVENTS], ref_template="#/components/schemas/{model}"
    )
    return schemas["$defs"]


def message_headers(event: type[Event]) -> dict[str, Any]:
    description = (
        "Built from the business key, so that JetStream drops a retried publish inside the "
        f"stream's duplicate window: `{message_id_template(event)}`."
    )
    return {
        "type": "object",
        "required": ["Nats-Msg-Id"],
        "properties": {"Nats-Msg-Id": {"type": "string", "description": description}},
    }


def message(event: type[Event]) -> dict[str, Any]:
    return {
        "name": event.__name__,
        "title": event.__name__,
        "summary": event.model_json_schema()["description"],
        "description": where_published(event),
        "contentType": "application/json",
        "headers": message_headers(event),
        "payload": {"$ref": f"#/components/schemas/{event.__name__}"},
        **rekap_annotations(event),
    }


def channel(event: type[Event]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "address": address(event),
        "title": event.__name__,
        "description": where_published(event),
        "messages": {event.__name__: {"$ref": f"#/components/messages/{event.__name__}"}},
        "x-rekap-stream": event.STREAM,
    }
    if event is MessageDeadLettered:
        body["parameters"] = {
            DEAD_LETTER_PARAMETER: {
                "description": "The durable consumer that gave up on the message.",
                "enum": list(dead_letter_senders()),
            }
        }
    return body


def operation(service: str, action: str, event: type[Event]) -> dict[str, Any]:
    channel_ref = f"#/channels/{event.SUBJECT}"
    return {
        "action": action,
        "title": f"{service} {action}s {event.__name__}",
        "summary": operation_summary(service, action, event),
        "channel": {"$ref": channel_ref},
        "messages": [{"$ref": f"{channel_ref}/messages/{event.__name__}"}],
        "x-rekap-service": service,
    }


def operation_summary(service: str, action: str, event: type[Event]) -> str:
    if event is MessageDeadLettered:
        return f"{service} dead-letters what it gives up on to `{event.subject_for(service)}`."
    if action == "receive" and service in FOLLOWERS.get(event, ()):
        return f"every copy of {service} follows `{event.SUBJECT}` (ephemeral ordered consumer)."
    if action == "receive":
        return f"{service} consumes `{event.SUBJECT}` with its durable consumer `{service}`."
    return f"{service} publishes `{event.SUBJECT}`."


def operations() -> dict[str, Any]:
    flows = [
        *((service, "send", event) for event, services in SENDERS.items() for service in services),
        *((service, "send", MessageDeadLettered) for service in dead_letter_senders()),
        *(
            (service, "receive", event)
            for receivers in (RECEIVERS, FOLLOWERS)
            for event, services in receivers.items()
            for service in services
        ),
    ]
    return {
        f"{service}.{action}.{event.__name__}": operation(service, action, event)
        for service, action, event in flows
    }


def asyncapi_document() -> dict[str, Any]:
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Rekap events",
            "version": API_VERSION,
            "description": (
                "The events that cross service boundaries in Rekap, on NATS JetStream. "
                "Payload schemas are pydantic's JSON Schema (Draft 2020-12); standalone "
                f"copies are in json-schema/. {GENERATED_NOTE}"
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {
                "host": EMBEDDED_NATS_HOST,
                "protocol": "nats",
                "description": f"The nats-server `rekap up` starts: nats://{EMBEDDED_NATS_HOST}",
            }
        },
        "channels": {event.SUBJECT: channel(event) for event in EVENTS},
        "operations": operations(),
        "components": {
            "messages": {event.__name__: message(event) for event in EVENTS},
            "schemas": component_schemas(),
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[Path, str]:
    """Every generated file and its exact content."""
    documents = {
        JSON_SCHEMA_DIR / f"{event.SUBJECT}.json": event_json_schema(event) for event in EVENTS
    }
    documents[ASYNCAPI_PATH] = asyncapi_document()
    return {path: render(document) for path, document in documents.items()}


def is_current(path: Path, content: str) -> bool:
    return path.is_file() and path.read_bytes() == content.encode()


def generate(check: bool = False) -> list[Path]:
    """Bring `schemas/generated/` up to date; return the files written or removed.

    With `check`, change nothing and return the files that are stale, missing or extra.
    """
    expected = expected_files()
    stale = [path for path, content in expected.items() if not is_current(path, content)]
    extra = [path for path in GENERATED_DIR.rglob("*") if path.is_file() and path not in expected]
    if not check:
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(expected[path].encode())
        for path in extra:
            path.unlink()
    return sorted(stale + extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    check = parser.parse_args(argv).check
    changed = generate(check=check)
    for path in changed:
        print(f"{'stale' if check else 'updated'}: {path}")
    if check and changed:
        print("run `rekap schemas generate`")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
