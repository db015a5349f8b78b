"""Monthly limits set by staff (warning at 80%, 402 at the limit), the counters' UPSERT, active
number-days, the usage API's parameters, the admin across tenants, and tenant isolation."""

from __future__ import annotations

from datetime import date, timedelta
from numbers.models import PhoneNumber
from numbers.tasks import record_number_days

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from carrier.models import Provisioning
from messaging.models import Message
from usage import selectors
from usage.models import Metric, UsageCounter, UsageLimit
from usage.services import usage_limit_set, usage_record, usage_set
from voice.models import Call

from ..conftest import admin_form_post
from ..messaging.conftest import Wired
from ..tenants.test_api import assert_error

pytestmark = pytest.mark.django_db

CUSTOMER = "+19195550123"


@pytest.fixture
def wired(tenant):
    wired = Wired(tenant, "+19195550101")
    Provisioning.objects.filter(tenant=tenant).update(voice_application_id="voice-app")
    return wired


def test_counters_are_incremented_in_place_one_row_per_day_and_metric(tenant, other_tenant):
    day = date(2026, 11, 3)
    for quantity in (1, 2, 3):
        usage_record(tenant=tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=quantity, on=day)
    usage_record(tenant=other_tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=5, on=day)
    usage_record(tenant=tenant, metric=Metric.LOOKUPS, quantity=1, on=day)
    usage_record(tenant=tenant, metric=Metric.LOOKUPS, quantity=0, on=day + timedelta(days=1))
    rows = UsageCounter.objects.order_by("tenant__slug", "metric")
    assert [(r.tenant.slug, r.metric, r.quantity) for r in rows] == [
        ("acme", "lookups", 1),
        ("acme", "sms_out_segments", 6),
        ("globex", "sms_out_segments", 5),
    ]


@pytest.mark.parametrize(
    ("metric", "quantity"), [("minutes", 1), ("lookups", -1), ("lookups", 1.5)]
)
def test_a_bad_metric_or_quantity_is_refused(tenant, metric, quantity):
    from tenants.errors import ParleyError

    with pytest.raises(ParleyError):
        usage_record(tenant=tenant, metric=metric, quantity=quantity)
    assert not UsageCounter.objects.exists()


def test_warning_at_80_percent_once_a_month_then_402_at_the_limit(
    wired,
    tenant,
    other_tenant,
    tenant_api,
    owner,
    login,
    mailoutbox,
    settings,
    caplog,
    django_capture_on_commit_callbacks,
):
    settings.ADMINS = [("Staff", "staff@parley.test")]
    usage_limit_set(tenant=tenant, monthly_segments=10, monthly_minutes=None)
    with django_capture_on_commit_callbacks(execute=True):
        usage_record(tenant=tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=7)
    assert mailoutbox == [] and "usage-warning" not in login(owner).get("/usage/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        usage_record(tenant=tenant, metric=Metric.MMS_OUT, quantity=1)  # 8 of 10
        usage_record(tenant=tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=1)
    assert len(mailoutbox) == 1 and "80%" in mailoutbox[0].subject
    assert "Acme Plumbing" in mailoutbox[0].body
    assert any("has used 8 of its 10 segments" in r.getMessage() for r in caplog.records)
    banner = login(owner).get("/inbox/").content.decode()
    assert "usage-warning" in banner and "has used 9 of its 10 segments" in banner

    refused = tenant_api.post(
        "/api/v1/messages/",
        {"from": wired.e164, "to": [CUSTOMER], "text": "Long menu " * 20},  # 2 segments
        format="json",
    )
    error = assert_error(refused, 402, "usage_limit_reached")
    assert error["fields"] == {"segments": [error["message"]]}
    assert not Message.objects.exists()
    accepted = tenant_api.post(
        "/api/v1/messages/", {"from": wired.e164, "to": [CUSTOMER], "text": "Hi"}, format="json"
    )
    assert accepted.status_code == 202

    other = Wired(other_tenant, "+19195550202")
    assert selectors.usage_limit_warnings(tenant=other_tenant) == []
    from messaging.services import message_send

    assert message_send(tenant=other_tenant, from_number=other.e164, to=[CUSTOMER], text="x" * 400)


def test_a_call_at_the_minutes_limit_is_refused_before_bandwidth(wired, tenant, tenant_api):
    usage_limit_set(tenant=tenant, monthly_segments=None, monthly_minutes=2)
    usage_record(tenant=tenant, metric=Metric.CALL_MINUTES_IN, quantity=2)
    refused = tenant_api.post(
        "/api/v1/calls/",
        {"from": wired.e164, "to": CUSTOMER, "agent": "+19195550199"},
        format="json",
    )
    assert_error(refused, 402, "usage_limit_reached")
    assert not Call.objects.exists()
    usage_limit_set(tenant=tenant, monthly_segments=None, monthly_minutes=3)
    placed = tenant_api.post(
        "/api/v1/calls/",
        {"from": wired.e164, "to": CUSTOMER, "agent": "+19195550199"},
        format="json",
    )
    assert placed.status_code == 202, placed.content


def test_last_months_usage_does_not_count_against_this_month(tenant):
    usage_limit_set(tenant=tenant, monthly_segments=5, monthly_minutes=None)
    today = timezone.now().date()
    usage_record(
        tenant=tenant,
        metric=Metric.SMS_OUT_SEGMENTS,
        quantity=50,
        on=today.replace(day=1) - timedelta(days=1),
    )
    status = selectors.usage_limit_status(tenant=tenant, limit="segments")
    assert status is not None and (status.used, status.reached) == (0, False)


def test_active_number_days_are_set_once_a_day_whatever_the_reruns(tenant, other_tenant):
    for number, owner, status in [
        ("+19195550101", tenant, PhoneNumber.Status.ACTIVE),
        ("+19195550102", tenant, PhoneNumber.Status.ACTIVE),
        ("+19195550103", tenant, PhoneNumber.Status.RELEASED),
        ("+19195550202", other_tenant, PhoneNumber.Status.ACTIVE),
    ]:
        PhoneNumber.objects.create(tenant=owner, number=number, status=status)
    record_number_days.apply()
    record_number_days.apply()
    today = timezone.now().date()
    counts = {
        row.tenant.slug: row.quantity
        for row in UsageCounter.objects.filter(metric=Metric.NUMBER_DAYS, day=today)
    }
    assert counts == {"acme": 2, "globex": 1}
    usage_set(tenant=tenant, metric=Metric.NUMBER_DAYS, quantity=2, on=today)
    assert UsageCounter.objects.get(tenant=tenant, metric=Metric.NUMBER_DAYS).quantity == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"granularity": "week"}, "granularity"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": ""}, "to"),
        ({"tenant": "globex"}, "tenant"),
    ],
)
def test_the_usage_api_refuses_bad_parameters_by_name(tenant_api, query, field):
    response = tenant_api.get("/api/v1/usage/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_usage_defaults_to_the_last_30_days_and_groups_by_month(tenant, other_tenant, tenant_api):
    today = timezone.now().date()
    usage_record(tenant=tenant, metric=Metric.LOOKUPS, quantity=4, on=today)
    usage_record(tenant=other_tenant, metric=Metric.LOOKUPS, quantity=9, on=today)
    body = tenant_api.get("/api/v1/usage/").json()
    assert len(body["results"]) == 30 and body["to"] == today.isoformat()
    assert body["totals"]["lookups"] == 4
    months = tenant_api.get(
        "/api/v1/usage/", {"from": "2026-01-15", "to": "2026-03-02", "granularity": "month"}
    ).json()
    assert [r["period"] for r in months["results"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_usage_needs_a_member_and_another_tenants_page_shows_only_its_own(
    tenant, other_owner, login, client
):
    usage_record(tenant=tenant, metric=Metric.CALL_MINUTES_OUT, quantity=7)
    assert client.get("/api/v1/usage/").status_code == 401
    assert client.get("/usage/").status_code == 302
    page = login(other_owner).get("/usage/").content.decode()
    assert 'id="usage-call_minutes_out"><td>Call minutes, outbound</td><td>0</td>' in page
    export = login(other_owner).get("/usage/export.csv").content.decode()
    assert ",7" not in export
    assert login(other_owner).get("/usage/export.csv", {"granularity": "year"}).status_code == 400


def test_staff_see_usage_across_tenants_with_totals_and_set_limits(tenant, other_tenant):
    from django.test import Client

    usage_record(tenant=tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=3)
    usage_record(tenant=other_tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=4)
    usage_record(tenant=other_tenant, metric=Metric.CALL_MINUTES_IN, quantity=5)
    staff = Client()
    staff.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    page = staff.get("/admin/usage/usagecounter/")
    assert page.status_code == 200
    totals = {row["metric"]: row["total"] for row in page.context["usage_totals"]}
    assert totals == {"sms_out_segments": 7, "call_minutes_in": 5}
    narrowed = staff.get("/admin/usage/usagecounter/", {"tenant__id__exact": str(tenant.pk)})
    assert {r["metric"]: r["total"] for r in narrowed.context["usage_totals"]} == {
        "sms_out_segments": 3
    }
    added = staff.post(
        "/admin/usage/usagelimit/add/",
        {"tenant": str(tenant.pk), "monthly_segments": "100", "monthly_minutes": ""},
    )
    assert added.status_code == 302, added.content
    assert UsageLimit.objects.get(tenant=tenant).monthly_segments == 100
    limit = UsageLimit.objects.get(tenant=tenant)
    admin_form_post(staff, f"/admin/usage/usagelimit/{limit.pk}/change/", {"monthly_minutes": "30"})
    limit.refresh_from_db()
    assert (limit.monthly_segments, limit.monthly_minutes) == (100, 30)
