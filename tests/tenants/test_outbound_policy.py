"""The outbound policy (toll-fraud controls): tenants read it in Settings, staff change it in the
admin, and texts' allowed countries moved into it from messaging by a data migration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenants.models import OutboundPolicy
from tenants.services import outbound_policy_update


@pytest.mark.django_db
def test_members_read_their_own_policy_in_settings(owner, agent, other_owner, login):
    outbound_policy_update(
        tenant=other_owner.tenant, call_countries=["US", "JM"], max_calls_per_hour=5
    )
    page = login(owner).get("/settings/calling/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<dd id="call-countries">US, CA</dd>' in html
    assert '<dd id="text-countries">US, CA</dd>' in html
    assert '<dd id="premium">refused</dd>' in html
    assert '<dd id="max-concurrent-calls">10</dd>' in html
    assert '<dd id="max-calls-per-hour">200</dd>' in html
    assert '<dd id="max-new-destinations">100</dd>' in html
    assert "Contact support to change them." in html
    assert "<form" not in html.split('id="outbound-policy"')[1]
    assert not OutboundPolicy.objects.filter(tenant=owner.tenant).exists(), "reading writes nothing"

    assert (
        '<dd id="call-countries">US, CA</dd>'
        in login(agent).get("/settings/calling/").content.decode()
    )
    theirs = login(other_owner).get("/settings/calling/").content.decode()
    assert '<dd id="call-countries">US, JM</dd>' in theirs
    assert '<dd id="max-calls-per-hour">5</dd>' in theirs
    assert "/settings/calling/" in login(owner).get("/settings/members/").content.decode()


@pytest.mark.django_db
def test_the_policy_service_refuses_what_is_not_a_setting_or_a_region(tenant):
    from tenants.errors import ParleyError

    with pytest.raises(ParleyError) as unknown:
        outbound_policy_update(tenant=tenant, daily_segment_cap=5)
    assert unknown.value.field == "daily_segment_cap"
    with pytest.raises(ParleyError) as bad:
        outbound_policy_update(tenant=tenant, call_countries=["US", "ZZ"])
    assert bad.value.field == "call_countries" and "ZZ" in bad.value.message
    assert not OutboundPolicy.objects.filter(tenant=tenant).exists(), "nothing is written"


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_moves_texts_allowed_countries_into_the_policy(tenant, other_tenant):
    before = [
        ("messaging", "0006_dailysegmentusage_drop_idempotencykey"),
        ("tenants", "0005_outbound_policy"),
    ]
    executor = MigrationExecutor(connection)
    # Forward again to every app's latest migration: going back to tenants 0005 also unapplied
    # what came after it in other apps, which the tests after this one need.
    after = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        old.get_model("messaging", "MessagingPolicy").objects.create(
            tenant_id=tenant.pk, allowed_countries=["us", "GB"]
        )
        old.get_model("tenants", "OutboundPolicy").objects.create(
            tenant_id=other_tenant.pk, call_countries=["US", "JM"]
        )
        old.get_model("messaging", "MessagingPolicy").objects.create(
            tenant_id=other_tenant.pk, allowed_countries=["CA"]
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    mine = OutboundPolicy.objects.get(tenant=tenant)
    assert (mine.text_countries, mine.call_countries) == (["US", "GB"], ["US", "CA"])
    theirs = OutboundPolicy.objects.get(tenant=other_tenant)
    assert (theirs.text_countries, theirs.call_countries) == (["CA"], ["US", "JM"])
