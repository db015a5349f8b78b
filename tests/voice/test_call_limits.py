"""A tenant's outbound call limits (concurrent calls, calls per hour, new destinations per day),
counted under a lock, with staff alerted once an hour per tenant and limit; two tenants."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from tenants.models import OutboundPolicy
from tenants.services import outbound_policy_update
from voice.models import Call

from ..conftest import wait_until
from .conftest import AGENT

pytestmark = pytest.mark.django_db(transaction=True)


def _place(client, line, to):
    body = {"from": line.e164, "to": to, "agent": AGENT}
    return client.post("/api/v1/calls/", body, format="json")


def _customer(index: int) -> str:
    return f"+1919555{8000 + index:04d}"


@pytest.fixture(autouse=True)
def _staff(settings):
    settings.ADMINS = [("Ops", "ops@parley.test")]


def test_over_the_concurrent_calls_limit_is_409_until_a_call_ends(
    line, other_line, tenant_api, other_api, caplog
):
    outbound_policy_update(tenant=line.tenant, max_concurrent_calls=2)
    first, second = (_place(tenant_api, line, _customer(n)) for n in (1, 2))
    assert first.status_code == second.status_code == 202  # queued: in progress until they end
    refused = _place(tenant_api, line, _customer(3))
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "too_many_concurrent_calls"
    assert "2 calls are in progress, the most this account may have at once (2)" in error["message"]
    assert "Retry-After" not in refused
    assert Call.objects.filter(tenant=line.tenant).count() == 2
    assert _place(other_api, other_line, _customer(3)).status_code == 202

    Call.objects.filter(pk=first.json()["id"]).update(status=Call.Status.COMPLETED)
    assert _place(tenant_api, line, _customer(3)).status_code == 202

    assert [r.levelno for r in caplog.records if "concurrent_calls limit" in r.getMessage()] == [
        logging.WARNING
    ]
    [alert] = mail.outbox
    assert alert.to == ["ops@parley.test"]
    assert alert.subject == "[Parley] Acme Plumbing reached its concurrent calls limit"
    assert str(line.tenant.pk) in alert.body


def test_over_the_calls_per_hour_limit_is_429_with_retry_after(
    line, other_line, tenant_api, other_api
):
    outbound_policy_update(tenant=line.tenant, max_calls_per_hour=3, max_concurrent_calls=50)
    placed = [_place(tenant_api, line, _customer(n)) for n in range(3)]
    assert [r.status_code for r in placed] == [202, 202, 202]
    Call.objects.filter(pk=placed[0].json()["id"]).update(
        created_at=timezone.now() - timedelta(minutes=50), status=Call.Status.COMPLETED
    )
    refused = _place(tenant_api, line, _customer(0))
    assert refused.status_code == 429, refused.content
    assert refused.json()["error"]["code"] == "call_limit_reached"
    assert (
        "placed 3 calls in the last hour, its limit (3); try again in 10 minutes"
        in (refused.json()["error"]["message"])
    )
    assert 590 <= int(refused["Retry-After"]) <= 600
    assert Call.objects.filter(tenant=line.tenant).count() == 3
    assert _place(other_api, other_line, _customer(0)).status_code == 202

    Call.objects.filter(pk=placed[0].json()["id"]).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    assert _place(tenant_api, line, _customer(0)).status_code == 202


def test_new_destinations_per_day_count_only_numbers_never_called_before(
    line, other_line, tenant_api, other_api
):
    outbound_policy_update(tenant=line.tenant, max_new_destinations_per_day=2)
    old = _place(tenant_api, line, _customer(9))
    Call.objects.filter(pk=old.json()["id"]).update(
        created_at=timezone.now() - timedelta(days=3), status=Call.Status.COMPLETED
    )
    for to in (_customer(1), _customer(2), _customer(1), _customer(9)):
        assert _place(tenant_api, line, to).status_code == 202  # two new, two known
    refused = _place(tenant_api, line, _customer(3))
    assert refused.status_code == 429, refused.content
    error = refused.json()["error"]
    assert error["code"] == "call_limit_reached"
    assert (
        "called 2 numbers for the first time in the last 24 hours, its limit (2)"
        in (error["message"])
    )
    assert 86_000 < int(refused["Retry-After"]) <= 86_400
    assert not Call.objects.filter(other_party=_customer(3)).exists()
    assert _place(tenant_api, line, _customer(2)).status_code == 202, "known numbers still go"
    assert _place(other_api, other_line, _customer(3)).status_code == 202


def test_staff_are_alerted_once_an_hour_per_tenant_and_limit(
    line, other_line, tenant_api, other_api, caplog
):
    for tenant in (line.tenant, other_line.tenant):
        outbound_policy_update(tenant=tenant, max_calls_per_hour=0, max_new_destinations_per_day=0)
    for _ in range(3):
        assert _place(tenant_api, line, _customer(1)).status_code == 429
    warnings = [r for r in caplog.records if "calls_per_hour limit" in r.getMessage()]
    assert len(warnings) == 3 and {r.levelno for r in warnings} == {logging.WARNING}
    assert "Acme Plumbing" in warnings[0].getMessage()
    assert [m.subject for m in mail.outbox] == [
        "[Parley] Acme Plumbing reached its calls per hour limit"
    ]

    assert _place(other_api, other_line, _customer(1)).status_code == 429
    outbound_policy_update(tenant=line.tenant, max_calls_per_hour=10)
    assert _place(tenant_api, line, _customer(1)).status_code == 429  # now a new destination
    assert [m.subject for m in mail.outbox] == [
        "[Parley] Acme Plumbing reached its calls per hour limit",
        "[Parley] Globex Dental reached its calls per hour limit",
        "[Parley] Acme Plumbing reached its new destinations per day limit",
    ]
    assert not Call.objects.exists()


def test_the_ui_shows_a_limit_as_a_clear_error(line, owner, login):
    owner.phone = AGENT
    owner.save()
    outbound_policy_update(tenant=line.tenant, max_calls_per_hour=0)
    response = login(owner).post("/calls/dial/", {"to": _customer(1)}, follow=True)
    assert "its limit (0); try again in 60 minutes." in response.content.decode()
    assert not Call.objects.exists()


def _waiting_on_a_lock() -> int:
    """Sessions of this database waiting for a lock (the statistics snapshot is dropped first:
    inside a transaction it would otherwise be the first one taken)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def test_two_requests_for_the_last_slot_cannot_both_pass(line, live_server, make_token):
    outbound_policy_update(tenant=line.tenant, max_calls_per_hour=1)
    token = make_token(line.tenant)
    statuses: list[int] = []

    def place(to: str) -> None:
        response = requests.post(
            f"{live_server.url}/api/v1/calls/",
            json={"from": line.e164, "to": to, "agent": AGENT},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=place, args=(_customer(n),)) for n in (1, 2)]
    with transaction.atomic():
        # Staff's edit holds the policy row: both requests must queue behind it, then each
        # other, rather than counting at the same moment.
        OutboundPolicy.objects.select_for_update().get(tenant=line.tenant)
        for thread in threads:
            thread.start()
        wait_until(lambda: _waiting_on_a_lock() == 2)
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [202, 429]
    assert Call.objects.filter(tenant=line.tenant).count() == 1
