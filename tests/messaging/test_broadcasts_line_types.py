"""Broadcasts skip landlines and deactivated numbers by their line types (Bandwidth's lookups,
cached per tenant), with the reason, counted in the report as non-textable like the numbers the
destination rules refuse; a number Bandwidth could not look up at creation is looked up again
at its turn; two tenants never see each other's broadcasts."""

from __future__ import annotations

import html
import socket

import pytest

from bandwidth.client import reset_client_caches
from compliance.models import LineTypeLookup
from messaging import services, tasks
from messaging.models import Broadcast, BroadcastRecipient, Message, Tag

from ..conftest import wait_until
from .conftest import emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE, LANDLINE, DEACTIVATED = "+12125550123", "+12125550100", "+12125550101"
LANDLINE_REASON = "A landline, which can't receive texts."
DEACTIVATED_REASON = "Deactivated."
TEXT = "Spring promo: 20% off"


def _audience(tenant) -> Tag:
    for number in (MOBILE, LANDLINE, DEACTIVATED):
        services.contact_create(tenant=tenant, number=number, tags=["promo"])
    return Tag.objects.get(tenant=tenant, name="promo")


def _skips(broadcast: Broadcast) -> dict[str, tuple[str, str]]:
    return {
        r.number: (r.skip_reason, r.skip_detail)
        for r in BroadcastRecipient.objects.filter(broadcast=broadcast, status="skipped")
    }


def test_an_api_broadcast_texts_the_mobile_and_skips_the_landline_and_the_deactivated(
    line, bandwidth, celery_worker, tenant_api, other_api, other_tenant
):
    _audience(line.tenant)
    services.contact_create(tenant=other_tenant, number=LANDLINE, tags=["promo"])
    created = tenant_api.post(
        "/api/v1/broadcasts/",
        {"name": "Promo", "text": TEXT, "from": [line.e164], "tag": "promo"},
        format="json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["recipient_count"], data["skipped_not_textable"]) == (3, 2)
    assert data["report"]["skipped"]["not_textable"] == 2
    assert data["report"]["skip_reasons"]["not_textable"] == [
        {"detail": LANDLINE_REASON, "count": 1},
        {"detail": DEACTIVATED_REASON, "count": 1},
    ]
    broadcast = Broadcast.objects.get(pk=data["id"])
    assert _skips(broadcast) == {
        LANDLINE: ("not_textable", LANDLINE_REASON),
        DEACTIVATED: ("not_textable", DEACTIVATED_REASON),
    }

    def done() -> bool:
        broadcast.refresh_from_db()
        delivered = Message.objects.filter(
            broadcast_recipient__broadcast=broadcast, status="delivered"
        )
        return broadcast.status == "done" and delivered.exists()

    wait_until(done, timeout=60)
    sent = [m for m in emulator_messages(bandwidth) if m.text == TEXT]
    assert [m.to for m in sent] == [[MOBILE]]  # exactly one text, to the mobile
    detail = tenant_api.get(f"/api/v1/broadcasts/{broadcast.pk}/").json()
    assert detail["skipped_not_textable"] == 2
    report = detail["report"]
    assert (report["sent"], report["delivered"], report["skipped_total"]) == (1, 1, 2)
    assert report["skipped"] == {"opted_out": 0, "blocked": 0, "not_textable": 2, "refused": 0}
    assert {
        row.number: row.line_type for row in LineTypeLookup.objects.filter(tenant=line.tenant)
    } == {MOBILE: "MOBILE", LANDLINE: "FIXED", DEACTIVATED: "MOBILE"}
    assert not LineTypeLookup.objects.filter(tenant=other_tenant).exists()
    assert other_api.get(f"/api/v1/broadcasts/{broadcast.pk}/").status_code == 404
    assert other_api.get("/api/v1/broadcasts/").json()["results"] == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_ui_skips_them_at_their_turn_when_bandwidth_could_not_say_at_creation(
    line, bandwidth, login, owner, other_owner, settings
):
    """Unknown at creation, they are not refused (a lookup that fails never holds a text back);
    at their turn the lookup answers and they are skipped, counted as at creation."""
    settings.BROADCAST_LOOKAHEAD_SECONDS = 10
    tag = _audience(line.tenant)
    url = settings.BANDWIDTH_API_BASE_URL
    settings.BANDWIDTH_API_BASE_URL = f"http://127.0.0.1:{_closed_port()}"
    reset_client_caches()
    client = login(owner)
    response = client.post(
        "/broadcasts/new/",
        {"name": "Promo", "text": TEXT, "from": [line.e164], "audience": f"tag:{tag.pk}"},
    )
    broadcast = Broadcast.objects.get(tenant=line.tenant)
    assert response.status_code == 302 and response["Location"] == f"/broadcasts/{broadcast.pk}/"
    assert broadcast.skipped_not_textable == 0 and _skips(broadcast) == {}

    settings.BANDWIDTH_API_BASE_URL = url
    reset_client_caches()
    tasks.advance_broadcast.apply(args=(broadcast.pk,))  # its turn, as the worker runs it
    broadcast.refresh_from_db()
    assert broadcast.skipped_not_textable == 2
    assert _skips(broadcast) == {
        LANDLINE: ("not_textable", LANDLINE_REASON),
        DEACTIVATED: ("not_textable", DEACTIVATED_REASON),
    }
    messages = Message.objects.filter(tenant=line.tenant, broadcast_recipient__broadcast=broadcast)
    assert [m.conversation.participants for m in messages] == [[MOBILE]]

    page = html.unescape(client.get(f"/broadcasts/{broadcast.pk}/").content.decode())
    assert "Cannot receive texts: 2" in page
    assert f"{LANDLINE_REASON} (1)" in page and f"{DEACTIVATED_REASON} (1)" in page
    intruder = login(other_owner)
    for path in (f"/broadcasts/{broadcast.pk}/", f"/broadcasts/{broadcast.pk}/progress/"):
        assert intruder.get(path).status_code == 404
    assert "Promo" not in intruder.get("/broadcasts/").content.decode()


def test_a_large_audience_is_looked_up_turn_by_turn_not_at_creation(
    line, bandwidth, tenant_api, settings
):
    """Past BROADCAST_LOOKUPS_AT_CREATION the creating request asks Bandwidth nothing; each
    recipient's line type is asked just before its turn, and the skips count then."""
    settings.BROADCAST_LOOKUPS_AT_CREATION = 1
    settings.BROADCAST_LOOKAHEAD_SECONDS = 10
    _audience(line.tenant)
    created = tenant_api.post(
        "/api/v1/broadcasts/",
        {"name": "Promo", "text": TEXT, "from": [line.e164], "tag": "promo"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert [r.number for r in LineTypeLookup.objects.filter(tenant=line.tenant)] == [MOBILE]
    broadcast = Broadcast.objects.get(pk=created.json()["id"])
    assert broadcast.skipped_not_textable == 0

    tasks.advance_broadcast.apply(args=(broadcast.pk,))
    broadcast.refresh_from_db()
    assert LineTypeLookup.objects.filter(tenant=line.tenant).count() == 3
    assert broadcast.skipped_not_textable == 2
    assert set(_skips(broadcast)) == {LANDLINE, DEACTIVATED}
    sent = Message.objects.filter(tenant=line.tenant, broadcast_recipient__broadcast=broadcast)
    assert [m.conversation.participants for m in sent] == [[MOBILE]]
