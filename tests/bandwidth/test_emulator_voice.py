"""The emulator's Voice v2 over real loopback HTTP: calls, BXML, webhooks, recordings, sim.

Every webhook and API body is checked against the schemas of bandwidth.yml.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import wave
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import requests
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from bandwidth.callbacks import parse_voice_callback
from bandwidth.emulator.app import RunningEmulator
from bandwidth.emulator.bxml_interpreter import (
    BxmlInterpreter,
    CallEnded,
    InvalidBxml,
    RecordingFacts,
    RecordingRequest,
    RecordRequest,
    TransferOutcome,
    TransferRequest,
    Webhook,
    parse_document,
)
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.voice import wav_bytes
from tests.bandwidth.client_spec_validation import SPECS_DIR

try:
    from tests.bandwidth.conftest import (
        CALLBACK_PASSWORD,
        CALLBACK_USER,
        TEST_TIME_SCALE,
        ProvisionedAccount,
    )
    from tests.bandwidth.receiver import Receiver, RecordedRequest
except ImportError:
    from conftest import (  # type: ignore[no-redef]
        CALLBACK_PASSWORD,
        CALLBACK_USER,
        TEST_TIME_SCALE,
        ProvisionedAccount,
    )
    from receiver import Receiver, RecordedRequest  # type: ignore[no-redef]

CALLBACK_SCHEMAS = {
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
}
CALLEE = "+19195551234"
CALLER = "+14045550123"
WAIT = 5.0

Reply = str | Callable[[RecordedRequest], str]


# --- spec ------------------------------------------------------------------------------------


@cache
def spec() -> dict[str, Any]:
    with (SPECS_DIR / "bandwidth.yml").open() as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def assert_schema(schema_name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    OAS30Validator(schema, format_checker=oas30_format_checker).validate(instance)


def assert_array_of(schema_name: str, instance: Any) -> None:
    assert isinstance(instance, list)
    for item in instance:
        assert_schema(schema_name, item)


def assert_voice_error(response: requests.Response, status: int, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_schema("voiceApiError", body)
    assert set(body) == {"type", "description", "id"}
    assert words in body["description"]
    return body


def assert_valid_callback(body: dict[str, Any]) -> None:
    """The body validates against its event's schema and carries no property it lacks."""
    schema_name = CALLBACK_SCHEMAS[body["eventType"]]
    assert_schema(schema_name, body)
    allowed = set(spec()["components"]["schemas"][schema_name]["properties"])
    assert set(body) <= allowed, set(body) - allowed
    assert parse_voice_callback(json.dumps(body)).event_type == body["eventType"]


# --- helpers ---------------------------------------------------------------------------------


def api(emulator: RunningEmulator) -> requests.Session:
    session = requests.Session()
    config = emulator.emulator.config
    session.auth = (config.username, config.password)
    return session


def voice_url(emulator: RunningEmulator, path: str = "") -> str:
    return f"{emulator.url}/api/v2/accounts/{emulator.emulator.config.account_id}{path}"


def serve(receiver: Receiver, replies: dict[str, Reply]) -> None:
    """Answer webhooks by path; unknown paths get an empty 200."""

    def responder(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        reply = replies.get(request.path)
        if reply is None:
            return 200, {}, b""
        text = reply(request) if callable(reply) else reply
        return 200, {"Content-Type": "application/xml"}, text.encode()

    receiver.respond(responder)


def event_of(request: RecordedRequest) -> str | None:
    if not request.authorized or not request.body:
        return None
    try:
        return str(request.json().get("eventType"))
    except (ValueError, AttributeError):
        return None


def wait_event(receiver: Receiver, event_type: str, count: int = 1) -> list[dict[str, Any]]:
    found = receiver.wait_for(lambda r: event_of(r) == event_type, timeout=WAIT, count=count)
    return [r.json() for r in found]


def events(receiver: Receiver) -> list[dict[str, Any]]:
    return [r.json() for r in receiver.requests if event_of(r) is not None]


def assert_all_callbacks_valid(receiver: Receiver) -> None:
    bodies = events(receiver)
    assert bodies
    for body in bodies:
        assert_valid_callback(body)


def create_call(
    emulator: RunningEmulator, account: ProvisionedAccount, receiver: Receiver, **fields: Any
) -> requests.Response:
    body: dict[str, Any] = {
        "from": account.number,
        "to": CALLEE,
        "applicationId": account.voice_application_id,
        "answerUrl": receiver.url + "/voice/answer",
        "disconnectUrl": receiver.url + "/voice/disconnect",
        "username": CALLBACK_USER,
        "password": CALLBACK_PASSWORD,
    }
    body.update(fields)
    return api(emulator).post(voice_url(emulator, "/calls"), json=body)


def sim_call(emulator: RunningEmulator, account: ProvisionedAccount, **extra: Any) -> str:
    response = requests.post(
        f"{emulator.url}/_sim/calls", json={"from": CALLER, "to": account.number, **extra}
    )
    assert response.status_code == 201, response.text
    call_id: str = response.json()["callId"]
    return call_id


def sim(emulator: RunningEmulator, call_id: str, endpoint: str, **body: Any) -> requests.Response:
    return requests.post(f"{emulator.url}/_sim/calls/{call_id}/{endpoint}", json=body)


def trail(emulator: RunningEmulator, call_id: str) -> list[tuple[str, str]]:
    view = requests.get(f"{emulator.url}/_sim/calls/{call_id}").json()
    return [(event["kind"], event["detail"]) for event in view["events"]]


def call_state(emulator: RunningEmulator, call_id: str) -> dict[str, Any]:
    response = api(emulator).get(voice_url(emulator, f"/calls/{call_id}"))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert_schema("callState", body)
    return body


def wait_disconnected(emulator: RunningEmulator, call_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        state = call_state(emulator, call_id)
        if state["state"] == "disconnected":
            return state
        time.sleep(0.01)
    raise AssertionError(f"call {call_id} did not end")


# --- outbound calls --------------------------------------------------------------------------


def test_outbound_call_is_answered_runs_its_bxml_and_disconnects(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/answer": "<Response><SpeakSentence>Hello from Parley</SpeakSentence>"
            "<PlayAudio>/audio/hold.wav</PlayAudio><Tag>after-tag</Tag><SendDtmf>12</SendDtmf>"
            "</Response>"
        },
    )

    response = create_call(emulator, provisioned, receiver, tag="first-tag")

    assert response.status_code == 201, response.text
    created = response.json()
    assert_schema("createCallResponse", created)
    assert response.headers["Location"] == created["callUrl"]
    assert created["callUrl"] == voice_url(emulator, f"/calls/{created['callId']}")
    assert created["password"] == "*****"
    assert created["callTimeout"] == 30 and created["callbackTimeout"] == 15
    answer = wait_event(receiver, "answer")[0]
    disconnect = wait_event(receiver, "disconnect")[0]
    assert answer["callId"] == created["callId"] and answer["tag"] == "first-tag"
    assert answer["direction"] == "outbound" and answer["answerTime"]
    assert disconnect["cause"] == "hangup" and disconnect["tag"] == "after-tag"
    assert disconnect["endTime"] >= disconnect["answerTime"]
    challenged = [r for r in receiver.requests if r.path == "/voice/answer"]
    assert challenged[0].credentials is None and not challenged[0].authorized
    assert challenged[-1].credentials == (CALLBACK_USER, CALLBACK_PASSWORD)
    steps = trail(emulator, created["callId"])
    assert ("SpeakSentence", "Hello from Parley") in steps
    assert ("PlayAudio", receiver.url + "/audio/hold.wav") in steps
    assert ("SendDtmf", "12") in steps
    state = wait_disconnected(emulator, created["callId"])
    assert state["disconnectCause"] == "hangup" and state["direction"] == "outbound"
    assert_all_callbacks_valid(receiver)


@pytest.mark.parametrize(
    ("to", "cause", "sip_code"),
    [("+19195550486", "busy", 486), ("+19195550488", "rejected", 603)],
)
def test_reserved_numbers_refuse_outbound_calls(
    emulator: RunningEmulator,
    receiver: Receiver,
    provisioned: ProvisionedAccount,
    to: str,
    cause: str,
    sip_code: int,
) -> None:
    call_id = create_call(emulator, provisioned, receiver, to=to).json()["callId"]

    disconnect = wait_event(receiver, "disconnect")[0]

    assert disconnect["cause"] == cause and disconnect["sipResponseCode"] == sip_code
    assert "answerTime" not in disconnect
    assert not [r for r in receiver.requests if r.path == "/voice/answer"]
    assert wait_disconnected(emulator, call_id)["disconnectCause"] == cause
    assert_all_callbacks_valid(receiver)


def test_unanswered_outbound_call_times_out_after_call_timeout(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    started = time.monotonic()
    create_call(emulator, provisioned, receiver, to="+19195550487", callTimeout=20)

    disconnect = wait_event(receiver, "disconnect")[0]

    assert disconnect["cause"] == "timeout"
    assert time.monotonic() - started >= 20 * TEST_TIME_SCALE
    assert_all_callbacks_valid(receiver)


def test_cancelling_a_ringing_call_disconnects_it_with_cancel(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    call_id = create_call(
        emulator, provisioned, receiver, to="+19195550487", callTimeout=300
    ).json()["callId"]

    response = api(emulator).post(
        voice_url(emulator, f"/calls/{call_id}"), json={"state": "completed"}
    )

    assert response.status_code == 200
    assert wait_event(receiver, "disconnect")[0]["cause"] == "cancel"
    again = api(emulator).post(
        voice_url(emulator, f"/calls/{call_id}"), json={"state": "completed"}
    )
    assert_voice_error(again, 409, "cannot be modified")


# --- create call validation and limits -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"to": None}, "to"),
        ({"answerUrl": None}, "answerUrl"),
        ({"to": "9195551234"}, "Invalid to"),
        ({"from": "+19195559999"}, "Invalid from"),
        ({"applicationId": "not-an-app"}, "Invalid applicationId"),
        ({"answerUrl": "ftp://example.com/answer"}, "only http and https"),
        ({"callTimeout": 0}, "callTimeout"),
        ({"callTimeout": 301}, "callTimeout"),
        ({"callbackTimeout": 26}, "callbackTimeout"),
        ({"tag": "x" * 4097}, "tag"),
        ({"answerUrl": "https://example.com/" + "a" * 2048}, "answerUrl"),
        ({"answerMethod": "PUT"}, "answerMethod"),
        ({"priority": 6}, "priority"),
    ],
)
def test_create_call_validation_errors_use_the_voice_error_shape(
    emulator: RunningEmulator,
    receiver: Receiver,
    provisioned: ProvisionedAccount,
    change: dict[str, Any],
    words: str,
) -> None:
    response = create_call(emulator, provisioned, receiver, **change)

    body = assert_voice_error(response, 400, words)
    assert body["type"] == "validation"
    assert emulator.emulator.voice.calls == {}


def test_create_call_with_a_messaging_application_is_refused(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    response = create_call(
        emulator, provisioned, receiver, applicationId=provisioned.messaging_application_id
    )

    assert_voice_error(response, 400, "Invalid applicationId")


def test_create_call_requires_json_and_credentials(
    emulator: RunningEmulator, provisioned: ProvisionedAccount
) -> None:
    not_json = api(emulator).post(
        voice_url(emulator, "/calls"), data="to=+1", headers={"Content-Type": "text/plain"}
    )
    anonymous = requests.post(voice_url(emulator, "/calls"), json={})

    assert_voice_error(not_json, 415, "text/plain")
    assert_voice_error(anonymous, 401, "credentials")


@pytest.mark.parametrize(
    ("emulator_config", "description"),
    [
        ({"calls_per_second": 2.0}, "Account call creation rate limit exceeded"),
        ({"max_concurrent_calls": 2}, "Account concurrent call limit exceeded"),
    ],
    indirect=["emulator_config"],
)
def test_call_limits_answer_429_with_retry_after(
    emulator: RunningEmulator,
    receiver: Receiver,
    provisioned: ProvisionedAccount,
    description: str,
) -> None:
    first = create_call(emulator, provisioned, receiver, to="+19195550487", callTimeout=300)
    second = create_call(emulator, provisioned, receiver, to="+19195550487", callTimeout=300)
    third = create_call(emulator, provisioned, receiver, to="+19195550487", callTimeout=300)

    assert (first.status_code, second.status_code) == (201, 201)
    body = assert_voice_error(third, 429, description)
    assert body["type"] == "error"
    assert int(third.headers["Retry-After"]) >= 1
    assert len(emulator.emulator.voice.calls) == 2


@pytest.fixture
def emulator_config(request: pytest.FixtureRequest) -> EmulatorConfig:
    overrides: dict[str, Any] = getattr(request, "param", {})
    return EmulatorConfig(port=0, time_scale=TEST_TIME_SCALE, **overrides)


# --- inbound calls and Gather ----------------------------------------------------------------

IVR = (
    "<Response><SpeakSentence>Thanks for calling.</SpeakSentence>"
    '<Gather gatherUrl="/voice/gather" maxDigits="1" firstDigitTimeout="{timeout}" '
    'repeatCount="{repeat}"><SpeakSentence>Press 1 for sales, 2 for voicemail.</SpeakSentence>'
    "</Gather></Response>"
)


def test_inbound_call_gather_answered_by_simulated_digits(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/initiate": IVR.format(timeout=60, repeat=1),
            "/voice/gather": lambda r: (
                "<Response><SpeakSentence>You pressed "
                f"{r.json()['digits']}</SpeakSentence></Response>"
            ),
        },
    )
    call_id = sim_call(emulator, provisioned)
    wait_event(receiver, "initiate")

    assert sim(emulator, call_id, "digits", digits="2").status_code == 202

    gather = wait_event(receiver, "gather")[0]
    disconnect = wait_event(receiver, "disconnect")[0]
    initiate = wait_event(receiver, "initiate")[0]
    assert gather["digits"] == "2" and gather["terminatingDigit"] == ""
    assert gather["callId"] == call_id and gather["direction"] == "inbound"
    assert initiate["from"] == CALLER and initiate["to"] == provisioned.number
    assert initiate["applicationId"] == provisioned.voice_application_id
    assert "answerTime" not in initiate
    assert disconnect["cause"] == "hangup"
    status = [r for r in receiver.requests if r.path == provisioned.voice_status_path]
    assert status and status[-1].credentials == provisioned.callback_credentials
    assert ("SpeakSentence", "You pressed 2") in trail(emulator, call_id)
    assert_all_callbacks_valid(receiver)


def test_gather_times_out_after_repeating_its_prompt(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": IVR.format(timeout=1, repeat=2)})
    started = time.monotonic()
    call_id = sim_call(emulator, provisioned)

    gather = wait_event(receiver, "gather")[0]

    assert gather["digits"] == "" and gather["terminatingDigit"] == ""
    assert time.monotonic() - started >= 2 * TEST_TIME_SCALE
    prompts = [step for step in trail(emulator, call_id) if step[0] == "SpeakSentence"]
    assert len(prompts) == 3
    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert_all_callbacks_valid(receiver)


def test_gather_stops_at_a_terminating_digit(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/initiate": '<Response><Gather gatherUrl="gathered" maxDigits="10" '
            'terminatingDigits="#" firstDigitTimeout="5"/></Response>'
        },
    )

    sim_call(emulator, provisioned, digits="42#9")

    gather = receiver.wait_for(lambda r: r.path == "/voice/gathered" and r.authorized)[0].json()
    assert gather["digits"] == "42" and gather["terminatingDigit"] == "#"


def test_gather_stops_at_max_digits(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {"/voice/initiate": '<Response><Gather gatherUrl="/g" maxDigits="3"/></Response>'},
    )

    sim_call(emulator, provisioned, digits="12345")

    assert wait_event(receiver, "gather")[0]["digits"] == "123"


def test_verb_tag_attribute_and_redirect_verb_carry_into_later_webhooks(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/initiate": '<Response><Redirect redirectUrl="next" tag="menu"/></Response>',
            "/voice/next": '<Response><Gather gatherUrl="/voice/g" tag="gathering" '
            'firstDigitTimeout="0"/></Response>',
            "/voice/g": "<Response><Tag></Tag><SpeakSentence>Bye</SpeakSentence></Response>",
        },
    )

    call_id = sim_call(emulator, provisioned)

    redirect = receiver.wait_for(lambda r: r.path == "/voice/next" and r.authorized)[0].json()
    gather = wait_event(receiver, "gather")[0]
    disconnect = wait_event(receiver, "disconnect")[0]
    assert redirect["eventType"] == "redirect" and redirect["tag"] == "menu"
    assert gather["tag"] == "gathering" and gather["callId"] == call_id
    assert "tag" not in disconnect
    assert_all_callbacks_valid(receiver)


@pytest.mark.parametrize(
    ("number", "cause"), [(CALLEE, "hangup"), ("+19195550486", "busy"), ("+19195550487", "timeout")]
)
def test_forward_hands_the_call_to_another_number(
    emulator: RunningEmulator,
    receiver: Receiver,
    provisioned: ProvisionedAccount,
    number: str,
    cause: str,
) -> None:
    serve(
        receiver,
        {"/voice/initiate": f'<Response><Forward to="{number}" callTimeout="3"/></Response>'},
    )

    call_id = sim_call(emulator, provisioned)

    assert wait_event(receiver, "disconnect")[0]["cause"] == cause
    assert ("Forward", number) in trail(emulator, call_id)


def test_sim_endpoints_check_their_input(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": "<Response><Hangup/></Response>"})
    call_id = sim_call(emulator, provisioned)
    wait_disconnected(emulator, call_id)

    assert requests.post(f"{emulator.url}/_sim/calls", json={"to": "+1"}).status_code == 400
    assert sim(emulator, "c-none", "digits", digits="1").status_code == 404
    assert sim(emulator, call_id, "hangup").status_code == 409
    view = requests.get(f"{emulator.url}/_sim/calls/{call_id}").json()
    assert view["call_id"] == call_id and view["disconnect_cause"] == "hangup"
    assert ("Hangup", "") in [(e["kind"], e["detail"]) for e in view["events"]]
    assert [c["call_id"] for c in requests.get(f"{emulator.url}/_sim/calls").json()] == [call_id]


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_sim_input_is_validated_on_a_live_call(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": '<Response><Pause duration="500"/></Response>'})
    call_id = sim_call(emulator, provisioned)

    assert sim(emulator, call_id, "digits", digits="12a").status_code == 400
    assert sim(emulator, call_id, "transfer", action="maybe").status_code == 400
    assert sim(emulator, call_id, "speech", text="").status_code == 400
    assert sim(emulator, call_id, "speech", text="hi", duration=-1).status_code == 400
    assert sim(emulator, call_id, "hangup").status_code == 202


def test_inbound_call_to_a_number_not_in_service_is_refused(
    emulator: RunningEmulator, provisioned: ProvisionedAccount
) -> None:
    response = requests.post(
        f"{emulator.url}/_sim/calls", json={"from": CALLER, "to": "+19195557777"}
    )

    assert response.status_code == 404


# --- Transfer --------------------------------------------------------------------------------

TRANSFER = (
    '<Response><Transfer transferCallerId="{caller_id}" callTimeout="{timeout}" '
    'transferCompleteUrl="/voice/transfer-complete">'
    '<PhoneNumber transferAnswerUrl="/voice/whisper" '
    'transferDisconnectUrl="/voice/transfer-disconnect">{number}</PhoneNumber>'
    "</Transfer></Response>"
)


def transfer_replies(number: str, timeout: int = 20) -> dict[str, Reply]:
    return {
        "/voice/initiate": TRANSFER.format(
            caller_id="+19195550100", timeout=timeout, number=number
        ),
        "/voice/whisper": "<Response><SpeakSentence>Call from Parley</SpeakSentence></Response>",
        "/voice/transfer-complete": "<Response><SpeakSentence>Goodbye</SpeakSentence>"
        "<Hangup/></Response>",
    }


def test_transfer_answered_bridges_then_reports_completion(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, transfer_replies(CALLEE))
    call_id = sim_call(emulator, provisioned)

    answer = wait_event(receiver, "transferAnswer")[0]
    complete = wait_event(receiver, "transferComplete")[0]
    b_leg_end = wait_event(receiver, "transferDisconnect")[0]
    disconnect = wait_event(receiver, "disconnect")[0]

    assert answer["to"] == CALLEE and answer["callId"] != call_id
    assert answer["transferCallerId"] == "+19195550100" and answer["transferTo"] == CALLEE
    assert b_leg_end["parentCallId"] == call_id and b_leg_end["callId"] == answer["callId"]
    assert b_leg_end["cause"] == "hangup"
    assert complete["callId"] == call_id and complete["cause"] == "hangup"
    assert complete["transferTo"] == CALLEE
    assert disconnect["callId"] == call_id and disconnect["cause"] == "hangup"
    assert ("SpeakSentence", "Call from Parley") in trail(emulator, answer["callId"])
    assert ("SpeakSentence", "Goodbye") in trail(emulator, call_id)
    b_leg = call_state(emulator, answer["callId"])
    assert b_leg["parentCallId"] == call_id and b_leg["state"] == "disconnected"
    assert_all_callbacks_valid(receiver)


@pytest.mark.parametrize(
    ("number", "action", "cause"),
    [
        ("+19195550486", None, "busy"),
        ("+19195550488", None, "rejected"),
        ("+19195550487", None, "timeout"),
        (CALLEE, "busy", "busy"),
        (CALLEE, "reject", "rejected"),
        (CALLEE, "no-answer", "timeout"),
    ],
)
def test_unanswered_transfer_reports_why(
    emulator: RunningEmulator,
    receiver: Receiver,
    provisioned: ProvisionedAccount,
    number: str,
    action: str | None,
    cause: str,
) -> None:
    replies = transfer_replies(number, timeout=5)
    transfer_bxml = str(replies["/voice/initiate"])

    def initiate(request: RecordedRequest) -> str:
        if action is not None:
            queued = sim(emulator, request.json()["callId"], "transfer", action=action)
            assert queued.status_code == 202
        return transfer_bxml

    replies["/voice/initiate"] = initiate
    serve(receiver, replies)
    sim_call(emulator, provisioned)

    complete = wait_event(receiver, "transferComplete")[0]

    assert complete["cause"] == cause and complete["transferTo"] == number
    assert wait_event(receiver, "transferDisconnect")[0]["cause"] == cause
    assert not [r for r in receiver.requests if r.path == "/voice/whisper"]
    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert_all_callbacks_valid(receiver)


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_transfer_callee_hanging_up_ends_the_bridge(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, transfer_replies(CALLEE))
    call_id = sim_call(emulator, provisioned)
    b_leg = wait_event(receiver, "transferAnswer")[0]["callId"]

    assert sim(emulator, b_leg, "hangup").status_code == 202

    complete = wait_event(receiver, "transferComplete")[0]
    assert complete["callId"] == call_id and complete["cause"] == "hangup"
    assert wait_event(receiver, "transferDisconnect")[0]["callId"] == b_leg
    assert wait_event(receiver, "disconnect")[0]["callId"] == call_id


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_caller_hanging_up_during_a_bridge_drops_the_callee_without_transfer_complete(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, transfer_replies(CALLEE))
    call_id = sim_call(emulator, provisioned)
    b_leg = wait_event(receiver, "transferAnswer")[0]["callId"]
    deadline = time.monotonic() + WAIT
    while ("bridged", call_id) not in trail(emulator, b_leg):
        assert time.monotonic() < deadline
        time.sleep(0.01)

    assert sim(emulator, call_id, "hangup").status_code == 202

    assert wait_event(receiver, "transferDisconnect")[0]["cause"] == "hangup"
    assert wait_event(receiver, "disconnect")[0]["callId"] == call_id
    assert wait_disconnected(emulator, b_leg)["disconnectCause"] == "hangup"
    assert not [r for r in receiver.requests if r.path == "/voice/transfer-complete"]
    assert_all_callbacks_valid(receiver)


# --- Record and transcription ----------------------------------------------------------------

VOICEMAIL = (
    "<Response><SpeakSentence>Leave a message after the beep.</SpeakSentence>"
    '<Record recordCompleteUrl="/voice/record-complete" '
    'recordingAvailableUrl="/voice/recording-available" transcribe="true" '
    'transcriptionAvailableUrl="/voice/transcription" maxDuration="120"/></Response>'
)


def test_record_with_transcription_produces_recording_and_transcript(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/initiate": VOICEMAIL,
            "/voice/record-complete": "<Response><SpeakSentence>Thanks</SpeakSentence></Response>",
        },
    )
    message = "Please call me back about the invoice."
    call_id = sim_call(emulator, provisioned, speech=message)

    complete = wait_event(receiver, "recordComplete")[0]
    available = wait_event(receiver, "recordingAvailable")[0]
    transcribed = wait_event(receiver, "transcriptionAvailable")[0]

    recording_id = complete["recordingId"]
    assert available["recordingId"] == transcribed["recordingId"] == recording_id
    assert available["status"] == "complete" and available["fileFormat"] == "wav"
    assert available["mediaUrl"] == voice_url(
        emulator, f"/calls/{call_id}/recordings/{recording_id}/media"
    )
    assert transcribed["transcription"]["status"] == "available"
    media = api(emulator).get(available["mediaUrl"])
    assert media.status_code == 200
    assert media.headers["Content-Type"] == "audio/vnd.wave"
    with wave.open(io.BytesIO(media.content)) as audio:
        assert audio.getnchannels() == 1 and audio.getnframes() > 0
    assert requests.get(available["mediaUrl"]).status_code == 401
    transcript = api(emulator).get(transcribed["transcription"]["url"])
    assert transcript.status_code == 200
    assert_schema("recordingTranscriptions", transcript.json())
    assert transcript.json()["transcripts"][0]["text"] == message
    listed = api(emulator).get(voice_url(emulator, f"/calls/{call_id}/recordings")).json()
    assert_array_of("callRecordingMetadata", listed)
    assert [r["recordingId"] for r in listed] == [recording_id]
    account_wide = api(emulator).get(voice_url(emulator, "/recordings")).json()
    assert_array_of("callRecordingMetadata", account_wide)
    assert recording_id in [r["recordingId"] for r in account_wide]
    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert ("SpeakSentence", "Thanks") in trail(emulator, call_id)
    assert_all_callbacks_valid(receiver)


def test_recording_transcription_can_be_requested_read_and_deleted(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": '<Response><Record maxDuration="2"/></Response>'})
    call_id = sim_call(emulator, provisioned)
    wait_disconnected(emulator, call_id)
    recordings = api(emulator).get(voice_url(emulator, f"/calls/{call_id}/recordings")).json()
    url = voice_url(emulator, f"/calls/{call_id}/recordings/{recordings[0]['recordingId']}")
    assert_voice_error(api(emulator).get(url + "/transcription"), 404, "not found")

    requested = api(emulator).post(
        url + "/transcription",
        json={"callbackUrl": receiver.url + "/voice/transcribed", "tag": "t"},
    )

    assert requested.status_code == 204
    wait_event(receiver, "transcriptionAvailable")
    transcript = api(emulator).get(url + "/transcription")
    assert transcript.status_code == 200 and transcript.json()["transcripts"][0]["text"]
    assert api(emulator).delete(url + "/transcription").status_code == 204
    assert api(emulator).get(url + "/transcription").status_code == 404
    metadata = api(emulator).get(url)
    assert_schema("callRecordingMetadata", metadata.json())
    assert api(emulator).delete(url).status_code == 204
    assert_voice_error(api(emulator).get(url), 404, "not found")


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_recording_state_can_change_only_while_recording(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {"/voice/answer": '<Response><StartRecording/><Pause duration="500"/></Response>'},
    )
    call_id = create_call(emulator, provisioned, receiver).json()["callId"]
    url = voice_url(emulator, f"/calls/{call_id}/recording")
    deadline = time.monotonic() + WAIT
    while ("StartRecording", "") not in trail(emulator, call_id):
        assert time.monotonic() < deadline
        time.sleep(0.01)

    paused = api(emulator).put(url, json={"state": "paused"})
    wrong = api(emulator).put(url, json={"state": "stopped"})
    api(emulator).post(voice_url(emulator, f"/calls/{call_id}"), json={"state": "completed"})
    wait_disconnected(emulator, call_id)
    after = api(emulator).put(url, json={"state": "recording"})

    assert paused.status_code == 200
    assert_voice_error(wrong, 400, "state")
    assert_voice_error(after, 400, "not being recorded")
    recordings = api(emulator).get(voice_url(emulator, f"/calls/{call_id}/recordings")).json()
    assert len(recordings) == 1


def test_start_and_stop_recording_publish_a_recording(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/initiate": '<Response><StartRecording recordingAvailableUrl="/voice/rec"/>'
            "<SpeakSentence>This call is recorded.</SpeakSentence><StopRecording/></Response>"
        },
    )

    call_id = sim_call(emulator, provisioned)

    available = wait_event(receiver, "recordingAvailable")[0]
    assert available["callId"] == call_id and available["duration"].startswith("PT")
    assert_all_callbacks_valid(receiver)


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bxml",
    [
        "<Response><SpeakSentence>unclosed</Response>",
        "<Response><Dance/></Response>",
        "<Bxml><Hangup/></Bxml>",
        "<Response><Redirect/></Response>",
        '<Response><Gather maxDigits="0"/></Response>',
    ],
)
def test_invalid_bxml_ends_the_call_with_invalid_bxml(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount, bxml: str
) -> None:
    serve(receiver, {"/voice/initiate": bxml})

    call_id = sim_call(emulator, provisioned)

    disconnect = wait_event(receiver, "disconnect")[0]
    assert disconnect["cause"] == "invalid-bxml"
    assert disconnect["errorMessage"] and disconnect["errorId"]
    assert wait_disconnected(emulator, call_id)["disconnectCause"] == "invalid-bxml"
    assert_all_callbacks_valid(receiver)


def test_failing_callback_ends_the_call_with_callback_error(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    def failing(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/voice/answer":
            return 500, {}, b"boom"
        return 200, {}, b""

    receiver.respond(failing)

    call_id = create_call(emulator, provisioned, receiver).json()["callId"]

    disconnect = wait_event(receiver, "disconnect")[0]
    assert disconnect["cause"] == "callback-error"
    assert wait_disconnected(emulator, call_id)["errorMessage"]
    assert_all_callbacks_valid(receiver)


def test_unreachable_gather_url_ends_the_call_with_callback_error(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/initiate": '<Response><Gather gatherUrl="http://127.0.0.1:9/gone" '
            'firstDigitTimeout="0"/></Response>'
        },
    )

    sim_call(emulator, provisioned)

    assert wait_event(receiver, "disconnect")[0]["cause"] == "callback-error"


def test_wrong_credentials_end_the_call_with_callback_error(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    create_call(emulator, provisioned, receiver, password="wrong", disconnectUrl=None)

    receiver.wait_for(lambda r: r.path == "/voice/answer", count=2)
    deadline = time.monotonic() + WAIT
    while not any(c["disconnect_cause"] for c in emulator.emulator.voice.calls_for_display()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert emulator.emulator.voice.calls_for_display()[0]["disconnect_cause"] == "callback-error"


def test_answer_fallback_url_is_used_when_answer_url_fails(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    def replies(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/voice/answer":
            return 503, {}, b""
        if request.path == "/voice/fallback":
            return 200, {}, b"<Response><SpeakSentence>fallback</SpeakSentence></Response>"
        return 200, {}, b""

    receiver.respond(replies)

    call_id = create_call(
        emulator, provisioned, receiver, answerFallbackUrl=receiver.url + "/voice/fallback"
    ).json()["callId"]

    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert ("SpeakSentence", "fallback") in trail(emulator, call_id)


# --- changing a live call --------------------------------------------------------------------


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_update_call_redirects_a_live_call_to_new_bxml(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/answer": '<Response><Pause duration="500"/></Response>',
            "/voice/redirected": "<Response><SpeakSentence>Redirected</SpeakSentence></Response>",
        },
    )
    call_id = create_call(emulator, provisioned, receiver).json()["callId"]
    wait_event(receiver, "answer")

    response = api(emulator).post(
        voice_url(emulator, f"/calls/{call_id}"),
        json={"redirectUrl": receiver.url + "/voice/redirected", "tag": "moved"},
    )

    assert response.status_code == 200
    redirect = wait_event(receiver, "redirect")[0]
    assert redirect["tag"] == "moved" and redirect["callId"] == call_id
    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert ("SpeakSentence", "Redirected") in trail(emulator, call_id)
    assert_all_callbacks_valid(receiver)


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_put_bxml_replaces_the_running_bxml(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/answer": '<Response><Pause duration="500"/></Response>'})
    call_id = create_call(emulator, provisioned, receiver).json()["callId"]
    wait_event(receiver, "answer")
    url = voice_url(emulator, f"/calls/{call_id}/bxml")
    xml = {"Content-Type": "application/xml"}

    wrong_root = api(emulator).put(url, data="<Response><Hangup/></Response>", headers=xml)
    replaced = api(emulator).put(
        url, data="<Bxml><SpeakSentence>Replaced</SpeakSentence></Bxml>", headers=xml
    )

    assert_voice_error(wrong_root, 400, "Bxml")
    assert replaced.status_code == 204
    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert ("SpeakSentence", "Replaced") in trail(emulator, call_id)
    ended = api(emulator).put(url, data="<Bxml><Hangup/></Bxml>", headers=xml)
    assert_voice_error(ended, 409, "cannot be modified")


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_completing_or_far_end_hangup_ends_an_answered_call(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver,
        {
            "/voice/answer": '<Response><Pause duration="500"/></Response>',
            "/voice/initiate": '<Response><Pause duration="500"/></Response>',
        },
    )
    outbound = create_call(emulator, provisioned, receiver).json()["callId"]
    inbound = sim_call(emulator, provisioned)
    wait_event(receiver, "answer")
    receiver.wait_for(lambda r: r.path == "/voice/initiate" and r.authorized)
    wait_answered = time.monotonic() + WAIT
    while "answerTime" not in call_state(emulator, inbound):
        assert time.monotonic() < wait_answered
        time.sleep(0.01)

    completed = api(emulator).post(
        voice_url(emulator, f"/calls/{outbound}"), json={"state": "completed"}
    )
    hung_up = sim(emulator, inbound, "hangup")

    assert completed.status_code == 200 and hung_up.status_code == 202
    assert wait_disconnected(emulator, outbound)["disconnectCause"] == "hangup"
    assert wait_disconnected(emulator, inbound)["disconnectCause"] == "hangup"
    assert len(wait_event(receiver, "disconnect", count=2)) == 2


def test_far_end_hangs_up_a_long_pause(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": '<Response><Pause duration="86400"/></Response>'})

    call_id = sim_call(emulator, provisioned)

    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert ("far-end", "hung up while waiting") in trail(emulator, call_id)


def test_get_method_webhooks_carry_the_event_as_query_parameters(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(
        receiver, {"/voice/answer": "<Response><SpeakSentence>GET works</SpeakSentence></Response>"}
    )

    call_id = create_call(emulator, provisioned, receiver, answerMethod="GET").json()["callId"]

    answer = receiver.wait_for(lambda r: r.path == "/voice/answer" and r.authorized)[0]
    assert answer.method == "GET" and not answer.body
    assert answer.query["eventType"] == ["answer"] and answer.query["callId"] == [call_id]
    assert wait_event(receiver, "disconnect")[0]["cause"] == "hangup"
    assert ("SpeakSentence", "GET works") in trail(emulator, call_id)


@pytest.mark.parametrize("emulator_config", [{"far_end_hangup_after": 1000.0}], indirect=True)
def test_update_call_checks_its_body_and_the_call_state(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    ringing = create_call(
        emulator, provisioned, receiver, to="+19195550487", callTimeout=300
    ).json()["callId"]
    url = voice_url(emulator, f"/calls/{ringing}")
    redirect = {"redirectUrl": receiver.url + "/voice/redirect"}

    not_answered = api(emulator).post(url, json=redirect)
    bad_state = api(emulator).post(url, json={"state": "paused"})
    no_url = api(emulator).post(url, json={"state": "active"})
    both = api(emulator).post(url, json={"state": "completed", **redirect})
    not_json = api(emulator).post(url, data="x", headers={"Content-Type": "text/plain"})
    missing = api(emulator).post(voice_url(emulator, "/calls/c-nope"), json=redirect)

    assert_voice_error(not_answered, 409, f"Call [{ringing}] cannot be modified")
    assert_voice_error(bad_state, 400, "state")
    assert_voice_error(no_url, 400, "redirectUrl")
    assert_voice_error(both, 400, "redirectUrl")
    assert_voice_error(not_json, 415, "not supported")
    assert_voice_error(missing, 404, "Call [c-nope] not found")
    assert api(emulator).post(url, json={"state": "completed"}).status_code == 200


def test_duplicate_callback_fault_delivers_the_disconnect_twice(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": "<Response><Hangup/></Response>"})
    emulator.emulator.faults.duplicate_next_callbacks(1)

    sim_call(emulator, provisioned)

    first, second = wait_event(receiver, "disconnect", count=2)
    assert first == second


def test_unknown_call_is_a_voice_404(emulator: RunningEmulator) -> None:
    response = api(emulator).get(voice_url(emulator, "/calls/c-missing"))

    assert_voice_error(response, 404, "c-missing")


def test_list_calls_filters_by_number(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    create_call(emulator, provisioned, receiver, to="+19195550486")
    create_call(emulator, provisioned, receiver, to=CALLEE)

    listed = api(emulator).get(voice_url(emulator, "/calls"), params={"to": CALLEE})

    assert_array_of("callState", listed.json())
    assert [c["to"] for c in listed.json()] == [CALLEE]


def test_calls_for_display_lists_calls_with_their_events(
    emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
) -> None:
    serve(receiver, {"/voice/initiate": "<Response><SpeakSentence>Hi</SpeakSentence></Response>"})
    call_id = sim_call(emulator, provisioned)
    wait_disconnected(emulator, call_id)

    (shown,) = emulator.emulator.voice.calls_for_display()

    assert shown["call_id"] == call_id and shown["direction"] == "inbound"
    assert shown["from"] == CALLER and shown["state"] == "disconnected"
    assert {"time", "kind", "detail"} <= set(shown["events"][0])


# --- BXML parsing on its own -----------------------------------------------------------------


def test_parse_document_keeps_nesting_text_and_the_serving_url() -> None:
    document = parse_document(
        '<Response><Gather gatherUrl="/g"><SpeakSentence voice="julie">Hi <break/> there'
        "</SpeakSentence></Gather></Response>",
        "https://app.example/voice/initiate",
    )

    (gather,) = document.verbs
    assert gather.attrs["gatherUrl"] == "/g"
    assert gather.children[0].text == "Hi  there"
    assert document.base_url == "https://app.example/voice/initiate"


@pytest.mark.parametrize(
    "bxml",
    [
        '<!DOCTYPE x [<!ENTITY a "b">]><Response>&a;</Response>',
        "<Response><Transfer/></Response>",
        "<Response><Gather><Hangup/></Gather></Response>",
        '<Response><Pause duration="abc"/></Response>',
        "<Response><SendDtmf>12x</SendDtmf></Response>",
        '<Response><Record recordCompleteMethod="PUT"/></Response>',
        "<Response>" + "<Hangup/>" * 8000 + "</Response>",
    ],
)
def test_parse_document_rejects_what_bandwidth_would_not_run(bxml: str) -> None:
    with pytest.raises(InvalidBxml):
        parse_document(bxml, "https://app.example/")


def test_empty_reply_is_an_empty_document() -> None:
    assert parse_document("  ", "https://app.example/").verbs == ()


def test_generated_wav_is_valid_audio() -> None:
    with wave.open(io.BytesIO(wav_bytes(1.5))) as audio:
        assert audio.getframerate() == 8000
        assert audio.getnframes() == 12000


class ScriptedLeg:
    """A call leg without HTTP or time: digits are given up front, webhooks answer from a dict."""

    def __init__(self, digits: str = "", replies: dict[str, str] | None = None) -> None:
        self.digits = list(digits)
        self.replies = replies or {}
        self.notes: list[tuple[str, str]] = []
        self.fetched: list[tuple[str, dict[str, Any]]] = []
        self.tag: str | None = None
        self.hung_up = False

    def note(self, kind: str, detail: str) -> None:
        self.notes.append((kind, detail))

    def answer(self) -> None:
        pass

    def wait(self, seconds: float) -> None:
        pass

    def idle(self, seconds: float) -> None:
        pass

    def read_digit(self, timeout: float) -> str | None:
        return self.digits.pop(0) if self.digits else None

    def has_pending_digits(self) -> bool:
        return bool(self.digits)

    def set_tag(self, tag: str | None) -> None:
        self.tag = tag

    def event(self, event_type: str) -> dict[str, Any]:
        return {"eventType": event_type, "tag": self.tag}

    def default_credentials(self) -> tuple[str, str] | None:
        return ("app", "secret")

    def fetch_bxml(self, hook: Webhook, payload: dict[str, Any]) -> tuple[str, str]:
        self.fetched.append((hook.url, payload))
        return self.replies.get(hook.url, ""), hook.url

    def record(self, request: RecordRequest, publish: RecordingRequest) -> RecordingFacts:
        raise AssertionError("not used")

    def start_recording(self, request: RecordingRequest) -> None:
        raise AssertionError("not used")

    def stop_recording(self) -> None:
        raise AssertionError("not used")

    def transfer(self, request: TransferRequest) -> TransferOutcome:
        return TransferOutcome("busy", request.caller_id or "", request.targets[0].number)

    def forward(self, to: str, caller_id: str | None, call_timeout: float) -> None:
        raise AssertionError("not used")

    def hangup(self) -> None:
        self.hung_up = True
        raise CallEnded


def run_bxml(leg: ScriptedLeg, bxml: str) -> None:
    with contextlib.suppress(CallEnded):
        BxmlInterpreter(leg).run(parse_document(bxml, "https://app.example/voice/answer"))


def test_verbs_without_webhook_urls_continue_with_the_next_verb() -> None:
    leg = ScriptedLeg(digits="7")

    run_bxml(
        leg,
        '<Response><Gather maxDigits="1"/><Transfer transferCallerId="+15550001111">'
        "<PhoneNumber>+15550002222</PhoneNumber></Transfer>"
        "<SpeakSentence>still here</SpeakSentence></Response>",
    )

    assert ("Gather", "digits='7' terminatingDigit=''") in leg.notes
    assert ("TransferComplete", "busy") in leg.notes
    assert leg.notes[-1] == ("SpeakSentence", "still here")
    assert leg.fetched == []


def test_webhook_replies_replace_the_rest_of_the_document() -> None:
    leg = ScriptedLeg(
        digits="5",
        replies={"https://app.example/voice/menu": "<Response><Hangup/></Response>"},
    )

    run_bxml(
        leg,
        '<Response><Gather gatherUrl="menu" username="u" password="p" maxDigits="1"/>'
        "<SpeakSentence>never spoken</SpeakSentence></Response>",
    )

    ((url, payload),) = leg.fetched
    assert url == "https://app.example/voice/menu"
    assert payload["digits"] == "5" and payload["terminatingDigit"] == ""
    assert leg.hung_up and ("SpeakSentence", "never spoken") not in leg.notes


def test_transfer_complete_payload_reports_the_outcome() -> None:
    leg = ScriptedLeg()

    run_bxml(
        leg,
        '<Response><Transfer transferCompleteUrl="/done" tag="xfer">'
        "<PhoneNumber>+15550002222</PhoneNumber></Transfer></Response>",
    )

    ((url, payload),) = leg.fetched
    assert url == "https://app.example/done"
    assert payload["cause"] == "busy" and payload["transferTo"] == "+15550002222"
    assert payload["tag"] == "xfer"
