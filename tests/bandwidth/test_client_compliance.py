"""The compliance client against the emulator: register a brand and a campaign, put a number on
it, verify a toll-free number, look numbers up; every request it sends matches the specs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from client_spec_validation import assert_numbers_request_matches_spec

from bandwidth.client import BandwidthClient, Credentials, Endpoints, reset_client_caches
from bandwidth.client.compliance import BrandDetails, CampaignDetails
from bandwidth.client.emulator_sim import decide_brand, decide_campaign, decide_toll_free
from bandwidth.client.transport import session_for
from bandwidth.emulator.app import RunningEmulator
from bandwidth.errors import BandwidthError, ValidationError
from tests.bandwidth.conftest import ProvisionedAccount

BRAND = BrandDetails(
    entity_type="PRIVATE_PROFIT",
    company_name="Acme Plumbing LLC",
    display_name="Acme Plumbing",
    ein="123456789",
    email="ops@acme.test",
    phone="+19195551234",
    street="1 Main St",
    city="Raleigh",
    state="NC",
    postal_code="27601",
    country="US",
    vertical="CONSTRUCTION",
    website="https://acme.test",
)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    reset_client_caches()
    yield
    reset_client_caches()


@pytest.fixture
def sent() -> list[requests.PreparedRequest]:
    return []


@pytest.fixture
def client(emulator: RunningEmulator, sent: list[requests.PreparedRequest]) -> BandwidthClient:
    config = emulator.emulator.config
    credentials = Credentials(
        account_id=config.account_id, client_id=config.client_id, client_secret=config.client_secret
    )

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        sent.append(response.request)

    session_for(credentials).hooks["response"].append(record)
    return BandwidthClient(
        credentials,
        Endpoints(
            messaging_base_url=f"{emulator.url}/api/v2",
            voice_base_url=f"{emulator.url}/api/v2",
            numbers_base_url=f"{emulator.url}/api",
            oauth_token_url=f"{emulator.url}/api/v1/oauth2/token",
            api_base_url=emulator.url,
        ),
    )


def campaign(
    brand_id: str, sample: str = "Acme: your plumber arrives at 10am today."
) -> CampaignDetails:
    return CampaignDetails(
        brand_id=brand_id,
        usecase="CUSTOMER_CARE",
        description="Appointment reminders and replies to customers of Acme Plumbing.",
        samples=(sample,),
        message_flow="Customers give their number on the booking form and tick a box.",
        help_message="Acme Plumbing: call 919-555-1234 for help.",
        optout_message="You are unsubscribed from Acme Plumbing texts.",
    )


def test_register_a_brand_and_campaign_and_put_a_number_on_it(
    emulator: RunningEmulator,
    client: BandwidthClient,
    provisioned: ProvisionedAccount,
    sent: list[requests.PreparedRequest],
) -> None:
    api = client.compliance
    api.reseller_settings_ensure(company_name="Parley", phone="+18005550199", email="c@parley.test")
    api.reseller_settings_ensure(company_name="Parley", phone="+18005550199", email="d@parley.test")
    brand = api.brand_create(BRAND)
    assert brand.identity_status == "PENDING"
    with pytest.raises(ValidationError):
        api.campaign_create(campaign(brand.brand_id))
    assert api.brand_vet(brand.brand_id) == "PENDING"
    decide_brand(emulator.url, brand.brand_id, status="VERIFIED")
    assert api.brand_get(brand.brand_id).identity_status == "VERIFIED"
    with pytest.raises(ValidationError) as short:
        api.campaign_create(campaign(brand.brand_id, sample="too short"))
    assert "Sample1" in short.value.raw_body
    created = api.campaign_create(campaign(brand.brand_id))
    assert not created.approved
    decide_campaign(emulator.url, created.campaign_id, status="APPROVED")
    assert api.campaign_get(created.campaign_id).approved

    number = "+19195550188"
    emulator.emulator.state.put_in_service(number, provisioned.site_id, provisioned.peer_id)
    order = api.tnoption_order_create(
        customer_order_id="parley-tno-1", campaign_id=created.campaign_id, numbers=[number]
    )
    assert order.status == "RECEIVED"
    deadline = time.monotonic() + 10
    while (done := api.tnoption_order_get(order.order_id)).status == "RECEIVED":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert (done.status, done.numbers) == ("COMPLETE", (number,))
    assert api.campaign_numbers(created.campaign_id) == [number]
    for request in sent:
        if "/api/accounts/" in str(request.url):
            assert_numbers_request_matches_spec(request, client.endpoints)


def test_toll_free_verification_and_lookup(
    emulator: RunningEmulator, client: BandwidthClient, provisioned: ProvisionedAccount
) -> None:
    api = client.compliance
    number = "+18885550123"
    emulator.emulator.state.put_in_service(number, provisioned.site_id, provisioned.peer_id)
    assert api.toll_free_status(number).status == "UNVERIFIED"
    api.toll_free_subscribe(
        callback_url="http://127.0.0.1:9/hooks", shared_secret="sixteen chars at least"
    )
    assert api.toll_free_subscriptions() == ["http://127.0.0.1:9/hooks"]
    submission: dict[str, Any] = {
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
        "phoneNumbers": [number],
        "useCase": "Customer Care",
        "useCaseSummary": "Replies to customers.",
        "productionMessageContent": "Acme: your plumber arrives at 10am.",
        "optInWorkflow": {"description": "Customers text us first.", "imageUrls": []},
        "businessEntityType": "SOLE_PROPRIETOR",
    }
    api.toll_free_submit(submission)
    assert api.toll_free_status(number).status == "PENDING"
    decide_toll_free(emulator.url, number, status="DENIED", denial_code=513)
    denied = api.toll_free_status(number)
    assert (denied.status, denied.denial_code, denied.resubmit_allowed) == ("UNVERIFIED", 513, True)
    with pytest.raises(BandwidthError):
        api.toll_free_resubmit("+18885550999", submission)
    del submission["phoneNumbers"]
    api.toll_free_resubmit(number, submission)
    decide_toll_free(emulator.url, number, status="VERIFIED")
    assert api.toll_free_status(number).status == "VERIFIED"
    assert "Customer Care" in api.toll_free_use_cases()

    looked_up = api.lookup(["+19195550100", "+19195550101", "+19195550123"])
    assert [(r.line_type, r.deactivated) for r in looked_up] == [
        ("FIXED", False),
        ("MOBILE", True),
        ("MOBILE", False),
    ]
    request_id = api.lookup_bulk_create(["+19195550100"])
    deadline = time.monotonic() + 10
    while (results := api.lookup_bulk_get(request_id)) is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert [r.line_type for r in results] == ["FIXED"]
