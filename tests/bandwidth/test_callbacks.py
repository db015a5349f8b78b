"""Parsing of Bandwidth webhook bodies, driven by fixtures built from the OpenAPI specs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bandwidth.callbacks import (
    AnswerEvent,
    CallbackMessage,
    CallbackParseError,
    DisconnectEvent,
    DtmfEvent,
    GatherEvent,
    InitiateEvent,
    LegacyCallbackError,
    MachineDetectionCompleteEvent,
    MessageReceived,
    MessageStatusEvent,
    RecordCompleteEvent,
    RecordingAvailableEvent,
    RedirectEvent,
    RejectedElement,
    TranscriptionAvailableEvent,
    TransferAnswerEvent,
    TransferCompleteEvent,
    TransferDisconnectEvent,
    UnknownMessagingEvent,
    UnknownVoiceEvent,
    is_synchronous,
    parse_iso_duration,
    parse_messaging_callbacks,
    parse_messaging_elements,
    parse_numbers_notification,
    parse_timestamp,
    parse_voice_callback,
)
from tests.bandwidth.client_spec_validation import SPECS_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "bandwidth"

CALL_ID = "c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85"
CALL_URL = f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/{CALL_ID}"
SPEC_TIME = datetime(2022, 6, 17, 22, 19, 40, 375000, tzinfo=UTC)
SPEC_LATER_TIME = datetime(2022, 6, 17, 22, 20, tzinfo=UTC)


def fixture_text(relative: str) -> str:
    return (FIXTURES / relative).read_text()


def fixture_json(relative: str) -> Any:
    return json.loads(fixture_text(relative))


def only_event(relative: str) -> Any:
    events = parse_messaging_callbacks(fixture_text(relative))
    assert len(events) == 1
    return events[0]


# --- messaging -----------------------------------------------------------------------------------


def test_sms_message_received() -> None:
    event = only_event("messaging/message-received.json")
    assert isinstance(event, MessageReceived)
    assert event.type == "message-received"
    assert event.time == datetime(2025, 1, 6, 15, 43, 35, 502180, tzinfo=UTC)
    assert event.to == "+12345678902"
    assert event.description == "Incoming message received"
    assert event.error_code is None
    assert event.carrier_name is None
    assert event.raw == fixture_json("messaging/message-received.json")[0]
    assert event.message == CallbackMessage(
        id="14762070468292kw2fuqty55yp2b2",
        owner="+12345678902",
        application_id="93de2206-9669-4e07-948d-329f4b722ee2",
        time=datetime(2025, 1, 6, 15, 43, 34, tzinfo=UTC),
        segment_count=1,
        direction="in",
        to=("+12345678902",),
        from_="+12345678901",
        text="Hey, check out this SMS!",
        tag=None,
        media=(),
        priority=None,
    )


def test_mms_message_received_keeps_group_recipients_and_media() -> None:
    event = only_event("messaging/message-received-mms.json")
    assert isinstance(event, MessageReceived)
    assert event.message.to == ("+12345678902", "+12345678903")
    assert event.message.media == (
        "https://messaging.bandwidth.com/api/v2/users/9900902/media/14762070468292kw2fuqty55yp2b2/0/bw.png",
    )
    assert event.message.text == "Hey, check out the MMS!"


@pytest.mark.parametrize(
    ("relative", "status", "description", "tag"),
    [
        (
            "messaging/message-sending.json",
            "sending",
            "Message is sending to carrier.",
            "your tag here",
        ),
        ("messaging/message-sent.json", "sent", "Message sent to carrier", "v2 lab"),
        ("messaging/message-delivered.json", "delivered", "Message delivered to handset.", None),
    ],
)
def test_message_status_events(
    relative: str, status: str, description: str, tag: str | None
) -> None:
    event = only_event(relative)
    assert isinstance(event, MessageStatusEvent)
    assert event.type == f"message-{status}"
    assert event.status == status
    assert event.description == description
    assert event.error_code is None
    assert event.message.direction == "out"
    assert event.message.text == ""
    assert event.message.tag == tag


def test_message_sending_fields() -> None:
    event = only_event("messaging/message-sending.json")
    assert event.to == "+15554443333"
    assert event.time == datetime(2024, 6, 25, 18, 42, 36, 979456, tzinfo=UTC)
    assert event.message.id == "1593110555875xo7watq5px6rbe5d"
    assert event.message.owner == "+15552221111"
    assert event.message.from_ == "+15552221111"
    assert event.message.application_id == "cfd4fb83-7531-4acc-b471-42d0bb76a65c"
    assert event.message.media == ("https://dev.bandwidth.com/images/bandwidth-logo.png",)


@pytest.mark.parametrize(
    "relative",
    ["messaging/message-delivered-mms.json", "messaging/message-delivered-group-mms.json"],
)
def test_mms_delivered_variants(relative: str) -> None:
    event = only_event(relative)
    assert isinstance(event, MessageStatusEvent)
    assert event.status == "delivered"
    assert event.to == "+12345678902"


def test_message_failed_carries_error_code_and_recipient() -> None:
    event = only_event("messaging/message-failed.json")
    assert isinstance(event, MessageStatusEvent)
    assert event.status == "failed"
    assert event.error_code == 4432
    assert event.description == "forbidden to country"
    assert event.to == "+52345678903"
    assert event.message.to == ("+12345678902", "+52345678903")
    assert event.time == datetime(2024, 12, 18, 16, 51, 27, 704450, tzinfo=UTC)


def test_bare_object_parses_like_an_array_of_one() -> None:
    array_text = fixture_text("messaging/message-failed.json")
    bare_text = json.dumps(json.loads(array_text)[0])
    assert parse_messaging_callbacks(bare_text) == parse_messaging_callbacks(array_text)


def test_array_of_several_events_keeps_order_and_accepts_bytes() -> None:
    body = [
        fixture_json("messaging/message-sending.json")[0],
        fixture_json("messaging/message-failed.json")[0],
    ]
    events = parse_messaging_callbacks(json.dumps(body).encode())
    assert [event.type for event in events] == ["message-sending", "message-failed"]


def test_elements_are_read_one_by_one_and_a_bad_one_costs_only_itself() -> None:
    broken = fixture_json("messaging/message-received.json")[0]
    del broken["message"]["id"]
    body = [
        fixture_json("messaging/message-sending.json")[0],
        broken,
        7,
        fixture_json("messaging/message-failed.json")[0],
    ]
    parsed = parse_messaging_elements(json.dumps(body).encode())
    assert [event.type for event in parsed.events] == ["message-sending", "message-failed"]
    assert parsed.rejects == [
        RejectedElement(index=1, raw=broken, reason="message-received.message.id is missing"),
        RejectedElement(index=2, raw=7, reason="element must be an object, got int"),
    ]
    assert parsed.rejects[0].type == "message-received"
    assert parsed.rejects[0].to == broken["to"]
    assert parsed.rejects[0].owner == broken["message"]["owner"]
    assert parsed.rejects[1].type is None and parsed.rejects[1].owner is None
    with pytest.raises(CallbackParseError, match=r"message-received\[1\]\.message\.id is missing"):
        parse_messaging_callbacks(json.dumps(body))


def test_a_legacy_element_is_a_reject_with_its_clear_reason() -> None:
    body = f"[{fixture_text('legacy/v1-sms.json')}]"
    (reject,) = parse_messaging_elements(body).rejects
    assert reject.reason.startswith(
        "element is a retired Bandwidth v1 (Catapult) messaging callback"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [("[{", "body is not valid JSON"), ('"text"', "must be a JSON array or object, got str")],
)
def test_elements_of_a_body_that_is_no_array_or_object_still_raise(body: str, message: str) -> None:
    with pytest.raises(CallbackParseError, match=message):
        parse_messaging_elements(body)


def test_carrier_name_and_priority_are_read() -> None:
    body = fixture_json("messaging/message-delivered.json")
    body[0]["carrierName"] = "AT&T"
    body[0]["message"]["priority"] = "high"
    (event,) = parse_messaging_callbacks(json.dumps(body))
    assert event.carrier_name == "AT&T"
    assert event.message is not None
    assert event.message.priority == "high"


def test_unknown_messaging_type_is_kept_with_its_fields() -> None:
    body = fixture_json("messaging/message-delivered.json")
    body[0]["type"] = "message-read"
    body[0]["eventTime"] = "2024-12-02T20:15:58.278Z"
    (event,) = parse_messaging_callbacks(json.dumps(body))
    assert isinstance(event, UnknownMessagingEvent)
    assert event.type == "message-read"
    assert event.raw == body[0]
    assert event.event_time == datetime(2024, 12, 2, 20, 15, 58, 278000, tzinfo=UTC)
    assert event.message is not None
    assert event.message.id == "14762070468292kw2fuqty55yp2b2"


def test_unknown_messaging_type_with_an_unfamiliar_shape_does_not_raise() -> None:
    body = [{"type": "suggestion-response", "payload": {"postbackData": "yes"}}]
    (event,) = parse_messaging_callbacks(json.dumps(body))
    assert isinstance(event, UnknownMessagingEvent)
    assert event.type == "suggestion-response"
    assert event.raw == body[0]
    assert event.message is None


# --- voice ---------------------------------------------------------------------------------------


def voice(event_type: str) -> Any:
    return parse_voice_callback(fixture_text(f"voice/{event_type}.json"))


def assert_common_voice_fields(event: Any, event_type: str) -> None:
    assert event.event_type == event_type
    assert event.event_time == SPEC_TIME
    assert event.account_id == "9900000"
    assert event.application_id == "04e88489-df02-4e34-a0ee-27a91849555f"
    assert event.from_ == "+19195554312"
    assert event.to == "+19195551234"
    assert event.call_id == CALL_ID
    assert event.call_url == CALL_URL
    assert event.start_time == SPEC_TIME
    assert event.raw == fixture_json(f"voice/{event_type}.json")


def test_initiate() -> None:
    event = voice("initiate")
    assert isinstance(event, InitiateEvent)
    assert_common_voice_fields(event, "initiate")
    assert event.direction == "inbound"
    assert event.answer_time is None
    assert event.tag is None
    assert event.diversion is not None
    assert event.diversion.orig_to == "+15558884444"
    assert event.diversion.reason == "unavailable"
    assert event.diversion.counter == "2"
    assert event.stir_shaken is not None
    assert event.stir_shaken.attestation_indicator == "A"
    assert event.stir_shaken.verstat == "Tn-Validation-Passed"
    assert event.uui == "bXktdXVp"
    assert event.sip_call_id == "c95ac8d6e1a31c52eb38f419893c151633ec68f8d@sbc.bandwidth.com"
    assert event.sip_headers == {"x-custom-header": "customer-value", "x-session-id": "sess-12345"}


def test_answer() -> None:
    event = voice("answer")
    assert isinstance(event, AnswerEvent)
    assert_common_voice_fields(event, "answer")
    assert event.direction == "outbound"
    assert event.enqueued_time == SPEC_LATER_TIME
    assert event.answer_time == SPEC_LATER_TIME
    assert event.tag == "exampleTag"
    assert event.machine_detection_result is not None
    assert event.machine_detection_result.value == "answering-machine"
    assert event.machine_detection_result.duration == "PT4.9891287S"


def test_disconnect() -> None:
    event = voice("disconnect")
    assert isinstance(event, DisconnectEvent)
    assert_common_voice_fields(event, "disconnect")
    assert event.end_time == SPEC_LATER_TIME
    assert event.cause == "busy"
    assert event.error_id == "4642074b-7b58-478b-96e4-3a60955c6765"
    assert event.error_message is not None
    assert event.error_message.startswith("Call c-2a913f94-6a486f3a")
    assert event.sip_response_code == 486


def test_gather() -> None:
    event = voice("gather")
    assert isinstance(event, GatherEvent)
    assert_common_voice_fields(event, "gather")
    assert event.digits == "123"
    assert event.terminating_digit == "#"
    assert event.parent_call_id == "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"
    assert event.transfer_caller_id == "+19195554312"
    assert event.transfer_to == "+15555555555"


def test_redirect() -> None:
    event = voice("redirect")
    assert isinstance(event, RedirectEvent)
    assert_common_voice_fields(event, "redirect")
    assert event.parent_call_id == "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"
    assert event.transfer_to == "+15555555555"


def assert_recording_fields(event: Any) -> None:
    assert event.recording_id == "r-fbe05094-9fd2afe9-bf5b-4c68-820a-41a01c1c5833"
    assert event.media_url.endswith(
        "/recordings/r-fbe05094-9fd2afe9-bf5b-4c68-820a-41a01c1c5833/media"
    )
    assert event.end_time == SPEC_LATER_TIME
    assert event.duration == "PT13.67S"
    assert event.duration_seconds == pytest.approx(13.67)
    assert event.file_format == "wav"


def test_record_complete() -> None:
    event = voice("recordComplete")
    assert isinstance(event, RecordCompleteEvent)
    assert_common_voice_fields(event, "recordComplete")
    assert_recording_fields(event)
    assert event.channels == 1
    assert event.answer_time == SPEC_LATER_TIME


def test_recording_available() -> None:
    event = voice("recordingAvailable")
    assert isinstance(event, RecordingAvailableEvent)
    assert_common_voice_fields(event, "recordingAvailable")
    assert_recording_fields(event)
    assert event.channels == 1
    assert event.status == "complete"


def test_transcription_available() -> None:
    event = voice("transcriptionAvailable")
    assert isinstance(event, TranscriptionAvailableEvent)
    assert_common_voice_fields(event, "transcriptionAvailable")
    assert_recording_fields(event)
    assert event.transcription is not None
    assert event.transcription.id == "t-387bd648-18f3-4823-9d16-746bca0003c9"
    assert event.transcription.status == "available"
    assert event.transcription.completed_time == datetime(
        2022, 6, 13, 18, 46, 29, 715000, tzinfo=UTC
    )
    assert event.transcription.url is not None
    assert event.transcription.url.endswith("/transcription")


def test_transfer_answer() -> None:
    event = voice("transferAnswer")
    assert isinstance(event, TransferAnswerEvent)
    assert_common_voice_fields(event, "transferAnswer")
    assert event.transfer_caller_id == "+19195554312"
    assert event.transfer_to == "+15555555555"


def test_transfer_complete() -> None:
    event = voice("transferComplete")
    assert isinstance(event, TransferCompleteEvent)
    assert_common_voice_fields(event, "transferComplete")
    assert event.cause == "busy"
    assert event.error_id == "4642074b-7b58-478b-96e4-3a60955c6765"
    assert event.transfer_to == "+15555555555"


def test_transfer_disconnect() -> None:
    event = voice("transferDisconnect")
    assert isinstance(event, TransferDisconnectEvent)
    assert_common_voice_fields(event, "transferDisconnect")
    assert event.end_time == SPEC_LATER_TIME
    assert event.cause == "busy"
    assert event.parent_call_id == "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"


def test_dtmf() -> None:
    event = voice("dtmf")
    assert isinstance(event, DtmfEvent)
    assert_common_voice_fields(event, "dtmf")
    assert event.digit == "2"


def test_machine_detection_complete() -> None:
    event = voice("machineDetectionComplete")
    assert isinstance(event, MachineDetectionCompleteEvent)
    assert_common_voice_fields(event, "machineDetectionComplete")
    assert event.machine_detection_result is not None
    assert event.machine_detection_result.value == "answering-machine"


def test_unknown_voice_event_is_kept_raw() -> None:
    body = fixture_json("voice/answer.json")
    body["eventType"] = "conferenceCreated"
    event = parse_voice_callback(json.dumps(body))
    assert isinstance(event, UnknownVoiceEvent)
    assert event.event_type == "conferenceCreated"
    assert event.call_id == CALL_ID
    assert event.raw == body


@pytest.mark.parametrize(
    ("event_type", "synchronous"),
    [
        ("initiate", True),
        ("answer", True),
        ("gather", True),
        ("redirect", True),
        ("recordComplete", True),
        ("transferAnswer", True),
        ("transferComplete", True),
        ("disconnect", False),
        ("recordingAvailable", False),
        ("transcriptionAvailable", False),
        ("transferDisconnect", False),
        ("dtmf", False),
        ("machineDetectionComplete", False),
        ("somethingNew", False),
    ],
)
def test_is_synchronous(event_type: str, synchronous: bool) -> None:
    assert is_synchronous(event_type) is synchronous


# --- timestamps ----------------------------------------------------------------------------------


def test_docs_style_event_time_without_zone_is_utc() -> None:
    body = fixture_json("voice/recordingAvailable.json")
    body["eventTime"] = "2019-09-13T16:49:40.500"
    event = parse_voice_callback(json.dumps(body))
    assert event.event_time == datetime(2019, 9, 13, 16, 49, 40, 500000, tzinfo=UTC)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "2019-09-13T16:49:40Z",
        "2019-09-13T16:49:40",
        "2019-09-13T16:49:40+00:00",
        "2019-09-13T16:49:40.000Z",
        "2019-09-13T16:49:40.000000+00:00",
        "2019-09-13T18:49:40+02:00",
    ],
)
def test_timestamps_are_parsed_leniently_into_aware_utc(text: str) -> None:
    parsed = parse_timestamp(text)
    assert parsed == datetime(2019, 9, 13, 16, 49, 40, tzinfo=UTC)
    assert parsed.utcoffset() is not None
    assert parsed.tzinfo == UTC


def test_iso_duration() -> None:
    assert parse_iso_duration("PT20.056S") == pytest.approx(20.056)
    assert parse_iso_duration("PT1M2S") == 62
    with pytest.raises(ValueError):
        parse_iso_duration("twenty seconds")


# --- numbers notifications -----------------------------------------------------------------------


def test_order_complete_notification() -> None:
    note = parse_numbers_notification(fixture_text("numbers/orders-complete.xml").encode())
    assert note.subscription_id == "0b3aa54d-0ce5-4f5b-bd75-1c30967b197f"
    assert note.order_type == "orders"
    assert note.order_id == "47955555-67aa-4adb-8c0f-b6894e60c0dc"
    assert note.customer_order_id == "tenant42-ord-0001"
    assert note.status == "COMPLETE"
    assert note.message == "Created a new number order for 2 number from RALEIGH, NC"
    assert note.completed_numbers == ("+19192286710", "+19192286700")
    assert note.failed_numbers == ()
    assert note.errors == ()
    assert note.last_modified_date == datetime(2023, 9, 12, 15, 11, 31, 705000, tzinfo=UTC)


def test_disconnect_complete_notification() -> None:
    note = parse_numbers_notification(fixture_text("numbers/disconnects-complete.xml"))
    assert note.order_type == "disconnects"
    assert note.order_id == "df2gc2e2-653d-466c-945d-8f292f09ce55"
    assert note.customer_order_id == "My OrderId"
    assert note.completed_numbers == ("+15405514342",)


def test_partial_order_notification_reports_failures() -> None:
    note = parse_numbers_notification(fixture_text("numbers/orders-partial.xml"))
    assert note.status == "PARTIAL"
    assert note.completed_numbers == ("+16672286710",)
    assert note.failed_numbers == ("+16672286711",)
    assert len(note.errors) == 1
    assert note.errors[0].code == "5005"
    assert note.errors[0].description == "Telephone Number Unavailable"
    assert note.errors[0].telephone_number == "+16672286711"


def test_event_notification() -> None:
    note = parse_numbers_notification(fixture_text("numbers/event-messaging-lost.xml"))
    assert note.event_type == "MESSAGING_LOST"
    assert note.impacted_numbers == ("+19192286710",)
    assert note.order_type is None
    assert note.completed_numbers == ()
    assert note.last_modified_date is None


# --- malformed and legacy bodies -----------------------------------------------------------------

MALFORMED = {
    "messaging-truncated.json": (parse_messaging_callbacks, "body is not valid JSON"),
    "messaging-scalar.json": (parse_messaging_callbacks, "must be a JSON array or object, got str"),
    "messaging-item-not-object.json": (parse_messaging_callbacks, "[0] must be an object, got int"),
    "messaging-missing-type.json": (parse_messaging_callbacks, "[0].type is missing"),
    "messaging-missing-message-id.json": (
        parse_messaging_callbacks,
        "message-received[0].message.id is missing",
    ),
    "messaging-missing-message.json": (
        parse_messaging_callbacks,
        "message-received[0].message is missing",
    ),
    "messaging-segment-count-string.json": (
        parse_messaging_callbacks,
        "message-delivered[0].message.segmentCount must be an integer, got str",
    ),
    "messaging-bad-time.json": (
        parse_messaging_callbacks,
        "message-delivered[0].time is not a timestamp: 'yesterday'",
    ),
    "messaging-to-not-array.json": (
        parse_messaging_callbacks,
        "message-delivered[0].message.to must be an array, got str",
    ),
    "messaging-bad-direction.json": (
        parse_messaging_callbacks,
        "message-delivered[0].message.direction must be one of in, out: 'sideways'",
    ),
    "voice-truncated.json": (parse_voice_callback, "body is not valid JSON"),
    "voice-array.json": (parse_voice_callback, "body must be a JSON object, got list"),
    "voice-missing-call-id.json": (parse_voice_callback, "gather.callId is missing"),
    "voice-bad-event-time.json": (
        parse_voice_callback,
        "gather.eventTime is not a timestamp: '17/06/2022 22:19'",
    ),
    "voice-bad-direction.json": (
        parse_voice_callback,
        "gather.direction must be one of inbound, outbound: 'sideways'",
    ),
    "voice-sip-response-code-string.json": (
        parse_voice_callback,
        "disconnect.sipResponseCode must be an integer, got str",
    ),
    "voice-missing-recording-id.json": (
        parse_voice_callback,
        "recordingAvailable.recordingId is missing",
    ),
    "numbers-not-xml.xml": (parse_numbers_notification, "body is not well-formed XML"),
    "numbers-wrong-root.xml": (
        parse_numbers_notification,
        "root element must be <Notification>, got <OrderResponse>",
    ),
    "numbers-missing-subscription-id.xml": (
        parse_numbers_notification,
        "Notification.SubscriptionId is missing",
    ),
    "numbers-bad-number.xml": (
        parse_numbers_notification,
        "Notification.CompletedTelephoneNumbers has a value that is not a telephone number: "
        "'919-CALL-ME'",
    ),
    "numbers-bad-date.xml": (
        parse_numbers_notification,
        "Notification.LastModifiedDate is not a timestamp: 'last tuesday'",
    ),
    "numbers-entity-expansion.xml": (
        parse_numbers_notification,
        "body contains forbidden XML (EntitiesForbidden)",
    ),
}


def test_every_malformed_fixture_has_an_expectation() -> None:
    assert sorted(MALFORMED) == sorted(path.name for path in (FIXTURES / "malformed").iterdir())


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_body_raises_one_error_naming_the_problem(name: str) -> None:
    parse, message = MALFORMED[name]
    with pytest.raises(CallbackParseError) as raised:
        parse((FIXTURES / "malformed" / name).read_bytes())
    assert message in str(raised.value)
    assert not isinstance(raised.value, LegacyCallbackError)


@pytest.mark.parametrize(
    ("name", "parse", "kind"),
    [
        ("v1-sms.json", parse_messaging_callbacks, "messaging"),
        ("v1-sms.json", parse_voice_callback, "messaging"),
        ("v1-incomingcall.json", parse_voice_callback, "voice"),
        ("v1-hangup.json", parse_voice_callback, "voice"),
        ("v1-incomingcall.json", parse_messaging_callbacks, "voice"),
    ],
)
def test_legacy_v1_callbacks_are_rejected_explicitly(name: str, parse: Any, kind: str) -> None:
    with pytest.raises(LegacyCallbackError) as raised:
        parse(fixture_text(f"legacy/{name}"))
    assert f"retired Bandwidth v1 (Catapult) {kind} callback" in str(raised.value)


def test_legacy_v1_sms_inside_an_array_is_rejected() -> None:
    body = f"[{fixture_text('legacy/v1-sms.json')}]"
    with pytest.raises(LegacyCallbackError, match=r"\[0\] is a retired"):
        parse_messaging_callbacks(body)


def test_v2_answer_is_not_mistaken_for_v1_answer() -> None:
    assert isinstance(voice("answer"), AnswerEvent)


# --- fixtures agree with the spec ----------------------------------------------------------------

VOICE_SCHEMAS = {
    "initiate": "initiateCallback",
    "answer": "answerCallback",
    "disconnect": "disconnectCallback",
    "gather": "gatherCallback",
    "redirect": "redirectCallback",
    "recordComplete": "recordingCompleteCallback",
    "recordingAvailable": "recordingAvailableCallback",
    "transcriptionAvailable": "transcriptionAvailableCallback",
    "transferAnswer": "transferAnswerCallback",
    "transferComplete": "transferCompleteCallback",
    "transferDisconnect": "transferDisconnectCallback",
    "dtmf": "dtmfCallback",
    "machineDetectionComplete": "machineDetectionCompleteCallback",
}


@cache
def spec_components() -> dict[str, Any]:
    with (SPECS_DIR / "bandwidth.yml").open() as spec_file:
        components: dict[str, Any] = yaml.safe_load(spec_file)["components"]
    return components


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec_components()["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def declared_properties(schema: dict[str, Any]) -> dict[str, Any]:
    schema = resolve(schema)
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties.update(declared_properties(part))
    return properties


def assert_matches_schema(instance: Any, schema_name: str, where: str) -> None:
    """Valid against the spec schema, and using only properties the schema declares."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec_components()}
    jsonschema.Draft4Validator(schema).validate(instance)
    assert_only_declared(instance, {"$ref": f"#/components/schemas/{schema_name}"}, where)


# SPEC's transcriptionAvailableCallback points `transcription` at a transcript schema
# (speaker/text/confidence); the metadata it carries is recordingTranscriptionMetadata (see README).
SPEC_ERRATA = {"transcriptionAvailable.transcription": "recordingTranscriptionMetadata"}


def assert_only_declared(instance: Any, schema: dict[str, Any], where: str) -> None:
    if where in SPEC_ERRATA:
        schema = {"$ref": f"#/components/schemas/{SPEC_ERRATA[where]}"}
    properties = declared_properties(schema)
    if not isinstance(instance, dict) or not properties:
        return
    undeclared = set(instance) - set(properties)
    assert not undeclared, f"{where} uses properties the spec does not declare: {undeclared}"
    for key, value in instance.items():
        assert_only_declared(value, properties[key], f"{where}.{key}")


def messaging_fixture_cases() -> list[str]:
    return sorted(path.name for path in (FIXTURES / "messaging").glob("*.json"))


def voice_fixture_cases() -> list[str]:
    return sorted(path.stem for path in (FIXTURES / "voice").glob("*.json"))


def test_every_voice_event_type_has_a_fixture() -> None:
    assert voice_fixture_cases() == sorted(VOICE_SCHEMAS)


@pytest.mark.parametrize("name", messaging_fixture_cases())
def test_messaging_fixture_matches_spec_schema(name: str) -> None:
    for index, item in enumerate(fixture_json(f"messaging/{name}")):
        schema = "inboundCallback" if item["type"] == "message-received" else "statusCallback"
        assert_matches_schema(item, schema, f"{name}[{index}]")


@pytest.mark.parametrize("event_type", voice_fixture_cases())
def test_voice_fixture_matches_spec_schema(event_type: str) -> None:
    body = fixture_json(f"voice/{event_type}.json")
    assert body["eventType"] == event_type
    assert_matches_schema(body, VOICE_SCHEMAS[event_type], event_type)


def test_schema_check_catches_an_unfaithful_fixture() -> None:
    body = fixture_json("messaging/message-failed.json")[0]
    body["errorCode"] = "4432"
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_schema(body, "statusCallback", "tampered")
    body = fixture_json("voice/gather.json")
    body["digitz"] = "1"
    with pytest.raises(AssertionError, match="digitz"):
        assert_matches_schema(body, "gatherCallback", "tampered")
