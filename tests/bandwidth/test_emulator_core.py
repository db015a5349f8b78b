"""The emulator's shared machinery: OAuth2, auth shapes, faults, simulation endpoints, the page,
callback delivery and the command line."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from bandwidth.emulator.__main__ import build_parser, config_from_args
from bandwidth.emulator.app import RunningEmulator, create_app
from bandwidth.emulator.config import EmulatorConfig, bandwidth_callback_retry_delays

if TYPE_CHECKING:
    from tests.bandwidth.conftest import BandwidthSpec, ProvisionedAccount
    from tests.bandwidth.receiver import Receiver

CLIENT = ("parley-dev", "parley-dev-secret")
CUSTOMER = "+15552220001"


def token_url(emulator: RunningEmulator) -> str:
    return f"{emulator.url}/api/v1/oauth2/token"


def list_messages(emulator: RunningEmulator, **kwargs: Any) -> requests.Response:
    return requests.get(
        f"{emulator.url}/api/v2/users/9900000/messages",
        params={"messageDirection": "OUTBOUND"},
        **kwargs,
    )


def send(
    emulator: RunningEmulator, account: ProvisionedAccount, **kwargs: Any
) -> requests.Response:
    return requests.post(
        f"{emulator.url}/api/v2/users/9900000/messages",
        json={
            "applicationId": account.messaging_application_id,
            "from": account.number,
            "to": [CUSTOMER],
            "text": "hello",
        },
        auth=account.api_credentials,
        **kwargs,
    )


def add_faults(emulator: RunningEmulator, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{emulator.url}/_sim/faults", json=body)


class TestOAuth2:
    def test_client_credentials_grant_issues_a_bearer_token_that_every_api_accepts(
        self, emulator: RunningEmulator
    ) -> None:
        response = requests.post(
            token_url(emulator), data={"grant_type": "client_credentials"}, auth=CLIENT
        )

        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert response.headers["Cache-Control"] == "no-store"
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert list_messages(emulator, headers=bearer).status_code == 200
        numbers = requests.get(f"{emulator.url}/api/accounts/9900000/sites", headers=bearer)
        assert numbers.status_code == 200

    def test_wrong_client_secret_is_invalid_client(self, emulator: RunningEmulator) -> None:
        response = requests.post(
            token_url(emulator),
            data={"grant_type": "client_credentials"},
            auth=("parley-dev", "nope"),
        )

        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].startswith("Basic")

    def test_other_grant_types_are_unsupported(self, emulator: RunningEmulator) -> None:
        response = requests.post(token_url(emulator), data={"grant_type": "password"}, auth=CLIENT)

        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"

    def test_missing_grant_type_is_an_invalid_request(self, emulator: RunningEmulator) -> None:
        response = requests.post(token_url(emulator), data={}, auth=CLIENT)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    def test_expired_token_is_refused(self, emulator: RunningEmulator) -> None:
        token = requests.post(
            token_url(emulator), data={"grant_type": "client_credentials"}, auth=CLIENT
        ).json()["access_token"]
        emulator.emulator.state.tokens[token] = time.time() - 1

        response = list_messages(emulator, headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 401
        assert response.json() == {"type": "unauthorized", "description": "Authentication Failed"}

    @pytest.mark.parametrize(
        "emulator_config", [EmulatorConfig(port=0, time_scale=0.01, token_ttl=120)]
    )
    def test_token_lifetime_is_configurable(self, emulator: RunningEmulator) -> None:
        response = requests.post(
            token_url(emulator), data={"grant_type": "client_credentials"}, auth=CLIENT
        )

        assert response.json()["expires_in"] == 120


class TestUnknownPaths:
    def test_unknown_messaging_path_has_a_spec_shaped_404(
        self, emulator: RunningEmulator, bandwidth_spec: BandwidthSpec
    ) -> None:
        response = requests.get(f"{emulator.url}/api/v2/users/9900000/messages/happy", auth=CLIENT)

        assert response.status_code == 404
        bandwidth_spec.validate_response("listMessages", 404, response.json())
        assert response.json()["path"] == "/api/v2/users/9900000/messages/happy"

    def test_wrong_method_is_405(self, emulator: RunningEmulator) -> None:
        response = requests.delete(f"{emulator.url}/api/v2/users/9900000/messages", auth=CLIENT)

        assert response.status_code == 405
        assert "GET" in response.headers["Allow"]


class TestFaults:
    def test_next_requests_get_429_with_retry_after_then_recover(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        add_faults(emulator, {"fail_next": {"count": 2, "status": 429, "retry_after": 7}})

        first, second, third = (send(emulator, provisioned) for _ in range(3))

        assert (first.status_code, second.status_code, third.status_code) == (429, 429, 202)
        assert first.headers["Retry-After"] == "7"
        bandwidth_spec.validate_response("createMessage", 429, first.json())

    def test_server_errors_use_each_apis_shape(
        self,
        emulator: RunningEmulator,
        provisioned: ProvisionedAccount,
        bandwidth_spec: BandwidthSpec,
    ) -> None:
        add_faults(emulator, {"fail_next": {"count": 1, "status": 500, "api": "numbers"}})
        add_faults(emulator, {"fail_next": {"count": 1, "status": 503}})

        numbers = requests.get(f"{emulator.url}/api/accounts/9900000/sites", auth=CLIENT)
        messaging = send(emulator, provisioned)

        assert numbers.status_code == 500
        assert messaging.status_code == 503
        assert numbers.content == b""
        bandwidth_spec.validate_schema("messagingRequestError", messaging.json())

    def test_fault_for_one_api_leaves_others_alone(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        add_faults(emulator, {"fail_next": {"count": 1, "status": 503, "api": "voice"}})

        assert send(emulator, provisioned).status_code == 202
        assert emulator.emulator.faults.describe()["pending_failures"]

    def test_added_latency_delays_answers(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        add_faults(emulator, {"latency_seconds": 0.3})

        started = time.monotonic()
        response = send(emulator, provisioned)

        assert response.status_code == 202
        assert time.monotonic() - started >= 0.3

    def test_next_callback_is_delivered_twice(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        add_faults(emulator, {"duplicate_callbacks": 1})

        send(emulator, provisioned)
        assert emulator.emulator.scheduler.drain(5)

        delivered = receiver.authorized_requests("/messaging/status")
        assert len(delivered) == 2
        assert delivered[0].json() == delivered[1].json()

    def test_a_duplicate_storm_delivers_each_callback_that_many_times(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        add_faults(emulator, {"duplicate_callbacks": 1, "duplicate_copies": 5})

        send(emulator, provisioned)
        send(emulator, provisioned)
        assert emulator.emulator.scheduler.drain(5)

        delivered = [r.json()[0] for r in receiver.authorized_requests("/messaging/status")]
        ids = [event["message"]["id"] for event in delivered]
        assert sorted(ids.count(i) for i in set(ids)) == [1, 5]

    def test_a_storm_fails_its_share_of_one_apis_requests_until_cleared(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        add_faults(
            emulator,
            {"storm": {"seconds": 600, "ratio": 1.0, "statuses": [429, 503], "api": "messaging"}},
        )

        stormed = [send(emulator, provisioned) for _ in range(6)]
        sites = requests.get(f"{emulator.url}/api/accounts/9900000/sites", auth=CLIENT)
        requests.delete(f"{emulator.url}/_sim/faults")
        after = send(emulator, provisioned)

        assert {r.status_code for r in stormed} <= {429, 503}
        assert emulator.emulator.faults.describe()["injected"] == 6
        assert all(r.headers["Retry-After"] == "1" for r in stormed if r.status_code == 429)
        assert sites.status_code == 200
        assert after.status_code == 202

    def test_a_storm_ends_by_itself_and_a_zero_ratio_fails_nothing(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        add_faults(emulator, {"storm": {"seconds": 0.2, "ratio": 1.0}})
        time.sleep(0.3)
        ended = send(emulator, provisioned)
        add_faults(emulator, {"storm": {"seconds": 600, "ratio": 0.0}})
        calm = send(emulator, provisioned)

        assert (ended.status_code, calm.status_code) == (202, 202)

    def test_a_storm_with_other_statuses_is_refused(self, emulator: RunningEmulator) -> None:
        response = add_faults(emulator, {"storm": {"seconds": 5, "statuses": [404]}})

        assert response.status_code == 400

    def test_faults_can_be_cleared(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        add_faults(emulator, {"fail_next": {"count": 5, "status": 429}})

        cleared = requests.delete(f"{emulator.url}/_sim/faults")

        assert cleared.status_code == 204
        assert send(emulator, provisioned).status_code == 202

    def test_invalid_fault_status_is_refused(self, emulator: RunningEmulator) -> None:
        response = add_faults(emulator, {"fail_next": {"count": 1, "status": 404}})

        assert response.status_code == 400


class TestSimulation:
    def test_snapshot_shows_state_but_no_callback_passwords(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        send(emulator, provisioned)
        assert emulator.emulator.scheduler.drain(5)

        snapshot = requests.get(f"{emulator.url}/_sim/state").json()

        assert snapshot["account_id"] == "9900000"
        assert [n["e164"] for n in snapshot["in_service_numbers"]] == [provisioned.number]
        assert snapshot["messages"][0]["statuses"] == {CUSTOMER: "DELIVERED"}
        assert snapshot["callback_log"]
        assert provisioned.callback_credentials[1] not in str(snapshot)

    def test_reset_forgets_everything_but_issued_tokens(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        token = requests.post(
            token_url(emulator), data={"grant_type": "client_credentials"}, auth=CLIENT
        ).json()["access_token"]
        send(emulator, provisioned)
        add_faults(emulator, {"fail_next": {"count": 3, "status": 429}})

        response = requests.post(f"{emulator.url}/_sim/reset")

        assert response.status_code == 204
        state = emulator.emulator.state
        assert (state.messages, state.in_service, state.applications) == ({}, {}, {})
        assert emulator.emulator.faults.describe()["pending_failures"] == []
        bearer = {"Authorization": f"Bearer {token}"}
        assert list_messages(emulator, headers=bearer).status_code == 200

    def test_inbound_form_from_the_page_redirects_back(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount, receiver: Receiver
    ) -> None:
        response = requests.post(
            f"{emulator.url}/_sim/messages/inbound",
            data={"from": CUSTOMER, "to": provisioned.number, "text": "from the page"},
            allow_redirects=False,
        )
        assert emulator.emulator.scheduler.drain(5)

        assert response.status_code == 303
        assert response.headers["Location"].endswith("/")
        [event] = receiver.authorized_requests("/messaging/inbound")[0].json()
        assert event["message"]["text"] == "from the page"

    def test_page_lists_numbers_messages_and_callbacks_escaped(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        requests.post(
            f"{emulator.url}/_sim/messages/inbound",
            json={"from": CUSTOMER, "to": provisioned.number, "text": "<script>alert(1)</script>"},
        )
        assert emulator.emulator.scheduler.drain(5)

        page = requests.get(f"{emulator.url}/")

        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert provisioned.number in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>" not in page.text
        assert "message-received" in page.text
        assert 'action="/_sim/messages/inbound"' in page.text


class TestCallbackSender:
    def test_no_credentials_are_sent_without_a_basic_challenge(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        receiver.respond(lambda request: (401, {}, b""))

        result = emulator.emulator.callbacks.request(
            receiver.url + "/hook", json_body=[{"a": 1}], credentials=("u", "p")
        )

        assert result.status == 401
        assert [r.credentials for r in receiver.requests] == [None]

    def test_credentials_follow_a_basic_challenge(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        receiver.require_basic_auth("u", "p")
        receiver.respond(lambda request: (200, {"Content-Type": "application/xml"}, b"<Response/>"))

        result = emulator.emulator.callbacks.request(
            receiver.url + "/hook", json_body={"eventType": "initiate"}, credentials=("u", "p")
        )

        assert (result.status, result.body, result.content_type) == (
            200,
            b"<Response/>",
            "application/xml",
        )
        assert [r.credentials for r in receiver.requests] == [None, ("u", "p")]

    def test_get_callbacks_send_the_body_as_query_parameters(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        emulator.emulator.callbacks.request(
            receiver.url + "/voice", method="GET", json_body={"eventType": "answer", "tag": None}
        )

        [request] = receiver.requests
        assert request.method == "GET"
        assert request.query == {"eventType": ["answer"]}

    def test_connection_errors_are_reported_and_retried(self, emulator: RunningEmulator) -> None:
        results = []

        emulator.emulator.callbacks.deliver(
            "http://127.0.0.1:9/unreachable", json_body=[], on_result=results.append
        )
        assert emulator.emulator.scheduler.drain(10)

        [result] = results
        assert result.status is None and result.error
        attempts = [
            e for e in emulator.emulator.state.callback_log if e.url.endswith("/unreachable")
        ]
        assert len(attempts) == len(emulator.emulator.config.callback_retry_delays) + 1

    def test_snapshot_counts_the_delayed_work_still_to_run(self, emulator: RunningEmulator) -> None:
        emulator.emulator.callbacks.deliver("http://127.0.0.1:9/unreachable", json_body=[])

        waiting = requests.get(f"{emulator.url}/_sim/state").json()["scheduled"]
        assert emulator.emulator.scheduler.drain(10)
        done = requests.get(f"{emulator.url}/_sim/state").json()

        assert waiting >= 1
        assert done["scheduled"] == 0
        attempts = len(emulator.emulator.config.callback_retry_delays) + 1
        assert (done["callback_attempts"], done["callback_failures"]) == (attempts, attempts)

    def test_a_challenged_delivery_counts_once_and_as_delivered(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        receiver.require_basic_auth("u", "p")

        emulator.emulator.callbacks.request(
            receiver.url + "/hook", json_body=[], credentials=("u", "p")
        )

        snapshot = requests.get(f"{emulator.url}/_sim/state").json()
        assert len(receiver.requests) == 2
        assert (snapshot["callback_attempts"], snapshot["callback_failures"]) == (1, 0)

    @pytest.mark.parametrize(
        "emulator_config", [EmulatorConfig(port=0, time_scale=0.01, callback_workers=2)]
    )
    def test_several_workers_deliver_past_a_receiver_that_hangs(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        release = threading.Event()

        def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
            if request.path == "/slow":
                release.wait(10)
            return 200, {}, b""

        receiver.respond(answer)
        try:
            emulator.emulator.callbacks.deliver(receiver.url + "/slow", json_body=[])
            emulator.emulator.callbacks.deliver(receiver.url + "/fast", json_body=[], delay=0.5)

            receiver.wait_for(lambda r: r.path == "/fast", timeout=5)
            assert not release.is_set()
        finally:
            release.set()
        assert emulator.emulator.scheduler.drain(10)


class TestCommandLine:
    def test_defaults_match_the_documented_development_account(self) -> None:
        config = config_from_args(build_parser().parse_args([]))

        assert (config.host, config.port, config.account_id) == ("127.0.0.1", 9900, "9900000")
        assert (config.client_id, config.client_secret) == ("parley-dev", "parley-dev-secret")
        assert (config.username, config.password) == ("parley-dev", "parley-dev-secret")
        assert config.origin == "http://127.0.0.1:9900"

    def test_options_reach_the_config(self) -> None:
        args = build_parser().parse_args(
            [
                "--port",
                "9911",
                "--account-id",
                "42",
                "--public-url",
                "http://emu.local:80/",
                "--time-scale",
                "0.5",
            ]
        )

        config = config_from_args(args)

        assert (config.port, config.account_id, config.time_scale) == (9911, "42", 0.5)
        assert config.origin == "http://emu.local:80"

    def test_callback_retries_can_span_bandwidths_day_compressed(self) -> None:
        default = config_from_args(build_parser().parse_args([]))
        args = ["--callback-retry-scale", "0.01", "--callback-workers", "4"]
        compressed = config_from_args(build_parser().parse_args(args))

        assert default.callback_retry_delays == EmulatorConfig().callback_retry_delays
        assert default.callback_workers == 1
        assert compressed.callback_retry_delays == bandwidth_callback_retry_delays(0.01)
        assert compressed.callback_workers == 4
        day = bandwidth_callback_retry_delays(1.0)
        assert 23 * 3600 < sum(day) <= 24 * 3600
        assert max(day) == 1800
        assert sum(compressed.callback_retry_delays) == pytest.approx(sum(day) * 0.01)

    def test_help_documents_the_defaults(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            build_parser().parse_args(["--help"])

        help_text = capsys.readouterr().out
        assert "9900000" in help_text and "parley-dev-secret" in help_text

    def test_create_app_serves_every_api(self) -> None:
        emulator = create_app(EmulatorConfig(time_scale=0.01))
        try:
            paths = {route.path for route in emulator._routes}
        finally:
            emulator.close()

        assert "/api/v1/oauth2/token" in paths
        assert "/api/v2/users/<account_id>/messages" in paths
        assert "/api/accounts/<account_id>/orders" in paths
        assert "/api/v1/accounts/<account_id>/orders" in paths
        assert any(path.startswith("/api/v2/accounts/") for path in paths)
