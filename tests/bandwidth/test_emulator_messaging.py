"""Messaging v2 of the emulator, driven over real HTTP and checked against bandwidth.yml."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import requests

from bandwidth.emulator.app import RunningEmulator
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.messaging import media as media_api

if TYPE_CHECKING:
    from tests.bandwidth.conftest import BandwidthSpec, ProvisionedAccount
    from tests.bandwidth.receiver import Receiver, RecordedRequest

TEST_TIME_SCALE = 0.01

CUSTOMER = "+15552220001"
MESSAGE_ID = re.compile(r"^\d{13}[0-9a-z]{16}$")


def messages_url(emulator: RunningEmulator, account_id: str = "9900000") -> str:
    return f"{emulator.url}/api/v2/users/{account_id}/messages"


def media_url(emulator: RunningEmulator, name: str = "") -> str:
    return f"{emulator.url}/api/v2/users/9900000/media" + (f"/{name}" if name else "")


def send(
    emulator: RunningEmulator, account: ProvisionedAccount, **fields: Any
) -> requests.Response:
    body: dict[str, Any] = {
        "applicationId": account.messaging_application_id,
        "from": account.number,
        "to": [CUSTOMER],
        "text": "Hello from Parley",
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    return requests.post(messages_url(emulator), json=body, auth=account.api_credentials)


def status_events(receiver: Receiver) -> list[dict[str, Any]]:
    """Every event delivered with credentials to the status URL, in arrival order."""
    events = []
    for request in receiver.authorized_requests("/messaging/status"):
        events.extend(request.json())
    return events


def field_names(response: requests.Response) -> set[str]:
    return {error["fieldName"] for error in response.json().get("fieldErrors", [])}


def drain(emulator: RunningEmulator) -> None:
    assert emulator.emulator.scheduler.drain(10)


class TestCreateMessage:
    def test_accepted_message_matches_the_spec_and_echoes_the_request(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        response = send(
            emulator,
            provisioned,
            tag="order-42",
            priority="high",
            expiration="2999-01-01T00:00:00Z",
        )

        assert response.status_code == 202
        body = response.json()
        bandwidth_spec.validate_response("createMessage", 202, body)
        assert MESSAGE_ID.match(body["id"])
        assert body["owner"] == provisioned.number
        assert body["from"] == provisioned.number
        assert body["to"] == [CUSTOMER]
        assert body["applicationId"] == provisioned.messaging_application_id
        assert body["direction"] == "out"
        assert body["segmentCount"] == 1
        assert (body["text"], body["tag"], body["priority"]) == (
            "Hello from Parley",
            "order-42",
            "high",
        )
        assert body["expiration"] == "2999-01-01T00:00:00Z"

    @pytest.mark.parametrize(
        ("text", "segments"),
        [
            ("a" * 160, 1),
            ("a" * 161, 2),
            ("a" * 306, 2),
            ("a" * 307, 3),
            ("€" * 80, 1),
            ("€" * 81, 2),
            ("ж" * 70, 1),
            ("ж" * 71, 2),
            ("ж" * 134, 2),
            ("ж" * 135, 3),
            ("a" * 159 + "😀", 3),
        ],
    )
    def test_segment_count_follows_gsm7_and_ucs2_limits(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, text: str, segments: int
    ) -> None:
        response = send(emulator, provisioned, text=text)

        assert response.status_code == 202
        assert response.json()["segmentCount"] == segments

    def test_mms_counts_one_segment_whatever_the_text(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = send(
            emulator, provisioned, text="a" * 500, media=["https://example.com/cat.png"]
        )

        assert response.status_code == 202
        assert response.json()["segmentCount"] == 1
        assert response.json()["media"] == ["https://example.com/cat.png"]

    def test_a_bare_string_recipient_is_accepted_as_a_list(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = send(emulator, provisioned, to=CUSTOMER)

        assert response.status_code == 202
        assert response.json()["to"] == [CUSTOMER]


class TestCreateMessageValidation:
    def test_eleven_recipients_are_refused_with_the_spec_error_body(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        recipients = [f"+1555222{n:04d}" for n in range(11)]

        response = send(emulator, provisioned, to=recipients)

        assert response.status_code == 400
        bandwidth_spec.validate_response("createMessage", 400, response.json())
        assert response.json()["type"] == "request-validation"
        assert field_names(response) == {"to"}

    def test_ten_recipients_are_accepted(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = send(emulator, provisioned, to=[f"+1555222{n:04d}" for n in range(10)])

        assert response.status_code == 202

    def test_text_longer_than_2048_is_refused(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        accepted = send(emulator, provisioned, text="a" * 2048)
        refused = send(emulator, provisioned, text="a" * 2049)

        assert accepted.status_code == 202
        assert refused.status_code == 400
        bandwidth_spec.validate_response("createMessage", 400, refused.json())
        assert field_names(refused) == {"text"}

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"to": [CUSTOMER, CUSTOMER]}, "to"),
            ({"to": ["5552220001"]}, "to"),
            ({"to": []}, "to"),
            ({"from": "+invalid"}, "from"),
            ({"applicationId": ""}, "applicationId"),
            ({"text": "", "media": None}, "text"),
            ({"tag": "t" * 1025}, "tag"),
            ({"priority": "urgent"}, "priority"),
            ({"expiration": "2001-01-01T00:00:00Z"}, "expiration"),
            ({"expiration": "tomorrow"}, "expiration"),
            ({"media": ["https://example.com/" + "a" * 4096]}, "media"),
        ],
    )
    def test_invalid_fields_are_named_in_field_errors(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
        fields: dict[str, Any],
        field: str,
    ) -> None:
        response = send(emulator, provisioned, **fields)

        assert response.status_code == 400
        bandwidth_spec.validate_response("createMessage", 400, response.json())
        assert field in field_names(response)

    def test_from_number_not_on_the_account_is_refused(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = send(emulator, provisioned, **{"from": "+19195559999"})

        assert response.status_code == 400
        assert field_names(response) == {"from"}

    def test_application_other_than_the_locations_is_refused(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = send(emulator, provisioned, applicationId=provisioned.voice_application_id)

        assert response.status_code == 400
        assert field_names(response) == {"applicationId"}

    def test_mms_from_a_location_without_mms_is_refused(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        emulator.emulator.state.sip_peers[provisioned.peer_id].mms_enabled = False

        sms = send(emulator, provisioned)
        mms = send(emulator, provisioned, media=["https://example.com/a.png"])

        assert sms.status_code == 202
        assert mms.status_code == 400
        assert field_names(mms) == {"from"}

    def test_non_json_content_type_gets_415(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        response = requests.post(
            messages_url(emulator),
            data="to=+15552220001",
            headers={"Content-Type": "text/plain;charset=UTF-8"},
            auth=provisioned.api_credentials,
        )

        assert response.status_code == 415
        bandwidth_spec.validate_response("createMessage", 415, response.json())
        assert response.json() == {
            "type": "unsupported-content-type",
            "description": "Content type 'text/plain;charset=UTF-8' not supported. "
            "Please use 'application/json'",
        }

    def test_nothing_is_stored_or_sent_for_a_refused_message(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        send(emulator, provisioned, text="a" * 3000)
        drain(emulator)

        assert emulator.emulator.state.messages == {}
        assert receiver.requests == []


class TestAuthentication:
    @pytest.mark.parametrize(
        "auth",
        [None, ("parley-dev", "wrong"), ("someone", "parley-dev-secret")],
        ids=["none", "wrong-password", "wrong-user"],
    )
    def test_bad_credentials_get_the_messaging_401_body(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
        auth: tuple[str, str] | None,
    ) -> None:
        response = requests.post(
            messages_url(emulator),
            json={"to": [CUSTOMER], "from": provisioned.number, "text": "x"},
            auth=auth,
        )

        assert response.status_code == 401
        bandwidth_spec.validate_response("createMessage", 401, response.json())
        assert response.json() == {"type": "unauthorized", "description": "Authentication Failed"}

    def test_unknown_bearer_token_gets_401(self, emulator: RunningEmulator) -> None:
        response = requests.get(
            messages_url(emulator),
            params={"messageDirection": "OUTBOUND"},
            headers={"Authorization": "Bearer not-a-token"},
        )

        assert response.status_code == 401
        assert response.json()["type"] == "unauthorized"

    def test_another_account_id_is_forbidden(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        response = requests.post(
            messages_url(emulator, "1234567"),
            json={"to": [CUSTOMER], "from": provisioned.number, "text": "x"},
            auth=provisioned.api_credentials,
        )

        assert response.status_code == 403
        bandwidth_spec.validate_response("createMessage", 403, response.json())
        assert response.json() == {"type": "forbidden", "description": "Access Denied"}


class TestRateLimits:
    @pytest.mark.parametrize(
        "emulator_config",
        [
            EmulatorConfig(
                port=0,
                time_scale=TEST_TIME_SCALE,
                message_rate_per_number=1.0,
                message_rate_per_account=100.0,
                message_queue_seconds=2.0,
            )
        ],
    )
    def test_a_number_over_its_segment_rate_gets_429_with_retry_after(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        first = send(emulator, provisioned)
        second = send(emulator, provisioned)
        third = send(emulator, provisioned)

        assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
        bandwidth_spec.validate_response("createMessage", 429, third.json())
        assert third.json()["type"] == "max-message-queue-size-exceeded"
        assert int(third.headers["Retry-After"]) >= 1
        assert emulator.emulator.message_limiter.refusals == 1

    @pytest.mark.parametrize(
        "emulator_config",
        [
            EmulatorConfig(
                port=0,
                time_scale=TEST_TIME_SCALE,
                message_rate_per_number=1.0,
                message_queue_seconds=2.0,
            )
        ],
    )
    def test_limits_count_segments_not_requests(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        three_segments = "a" * 400

        first = send(emulator, provisioned, text=three_segments)
        second = send(emulator, provisioned, text="short")

        assert first.status_code == 202
        assert second.status_code == 429
        assert int(second.headers["Retry-After"]) >= 1

    @pytest.mark.parametrize(
        "emulator_config",
        [
            EmulatorConfig(
                port=0,
                time_scale=TEST_TIME_SCALE,
                message_rate_per_number=100.0,
                message_rate_per_account=1.0,
                message_queue_seconds=1.0,
            )
        ],
    )
    def test_the_account_rate_spans_all_numbers(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        other_number = "+19195550101"
        emulator.emulator.state.put_in_service(
            other_number, provisioned.site_id, provisioned.peer_id
        )

        first = send(emulator, provisioned)
        from_other = send(emulator, provisioned, **{"from": other_number})

        assert first.status_code == 202
        assert from_other.status_code == 429


class TestStatusCallbacks:
    def test_sms_gets_one_delivered_callback_after_the_basic_challenge(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        receiver: Receiver,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        message = send(emulator, provisioned, tag="t-1").json()
        drain(emulator)

        attempts = [r for r in receiver.requests if r.path == "/messaging/status"]
        assert [r.authorized for r in attempts] == [False, True]
        assert attempts[0].credentials is None
        assert attempts[1].credentials == provisioned.callback_credentials
        delivered = attempts[1]
        assert delivered.header("User-Agent") == "BandwidthAPI/v2"
        assert delivered.header("Content-Type") == "application/json; charset=utf-8"
        events = delivered.json()
        assert isinstance(events, list) and len(events) == 1
        event = events[0]
        bandwidth_spec.validate_schema("statusCallback", event)
        assert event["type"] == "message-delivered"
        assert event["to"] == CUSTOMER
        assert event["message"]["id"] == message["id"]
        assert event["message"]["text"] == ""
        assert event["message"]["tag"] == "t-1"
        assert "errorCode" not in event

    def test_group_message_reports_each_recipient_and_retries_after_500s(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        receiver: Receiver,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        recipients = ["+15552220001", "+15552220002", "+15552220003"]
        refusals = {"left": 2}

        def fail_twice_for_the_second_recipient(
            request: RecordedRequest,
        ) -> tuple[int, dict[str, str], bytes]:
            event = request.json()[0]
            is_target = event["to"] == recipients[1] and event["type"] == "message-delivered"
            if is_target and refusals["left"] > 0:
                refusals["left"] -= 1
                return 500, {}, b"busy"
            return 200, {}, b""

        receiver.respond(fail_twice_for_the_second_recipient)

        message = send(emulator, provisioned, to=recipients, text="group hello").json()
        drain(emulator)

        events = status_events(receiver)
        for event in events:
            bandwidth_spec.validate_schema("statusCallback", event)
            assert event["message"]["id"] == message["id"]
            assert event["message"]["to"] == recipients
        sending = sorted(e["to"] for e in events if e["type"] == "message-sending")
        delivered = [e["to"] for e in events if e["type"] == "message-delivered"]
        assert sending == recipients
        assert sorted(set(delivered)) == recipients
        assert delivered.count(recipients[1]) == 3
        assert refusals["left"] == 0

    def test_delivery_gives_up_after_the_configured_retries(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        receiver.respond(lambda request: (503, {}, b""))

        send(emulator, provisioned)
        drain(emulator)

        retries = len(emulator.emulator.config.callback_retry_delays)
        assert len(receiver.authorized_requests("/messaging/status")) == retries + 1

    @pytest.mark.parametrize(
        ("code", "description"),
        [
            (4720, "invalid-destination-address"),
            (4775, "destination-rejected-due-to-user-opt-out"),
            (4470, "rejected-spam-detected"),
            (5600, "destination-carrier-queue-full"),
        ],
    )
    def test_reserved_destinations_fail_with_their_error_code(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        receiver: Receiver,
        bandwidth_spec: BandwidthSpec,
        code: int,
        description: str,
    ) -> None:
        failing = f"+1919555{code}"
        message = send(emulator, provisioned, to=[failing]).json()
        drain(emulator)

        [event] = status_events(receiver)
        bandwidth_spec.validate_schema("statusCallback", event)
        assert (event["type"], event["to"], event["errorCode"]) == ("message-failed", failing, code)
        assert event["description"] == description
        listed = requests.get(
            messages_url(emulator),
            params={"messageId": message["id"]},
            auth=provisioned.api_credentials,
        ).json()["messages"]
        assert [(m["messageStatus"], m["errorCode"]) for m in listed] == [("FAILED", code)]

    @pytest.mark.parametrize(
        "emulator_config",
        [
            EmulatorConfig(
                port=0,
                time_scale=TEST_TIME_SCALE,
                message_status_delay=150.0,
                message_rate_per_number=1000.0,
            )
        ],
    )
    def test_message_expiring_in_the_queue_fails_with_4360(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat().replace("+00:00", "Z")

        accepted = send(emulator, provisioned, expiration=soon)
        drain(emulator)

        assert accepted.status_code == 202
        [event] = status_events(receiver)
        assert (event["type"], event["errorCode"]) == ("message-failed", 4360)

    def test_group_with_one_failing_recipient_fails_only_that_one(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        send(emulator, provisioned, to=[CUSTOMER, "+19195554720"])
        drain(emulator)

        finals = {
            e["to"]: e["type"] for e in status_events(receiver) if e["type"] != "message-sending"
        }
        assert finals == {CUSTOMER: "message-delivered", "+19195554720": "message-failed"}

    def test_requested_callback_types_filter_what_is_sent(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        application = emulator.emulator.state.applications[provisioned.messaging_application_id]
        application.requested_callback_types = ["message-failed"]

        send(emulator, provisioned, to=[CUSTOMER, "+19195554720"])
        drain(emulator)

        assert [(e["type"], e["to"]) for e in status_events(receiver)] == [
            ("message-failed", "+19195554720")
        ]


class TestListMessages:
    def test_list_matches_the_spec_and_filters(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        sent = send(emulator, provisioned).json()
        send(emulator, provisioned, to=["+15552220002"])
        drain(emulator)

        response = requests.get(
            messages_url(emulator),
            params={"destinationTn": CUSTOMER, "messageStatus": "DELIVERED"},
            auth=provisioned.api_credentials,
        )

        assert response.status_code == 200
        bandwidth_spec.validate_response("listMessages", 200, response.json())
        assert response.json()["totalCount"] == 1
        [item] = response.json()["messages"]
        assert item["messageId"] == sent["id"]
        assert item["sourceTn"] == provisioned.number
        assert item["destinationTn"] == CUSTOMER
        assert item["messageDirection"] == "OUTBOUND"
        assert item["messageType"] == "sms"
        assert item["segmentCount"] == 1
        assert item["accountId"] == provisioned.account_id

    def test_list_pages_with_tokens(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        ids = {send(emulator, provisioned).json()["id"] for _ in range(3)}
        params = {"sourceTn": provisioned.number, "limit": "2"}

        first = requests.get(
            messages_url(emulator), params=params, auth=provisioned.api_credentials
        )
        token = first.json()["pageInfo"]["nextPageToken"]
        second = requests.get(
            messages_url(emulator),
            params={**params, "pageToken": token},
            auth=provisioned.api_credentials,
        )

        seen = [m["messageId"] for m in first.json()["messages"] + second.json()["messages"]]
        assert set(seen) == ids and len(seen) == 3
        assert "nextPageToken" not in second.json()["pageInfo"]

    def test_list_without_any_filter_is_refused(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        response = requests.get(messages_url(emulator), auth=provisioned.api_credentials)

        assert response.status_code == 400
        bandwidth_spec.validate_response("listMessages", 400, response.json())

    @pytest.mark.parametrize(
        "emulator_config",
        [EmulatorConfig(port=0, time_scale=TEST_TIME_SCALE, list_messages_limit=2)],
    )
    def test_listing_is_rate_limited_per_source_ip(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        params = {"messageDirection": "OUTBOUND"}
        auth = provisioned.api_credentials

        answers = [requests.get(messages_url(emulator), params=params, auth=auth) for _ in range(3)]

        assert [a.status_code for a in answers] == [200, 200, 429]
        bandwidth_spec.validate_response("listMessages", 429, answers[2].json())
        assert answers[2].json()["type"] == "rate_limit_exceeded"
        assert int(answers[2].headers["Retry-After"]) >= 1

    def test_date_range_over_14_days_is_refused(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = requests.get(
            messages_url(emulator),
            params={"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-01-20T00:00:00Z"},
            auth=provisioned.api_credentials,
        )

        assert response.status_code == 400


class TestMedia:
    def test_upload_download_list_delete_round_trip(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        auth = provisioned.api_credentials
        content = bytes(range(256)) * 4

        upload = requests.put(
            media_url(emulator, "outbound/cat.png"),
            data=content,
            headers={"Content-Type": "image/png"},
            auth=auth,
        )
        download = requests.get(media_url(emulator, "outbound/cat.png"), auth=auth)
        listing = requests.get(media_url(emulator), auth=auth)
        deleted = requests.delete(media_url(emulator, "outbound/cat.png"), auth=auth)
        gone = requests.get(media_url(emulator, "outbound/cat.png"), auth=auth)

        assert upload.status_code == 204
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["Content-Type"] == "image/png"
        bandwidth_spec.validate_response("listMedia", 200, listing.json())
        assert listing.json() == [
            {
                "contentLength": len(content),
                "mediaName": "outbound/cat.png",
                "content": media_url(emulator, "outbound/cat.png"),
            }
        ]
        assert deleted.status_code == 204
        assert gone.status_code == 404
        bandwidth_spec.validate_response("getMedia", 404, gone.json())

    def test_media_limit_is_3_75_megabytes(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        limit = 3_932_160
        headers = {"Content-Type": "image/jpeg"}
        auth = provisioned.api_credentials

        at_limit = requests.put(
            media_url(emulator, "big.jpg"), data=b"x" * limit, headers=headers, auth=auth
        )
        over = requests.put(
            media_url(emulator, "bigger.jpg"), data=b"x" * (limit + 1), headers=headers, auth=auth
        )

        assert at_limit.status_code == 204
        assert over.status_code == 400
        assert "bigger.jpg" not in emulator.emulator.state.media

    def test_unsupported_media_type_gets_415(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = requests.put(
            media_url(emulator, "x.exe"),
            data=b"MZ",
            headers={"Content-Type": "application/x-msdownload"},
            auth=provisioned.api_credentials,
        )

        assert response.status_code == 415

    def test_media_list_pages_with_continuation_token(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(media_api, "MEDIA_PAGE_SIZE", 2)
        auth = provisioned.api_credentials
        for name in ("a.txt", "b.txt", "c.txt"):
            requests.put(
                media_url(emulator, name),
                data=b"1",
                headers={"Content-Type": "text/plain"},
                auth=auth,
            )

        first = requests.get(media_url(emulator), auth=auth)
        second = requests.get(
            media_url(emulator),
            headers={"Continuation-Token": first.headers["Continuation-Token"]},
            auth=auth,
        )

        assert [m["mediaName"] for m in first.json()] == ["a.txt", "b.txt"]
        assert [m["mediaName"] for m in second.json()] == ["c.txt"]
        assert "Continuation-Token" not in second.headers

    def test_media_needs_credentials(self, emulator: RunningEmulator) -> None:
        response = requests.get(media_url(emulator, "anything.png"))

        assert response.status_code == 401


class TestInboundMessages:
    def inject(self, emulator: RunningEmulator, **body: Any) -> requests.Response:
        return requests.post(f"{emulator.url}/_sim/messages/inbound", json=body)

    def test_inbound_sms_reaches_the_inbound_url_with_its_credentials(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        receiver: Receiver,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        injected = self.inject(
            emulator, **{"from": CUSTOMER, "to": provisioned.number, "text": "hi"}
        )
        drain(emulator)

        assert injected.status_code == 201
        [delivered] = receiver.authorized_requests("/messaging/inbound")
        assert delivered.credentials == provisioned.callback_credentials
        [event] = delivered.json()
        bandwidth_spec.validate_schema("inboundCallback", event)
        assert event["type"] == "message-received"
        assert event["to"] == provisioned.number
        message = event["message"]
        assert message["id"] == injected.json()["messages"][0]["id"]
        assert (message["owner"], message["direction"], message["text"]) == (
            provisioned.number,
            "in",
            "hi",
        )
        assert message["from"] == CUSTOMER
        assert message["applicationId"] == provisioned.messaging_application_id

    def test_inbound_mms_media_is_served_from_the_media_path_with_credentials(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        picture = b"\x89PNG fake picture"

        self.inject(
            emulator,
            **{
                "from": CUSTOMER,
                "to": [provisioned.number],
                "text": "look",
                "media": [
                    {
                        "filename": "bw.png",
                        "content_type": "image/png",
                        "content_base64": base64.b64encode(picture).decode(),
                    }
                ],
            },
        )
        drain(emulator)

        [event] = receiver.authorized_requests("/messaging/inbound")[0].json()
        [url] = event["message"]["media"]
        assert url == media_url(emulator, f"{event['message']['id']}/0/bw.png")
        assert requests.get(url).status_code == 401
        fetched = requests.get(url, auth=provisioned.api_credentials)
        assert fetched.content == picture
        assert fetched.headers["Content-Type"] == "image/png"

    def test_inbound_group_gives_each_owned_recipient_its_own_message(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        second_number = "+19195550102"
        emulator.emulator.state.put_in_service(
            second_number, provisioned.site_id, provisioned.peer_id
        )
        group = [provisioned.number, second_number, "+15552220009"]

        self.inject(emulator, **{"from": CUSTOMER, "to": group, "text": "hello all"})
        drain(emulator)

        events = [r.json()[0] for r in receiver.authorized_requests("/messaging/inbound")]
        assert sorted(e["to"] for e in events) == sorted([provisioned.number, second_number])
        assert {e["message"]["owner"] for e in events} == {provisioned.number, second_number}
        assert len({e["message"]["id"] for e in events}) == 2
        assert all(e["message"]["to"] == group for e in events)

    def test_inbound_to_a_number_not_on_the_account_is_refused(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = self.inject(emulator, **{"from": CUSTOMER, "to": "+19195551111", "text": "x"})

        assert response.status_code == 400
