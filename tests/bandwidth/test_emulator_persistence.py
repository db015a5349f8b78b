"""The emulator's ``--state-file``: the account survives a stop and a start, over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

import pytest
import requests
from defusedxml import ElementTree

from bandwidth.emulator.app import RunningEmulator, start_in_thread
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.persistence import StateFileError, StateSaver

if TYPE_CHECKING:
    from tests.bandwidth.receiver import Receiver

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMULATOR_COMMAND = (sys.executable, "-m", "bandwidth.emulator")
AUTH = ("parley-dev", "parley-dev-secret")
XML = {"Content-Type": "application/xml; charset=utf-8"}
HOOK = ("bw-hook", "hook-secret-1")
SUBSCRIBER = ("bw-numbers", "numbers-secret")
NUMBER = "9195550142"
CUSTOMER = "+15552220001"
PICTURE = b"\x89PNG kept picture"

Starter = Callable[..., RunningEmulator]


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "emulator-state.json"


@pytest.fixture
def start_emulator(state_path: Path) -> Iterator[Starter]:
    """Start emulators on ``state_path``; each one still running is stopped at teardown."""
    running: list[RunningEmulator] = []

    def start(**settings: Any) -> RunningEmulator:
        config = EmulatorConfig(
            port=0,
            time_scale=0.01,
            message_rate_per_number=1000.0,
            message_rate_per_account=1000.0,
            state_file=str(state_path),
            **settings,
        )
        emulator = start_in_thread(config)
        running.append(emulator)
        return emulator

    yield start
    for emulator in running:
        if emulator.thread.is_alive():
            emulator.stop()


def api(emulator: RunningEmulator) -> str:
    return f"{emulator.url}/api/accounts/9900000"


def post_xml(emulator: RunningEmulator, path: str, body: str) -> requests.Response:
    return requests.post(api(emulator) + path, data=body.encode(), headers=XML, auth=AUTH)


def put_xml(emulator: RunningEmulator, path: str, body: str) -> requests.Response:
    return requests.put(api(emulator) + path, data=body.encode(), headers=XML, auth=AUTH)


def xml(response: requests.Response) -> Element:
    root: Element = ElementTree.fromstring(response.content)
    return root


def register(emulator: RunningEmulator) -> None:
    """Carriers take texts only from registered numbers (test_emulator_compliance.py)."""
    assert requests.post(f"{emulator.url}/_sim/registered/+1{NUMBER}").ok


def drain(emulator: RunningEmulator) -> None:
    assert emulator.emulator.scheduler.drain(10)


def order_number(emulator: RunningEmulator, site_id: str) -> str:
    response = post_xml(
        emulator,
        "/orders",
        f"<Order><CustomerOrderId>parley-ord-1</CustomerOrderId><SiteId>{site_id}</SiteId>"
        "<ExistingTelephoneNumberOrderType><TelephoneNumberList>"
        f"<TelephoneNumber>{NUMBER}</TelephoneNumber>"
        "</TelephoneNumberList></ExistingTelephoneNumberOrderType></Order>",
    )
    assert response.status_code == 201
    return xml(response).findtext("Order/id") or ""


def provision_over_http(emulator: RunningEmulator, receiver: Receiver) -> dict[str, str]:
    """What Parley's provisioning does: site, location with SMS+MMS, both applications with
    callback credentials, an order subscription."""
    site_response = post_xml(emulator, "/sites", "<Site><Name>demo-co</Name></Site>")
    site = xml(site_response).findtext("Site/Id") or ""
    peer_response = post_xml(
        emulator,
        f"/sites/{site}/sippeers",
        "<SipPeer><PeerName>demo-co-loc</PeerName><IsDefaultPeer>true</IsDefaultPeer></SipPeer>",
    )
    assert (site_response.status_code, peer_response.status_code) == (201, 201)
    peer = peer_response.headers["Location"].rsplit("/", 1)[1]
    peer_path = f"/sites/{site}/sippeers/{peer}"
    messaging_app = xml(
        post_xml(
            emulator,
            "/applications",
            "<Application><ServiceType>Messaging-V2</ServiceType><AppName>demo-co-sms</AppName>"
            f"<InboundCallbackUrl>{receiver.url}/messaging/inbound</InboundCallbackUrl>"
            f"<OutboundCallbackUrl>{receiver.url}/messaging/status</OutboundCallbackUrl>"
            f"<InboundCallbackCreds><UserId>{HOOK[0]}</UserId><Password>{HOOK[1]}</Password>"
            f"</InboundCallbackCreds><OutboundCallbackCreds><UserId>{HOOK[0]}</UserId>"
            f"<Password>{HOOK[1]}</Password></OutboundCallbackCreds></Application>",
        )
    ).findtext("Application/ApplicationId")
    voice_app = xml(
        post_xml(
            emulator,
            "/applications",
            "<Application><ServiceType>Voice-V2</ServiceType><AppName>demo-co-voice</AppName>"
            f"<CallInitiatedCallbackUrl>{receiver.url}/voice/initiate</CallInitiatedCallbackUrl>"
            f"<CallbackCreds><UserId>{HOOK[0]}</UserId><Password>{HOOK[1]}</Password>"
            "</CallbackCreds></Application>",
        )
    ).findtext("Application/ApplicationId")
    steps = [
        post_xml(
            emulator,
            peer_path + "/products/messaging/features/sms",
            "<SipPeerSmsFeature><SipPeerSmsFeatureSettings><Protocol>HTTP</Protocol>"
            "</SipPeerSmsFeatureSettings><HttpSettings/></SipPeerSmsFeature>",
        ),
        post_xml(
            emulator,
            peer_path + "/products/messaging/features/mms",
            "<MmsFeature><MmsSettings><Protocol>HTTP</Protocol></MmsSettings></MmsFeature>",
        ),
        put_xml(
            emulator,
            peer_path + "/products/messaging/applicationSettings",
            f"<ApplicationsSettings><HttpMessagingV2AppId>{messaging_app}"
            "</HttpMessagingV2AppId></ApplicationsSettings>",
        ),
        post_xml(
            emulator,
            peer_path + "/products/origination/settings",
            "<SipPeerOriginationSettings><VoiceProtocol>HTTP</VoiceProtocol><HttpSettings>"
            f"<HttpVoiceV2AppId>{voice_app}</HttpVoiceV2AppId></HttpSettings>"
            "</SipPeerOriginationSettings>",
        ),
        post_xml(
            emulator,
            "/subscriptions",
            "<Subscription><OrderType>orders</OrderType><CallbackSubscription>"
            f"<URL>{receiver.url}/numbers/orders</URL><Expiry>3122064000</Expiry>"
            "<CallbackCredentials><BasicAuthentication>"
            f"<Username>{SUBSCRIBER[0]}</Username><Password>{SUBSCRIBER[1]}</Password>"
            "</BasicAuthentication></CallbackCredentials></CallbackSubscription></Subscription>",
        ),
    ]
    assert [s.status_code for s in steps] == [201, 201, 200, 201, 201]
    return {
        "site": site,
        "peer": peer,
        "messaging_app": messaging_app or "",
        "voice_app": voice_app or "",
    }


def inject_inbound(emulator: RunningEmulator, text: str) -> requests.Response:
    return requests.post(
        f"{emulator.url}/_sim/messages/inbound",
        json={"from": CUSTOMER, "to": f"+1{NUMBER}", "text": text},
    )


def saved(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def state_file_of(emulator: RunningEmulator) -> Path:
    return Path(emulator.emulator.config.state_file or "")


class TestRestart:
    def test_provisioned_account_keeps_working_after_a_restart(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        first = start_emulator()
        ids = provision_over_http(first, receiver)
        order_id = order_number(first, ids["site"])
        drain(first)
        register(first)
        sent = requests.post(
            f"{first.url}/api/v2/users/9900000/messages",
            json={
                "applicationId": ids["messaging_app"],
                "from": f"+1{NUMBER}",
                "to": [CUSTOMER],
                "text": "before the restart",
            },
            auth=AUTH,
        )
        uploaded = requests.put(
            f"{first.url}/api/v2/users/9900000/media/kept.png",
            data=PICTURE,
            headers={"Content-Type": "image/png"},
            auth=AUTH,
        )
        drain(first)
        assert (sent.status_code, uploaded.status_code) == (202, 204)
        assert requests.get(api(first) + f"/inserviceNumbers/{NUMBER}", auth=AUTH).ok
        first.stop()
        receiver.clear()

        second = start_emulator()
        in_service = requests.get(api(second) + f"/inserviceNumbers/{NUMBER}", auth=AUTH)
        order = xml(requests.get(api(second) + f"/orders/{order_id}", auth=AUTH))
        application = requests.get(api(second) + f"/applications/{ids['messaging_app']}", auth=AUTH)
        peer_apps = requests.get(
            api(second)
            + f"/sites/{ids['site']}/sippeers/{ids['peer']}/products/messaging/applicationSettings",
            auth=AUTH,
        )
        listed = requests.get(
            f"{second.url}/api/v2/users/9900000/messages",
            params={"messageId": sent.json()["id"]},
            auth=AUTH,
        )
        media = requests.get(f"{second.url}/api/v2/users/9900000/media/kept.png", auth=AUTH)
        subscriptions = xml(requests.get(api(second) + "/subscriptions", auth=AUTH))

        assert in_service.status_code == 200
        assert order.findtext("OrderStatus") == "COMPLETE"
        assert xml(application).findtext("Application/AppName") == "demo-co-sms"
        assert HOOK[1] not in application.text
        assert xml(peer_apps).findtext(".//HttpMessagingV2AppId") == ids["messaging_app"]
        [row] = listed.json()["messages"]
        assert (row["messageStatus"], row["sourceTn"]) == ("DELIVERED", f"+1{NUMBER}")
        assert (media.status_code, media.content) == (200, PICTURE)
        assert media.headers["Content-Type"] == "image/png"
        assert (
            subscriptions.findtext(".//Subscription/CallbackSubscription/URL")
            == f"{receiver.url}/numbers/orders"
        )

    def test_callbacks_after_a_restart_answer_the_challenge_with_the_kept_credentials(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        receiver.require_basic_auth(*HOOK)
        first = start_emulator()
        ids = provision_over_http(first, receiver)
        order_number(first, ids["site"])
        drain(first)
        register(first)
        first.stop()
        receiver.clear()

        second = start_emulator()
        injected = inject_inbound(second, "after the restart")
        drain(second)

        assert injected.status_code == 201
        attempts = [r for r in receiver.requests if r.path == "/messaging/inbound"]
        assert [(a.authorized, a.credentials) for a in attempts] == [(False, None), (True, HOOK)]
        [event] = attempts[1].json()
        assert event["message"]["applicationId"] == ids["messaging_app"]
        assert event["message"]["text"] == "after the restart"

    def test_an_order_still_received_when_saved_completes_after_the_restart(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        receiver.require_basic_auth(*SUBSCRIBER)
        first = start_emulator(order_complete_delay=10_000.0)
        ids = provision_over_http(first, receiver)
        order_id = order_number(first, ids["site"])
        first.stop()
        pending = [o for o in saved(state_file_of(first))["orders"] if o["id"] == order_id]

        second = start_emulator()
        drain(second)
        order = xml(requests.get(api(second) + f"/orders/{order_id}", auth=AUTH))
        in_service = requests.get(api(second) + f"/inserviceNumbers/{NUMBER}", auth=AUTH)

        assert [o["status"] for o in pending] == ["RECEIVED"]
        assert order.findtext("OrderStatus") == "COMPLETE"
        assert in_service.status_code == 200
        [notification] = receiver.authorized_requests("/numbers/orders")
        assert order_id in notification.text()

    def test_a_message_still_sending_when_saved_gets_its_receipt_after_the_restart(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        receiver.require_basic_auth(*HOOK)
        first = start_emulator(message_status_delay=10_000.0)
        ids = provision_over_http(first, receiver)
        order_number(first, ids["site"])
        _wait_in_service(first)
        register(first)
        sent = requests.post(
            f"{first.url}/api/v2/users/9900000/messages",
            json={
                "applicationId": ids["messaging_app"],
                "from": f"+1{NUMBER}",
                "to": [CUSTOMER],
                "text": "caught by the restart",
            },
            auth=AUTH,
        )
        first.stop()

        second = start_emulator()
        drain(second)

        assert sent.status_code == 202
        [receipt] = [r.json()[0] for r in receiver.authorized_requests("/messaging/status")]
        assert (receipt["type"], receipt["message"]["id"]) == (
            "message-delivered",
            sent.json()["id"],
        )
        listed = requests.get(
            f"{second.url}/api/v2/users/9900000/messages",
            params={"messageId": sent.json()["id"]},
            auth=AUTH,
        )
        assert listed.json()["messages"][0]["messageStatus"] == "DELIVERED"

    def test_new_sites_after_a_restart_do_not_reuse_kept_ids(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        first = start_emulator()
        ids = provision_over_http(first, receiver)
        first.stop()

        second = start_emulator()
        new_site = xml(post_xml(second, "/sites", "<Site><Name>another</Name></Site>"))

        assert new_site.findtext("Site/Id") not in (ids["site"], ids["peer"])

    def test_tokens_and_unsent_work_are_not_kept(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        first = start_emulator()
        token = requests.post(
            f"{first.url}/api/v1/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=AUTH,
        ).json()["access_token"]
        provision_over_http(first, receiver)
        first.stop()

        second = start_emulator()
        with_old_token = requests.get(
            api(second) + "/sites", headers={"Authorization": f"Bearer {token}"}
        )

        assert with_old_token.status_code == 401
        assert "tokens" not in saved(state_file_of(second))


class TestSaving:
    def test_a_change_is_saved_soon_without_stopping(
        self, start_emulator: Starter, state_path: Path
    ) -> None:
        emulator = start_emulator()
        assert not state_path.exists()

        post_xml(emulator, "/sites", "<Site><Name>running</Name></Site>")

        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if state_path.exists() and saved(state_path)["sites"]:
                break
            time.sleep(0.02)
        document = saved(state_path)
        assert document["version"] == 1
        assert [s["name"] for s in document["sites"]] == ["running"]
        assert not [p for p in state_path.parent.iterdir() if p != state_path]

    def test_work_done_later_by_the_scheduler_is_saved_without_stopping(
        self, start_emulator: Starter, receiver: Receiver, state_path: Path
    ) -> None:
        emulator = start_emulator(order_complete_delay=50.0)
        ids = provision_over_http(emulator, receiver)
        order_id = order_number(emulator, ids["site"])

        deadline = time.monotonic() + 5
        document: dict[str, Any] = {"in_service": []}
        while time.monotonic() < deadline and not document["in_service"]:
            time.sleep(0.05)
            document = saved(state_path) if state_path.exists() else document
        [order] = [o for o in document["orders"] if o["id"] == order_id]
        assert order["status"] == "COMPLETE"
        assert [n["e164"] for n in document["in_service"]] == [f"+1{NUMBER}"]

    def test_a_flood_of_changes_is_written_at_most_once_per_interval(self, tmp_path: Path) -> None:
        writes: list[int] = []
        counter = iter(range(1, 10_000))
        latest = 0

        def snapshot() -> dict[str, Any]:
            writes.append(latest)
            return {"version": 1, "latest": latest}

        saver = StateSaver(tmp_path / "state.json", snapshot, interval=0.3)
        started = time.monotonic()
        while time.monotonic() - started < 0.5:
            latest = next(counter)
            saver.changed()
            time.sleep(0.001)
        time.sleep(0.5)

        assert 2 <= len(writes) <= 3
        assert writes[-1] == latest
        assert json.loads((tmp_path / "state.json").read_text())["latest"] == latest

    def test_close_saves_what_changed_behind_the_api(
        self, start_emulator: Starter, state_path: Path
    ) -> None:
        emulator = start_emulator()
        emulator.emulator.state.add_site("direct")

        emulator.stop()

        assert [s["name"] for s in saved(state_path)["sites"]] == ["direct"]


class TestUnusableFile:
    def test_a_corrupt_file_stops_the_emulator_naming_the_file_and_is_left_alone(
        self, state_path: Path
    ) -> None:
        state_path.parent.mkdir(parents=True)
        state_path.write_text('{"version": 1, "sites": [')

        with pytest.raises(StateFileError, match=str(state_path)):
            start_in_thread(EmulatorConfig(port=0, state_file=str(state_path)))

        assert state_path.read_text() == '{"version": 1, "sites": ['

    def test_a_file_of_another_version_is_refused(self, state_path: Path) -> None:
        state_path.parent.mkdir(parents=True)
        state_path.write_text(json.dumps({"version": 99, "sites": []}))

        with pytest.raises(StateFileError, match="version 99"):
            start_in_thread(EmulatorConfig(port=0, state_file=str(state_path)))

    def test_a_file_with_wrong_records_is_refused(self, state_path: Path) -> None:
        state_path.parent.mkdir(parents=True)
        state_path.write_text(json.dumps({"version": 1, "sites": [{"name": "no id"}]}))

        with pytest.raises(StateFileError, match="corrupt"):
            start_in_thread(EmulatorConfig(port=0, state_file=str(state_path)))

    def test_the_command_line_exits_with_status_2_and_names_the_file(
        self, state_path: Path
    ) -> None:
        state_path.parent.mkdir(parents=True)
        state_path.write_text("not json")

        result = subprocess.run(
            [*EMULATOR_COMMAND, "--port", "0", "--state-file", str(state_path)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )

        assert result.returncode == 2
        assert str(state_path) in result.stderr
        assert state_path.read_text() == "not json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            requests.get(url + "/_sim/state", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"emulator at {url} did not start")


class TestCommandLine:
    def test_help_documents_the_state_file(self) -> None:
        result = subprocess.run(
            [*EMULATOR_COMMAND, "--help"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )

        assert "--state-file PATH" in result.stdout

    def test_sigterm_saves_the_state_and_exits_cleanly(self, state_path: Path) -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [*EMULATOR_COMMAND, "--port", str(port), "--state-file", str(state_path)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_up(url, process)
            for name in ("first", "second"):
                created = requests.post(
                    f"{url}/api/accounts/9900000/sites",
                    data=f"<Site><Name>{name}</Name></Site>",
                    headers=XML,
                    auth=AUTH,
                )
                assert created.status_code == 201
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stderr:
                process.stderr.close()

        assert returncode == 0
        assert [s["name"] for s in saved(state_path)["sites"]] == ["first", "second"]


def _wait_in_service(emulator: RunningEmulator, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(api(emulator) + f"/inserviceNumbers/{NUMBER}", auth=AUTH).ok:
            return
        time.sleep(0.05)
    raise AssertionError(f"{NUMBER} not in service after {timeout} s")


class TestPortInsAcrossRestarts:
    def test_a_port_in_and_its_pending_cancel_survive_a_restart(
        self, start_emulator: Starter, receiver: Receiver
    ) -> None:
        first = start_emulator(order_complete_delay=10_000.0)
        ids = provision_over_http(first, receiver)
        created = post_xml(
            first,
            "/portins",
            f"<LnpOrder><SiteId>{ids['site']}</SiteId><LoaAuthorizingPerson>Ada</LoaAuthorizingPerson>"
            "<Subscriber><BusinessName>Acme</BusinessName><ServiceAddress><HouseNumber>1</HouseNumber>"
            "<StreetName>Main</StreetName><City>Cary</City><StateCode>NC</StateCode><Zip>27518</Zip>"
            "</ServiceAddress></Subscriber><ListOfPhoneNumbers><PhoneNumber>9195550123</PhoneNumber>"
            "</ListOfPhoneNumbers></LnpOrder>",
        )
        assert created.status_code == 201, created.text
        order_id = xml(created).findtext("OrderId") or ""
        requests.post(
            api(first) + f"/portins/{order_id}/loas",
            params={"documentType": "LOA"},
            data=b"%PDF-1.4",
            headers={"Content-Type": "application/pdf"},
            auth=AUTH,
        )
        assert requests.delete(api(first) + f"/portins/{order_id}", auth=AUTH).status_code == 200
        first.stop()

        second = start_emulator()
        drain(second)
        order = xml(requests.get(api(second) + f"/portins/{order_id}", auth=AUTH))
        files = xml(requests.get(api(second) + f"/portins/{order_id}/loas", auth=AUTH))
        history = xml(requests.get(api(second) + f"/portins/{order_id}/history", auth=AUTH))

        assert order.findtext("ProcessingStatus") == "CANCELLED"
        assert files.findtext("fileData/FileMetaData/DocumentType") == "LOA"
        assert [h.findtext("Status") for h in history.iterfind("OrderHistory")] == [
            "PENDING_DOCUMENTS",
            "SUBMITTED",
            "REQUESTED_CANCEL",
            "CANCELLED",
        ]
