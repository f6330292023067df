from schemas.events import EVENTS, MessageDeadLettered
from services.common.messaging.topology import CONSUMERS, STREAMS, consumer, stream_of_subject


def test_every_event_subject_is_kept_by_exactly_its_own_stream():
    for event in EVENTS:
        assert stream_of_subject(event.SUBJECT) == event.STREAM
    assert {spec.name for spec in STREAMS} == {event.STREAM for event in EVENTS}


def test_dead_letters_of_every_consumer_land_in_the_dead_letter_stream():
    for spec in CONSUMERS:
        assert spec.dead_letter_subject == f"deadletter.v1.{spec.durable}"
        assert stream_of_subject(spec.dead_letter_subject) == MessageDeadLettered.STREAM


def test_consumers_are_named_after_services_and_keep_an_explicit_contract():
    assert [spec.durable for spec in CONSUMERS] == [
        "ocr",
        "validate",
        "review",
        "aggregate",
    ]
    ocr = consumer("ocr")
    config = ocr.consumer_config()
    assert config.durable_name == "ocr" and config.filter_subject == "photo.received.v1"
    assert config.ack_policy.value == "explicit"
    assert config.max_deliver == ocr.max_attempts + 1


def test_retry_delays_grow_and_then_stay_at_the_last_one():
    spec = consumer("validate")
    delays = [spec.retry_delay(attempt) for attempt in range(1, 8)]
    assert delays == sorted(delays)
    assert delays[-1] == spec.retry_delays[-1]
