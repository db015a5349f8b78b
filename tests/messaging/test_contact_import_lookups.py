"""An import looks its numbers' line types up in one bulk request to Bandwidth, collected by a task
that asks again until the result is ready; the contacts pages show a landline or a deactivated
number as such; a Bandwidth that does not take the request leaves the import done and the sends
looking up one by one; two tenants never see each other's lookups."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bandwidth.client import reset_client_caches
from compliance import tasks as compliance_tasks
from compliance.models import LineTypeLookup
from messaging import services
from messaging import tasks as messaging_tasks
from messaging.models import Broadcast, Contact, ContactImport, Message
from usage.models import Metric, UsageCounter

from ..conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

LANDLINE, DEACTIVATED, MOBILE = "+19195550100", "+19195550101", "+19195550123"
CSV = """Phone,Name
(919) 555-0100,Landline Larry
919-555-0101,Gone Gina
919.555.0123,Mobile Mo
"""
LANDLINE_BADGE = "Landline — can't receive texts"


def _import(client, text: str) -> ContactImport:
    upload = SimpleUploadedFile("list.csv", text.encode(), "text/csv")
    assert client.post("/contacts/import/", {"file": upload}).status_code == 302
    contact_import = ContactImport.objects.filter(status="preview").get()
    done = client.post(f"/contacts/imports/{contact_import.pk}/action/", {"action": "import"})
    assert done.status_code == 302
    contact_import.refresh_from_db()
    assert contact_import.status == "done"
    return contact_import


def _collect(bandwidth, tenant, request_id: str) -> None:
    """What the worker does once Bandwidth has the result: the task, run eagerly."""
    assert bandwidth.emulator.scheduler.drain(10)
    compliance_tasks.collect_bulk_lookup.apply(args=(str(tenant.pk), request_id))


def _line_types(tenant) -> dict[str, tuple[str, bool]]:
    return {
        row.number: (row.line_type, row.deactivated)
        for row in LineTypeLookup.objects.filter(tenant=tenant)
    }


def test_an_import_is_looked_up_in_one_bulk_request_and_the_pages_show_landlines(
    bandwidth, login, owner, other_owner, tenant, other_tenant
):
    client = login(owner)
    first = _import(client, CSV)
    bulks = bandwidth.emulator.state.bulk_lookups
    assert len(bulks) == 1
    (request_id,) = bulks
    assert sorted(bulks[request_id].numbers) == [LANDLINE, DEACTIVATED, MOBILE]
    assert _line_types(tenant) == {}  # the task stores them once Bandwidth has them
    _collect(bandwidth, tenant, request_id)
    assert _line_types(tenant) == {
        LANDLINE: ("FIXED", False),
        DEACTIVATED: ("MOBILE", True),
        MOBILE: ("MOBILE", False),
    }

    _import(client, CSV)  # the same numbers again: all cached, nothing asked of Bandwidth
    assert len(bulks) == 1 and ContactImport.objects.filter(tenant=tenant).count() == 2

    other = login(other_owner)
    _import(other, "number\n+12125550100\n+19195550123\n")
    assert len(bulks) == 2
    (theirs,) = set(bulks) - {request_id}
    _collect(bandwidth, other_tenant, theirs)
    assert _line_types(other_tenant) == {
        "+12125550100": ("FIXED", False),
        MOBILE: ("MOBILE", False),
    }
    services.contact_create(tenant=tenant, number="+12125550100", name="Not looked up")
    assert set(_line_types(tenant)) == {LANDLINE, DEACTIVATED, MOBILE}

    page = client.get("/contacts/").content.decode()
    assert page.count('class="pill not-textable"') == 2
    assert page.count(LANDLINE_BADGE) == 1 and page.count(">Deactivated<") == 1
    larry = Contact.objects.get(tenant=tenant, number=LANDLINE)
    detail = client.get(f"/contacts/{larry.pk}/").content.decode()
    assert LANDLINE_BADGE in detail
    mo = Contact.objects.get(tenant=tenant, number=MOBILE)
    assert "not-textable" not in client.get(f"/contacts/{mo.pk}/").content.decode()

    theirs_page = other.get("/contacts/").content.decode()
    assert theirs_page.count(LANDLINE_BADGE) == 1 and ">Deactivated<" not in theirs_page
    assert "Landline Larry" not in theirs_page
    assert other.get(f"/contacts/{larry.pk}/").status_code == 404
    assert other.get(f"/contacts/imports/{first.pk}/").status_code == 404


def test_the_collection_asks_again_until_bandwidth_has_the_result(
    bandwidth, celery_worker, login, owner, tenant
):
    bandwidth.emulator.config.order_complete_delay = 1e6  # done only when the test says so
    _import(login(owner), CSV)
    (bulk,) = bandwidth.emulator.state.bulk_lookups.values()
    wait_until(lambda: bulk.polls >= 3, timeout=30)  # the task found it in progress, twice
    assert not LineTypeLookup.objects.exists()
    with bandwidth.emulator.state.lock:
        bulk.complete = True
    wait_until(lambda: LineTypeLookup.objects.filter(tenant=tenant).count() == 3, timeout=30)
    assert _line_types(tenant)[LANDLINE] == ("FIXED", False)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_import_stays_done_when_bandwidth_does_not_take_the_lookup(
    bandwidth, line, login, owner, tenant, tenant_api, settings, caplog
):
    url = settings.BANDWIDTH_API_BASE_URL
    settings.BANDWIDTH_API_BASE_URL = f"http://127.0.0.1:{_closed_port()}"
    reset_client_caches()
    with caplog.at_level(logging.WARNING, logger="parley.compliance"):
        contact_import = _import(login(owner), CSV)
    assert contact_import.created_count == 3
    assert Contact.objects.filter(tenant=tenant).count() == 3
    assert "bulk line-type lookup of 3 number(s)" in caplog.text
    assert not bandwidth.emulator.state.bulk_lookups and not LineTypeLookup.objects.exists()

    settings.BANDWIDTH_API_BASE_URL = url
    reset_client_caches()
    refused = tenant_api.post(
        "/api/v1/messages/", {"from": line.e164, "to": [LANDLINE], "text": "Hi"}, format="json"
    )
    assert refused.status_code == 409  # the send looked it up by itself
    assert refused.json()["error"]["code"] == "recipient_not_textable"
    assert "landline" in refused.json()["error"]["message"]
    assert not bandwidth.emulator.state.bulk_lookups


def test_a_broadcast_right_after_an_import_waits_for_its_bulk_lookup_and_buys_none_again(
    bandwidth, line, login, owner, tenant, tenant_api, settings
):
    """The import's bulk lookup is still running when the broadcast is created: neither the
    creation nor a turn asks Bandwidth for those numbers one by one, and no recipient is texted
    unchecked; once the bulk answer is in, the turn skips the landline and the deactivated number.
    Each number's lookup is bought once (the tenant's lookups usage)."""
    settings.BROADCAST_LOOKAHEAD_SECONDS = 10
    contact_import = _import(login(owner), CSV)
    (request_id,) = bandwidth.emulator.state.bulk_lookups
    created = tenant_api.post(
        "/api/v1/broadcasts/",
        {"name": "Promo", "text": "Hi", "from": [line.e164], "contact_import": contact_import.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["skipped_not_textable"] == 0
    broadcast = Broadcast.objects.get(pk=created.json()["id"])

    messaging_tasks.advance_broadcast.apply(args=(broadcast.pk,))
    assert not LineTypeLookup.objects.exists()
    assert not Message.objects.filter(broadcast_recipient__broadcast=broadcast).exists()

    _collect(bandwidth, tenant, request_id)
    messaging_tasks.advance_broadcast.apply(args=(broadcast.pk,))
    broadcast.refresh_from_db()
    assert broadcast.skipped_not_textable == 2
    sent = Message.objects.filter(broadcast_recipient__broadcast=broadcast)
    assert [m.conversation.participants for m in sent] == [[MOBILE]]
    lookups = UsageCounter.objects.filter(tenant=tenant, metric=Metric.LOOKUPS)
    assert sum(row.quantity for row in lookups) == 3
