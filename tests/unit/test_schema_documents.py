"""The generated JSON Schema and AsyncAPI documents are current, consistent and resolvable."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.events import (
    EVENTS,
    DigitAlternative,
    Event,
    FieldReading,
    FormRead,
    MessageDeadLettered,
    PhotoReceived,
    QrPayload,
    ResultsUpdated,
    RuleFinding,
    TallyAccepted,
    TallyReviewRequested,
)
from schemas.generate import ASYNCAPI_PATH, EMBEDDED_NATS_HOST, JSON_SCHEMA_DIR, generate
from services.common.messaging.topology import CONSUMERS
from services.common.settings import Settings

AT = datetime(2024, 11, 27, 13, 5, tzinfo=UTC)
SHA = "ab" * 32
TPS = "3171011001001"
CONTEST = "PILGUB-31-2024"
FINDING = RuleFinding(
    rule="sum_of_candidates_equals_valid", severity="soft", message="off by 2", fields=["suara_sah"]
)

EXAMPLES: dict[type[Event], Event] = {
    PhotoReceived: PhotoReceived(
        submission_id="7f0c",
        photo_sha256=SHA,
        content_type="image/jpeg",
        size_bytes=812_000,
        width=3000,
        height=4000,
        contest=CONTEST,
        tps=TPS,
        officer_id="kpps-1",
        uploaded_at=AT,
    ),
    FormRead: FormRead(
        submission_id="7f0c",
        photo_sha256=SHA,
        contest=CONTEST,
        tps=TPS,
        officer_id="kpps-1",
        engine_version="tess-5.3",
        readable=True,
        qr=QrPayload(contest=CONTEST, tps=TPS, page=1),
        printed_region_text="DKI JAKARTA",
        fields={
            "dpt_l": FieldReading(
                value=212,
                confidence=0.93,
                alternatives=[DigitAlternative(value=213, probability=0.05)],
                box_px=[(1600, 960, 80, 106)],
            ),
            "suara_paslon_6": FieldReading(value=None, confidence=0.99),
        },
        read_at=AT,
    ),
    TallyAccepted: TallyAccepted(
        contest=CONTEST,
        tps=TPS,
        version=2,
        values={"suara_sah": 400},
        candidate_votes={1: 250},
        decided_by="reviewer:r-1",
        submission_ids=["7f0c"],
        photo_sha256s=[SHA],
        soft_findings=[FINDING],
        disputed=True,
        accepted_at=AT,
    ),
    TallyReviewRequested: TallyReviewRequested(
        contest=CONTEST,
        tps=TPS,
        submission_ids=["7f0c", "81aa"],
        photo_sha256s=[SHA],
        findings=[FINDING],
        readings={"7f0c": {"suara_sah": 400, "suara_paslon_6": None}},
        requested_at=AT,
    ),
    ResultsUpdated: ResultsUpdated(
        contest=CONTEST, tps=TPS, version=1, region_codes=["31.71.01.1001", "31"], updated_at=AT
    ),
    MessageDeadLettered: MessageDeadLettered(
        consumer="ocr",
        original_stream="PHOTOS",
        original_subject="photo.received.v1",
        original_sequence=42,
        deliveries=6,
        reason="gave_up",
        error="timed out",
        payload="{}",
        dead_lettered_at=AT,
    ),
}


def load(path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def event_schema(event: type[Event]) -> dict[str, Any]:
    return load(JSON_SCHEMA_DIR / f"{event.SUBJECT}.json")


def resolve(document: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer (`#/a/b`) inside the document; KeyError if it dangles."""
    assert ref.startswith("#/"), f"{ref} is not a reference inside the document"
    node: Any = document
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


def schema_mismatches(schema: dict, instance: Any, document: dict, where: str) -> list[str]:
    """Required keys missing from, or unknown keys in, every object of the instance."""
    if "$ref" in schema:
        return schema_mismatches(resolve(document, schema["$ref"]), instance, document, where)
    if "anyOf" in schema:
        branches = [branch for branch in schema["anyOf"] if branch.get("type") != "null"]
        if instance is None:
            return []
        return [m for b in branches for m in schema_mismatches(b, instance, document, where)]
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        found = [
            f"{where}.{key} is required"
            for key in schema.get("required", [])
            if key not in instance
        ]
        if schema.get("additionalProperties") is False:
            found += [
                f"{where}.{key} is not in the schema" for key in instance if key not in properties
            ]
        for key, value in instance.items():
            child = properties.get(key, schema.get("additionalProperties"))
            if isinstance(child, dict):
                found += schema_mismatches(child, value, document, f"{where}.{key}")
        return found
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [
            m
            for i, value in enumerate(instance)
            for m in schema_mismatches(schema["items"], value, document, f"{where}[{i}]")
        ]
    return []


def test_the_generated_documents_are_up_to_date():
    stale = generate(check=True)
    assert stale == [], (
        f"stale generated documents: {', '.join(map(str, stale))}; run `rekap schemas generate`"
    )


def test_every_event_has_an_example():
    assert set(EXAMPLES) == set(EVENTS)


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.__name__)
def test_each_json_schema_names_its_subject_stream_and_version(event):
    schema = event_schema(event)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:rekap:event:{event.SUBJECT}"
    assert schema["x-rekap-stream"] == event.STREAM
    assert schema["x-rekap-schema-version"] == event.SCHEMA_VERSION
    assert schema["x-rekap-subject"].startswith(event.SUBJECT)
    assert event.SUBJECT in schema["title"] and event.STREAM in schema["description"]


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.__name__)
def test_an_example_event_fits_its_json_schema_and_round_trips(event):
    schema = event_schema(event)
    dumped = EXAMPLES[event].model_dump(mode="json")
    assert schema_mismatches(schema, dumped, schema, event.__name__) == []
    assert event.model_validate_json(json.dumps(dumped)) == EXAMPLES[event]


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.__name__)
def test_an_example_event_fits_its_asyncapi_payload(event):
    document = load(ASYNCAPI_PATH)
    payload = resolve(document, f"#/components/messages/{event.__name__}")["payload"]
    dumped = EXAMPLES[event].model_dump(mode="json")
    assert schema_mismatches(payload, dumped, document, event.__name__) == []


def test_the_mismatch_check_sees_a_missing_nested_key():
    schema = event_schema(FormRead)
    dumped = EXAMPLES[FormRead].model_dump(mode="json")
    del dumped["fields"]["dpt_l"]["alternatives"][0]["probability"]
    assert schema_mismatches(schema, dumped, schema, "FormRead") == [
        "FormRead.fields.dpt_l.alternatives[0].probability is required"
    ]


def test_every_ref_resolves_inside_its_document():
    for path in [ASYNCAPI_PATH, *sorted(JSON_SCHEMA_DIR.glob("*.json"))]:
        document = load(path)
        for ref in refs_in(document):
            resolve(document, ref)


def test_asyncapi_refs_point_into_components_not_pydantic_defs():
    refs = refs_in(load(ASYNCAPI_PATH))
    assert refs and not [ref for ref in refs if ref.startswith("#/$defs")]


def test_every_message_carries_a_business_key_message_id():
    document = load(ASYNCAPI_PATH)
    for event in EVENTS:
        headers = document["components"]["messages"][event.__name__]["headers"]
        assert headers["required"] == ["Nats-Msg-Id"]
        assert "business key" in headers["properties"]["Nats-Msg-Id"]["description"]


def test_a_channel_per_subject_with_its_address():
    channels = load(ASYNCAPI_PATH)["channels"]
    assert {channels[event.SUBJECT]["address"] for event in EVENTS} == {
        *(event.SUBJECT for event in EVENTS if event is not MessageDeadLettered),
        "deadletter.v1.{consumer}",
    }


def test_receivers_are_the_durable_consumers_of_the_topology():
    document = load(ASYNCAPI_PATH)
    received = {
        (op["x-rekap-service"], resolve(document, op["channel"]["$ref"])["address"])
        for op in document["operations"].values()
        if op["action"] == "receive"
    }
    followed = {("results", ResultsUpdated.SUBJECT)}  # every copy sees every update
    assert received == {(spec.durable, spec.filter_subject) for spec in CONSUMERS} | followed


def test_every_consumer_dead_letters():
    document = load(ASYNCAPI_PATH)
    dead_letter_senders = {
        op["x-rekap-service"]
        for op in document["operations"].values()
        if op["action"] == "send" and op["channel"]["$ref"] == "#/channels/deadletter.v1"
    }
    assert dead_letter_senders == {spec.durable for spec in CONSUMERS}
    parameter = document["channels"]["deadletter.v1"]["parameters"]["consumer"]
    assert set(parameter["enum"]) == dead_letter_senders


def test_the_server_is_the_embedded_nats_of_the_settings():
    server = load(ASYNCAPI_PATH)["servers"]["embedded"]
    assert (server["protocol"], server["host"]) == ("nats", EMBEDDED_NATS_HOST)
    assert Settings.model_fields["nats_url"].default == f"nats://{EMBEDDED_NATS_HOST}"
