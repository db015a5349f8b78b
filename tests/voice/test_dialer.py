"""The dialer: any number (not only contacts), through click-to-call, so the destination rules,
the toll-fraud refusals and the blocklist apply; errors next to the field; two tenants."""

from __future__ import annotations

import pytest

from tenants import services as tenant_services
from voice.models import Call

from ..conftest import wait_until
from .conftest import AGENT

pytestmark = pytest.mark.django_db(transaction=True)

STRANGER = "+19195558811"


def test_the_dialer_calls_any_number_from_my_phone(line, owner, login, celery_worker):
    client = login(owner)
    page = client.get("/calls/dialer/").content.decode()
    assert f'value="{line.e164}"' in page and 'id="id_to"' in page
    response = client.post(
        "/calls/dialer/", {"to": "(919) 555-8811", "from_number": line.e164, "agent": AGENT}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    call = Call.objects.get(tenant=line.tenant)
    assert response["Location"] == f"/calls/{call.pk}/"
    assert call.other_party == STRANGER and call.agent_number == AGENT
    assert call.direction == Call.Direction.OUTBOUND and call.created_by == owner.user
    final = wait_until(lambda: (c := Call.objects.get(pk=call.pk)).is_final and c, timeout=20)
    assert final.status == Call.Status.COMPLETED


@pytest.mark.parametrize(
    ("to", "field", "words"),
    [
        ("", "to", "This field is required."),
        ("555", "to", "like"),
        ("+19005550123", "to", ""),
        ("+882 1234 5678", "to", ""),
    ],
)
def test_the_dialer_refuses_with_the_reason_next_to_the_field(line, owner, login, to, field, words):
    response = login(owner).post(
        "/calls/dialer/", {"to": to, "from_number": line.e164, "agent": AGENT}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page and words in page
    assert 'aria-invalid="true"' in page
    assert not Call.objects.exists()


def test_the_dialer_refuses_a_blocked_number(line, owner, login):
    tenant_services.blocked_number_add(tenant=line.tenant, number=STRANGER)
    response = login(owner).post(
        "/calls/dialer/", {"to": STRANGER, "from_number": line.e164, "agent": AGENT}
    )
    assert response.status_code == 400 and "is on your blocklist" in response.content.decode()
    assert not Call.objects.exists()


def test_the_dialer_offers_and_accepts_only_my_tenants_numbers(
    line, other_line, owner, other_owner, login
):
    page = login(owner).get("/calls/dialer/").content.decode()
    assert other_line.e164 not in page
    response = login(owner).post(
        "/calls/dialer/", {"to": STRANGER, "from_number": other_line.e164, "agent": AGENT}
    )
    assert response.status_code == 400 and 'id="id_from_number-error"' in response.content.decode()
    assert line.e164 not in login(other_owner).get("/calls/dialer/").content.decode()
    assert not Call.objects.exists()
