"""Numbers / Dashboard XML API of the emulator, driven over real HTTP."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

import pytest
import requests
from defusedxml import ElementTree

from bandwidth.emulator.app import RunningEmulator

if TYPE_CHECKING:
    from tests.bandwidth.conftest import ProvisionedAccount
    from tests.bandwidth.receiver import Receiver

AUTH = ("parley-dev", "parley-dev-secret")
XML = {"Content-Type": "application/xml; charset=utf-8"}
SUBSCRIBER = ("bw-numbers", "numbers-secret")


def base(emulator: RunningEmulator, prefix: str = "/api") -> str:
    return f"{emulator.url}{prefix}/accounts/9900000"


def xml(response: requests.Response) -> Element:
    assert response.headers["Content-Type"].startswith("application/xml")
    root: Element = ElementTree.fromstring(response.content)
    return root


def texts(root: Element, path: str) -> list[str]:
    return [el.text or "" for el in root.iterfind(path)]


def post(emulator: RunningEmulator, path: str, body: str) -> requests.Response:
    return requests.post(base(emulator) + path, data=body.encode(), headers=XML, auth=AUTH)


def search(emulator: RunningEmulator, **params: str) -> requests.Response:
    return requests.get(base(emulator) + "/availableNumbers", params=params, auth=AUTH)


def drain(emulator: RunningEmulator) -> None:
    assert emulator.emulator.scheduler.drain(10)


def create_site_and_peer(emulator: RunningEmulator) -> tuple[str, str]:
    site = post(emulator, "/sites", "<Site><Name>tenant1</Name></Site>")
    site_id = xml(site).findtext("Site/Id") or ""
    peer = post(
        emulator,
        f"/sites/{site_id}/sippeers",
        "<SipPeer><PeerName>tenant1-loc</PeerName><IsDefaultPeer>true</IsDefaultPeer></SipPeer>",
    )
    return site_id, peer.headers["Location"].rsplit("/", 1)[1]


def order_existing(
    emulator: RunningEmulator,
    site_id: str,
    numbers: list[str],
    customer_order_id: str = "parley-ord-1",
    extra: str = "",
) -> requests.Response:
    listing = "".join(f"<TelephoneNumber>{n}</TelephoneNumber>" for n in numbers)
    return post(
        emulator,
        "/orders",
        f"<Order><CustomerOrderId>{customer_order_id}</CustomerOrderId><SiteId>{site_id}</SiteId>"
        f"{extra}<ExistingTelephoneNumberOrderType><TelephoneNumberList>{listing}"
        "</TelephoneNumberList></ExistingTelephoneNumberOrderType></Order>",
    )


def subscribe(emulator: RunningEmulator, receiver: Receiver, order_type: str) -> requests.Response:
    receiver.require_basic_auth(*SUBSCRIBER)
    return post(
        emulator,
        "/subscriptions",
        f"<Subscription><OrderType>{order_type}</OrderType><CallbackSubscription>"
        f"<URL>{receiver.url}/numbers/{order_type}</URL><Expiry>3122064000</Expiry>"
        "<CallbackCredentials><BasicAuthentication>"
        f"<Username>{SUBSCRIBER[0]}</Username><Password>{SUBSCRIBER[1]}</Password>"
        "</BasicAuthentication></CallbackCredentials></CallbackSubscription></Subscription>",
    )


def first_available(emulator: RunningEmulator, area_code: str = "919", count: int = 1) -> list[str]:
    return texts(
        xml(search(emulator, areaCode=area_code, quantity=str(count))), ".//TelephoneNumber"
    )


class TestSearch:
    def test_area_code_search_is_deterministic_and_stays_in_the_area_code(
        self, emulator: RunningEmulator
    ) -> None:
        first = texts(xml(search(emulator, areaCode="919", quantity="25")), ".//TelephoneNumber")
        again = texts(xml(search(emulator, areaCode="919", quantity="25")), ".//TelephoneNumber")

        assert len(first) == 25
        assert first == again
        assert all(re.fullmatch(r"919[2-9]\d{6}", n) for n in first)
        assert not any(n.endswith("0666") for n in first)

    def test_result_count_and_list_follow_the_documented_shape(
        self, emulator: RunningEmulator
    ) -> None:
        root = xml(search(emulator, areaCode="435", quantity="3"))

        assert root.tag == "SearchResult"
        assert root.findtext("ResultCount") == "3"
        assert len(root.findall("TelephoneNumberList/TelephoneNumber")) == 3

    def test_tn_detail_names_the_rate_center_of_known_area_codes(
        self, emulator: RunningEmulator
    ) -> None:
        root = xml(search(emulator, areaCode="919", quantity="2", enableTNDetail="true"))

        details = root.findall("TelephoneNumberDetailList/TelephoneNumberDetail")
        assert len(details) == 2
        assert {d.findtext("City") for d in details} == {"RALEIGH"}
        assert {d.findtext("State") for d in details} == {"NC"}
        assert {d.findtext("RateCenter") for d in details} == {"RALEIGH"}
        assert all((d.findtext("FullNumber") or "").startswith("919") for d in details)

    def test_any_valid_area_code_has_numbers(self, emulator: RunningEmulator) -> None:
        assert len(first_available(emulator, "573", 5)) == 5

    @pytest.mark.parametrize(
        ("params", "area_codes"),
        [
            ({"city": "Raleigh", "state": "NC"}, {"919", "984"}),
            ({"zip": "27606"}, {"919"}),
            ({"state": "NC"}, {"704", "919", "984"}),
            ({"rateCenter": "RALEIGH", "state": "NC"}, {"919", "984"}),
        ],
    )
    def test_locality_searches_map_to_area_codes(
        self, emulator: RunningEmulator, params: dict[str, str], area_codes: set[str]
    ) -> None:
        numbers = texts(xml(search(emulator, quantity="2000", **params)), ".//TelephoneNumber")

        assert numbers
        assert {n[:3] for n in numbers} <= area_codes

    def test_unknown_zip_maps_to_the_same_area_code_every_time(
        self, emulator: RunningEmulator
    ) -> None:
        first = texts(xml(search(emulator, zip="58001", quantity="1")), ".//TelephoneNumber")
        second = texts(xml(search(emulator, zip="58001", quantity="1")), ".//TelephoneNumber")

        assert first == second and len(first) == 1

    def test_toll_free_wildcard_and_vanity(self, emulator: RunningEmulator) -> None:
        wildcard = texts(
            xml(search(emulator, tollFreeWildCardPattern="88*", quantity="5")), ".//TelephoneNumber"
        )
        vanity = texts(xml(search(emulator, tollFreeVanity="NEWCARS")), ".//TelephoneNumber")

        assert len(wildcard) == 5 and all(n.startswith("888") for n in wildcard)
        assert sorted(n[:3] for n in vanity) == ["800", "833", "844", "855", "866", "877", "888"]
        assert all(n.endswith("6392277") for n in vanity)

    def test_numbers_in_service_are_never_offered(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        [offered] = first_available(emulator)
        emulator.emulator.state.put_in_service(
            "+1" + offered, provisioned.site_id, provisioned.peer_id
        )

        assert offered not in first_available(emulator, count=50)

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            ({"areaCode": "111"}, "4000"),
            ({"areaCode": "055"}, "4000"),
            ({}, "4010"),
            ({"city": "RALEIGH"}, "4010"),
            ({"areaCode": "919", "quantity": "0"}, "4001"),
            ({"areaCode": "919", "quantity": "5001"}, "4001"),
            ({"state": "XX"}, "4002"),
            ({"zip": "12"}, "4003"),
            ({"tollFreeWildCardPattern": "9**"}, "4004"),
        ],
    )
    def test_bad_parameters_get_search_errors(
        self, emulator: RunningEmulator, params: dict[str, str], code: str
    ) -> None:
        response = search(emulator, **params)

        assert response.status_code == 400
        root = xml(response)
        assert root.tag == "SearchResult"
        assert root.findtext("Error/Code") == code
        assert root.findtext("Error/Description")

    def test_v1_prefix_serves_the_same_api(self, emulator: RunningEmulator) -> None:
        response = requests.get(
            base(emulator, "/api/v1") + "/availableNumbers",
            params={"areaCode": "919", "quantity": "1"},
            auth=AUTH,
        )

        assert texts(xml(response), ".//TelephoneNumber") == first_available(emulator)


class TestOrders:
    def test_a_failed_notification_is_not_retried_like_bandwidth(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        site_id, _ = create_site_and_peer(emulator)
        assert subscribe(emulator, receiver, "orders").status_code == 201
        receiver.respond(lambda request: (500, {}, b""))
        [number] = first_available(emulator)

        assert order_existing(emulator, site_id, [number]).status_code == 201
        drain(emulator)

        attempts = [r for r in receiver.requests if r.path == "/numbers/orders"]
        assert [r.authorized for r in attempts] == [False, True]

    def test_order_is_received_then_completes_and_notifies_the_subscription(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        site_id, peer_id = create_site_and_peer(emulator)
        assert subscribe(emulator, receiver, "orders").status_code == 201
        [number] = first_available(emulator)

        created = order_existing(emulator, site_id, [number])

        assert created.status_code == 201
        root = xml(created)
        order_id = root.findtext("Order/id") or ""
        assert root.findtext("OrderStatus") == "RECEIVED"
        assert root.findtext("Order/CustomerOrderId") == "parley-ord-1"
        assert root.findtext("Order/SiteId") == site_id
        assert root.findtext("Order/PeerId") == peer_id
        assert created.headers["Location"].endswith(f"/orders/{order_id}")

        drain(emulator)
        done = xml(
            requests.get(created.headers["Location"], params={"tndetail": "true"}, auth=AUTH)
        )
        assert done.findtext("OrderStatus") == "COMPLETE"
        assert done.findtext("CompletedQuantity") == "1"
        assert done.findtext("FailedQuantity") == "0"
        assert texts(done, "CompletedNumbers/TelephoneNumber/FullNumber") == [number]
        assert done.findtext("CompletedNumbers/TelephoneNumber/City") == "RALEIGH"

        attempts = [r for r in receiver.requests if r.path == "/numbers/orders"]
        assert [r.authorized for r in attempts] == [False, True]
        notification: Element = ElementTree.fromstring(attempts[1].body)
        assert notification.tag == "Notification"
        assert notification.findtext("OrderType") == "orders"
        assert notification.findtext("OrderId") == order_id
        assert notification.findtext("CustomerOrderId") == "parley-ord-1"
        assert notification.findtext("Status") == "COMPLETE"
        assert texts(notification, "CompletedTelephoneNumbers/TelephoneNumber") == [number]

        in_service = xml(requests.get(base(emulator) + "/inserviceNumbers", auth=AUTH))
        assert texts(in_service, "TelephoneNumbers/TelephoneNumber") == [number]
        on_peer = xml(
            requests.get(base(emulator) + f"/sites/{site_id}/sippeers/{peer_id}/tns", auth=AUTH)
        )
        assert texts(on_peer, ".//FullNumber") == [number]
        assert (
            requests.get(base(emulator) + f"/inserviceNumbers/{number}", auth=AUTH).status_code
            == 200
        )

    def test_orders_can_be_found_by_customer_order_id(self, emulator: RunningEmulator) -> None:
        site_id, _ = create_site_and_peer(emulator)
        numbers = first_available(emulator, count=2)
        order_existing(emulator, site_id, numbers[:1], customer_order_id="tenant-a-1")
        wanted = xml(order_existing(emulator, site_id, numbers[1:], customer_order_id="tenant-a-2"))

        listing = xml(
            requests.get(
                base(emulator) + "/orders", params={"customerOrderId": "tenant-a-2"}, auth=AUTH
            )
        )

        assert listing.findtext("ListOrderIdUserIdDate/TotalCount") == "1"
        assert texts(listing, ".//OrderIdUserIdDate/orderId") == [wanted.findtext("Order/id")]

    def test_area_code_search_and_order(self, emulator: RunningEmulator) -> None:
        site_id, _ = create_site_and_peer(emulator)

        created = post(
            emulator,
            "/orders",
            f"<Order><SiteId>{site_id}</SiteId><AreaCodeSearchAndOrderType><AreaCode>435</AreaCode>"
            "<Quantity>2</Quantity></AreaCodeSearchAndOrderType></Order>",
        )
        drain(emulator)

        done = xml(requests.get(created.headers["Location"], auth=AUTH))
        completed = texts(done, "CompletedNumbers/TelephoneNumber/FullNumber")
        assert done.findtext("OrderStatus") == "COMPLETE"
        assert len(completed) == 2 and all(n.startswith("435") for n in completed)

    def test_invalid_site_id_is_refused_with_5016(self, emulator: RunningEmulator) -> None:
        response = order_existing(emulator, "999", first_available(emulator))

        assert response.status_code == 400
        root = xml(response)
        assert root.tag == "OrderResponse"
        assert root.findtext("ErrorList/Error/Code") == "5016"
        assert root.findtext("ErrorList/Error/Description") == "The SiteId submitted is invalid."
        assert emulator.emulator.state.orders == {}

    def test_peer_of_another_site_is_refused(self, emulator: RunningEmulator) -> None:
        site_id, _ = create_site_and_peer(emulator)
        _, other_peer = create_site_and_peer(emulator)

        response = order_existing(
            emulator, site_id, first_available(emulator), extra=f"<PeerId>{other_peer}</PeerId>"
        )

        assert response.status_code == 400
        assert xml(response).findtext("ErrorList/Error/Code") == "5017"

    def test_ordering_a_number_in_service_fails_with_5005(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        site_id, _ = create_site_and_peer(emulator)
        subscribe(emulator, receiver, "orders")
        [number] = first_available(emulator)
        order_existing(emulator, site_id, [number])
        drain(emulator)

        second = order_existing(emulator, site_id, [number], customer_order_id="again")
        drain(emulator)

        root = xml(requests.get(second.headers["Location"], auth=AUTH))
        assert root.findtext("OrderStatus") == "FAILED"
        assert root.findtext("ErrorList/Error/Code") == "5005"
        assert root.findtext("ErrorList/Error/TelephoneNumber") == number
        assert root.findtext("FailedQuantity") == "1"
        statuses = [
            ElementTree.fromstring(r.body).findtext("Status")
            for r in receiver.authorized_requests("/numbers/orders")
        ]
        assert statuses == ["COMPLETE", "FAILED"]

    def test_partial_order_keeps_the_good_numbers(self, emulator: RunningEmulator) -> None:
        site_id, _ = create_site_and_peer(emulator)
        good = first_available(emulator)[0]
        failing = good[:6] + "0666"

        created = order_existing(
            emulator, site_id, [good, failing], extra="<PartialAllowed>true</PartialAllowed>"
        )
        drain(emulator)

        root = xml(requests.get(created.headers["Location"], auth=AUTH))
        assert root.findtext("OrderStatus") == "PARTIAL"
        assert texts(root, "CompletedNumbers/TelephoneNumber/FullNumber") == [good]
        assert root.findtext("ErrorList/Error/Code") == "5076"
        assert root.findtext("ErrorList/Error/TelephoneNumber") == failing
        assert emulator.emulator.state.number_in_service("+1" + good) is not None

    def test_order_without_partial_fails_entirely(self, emulator: RunningEmulator) -> None:
        site_id, _ = create_site_and_peer(emulator)
        good = first_available(emulator)[0]

        created = order_existing(
            emulator,
            site_id,
            [good, good[:6] + "0666"],
            extra="<PartialAllowed>false</PartialAllowed>",
        )
        drain(emulator)

        root = xml(requests.get(created.headers["Location"], auth=AUTH))
        assert root.findtext("OrderStatus") == "FAILED"
        assert root.find("CompletedNumbers") is None
        assert emulator.emulator.state.number_in_service("+1" + good) is None

    def test_numbers_on_a_pending_order_are_not_offered(self, emulator: RunningEmulator) -> None:
        site_id, _ = create_site_and_peer(emulator)
        [number] = first_available(emulator)

        order_existing(emulator, site_id, [number])

        assert number not in first_available(emulator, count=50)

    def test_unknown_order_is_404(self, emulator: RunningEmulator) -> None:
        response = requests.get(base(emulator) + "/orders/nope", auth=AUTH)

        assert response.status_code == 404


class TestDisconnects:
    def test_disconnect_releases_the_number_and_notifies(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        site_id, _ = create_site_and_peer(emulator)
        [number] = first_available(emulator)
        order_existing(emulator, site_id, [number])
        drain(emulator)
        subscribe(emulator, receiver, "disconnects")

        created = post(
            emulator,
            "/disconnects",
            "<DisconnectTelephoneNumberOrder><CustomerOrderId>rel-1</CustomerOrderId>"
            "<DisconnectTelephoneNumberOrderType><TelephoneNumberList>"
            f"<TelephoneNumber>{number}</TelephoneNumber></TelephoneNumberList>"
            "</DisconnectTelephoneNumberOrderType></DisconnectTelephoneNumberOrder>",
        )

        assert created.status_code == 201
        received = xml(created)
        assert received.tag == "DisconnectTelephoneNumberOrderResponse"
        assert received.findtext("OrderStatus") == "RECEIVED"
        assert (
            received.findtext("orderRequest/DisconnectTelephoneNumberOrderType/DisconnectMode")
            == "normal"
        )
        drain(emulator)
        done = xml(
            requests.get(created.headers["Location"], params={"tndetail": "true"}, auth=AUTH)
        )
        assert done.findtext("OrderStatus") == "COMPLETE"
        assert texts(done, "DisconnectedTelephoneNumberList/TelephoneNumber") == [number]
        assert emulator.emulator.state.number_in_service("+1" + number) is None
        [notice] = receiver.authorized_requests("/numbers/disconnects")
        notification: Element = ElementTree.fromstring(notice.body)
        assert (notification.findtext("OrderType"), notification.findtext("Status")) == (
            "disconnects",
            "COMPLETE",
        )
        assert number in first_available(emulator, count=200)

    def test_disconnecting_a_number_not_in_service_fails(self, emulator: RunningEmulator) -> None:
        created = post(
            emulator,
            "/disconnects",
            "<DisconnectTelephoneNumberOrder><DisconnectTelephoneNumberOrderType><TelephoneNumberList>"
            "<TelephoneNumber>9195550000</TelephoneNumber></TelephoneNumberList>"
            "</DisconnectTelephoneNumberOrderType></DisconnectTelephoneNumberOrder>",
        )
        drain(emulator)

        root = xml(requests.get(created.headers["Location"], auth=AUTH))
        assert root.findtext("OrderStatus") == "FAILED"
        assert root.findtext("ErrorList/Error/Code") == "5006"

    def test_empty_disconnect_is_refused(self, emulator: RunningEmulator) -> None:
        response = post(emulator, "/disconnects", "<DisconnectTelephoneNumberOrder/>")

        assert response.status_code == 400
        assert xml(response).tag == "DisconnectTelephoneNumberOrderResponse"


MESSAGING_APP = """<Application>
  <ServiceType>Messaging</ServiceType>
  <AppName>tenant-42-sms</AppName>
  <InboundCallbackUrl>https://parley.example/bw/messaging/inbound</InboundCallbackUrl>
  <OutboundCallbackUrl>https://parley.example/bw/messaging/status</OutboundCallbackUrl>
  <InboundCallbackCreds><UserId>hook-in</UserId><Password>in-s3cret</Password></InboundCallbackCreds>
  <OutboundCallbackCreds><UserId>hook-out</UserId><Password>out-s3cret</Password></OutboundCallbackCreds>
  <RequestedCallbackTypes>
    <CallbackType>message-delivered</CallbackType><CallbackType>message-failed</CallbackType>
  </RequestedCallbackTypes>
</Application>"""

VOICE_APP = """<Application>
  <ServiceType>Voice-V2</ServiceType>
  <AppName>tenant-42-voice</AppName>
  <CallInitiatedCallbackUrl>https://parley.example/bw/voice</CallInitiatedCallbackUrl>
  <CallStatusCallbackUrl>https://parley.example/bw/voice</CallStatusCallbackUrl>
  <CallbackCreds><UserId>hook-voice</UserId><Password>voice-s3cret</Password></CallbackCreds>
  <CallbackTimeout>20</CallbackTimeout>
</Application>"""

PASSWORDS = ("in-s3cret", "out-s3cret", "voice-s3cret")


def assert_no_password(response: requests.Response) -> None:
    assert "Password" not in response.text
    assert not any(p in response.text for p in PASSWORDS)


class TestApplications:
    def test_messaging_application_is_created_as_v2_without_echoing_passwords(
        self, emulator: RunningEmulator
    ) -> None:
        created = post(emulator, "/applications", MESSAGING_APP)

        assert created.status_code == 201
        assert_no_password(created)
        app = xml(created).find("Application")
        assert app is not None
        assert app.findtext("ServiceType") == "Messaging-V2"
        assert app.findtext("AppName") == "tenant-42-sms"
        assert app.findtext("InboundCallbackCreds/UserId") == "hook-in"
        assert texts(app, "RequestedCallbackTypes/CallbackType") == [
            "message-delivered",
            "message-failed",
        ]
        stored = emulator.emulator.state.applications[app.findtext("ApplicationId") or ""]
        assert stored.inbound_credentials == ("hook-in", "in-s3cret")
        assert stored.outbound_credentials == ("hook-out", "out-s3cret")

    def test_get_list_and_updates_never_echo_passwords(self, emulator: RunningEmulator) -> None:
        app_id = xml(post(emulator, "/applications", VOICE_APP)).findtext(
            "Application/ApplicationId"
        )
        url = base(emulator) + f"/applications/{app_id}"

        fetched = requests.get(url, auth=AUTH)
        listed = requests.get(base(emulator) + "/applications", auth=AUTH)
        replaced = requests.put(
            url, data=VOICE_APP.replace("tenant-42-voice", "renamed"), headers=XML, auth=AUTH
        )

        for response in (fetched, listed, replaced):
            assert response.status_code == 200
            assert_no_password(response)
        assert xml(fetched).findtext("Application/ServiceType") == "Voice-V2"
        assert xml(fetched).findtext("Application/CallbackCreds/UserId") == "hook-voice"
        assert xml(replaced).findtext("Application/AppName") == "renamed"

    def test_patch_changes_only_the_given_fields(self, emulator: RunningEmulator) -> None:
        app_id = xml(post(emulator, "/applications", MESSAGING_APP)).findtext(
            "Application/ApplicationId"
        )

        patched = requests.patch(
            base(emulator) + f"/applications/{app_id}",
            data="<Application><AppName>new-name</AppName></Application>",
            headers=XML,
            auth=AUTH,
        )

        app = xml(patched).find("Application")
        assert app is not None
        assert app.findtext("AppName") == "new-name"
        assert app.findtext("InboundCallbackUrl") == "https://parley.example/bw/messaging/inbound"
        assert emulator.emulator.state.applications[app_id or ""].inbound_credentials == (
            "hook-in",
            "in-s3cret",
        )

    def test_service_type_cannot_change(self, emulator: RunningEmulator) -> None:
        app_id = xml(post(emulator, "/applications", MESSAGING_APP)).findtext(
            "Application/ApplicationId"
        )

        response = requests.put(
            base(emulator) + f"/applications/{app_id}", data=VOICE_APP, headers=XML, auth=AUTH
        )

        assert response.status_code == 400

    def test_unknown_service_type_is_refused(self, emulator: RunningEmulator) -> None:
        response = post(emulator, "/applications", MESSAGING_APP.replace("Messaging<", "Fax<"))

        assert response.status_code == 400
        assert xml(response).findtext("ErrorList/Error/Code")

    def test_application_in_use_cannot_be_deleted(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        in_use = requests.delete(
            base(emulator) + f"/applications/{provisioned.messaging_application_id}", auth=AUTH
        )
        app_id = xml(post(emulator, "/applications", MESSAGING_APP)).findtext(
            "Application/ApplicationId"
        )
        unused = requests.delete(base(emulator) + f"/applications/{app_id}", auth=AUTH)
        after = requests.get(base(emulator) + f"/applications/{app_id}", auth=AUTH)

        assert in_use.status_code == 400
        assert unused.status_code == 200
        assert after.status_code == 404

    def test_associated_sip_peers(
        self, emulator: RunningEmulator, provisioned: ProvisionedAccount
    ) -> None:
        response = requests.get(
            base(emulator) + f"/applications/{provisioned.voice_application_id}/associatedsippeers",
            auth=AUTH,
        )

        assert texts(xml(response), ".//AssociatedSipPeer/PeerId") == [provisioned.peer_id]


class TestLocationProvisioning:
    def test_full_provisioning_over_the_api_lets_the_number_text(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        site_id, peer_id = create_site_and_peer(emulator)
        peer_path = f"/sites/{site_id}/sippeers/{peer_id}"
        messaging_app = MESSAGING_APP.replace("https://parley.example/bw", receiver.url)
        app_id = xml(post(emulator, "/applications", messaging_app)).findtext(
            "Application/ApplicationId"
        )
        voice_id = xml(post(emulator, "/applications", VOICE_APP)).findtext(
            "Application/ApplicationId"
        )

        mms_first = post(
            emulator,
            peer_path + "/products/messaging/features/mms",
            "<MmsFeature><MmsSettings><Protocol>HTTP</Protocol></MmsSettings></MmsFeature>",
        )
        sms = post(
            emulator,
            peer_path + "/products/messaging/features/sms",
            "<SipPeerSmsFeature><SipPeerSmsFeatureSettings><TollFree>true</TollFree>"
            "<Protocol>HTTP</Protocol></SipPeerSmsFeatureSettings><HttpSettings/></SipPeerSmsFeature>",
        )
        mms = post(
            emulator,
            peer_path + "/products/messaging/features/mms",
            "<MmsFeature><MmsSettings><Protocol>HTTP</Protocol></MmsSettings></MmsFeature>",
        )
        settings = requests.put(
            base(emulator) + peer_path + "/products/messaging/applicationSettings",
            data=f"<ApplicationsSettings><HttpMessagingV2AppId>{app_id}</HttpMessagingV2AppId></ApplicationsSettings>",
            headers=XML,
            auth=AUTH,
        )
        origination_body = (
            "<SipPeerOriginationSettings><VoiceProtocol>HTTP</VoiceProtocol><HttpSettings>"
            f"<HttpVoiceV2AppId>{voice_id}</HttpVoiceV2AppId></HttpSettings></SipPeerOriginationSettings>"
        )
        origination = post(emulator, peer_path + "/products/origination/settings", origination_body)
        origination_again = requests.put(
            base(emulator) + peer_path + "/products/origination/settings",
            data=origination_body,
            headers=XML,
            auth=AUTH,
        )

        assert mms_first.status_code == 400
        assert xml(mms_first).findtext("ResponseStatus/ErrorCode")
        assert (sms.status_code, mms.status_code, settings.status_code) == (201, 201, 200)
        assert xml(settings).findtext("ApplicationsSettings/HttpMessagingV2AppId") == app_id
        assert (origination.status_code, origination_again.status_code) == (201, 200)
        assert xml(origination).findtext(".//HttpVoiceV2AppId") == voice_id
        assert emulator.emulator.state.voice_application_for_number("+19190000000") is None

        [number] = first_available(emulator)
        order_existing(emulator, site_id, [number])
        drain(emulator)
        assert emulator.emulator.state.voice_application_for_number("+1" + number) is not None
        assert requests.post(f"{emulator.url}/_sim/registered/+1{number}").ok
        sent = requests.post(
            f"{emulator.url}/api/v2/users/9900000/messages",
            json={
                "applicationId": app_id,
                "from": "+1" + number,
                "to": ["+15552220001"],
                "text": "hi",
            },
            auth=AUTH,
        )
        assert sent.status_code == 202

    def test_sip_peer_id_is_only_in_the_location_header(self, emulator: RunningEmulator) -> None:
        site_id = xml(post(emulator, "/sites", "<Site><Name>s</Name></Site>")).findtext("Site/Id")

        response = post(
            emulator, f"/sites/{site_id}/sippeers", "<SipPeer><PeerName>p</PeerName></SipPeer>"
        )

        assert response.status_code == 201
        assert re.search(rf"/sites/{site_id}/sippeers/\d+$", response.headers["Location"])
        listed = xml(requests.get(base(emulator) + f"/sites/{site_id}/sippeers", auth=AUTH))
        assert texts(listed, "SipPeers/SipPeer/PeerId") == [
            response.headers["Location"].rsplit("/", 1)[1]
        ]

    def test_site_name_is_required(self, emulator: RunningEmulator) -> None:
        assert (
            post(emulator, "/sites", "<Site><Description>x</Description></Site>").status_code == 400
        )

    def test_messaging_application_must_exist(self, emulator: RunningEmulator) -> None:
        site_id, peer_id = create_site_and_peer(emulator)

        response = requests.put(
            base(emulator)
            + f"/sites/{site_id}/sippeers/{peer_id}/products/messaging/applicationSettings",
            data="<ApplicationsSettings><HttpMessagingV2AppId>nope</HttpMessagingV2AppId></ApplicationsSettings>",
            headers=XML,
            auth=AUTH,
        )

        assert response.status_code == 400


class TestSubscriptions:
    def test_subscriptions_list_without_password_and_delete(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        created = subscribe(emulator, receiver, "orders")
        subscription_id = created.headers["Location"].rsplit("/", 1)[1]

        listed = requests.get(base(emulator) + "/subscriptions", auth=AUTH)
        deleted = requests.delete(created.headers["Location"], auth=AUTH)
        after = requests.get(created.headers["Location"], auth=AUTH)

        assert texts(xml(listed), ".//Subscription/SubscriptionId") == [subscription_id]
        assert xml(listed).findtext(".//BasicAuthentication/Username") == SUBSCRIBER[0]
        assert SUBSCRIBER[1] not in listed.text
        assert deleted.status_code == 200
        assert after.status_code == 404


class TestXmlHandlingAndAuth:
    def test_malformed_xml_is_refused(self, emulator: RunningEmulator) -> None:
        response = post(emulator, "/orders", "<Order><SiteId>1</SiteId>")

        assert response.status_code == 400

    def test_entity_expansion_is_refused(self, emulator: RunningEmulator) -> None:
        bomb = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            "<Site><Name>&lol2;</Name></Site>"
        )

        response = post(emulator, "/sites", bomb)

        assert response.status_code == 400
        assert emulator.emulator.state.sites == {}

    @pytest.mark.parametrize("auth", [None, ("parley-dev", "nope")])
    def test_bad_credentials_get_an_empty_401(
        self, emulator: RunningEmulator, auth: tuple[str, str] | None
    ) -> None:
        response = requests.get(base(emulator) + "/sites", auth=auth)

        assert response.status_code == 401
        assert response.content == b""

    def test_another_account_is_forbidden(self, emulator: RunningEmulator) -> None:
        response = requests.get(f"{emulator.url}/api/accounts/1234567/sites", auth=AUTH)

        assert response.status_code == 403
