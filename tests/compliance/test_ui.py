"""The Trust pages and the texting banner, with two tenants; and the walk through Trust in
Chromium, from an empty profile to an approved campaign and a number that may text."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from bandwidth.client.emulator_sim import decide_brand, decide_campaign
from compliance.models import Brand, BusinessProfile, Campaign

from ..conftest import sign_in, wait_until
from .conftest import PROFILE, reconcile


def _pending_number(tenant, number="+19195550111"):
    return PhoneNumber.objects.create(
        tenant=tenant,
        number=number,
        status="active",
        messaging_status="blocked",
        messaging_status_reason="Not registered for 10DLC.",
        messaging_status_action="Submit the brand in Trust (/trust/).",
    )


@pytest.mark.django_db
def test_trust_page_saves_the_profile_and_another_tenant_sees_only_its_own(
    owner, other_owner, agent, login
):
    client = login(owner)
    page = client.get("/trust/")
    assert page.status_code == 200 and "Business profile" in page.content.decode()
    saved = client.post("/trust/profile/", {**PROFILE}, follow=True)
    assert "Business profile saved." in saved.content.decode()
    assert BusinessProfile.objects.get(tenant=owner.tenant).legal_name == "Acme Plumbing LLC"
    bad = client.post("/trust/profile/", {**PROFILE, "website": "not a url"}, follow=True)
    assert "full URL" in bad.content.decode()

    theirs = login(other_owner).get("/trust/").content.decode()
    assert "Acme Plumbing LLC" not in theirs
    assert login(agent).get("/trust/").status_code == 200
    assert login(agent).post("/trust/profile/", PROFILE).status_code == 403
    assert login(other_owner).post("/trust/toll-free/999/resubmit/").status_code in (302, 404)


@pytest.mark.django_db
def test_the_banner_shows_on_inbox_and_numbers_while_texting_is_not_ready(
    owner, other_owner, login
):
    _pending_number(owner.tenant)
    client = login(owner)
    for url in ("/inbox/", "/numbers/"):
        body = client.get(url).content.decode()
        assert 'id="texting-banner"' in body and "Not registered for 10DLC." in body
    other = login(other_owner)
    for url in ("/inbox/", "/numbers/"):
        assert 'id="texting-banner"' not in other.get(url).content.decode()
    PhoneNumber.objects.filter(tenant=owner.tenant).update(messaging_status="ready")
    assert 'id="texting-banner"' not in client.get("/inbox/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_walk_through_trust_in_chromium(provisioned, browser_page, owner, other_owner):
    _pending_number(owner.tenant, "+19195550177")
    page = browser_page
    sign_in(page, owner)
    page.goto("/inbox/")
    assert "Texting is not ready" in page.inner_text("#texting-banner")
    page.click("#texting-banner a")
    page.wait_for_url("**/trust/")
    for name, value in PROFILE.items():
        if name in ("entity_type", "vertical"):
            page.select_option(f"#{name}", value)
        else:
            page.fill(f"#{name}", value)
    page.click("#step-profile button[type=submit]")
    page.wait_for_selector("#trust-steps li[data-step='1'][data-done='yes']")
    page.click("#step-brand button[type=submit]")
    status = page.inner_text("#brand-status")
    assert status == "Waiting for the campaign registry"

    decide_brand(provisioned.url, Brand.objects.get().bandwidth_brand_id, status="VERIFIED")
    reconcile()
    page.reload()
    page.wait_for_selector("#trust-steps li[data-step='2'][data-done='yes']")
    page.fill("#description", "Appointment reminders and replies to customers of Acme Plumbing.")
    page.fill("#samples", "Acme: your plumber arrives at 10am tomorrow. Reply STOP to opt out.")
    page.fill("#message_flow", "Customers give their mobile number on the booking form.")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector("[data-campaign-status]")
    assert "In carrier review" in page.inner_text("#step-campaign")

    decide_campaign(
        provisioned.url, Campaign.objects.get().bandwidth_campaign_id, status="APPROVED"
    )
    reconcile()
    page.reload()
    page.wait_for_selector("#trust-steps li[data-step='3'][data-done='yes']")
    assert "Approved by every carrier" in page.inner_text("#step-campaign")
    row = page.inner_text("tr[data-number='+19195550177']")
    assert "assigned" in row.lower()
    wait_until(lambda: Campaign.objects.get().status == "approved")


@pytest.mark.django_db(transaction=True)
def test_the_inbox_refuses_a_landline_and_lets_the_user_send_anyway(line, owner, login):
    from messaging import services as messaging_services
    from messaging.models import Message

    first = messaging_services.message_send(
        tenant=line.tenant,
        from_number=line.e164,
        to=["+19195550100"],
        text="Hello",
        allow_not_textable=True,
    ).message
    client = login(owner)
    url = f"/inbox/{first.conversation_id}/send/"
    refused = client.post(url, {"text": "Again"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "landline" in body and 'id="not-textable"' in body
    assert Message.objects.count() == 1
    sent = client.post(url, {"text": "Again", "allow_not_textable": "on"})
    assert sent.status_code == 302 and Message.objects.count() == 2
