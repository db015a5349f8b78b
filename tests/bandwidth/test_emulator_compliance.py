"""The emulator's 10DLC, tnoptions, toll-free verification and lookup APIs, and the carriers'
enforcement of registration on texts (4773, 4795). XML answers are checked against the element
names of numbers.yml's examples, JSON answers against bandwidth.yml's schemas."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from typing import Any
from xml.etree.ElementTree import Element

import requests
from defusedxml import ElementTree

from bandwidth.emulator.app import RunningEmulator
from tests.bandwidth.client_spec_validation import numbers_spec
from tests.bandwidth.conftest import (
    CALLBACK_PASSWORD,
    CALLBACK_USER,
    BandwidthSpec,
    ProvisionedAccount,
    provision_account,
)

try:
    from tests.bandwidth.receiver import Receiver
except ImportError:
    from receiver import Receiver  # type: ignore[no-redef]

AUTH = ("parley-dev", "parley-dev-secret")
ACCOUNT = "9900000"
EXTRA_TAGS = {"IdentityStatus"}
"""Bandwidth returns a brand's identity status; numbers.yml's examples leave it out."""

BRAND = (
    "<Brand><EntityType>PRIVATE_PROFIT</EntityType><CompanyName>Acme Plumbing LLC</CompanyName>"
    "<DisplayName>Acme Plumbing</DisplayName><Ein>123456789</Ein><Email>ops@acme.test</Email>"
    "<Phone>+19195551234</Phone><Street>1 Main St</Street><City>Raleigh</City><State>NC</State>"
    "<PostalCode>27601</PostalCode><Country>US</Country><Vertical>CONSTRUCTION</Vertical>"
    "<Website>https://acme.test</Website><IsMain>false</IsMain></Brand>"
)


def campaign_xml(
    brand_id: str, sample: str = "Acme: your plumber arrives at 10am. Reply STOP to opt out."
) -> str:
    return (
        f"<Campaign><BrandId>{brand_id}</BrandId><Usecase>CUSTOMER_CARE</Usecase>"
        "<SubUsecases>ACCOUNT_NOTIFICATION</SubUsecases>"
        "<Description>Appointment reminders and replies to customers of Acme Plumbing."
        "</Description>"
        f"<Sample1>{sample}</Sample1>"
        "<MessageFlow>Customers give their number on the booking form and tick a box."
        "</MessageFlow>"
        "<HelpMessage>Acme Plumbing: call 919-555-1234 for help.</HelpMessage>"
        "<OptoutMessage>You are unsubscribed from Acme Plumbing texts.</OptoutMessage>"
        "<SubscriberOptIn>true</SubscriberOptIn><SubscriberOptOut>true</SubscriberOptOut>"
        "<SubscriberHelp>true</SubscriberHelp></Campaign>"
    )


@functools.cache
def example_tags() -> frozenset[str]:
    """Every element name in numbers.yml's 10DLC and tnoptions examples."""
    tags: set[str] = set()
    for name, example in numbers_spec()["components"]["examples"].items():
        value = example.get("value")
        if isinstance(value, str) and re.search(
            r"Brand|Campaign|TnOption|Vetting|Setup|Setting", name
        ):
            tags.update(re.findall(r"<([A-Za-z0-9]+)[ >/]", value))
    for path, item in numbers_spec()["paths"].items():
        if "10dlc" in path or "tnoptions" in path:
            tags.update(re.findall(r"<([A-Za-z0-9]+)[ >/]", json.dumps(item)))
    return frozenset(tags)


def xml(response: requests.Response) -> Element:
    root: Element = ElementTree.fromstring(response.content)
    unknown = {element.tag for element in root.iter()} - example_tags() - EXTRA_TAGS
    assert not unknown, f"elements numbers.yml does not know: {unknown}"
    return root


def url(emulator: RunningEmulator, path: str) -> str:
    return f"{emulator.url}/api/accounts/{ACCOUNT}{path}"


def post(
    emulator: RunningEmulator, path: str, body: str, method: str = "POST"
) -> requests.Response:
    return requests.request(
        method,
        url(emulator, path),
        data=body,
        auth=AUTH,
        headers={"Content-Type": "application/xml"},
    )


def sim(emulator: RunningEmulator, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{emulator.url}/_sim/{path}", json=body)


def setup_reseller(emulator: RunningEmulator) -> None:
    response = post(
        emulator,
        "/campaignManagement/10dlc",
        "<CampaignSettings><BusinessIdentity>Reseller</BusinessIdentity><Reseller>"
        "<CompanyName>Parley</CompanyName><Phone>+18005550199</Phone>"
        "<Email>compliance@parley.test</Email></Reseller></CampaignSettings>",
    )
    assert response.status_code == 201, response.text


def verified_brand(emulator: RunningEmulator) -> str:
    setup_reseller(emulator)
    created = post(emulator, "/campaignManagement/10dlc/brands", BRAND)
    assert created.status_code == 201, created.text
    brand_id = xml(created).findtext("Brands/Brand/BrandId") or ""
    assert sim(emulator, f"10dlc/brands/{brand_id}", {"status": "VERIFIED"}).ok
    return brand_id


def approved_campaign(emulator: RunningEmulator) -> str:
    brand_id = verified_brand(emulator)
    created = post(emulator, "/campaignManagement/10dlc/campaigns", campaign_xml(brand_id))
    assert created.status_code == 201, created.text
    campaign_id = xml(created).findtext("Campaign/CampaignId") or ""
    assert sim(emulator, f"10dlc/campaigns/{campaign_id}", {"status": "APPROVED"}).ok
    return campaign_id


def assign(emulator: RunningEmulator, campaign_id: str, number: str) -> Element:
    response = post(
        emulator,
        "/tnoptions",
        "<TnOptionOrder><CustomerOrderId>parley-tno-1</CustomerOrderId><TnOptionGroups>"
        f"<TnOptionGroup><A2pSettings><CampaignId>{campaign_id}</CampaignId>"
        "<Action>asSpecified</Action></A2pSettings><TelephoneNumbers>"
        f"<TelephoneNumber>{number[2:]}</TelephoneNumber></TelephoneNumbers></TnOptionGroup>"
        "</TnOptionGroups></TnOptionOrder>",
    )
    assert response.status_code == 201, response.text
    return xml(response)


def send(emulator: RunningEmulator, account: ProvisionedAccount, from_: str) -> str:
    response = requests.post(
        f"{emulator.url}/api/v2/users/{ACCOUNT}/messages",
        json={
            "applicationId": account.messaging_application_id,
            "from": from_,
            "to": ["+19195550123"],
            "text": "hello",
        },
        auth=AUTH,
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def final_status(emulator: RunningEmulator, message_id: str) -> tuple[str, int | None]:
    assert emulator.emulator.scheduler.drain(10)
    message = emulator.emulator.state.messages[message_id]
    recipient = message.to[0]
    return message.statuses[recipient], message.error_codes.get(recipient)


class TestTenDlc:
    def test_account_setup_is_found_once_created_and_refused_twice(
        self, emulator: RunningEmulator
    ) -> None:
        missing = requests.get(url(emulator, "/campaignManagement/10dlc"), auth=AUTH)
        assert missing.status_code == 404
        assert xml(missing).findtext("ResponseStatus/ErrorCode") == "12178"
        setup_reseller(emulator)
        fetched = requests.get(url(emulator, "/campaignManagement/10dlc"), auth=AUTH)
        assert xml(fetched).findtext("CampaignSettings/BusinessIdentity") == "Reseller"
        again = post(
            emulator,
            "/campaignManagement/10dlc",
            "<CampaignSettings><BusinessIdentity>DirectCustomer</BusinessIdentity>"
            "</CampaignSettings>",
        )
        assert again.status_code == 409
        assert xml(again).findtext("ResponseStatus/ErrorCode") == "12177"

    def test_brand_is_pending_until_the_simulation_decides(self, emulator: RunningEmulator) -> None:
        setup_reseller(emulator)
        created = post(emulator, "/campaignManagement/10dlc/brands", BRAND)
        brand_id = xml(created).findtext("Brands/Brand/BrandId") or ""
        assert xml(created).findtext("Brands/Brand/IdentityStatus") == "PENDING"
        vetting = post(
            emulator,
            f"/campaignManagement/10dlc/brands/{brand_id}/vetting",
            "<Brand><EvpId>AEGIS</EvpId><VettingClass>STANDARD</VettingClass></Brand>",
        )
        assert xml(vetting).findtext("BrandVetting/VettingStatus") == "PENDING"
        assert sim(emulator, f"10dlc/brands/{brand_id}", {"status": "UNVERIFIED"}).ok
        revet = post(emulator, f"/campaignManagement/10dlc/brands/{brand_id}/revet", "", "PUT")
        assert xml(revet).findtext("Brand/IdentityStatus") == "PENDING"
        assert sim(emulator, f"10dlc/brands/{brand_id}", {"status": "VERIFIED"}).ok
        fetched = requests.get(
            url(emulator, f"/campaignManagement/10dlc/brands/{brand_id}"), auth=AUTH
        )
        assert xml(fetched).findtext("Brands/Brand/IdentityStatus") == "VERIFIED"
        refused = post(emulator, f"/campaignManagement/10dlc/brands/{brand_id}/revet", "", "PUT")
        assert refused.status_code == 400
        assert xml(refused).findtext("ResponseStatus/ErrorCode") == "12210"

    def test_brand_without_a_required_field_is_refused_naming_it(
        self, emulator: RunningEmulator
    ) -> None:
        setup_reseller(emulator)
        response = post(
            emulator, "/campaignManagement/10dlc/brands", BRAND.replace("<Ein>123456789</Ein>", "")
        )
        assert response.status_code == 400
        assert xml(response).findtext("ResponseStatus/Description") == "Ein is required"
        unknown = requests.get(url(emulator, "/campaignManagement/10dlc/brands/BNOPE"), auth=AUTH)
        assert unknown.status_code == 404

    def test_campaign_needs_a_verified_brand_and_long_enough_samples(
        self, emulator: RunningEmulator
    ) -> None:
        setup_reseller(emulator)
        brand_id = (
            xml(post(emulator, "/campaignManagement/10dlc/brands", BRAND)).findtext(
                "Brands/Brand/BrandId"
            )
            or ""
        )
        refused = post(
            emulator, "/campaignManagement/10dlc/campaigns", campaign_xml(brand_id, "hi")
        )
        assert refused.status_code == 400
        fields = {e.findtext("Field") for e in xml(refused).findall("Errors/Error")}
        assert fields == {"sample1", "brandId"}
        assert xml(refused).findtext("ResponseStatus/ErrorCode") == "12185"

    def test_carriers_review_each_campaign_and_the_simulation_decides_per_carrier(
        self, emulator: RunningEmulator
    ) -> None:
        brand_id = verified_brand(emulator)
        created = post(emulator, "/campaignManagement/10dlc/campaigns", campaign_xml(brand_id))
        campaign_id = xml(created).findtext("Campaign/CampaignId") or ""
        statuses = {
            m.findtext("MnoName"): m.findtext("Status")
            for m in xml(created).findall("Campaign/MnoStatusList/MnoStatus")
        }
        assert statuses == {"ATT": "REVIEW", "TMO": "REVIEW", "VZW": "REVIEW"}
        sim(emulator, f"10dlc/campaigns/{campaign_id}", {"status": "APPROVED"})
        sim(emulator, f"10dlc/campaigns/{campaign_id}", {"status": "REJECTED", "carrier": "TMO"})
        fetched = requests.get(
            url(emulator, f"/campaignManagement/10dlc/campaigns/{campaign_id}"), auth=AUTH
        )
        statuses = {
            m.findtext("MnoName"): m.findtext("Status")
            for m in xml(fetched).findall("Campaign/MnoStatusList/MnoStatus")
        }
        assert statuses == {"ATT": "APPROVED", "TMO": "REJECTED", "VZW": "APPROVED"}
        listing = requests.get(url(emulator, "/campaignManagement/10dlc/campaigns"), auth=AUTH)
        assert xml(listing).findtext("TotalCount") == "1"
        unknown = requests.get(
            url(emulator, "/campaignManagement/10dlc/campaigns/CNOPE"), auth=AUTH
        )
        assert unknown.status_code == 404
        assert xml(unknown).findtext("ResponseStatus/ErrorCode") == "12189"


class TestTnOptions:
    def test_order_puts_the_number_on_the_campaign_later_and_notifies(
        self, emulator: RunningEmulator, receiver: Receiver, provisioned: ProvisionedAccount
    ) -> None:
        number = "+19195550177"
        emulator.emulator.state.put_in_service(number, provisioned.site_id, provisioned.peer_id)
        post(
            emulator,
            "/subscriptions",
            "<Subscription><OrderType>tnoptions</OrderType><CallbackSubscription>"
            f"<URL>{receiver.url}/numbers/tnoptions</URL><CallbackCredentials>"
            f"<BasicAuthentication><Username>{CALLBACK_USER}</Username>"
            f"<Password>{CALLBACK_PASSWORD}</Password></BasicAuthentication>"
            "</CallbackCredentials></CallbackSubscription></Subscription>",
        )
        campaign_id = approved_campaign(emulator)
        created = assign(emulator, campaign_id, number)
        order_id = created.findtext("TnOptionOrder/OrderId") or ""
        assert created.findtext("TnOptionOrder/ProcessingStatus") == "RECEIVED"
        assert emulator.emulator.scheduler.drain(10)
        fetched = requests.get(url(emulator, f"/tnoptions/{order_id}"), auth=AUTH)
        assert xml(fetched).findtext("ProcessingStatus") == "COMPLETE"
        tns = requests.get(
            url(emulator, f"/campaignManagement/10dlc/campaigns/{campaign_id}/tn"), auth=AUTH
        )
        assert [e.text for e in xml(tns).findall("TelephoneNumbers/TelephoneNumber")] == [
            "9195550177"
        ]
        [notification] = receiver.authorized_requests("/numbers/tnoptions")
        body = ElementTree.fromstring(notification.body)
        assert (body.findtext("OrderType"), body.findtext("Status")) == ("tnoptions", "COMPLETE")
        assert body.findtext("OrderId") == order_id

    def test_a_number_not_in_service_fails(self, emulator: RunningEmulator) -> None:
        campaign_id = approved_campaign(emulator)
        order_id = assign(emulator, campaign_id, "+19195550178").findtext("TnOptionOrder/OrderId")
        assert emulator.emulator.scheduler.drain(10)
        fetched = xml(requests.get(url(emulator, f"/tnoptions/{order_id}"), auth=AUTH))
        assert fetched.findtext("ProcessingStatus") == "FAILED"
        assert fetched.findtext("ErrorList/Error/Code") == "5005"


class TestEnforcement:
    def test_a_local_number_texts_only_on_an_approved_campaign(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        number = "+19195550179"
        account = provision_account(emulator, receiver.url, number=number)
        emulator.emulator.state.campaign_of_number.pop(number)
        assert final_status(emulator, send(emulator, account, number)) == ("FAILED", 4773)
        campaign_id = approved_campaign(emulator)
        assign(emulator, campaign_id, number)
        assert emulator.emulator.scheduler.drain(10)
        assert final_status(emulator, send(emulator, account, number)) == ("DELIVERED", None)
        sim(emulator, f"10dlc/campaigns/{campaign_id}", {"status": "SUSPENDED", "carrier": "ATT"})
        assert final_status(emulator, send(emulator, account, number)) == ("FAILED", 4773)

    def test_a_toll_free_number_texts_only_once_verified(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        number = "+18335550123"
        account = provision_account(emulator, receiver.url, number=number)
        emulator.emulator.state.toll_free.pop(number)
        assert final_status(emulator, send(emulator, account, number)) == ("FAILED", 4795)
        assert submit(emulator, [number]).status_code == 202
        assert final_status(emulator, send(emulator, account, number)) == ("FAILED", 4795)
        assert sim(emulator, f"tollfree/{number}", {"status": "VERIFIED"}).ok
        assert final_status(emulator, send(emulator, account, number)) == ("DELIVERED", None)


def submission(numbers: list[str], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "businessAddress": {
            "name": "Acme Plumbing LLC",
            "addr1": "1 Main St",
            "city": "Raleigh",
            "state": "NC",
            "zip": "27601",
            "url": "https://acme.test",
        },
        "businessContact": {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@acme.test",
            "phoneNumber": "+19195551234",
        },
        "messageVolume": 1000,
        "phoneNumbers": numbers,
        "useCase": "Customer Care",
        "useCaseSummary": "Replies to customers who text us about appointments.",
        "productionMessageContent": "Acme: your plumber arrives at 10am.",
        "optInWorkflow": {"description": "Customers text us first.", "imageUrls": []},
        "businessEntityType": "PRIVATE_PROFIT",
        "businessRegistrationNumber": "12-3456789",
        "businessRegistrationType": "EIN",
        "businessRegistrationIssuingCountry": "USA",
    }
    body.update(changes)
    return body


def submit(emulator: RunningEmulator, numbers: list[str], **changes: Any) -> requests.Response:
    return requests.post(
        f"{emulator.url}/api/v2/accounts/{ACCOUNT}/tollFreeVerification",
        json=submission(numbers, **changes),
        auth=AUTH,
    )


def tfv_status(emulator: RunningEmulator, number: str) -> requests.Response:
    return requests.get(
        f"{emulator.url}/api/v2/accounts/{ACCOUNT}/phoneNumbers/{number}/tollFreeVerification",
        auth=AUTH,
    )


class TestTollFreeVerification:
    NUMBER = "+18445550123"

    def test_denial_then_resubmission_then_verified_with_signed_webhooks(
        self, emulator: RunningEmulator, receiver: Receiver, bandwidth_spec: BandwidthSpec
    ) -> None:
        provision_account(emulator, receiver.url, number=self.NUMBER)
        emulator.emulator.state.toll_free.pop(self.NUMBER)
        secret = "a shared secret of parley"
        created = requests.post(
            f"{emulator.url}/api/v2/accounts/{ACCOUNT}/tollFreeVerification/webhooks/subscriptions",
            json={"callbackUrl": f"{receiver.url}/tfv", "sharedSecretKey": secret},
            auth=AUTH,
        )
        assert created.status_code == 201
        # The spec's URL pattern wants a domain name; the receiver listens on an address.
        named = {**created.json(), "callbackUrl": "https://hooks.parley.example/tfv"}
        bandwidth_spec.validate_response("createWebhookSubscription", 201, named)
        listing = requests.get(
            f"{emulator.url}/api/v2/accounts/{ACCOUNT}/tollFreeVerification/webhooks/subscriptions",
            auth=AUTH,
        )
        listed = listing.json()
        listed["data"] = [
            {**item, "callbackUrl": "https://hooks.parley.example/tfv"} for item in listed["data"]
        ]
        bandwidth_spec.validate_response("listWebhookSubscriptions", 200, listed)

        assert submit(emulator, [self.NUMBER]).status_code == 202
        pending = tfv_status(emulator, self.NUMBER)
        bandwidth_spec.validate_response("getTollFreeVerificationStatus", 200, pending.json())
        assert pending.json()["status"] == "PENDING"
        assert sim(emulator, f"tollfree/{self.NUMBER}", {"status": "DENIED", "denialCode": 511}).ok
        assert emulator.emulator.scheduler.drain(10)
        denied = tfv_status(emulator, self.NUMBER).json()
        bandwidth_spec.validate_response("getTollFreeVerificationStatus", 200, denied)
        assert (denied["status"], denied["denialStatusCode"], denied["resubmitAllowed"]) == (
            "UNVERIFIED",
            511,
            True,
        )
        [hook] = receiver.authorized_requests("/tfv")
        expected = hmac.new(secret.encode(), hook.body, hashlib.sha256).hexdigest()
        assert hook.header("x-bandwidth-signature-hmac-sha256") == expected
        assert json.loads(hook.body)["denialStatusCode"] == 511

        resubmitted = requests.put(
            f"{emulator.url}/api/v2/accounts/{ACCOUNT}/phoneNumbers/{self.NUMBER}/tollFreeVerification",
            json={"submission": {k: v for k, v in submission([]).items() if k != "phoneNumbers"}},
            auth=AUTH,
        )
        assert resubmitted.status_code == 202
        assert tfv_status(emulator, self.NUMBER).json()["status"] == "PENDING"
        assert sim(emulator, f"tollfree/{self.NUMBER}", {"status": "VERIFIED"}).ok
        assert tfv_status(emulator, self.NUMBER).json()["status"] == "VERIFIED"

    def test_resubmission_is_refused_after_seven_days_or_when_not_allowed(
        self, emulator: RunningEmulator, receiver: Receiver
    ) -> None:
        provision_account(emulator, receiver.url, number=self.NUMBER)
        emulator.emulator.state.toll_free.pop(self.NUMBER)
        submit(emulator, [self.NUMBER])
        sim(emulator, f"tollfree/{self.NUMBER}", {"status": "DENIED", "denialCode": 519})
        body = {"submission": {k: v for k, v in submission([]).items() if k != "phoneNumbers"}}
        path = f"/api/v2/accounts/{ACCOUNT}/phoneNumbers/{self.NUMBER}/tollFreeVerification"
        not_allowed = requests.put(emulator.url + path, json=body, auth=AUTH)
        assert not_allowed.status_code == 400
        verification = emulator.emulator.state.toll_free[self.NUMBER]
        verification.resubmit_allowed = True
        verification.processed_at = (verification.processed_at or 0) - 8 * 24 * 3600
        too_late = requests.put(emulator.url + path, json=body, auth=AUTH)
        assert too_late.status_code == 400
        assert "7 days" in too_late.json()["errors"]["phoneNumber"]

    def test_bad_submissions_name_the_field(
        self, emulator: RunningEmulator, receiver: Receiver, bandwidth_spec: BandwidthSpec
    ) -> None:
        provision_account(emulator, receiver.url, number=self.NUMBER)
        emulator.emulator.state.toll_free.pop(self.NUMBER)
        eleven = [f"+1844555{n:04d}" for n in range(2000, 2011)]
        for response, field in [
            (submit(emulator, eleven), "phoneNumbers"),
            (
                submit(emulator, [self.NUMBER], businessRegistrationNumber=None),
                "businessRegistrationNumber",
            ),
            (
                submit(emulator, [self.NUMBER], businessEntityType="SOLE_PROPRIETOR"),
                "businessRegistrationNumber",
            ),
        ]:
            assert response.status_code == 400
            bandwidth_spec.validate_response("requestTollFreeVerification", 400, response.json())
            assert field in response.json()["errors"]
        assert tfv_status(emulator, self.NUMBER).json()["status"] == "UNVERIFIED"
        use_cases = requests.get(f"{emulator.url}/api/v2/tollFreeVerification/useCases", auth=AUTH)
        bandwidth_spec.validate_response("listTollFreeUseCases", 200, use_cases.json())


class TestLookup:
    def test_reserved_numbers_have_their_line_types(
        self, emulator: RunningEmulator, bandwidth_spec: BandwidthSpec
    ) -> None:
        numbers = ["+19195550100", "+19195550101", "+19195550102", "+19195550103", "+19195550123"]
        response = requests.post(
            f"{emulator.url}/v2/accounts/{ACCOUNT}/phoneNumberLookup",
            json={"phoneNumbers": numbers},
            auth=AUTH,
        )
        assert response.status_code == 200
        bandwidth_spec.validate_response("createSyncLookup", 200, response.json())
        results = {r["phoneNumber"]: r for r in response.json()["data"]["results"]}
        assert [results[n]["lineType"] for n in numbers] == [
            "FIXED",
            "MOBILE",
            "VOIP-FIXED",
            "VOIP",
            "MOBILE",
        ]
        assert results["+19195550101"]["deactivationEvent"] == "DEACTIVATED"

    def test_bulk_lookup_completes_later(
        self, emulator: RunningEmulator, bandwidth_spec: BandwidthSpec
    ) -> None:
        base = f"{emulator.url}/v2/accounts/{ACCOUNT}/phoneNumberLookup"
        created = requests.post(
            base + "/bulk", json={"phoneNumbers": ["+19195550100", "+19195550123"]}, auth=AUTH
        )
        assert created.status_code == 202
        bandwidth_spec.validate_response("createAsyncBulkLookup", 202, created.json())
        request_id = created.json()["data"]["requestId"]
        assert created.json()["links"] == [
            {
                "href": f"/accounts/{ACCOUNT}/phoneNumberLookup/bulk/{request_id}",
                "rel": "createdRequest",
                "method": "GET",
            }
        ]
        waiting = requests.get(f"{base}/bulk/{request_id}", auth=AUTH)
        assert waiting.status_code == 200
        bandwidth_spec.validate_response("getAsyncBulkLookup", 200, waiting.json())
        assert waiting.json()["data"]["status"] == "IN_PROGRESS"
        assert waiting.json()["data"]["results"] == []
        assert emulator.emulator.scheduler.drain(10)
        done = requests.get(f"{base}/bulk/{request_id}", auth=AUTH)
        bandwidth_spec.validate_response("getAsyncBulkLookup", 200, done.json())
        assert done.json()["data"]["status"] == "COMPLETE"
        results = {r["phoneNumber"]: r for r in done.json()["data"]["results"]}
        assert results["+19195550100"]["lineType"] == "FIXED"
        assert results["+19195550123"]["lineType"] == "MOBILE"
        bulk = emulator.emulator.state.bulk_lookups[request_id]
        assert (bulk.numbers, bulk.complete, bulk.polls) == (
            ["+19195550100", "+19195550123"],
            True,
            2,
        )

    def test_bulk_lookup_limits_and_unknown_requests(
        self, emulator: RunningEmulator, bandwidth_spec: BandwidthSpec
    ) -> None:
        base = f"{emulator.url}/v2/accounts/{ACCOUNT}/phoneNumberLookup"
        numbers = [f"+1919{n:07d}" for n in range(15_001)]
        too_many = requests.post(base + "/bulk", json={"phoneNumbers": numbers}, auth=AUTH)
        assert too_many.status_code == 400
        bandwidth_spec.validate_schema("lookupErrorResponse", too_many.json())
        most = requests.post(base + "/bulk", json={"phoneNumbers": numbers[:15_000]}, auth=AUTH)
        assert most.status_code == 202
        none = requests.post(base + "/bulk", json={"phoneNumbers": []}, auth=AUTH)
        assert none.status_code == 400
        unknown = requests.get(f"{base}/bulk/004223a0-8b17-41b1-bf81-20732adf5590", auth=AUTH)
        assert unknown.status_code == 404
        bandwidth_spec.validate_schema("lookupErrorResponse", unknown.json())

    def test_bad_numbers_are_refused(
        self, emulator: RunningEmulator, bandwidth_spec: BandwidthSpec
    ) -> None:
        response = requests.post(
            f"{emulator.url}/v2/accounts/{ACCOUNT}/phoneNumberLookup",
            json={"phoneNumbers": ["919555"]},
            auth=AUTH,
        )
        assert response.status_code == 400
        bandwidth_spec.validate_schema("lookupErrorResponse", response.json())
