"""Every page of the client UI in Chromium, as an owner with data on it: axe-core finds no
serious or critical violation at 1440 px, and at 390 px no page scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from messaging import services as messaging_services
from messaging.models import Conversation
from tenants.models import Membership

from ..conftest import sign_in
from ..messaging.conftest import Wired, drain, post_events, received
from .accessibility import DESKTOP, PHONE, horizontal_overflow, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conversation(owner: Membership) -> Conversation:
    wired = Wired(owner.tenant, "+19195550101")
    post_events(Client(), wired.auth, [received(wired.e164, "+19195550123", "Open today?")])
    drain()
    return Conversation.objects.get(tenant=owner.tenant)


def pages(conversation: Conversation) -> list[str]:
    number = conversation.phone_number
    contact = conversation.contacts.get()
    return [
        "/dashboard/",
        "/inbox/",
        f"/inbox/{conversation.pk}/",
        "/inbox/new/",
        "/contacts/",
        "/contacts/new/",
        "/contacts/import/",
        f"/contacts/{contact.pk}/",
        "/broadcasts/",
        "/broadcasts/new/",
        "/numbers/",
        "/porting/",
        "/porting/new/",
        "/calls/",
        "/calls/dialer/",
        "/calls/voicemail/",
        "/calls/routes/",
        f"/calls/routes/{number.pk}/",
        "/calls/blocklist/",
        "/profile/",
        "/profile/password/",
        "/profile/two-factor/",
        "/settings/members/",
        "/settings/tokens/",
        "/settings/webhooks/",
        "/settings/canned-replies/",
        "/settings/after-hours/",
        "/settings/after-hours/numbers/new/",
        "/settings/security/",
        "/settings/calling/",
        "/usage/",
        "/trust/",
    ]


def test_every_page_passes_axe_and_fits_a_phone(
    browser_page: Any, owner: Membership, conversation: Conversation
) -> None:
    messaging_services.contact_update(
        contact=conversation.contacts.get(), name="Jane Doe", notes="Asked about Saturday"
    )
    page = browser_page
    sign_in(page, owner)
    problems: dict[str, Any] = {}
    for width in (DESKTOP, PHONE):
        page.set_viewport_size(width)
        for path in pages(conversation):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("load")
            if width is DESKTOP:
                violations = serious_violations(page)
                if violations:
                    problems[f"axe {path}"] = violations
            else:
                overflow = horizontal_overflow(page)
                if overflow > 0:
                    problems[f"390 px {path}"] = f"{overflow} px wider than the screen"
    assert problems == {}
