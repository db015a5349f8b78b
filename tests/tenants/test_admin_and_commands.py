"""Staff admin actions, the create_tenant command, health, settings and the OpenAPI schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from tenants import services
from tenants.models import ApiToken, Membership, Tenant

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff_client(client, db):
    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    return client


def test_create_tenant_json_prints_a_working_login_and_token(db, capsys, client):
    call_command(
        "create_tenant", "--name", "Initech", "--owner-email", "boss@initech.test", "--json"
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"tenant", "tenant_id", "login", "password", "api_token"}
    tenant = Tenant.objects.get(slug=out["tenant"])
    assert str(tenant.id) == out["tenant_id"]
    assert Membership.objects.get(tenant=tenant).role == "owner"
    signed_in = client.post(
        "/accounts/login/", {"username": out["login"], "password": out["password"]}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {out['api_token']}")
    assert api.get("/api/v1/tenant/").json()["slug"] == out["tenant"]


def test_create_tenant_refuses_bad_input_and_writes_nothing(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="email"):
        call_command("create_tenant", "--name", "X", "--owner-email", "not-an-email")
    assert not Tenant.objects.exists()


def test_admin_lists_and_suspends_tenants(staff_client, tenant, other_tenant):
    page = staff_client.get("/admin/tenants/tenant/?q=acme").content.decode()
    assert "Acme Plumbing" in page and "Globex Dental" not in page
    staff_client.post(
        "/admin/tenants/tenant/",
        {"action": "suspend", "_selected_action": [str(tenant.pk)]},
    )
    tenant.refresh_from_db()
    other_tenant.refresh_from_db()
    assert tenant.status == "suspended" and other_tenant.status == "active"
    staff_client.post(
        "/admin/tenants/tenant/", {"action": "reactivate", "_selected_action": [str(tenant.pk)]}
    )
    tenant.refresh_from_db()
    assert tenant.status == "active"


def test_admin_revokes_tokens_and_never_shows_hashes(staff_client, tenant):
    token, _ = services.api_token_create(tenant=tenant, name="leaky", scopes=["read"])
    page = staff_client.get(f"/admin/tenants/apitoken/{token.pk}/change/").content.decode()
    assert token.secret_hash not in page
    staff_client.post(
        "/admin/tenants/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]}
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_admin_membership_pages_render(staff_client, owner):
    assert staff_client.get("/admin/tenants/membership/").status_code == 200
    assert staff_client.get(f"/admin/tenants/tenant/{owner.tenant_id}/change/").status_code == 200


def test_healthz_ok_with_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_503_when_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("down")
    assert response.json()["database"] == "ok"


def _start_in_production(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BANDWIDTH_", "SECRET", "FIELD"))
    }
    env.update({"PARLEY_ENV": "production", "PYTHONPATH": str(ROOT), **overrides})
    for name in (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "ALLOWED_HOSTS",
        "PUBLIC_BASE_URL",
    ):
        env.pop(name, None) if name not in overrides else None
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secrets():
    result = _start_in_production()
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "BANDWIDTH_CLIENT_SECRET" in result.stderr


def test_production_names_only_the_missing_secret():
    complete = {
        "SECRET_KEY": "s" * 50,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/parley",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "ALLOWED_HOSTS": "parley.example.com",
        "PUBLIC_BASE_URL": "https://parley.example.com",
        "FIELD_ENCRYPTION_KEY": "cGFybGV5LXRlc3QtZmllbGQta2V5LTAwMDAwMDAwMDA=",
        "BANDWIDTH_ACCOUNT_ID": "1",
        "BANDWIDTH_CLIENT_ID": "c",
    }
    result = _start_in_production(**complete)
    assert result.returncode != 0
    assert "BANDWIDTH_CLIENT_SECRET" in result.stderr and "SECRET_KEY," not in result.stderr
    assert _start_in_production(**complete, BANDWIDTH_CLIENT_SECRET="x").returncode == 0


def test_production_takes_the_encryption_keys_as_a_list_or_the_older_single_key():
    complete = {
        "SECRET_KEY": "s" * 50,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/parley",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "ALLOWED_HOSTS": "parley.example.com",
        "PUBLIC_BASE_URL": "https://parley.example.com",
        "BANDWIDTH_ACCOUNT_ID": "1",
        "BANDWIDTH_CLIENT_ID": "c",
        "BANDWIDTH_CLIENT_SECRET": "x",
    }
    without = _start_in_production(**complete)
    assert without.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in without.stderr
    keys = (
        "cGFybGV5LXRlc3QtZmllbGQta2V5LTAwMDAwMDAwMDA=,cGFybGV5LXRlc3QtZmllbGQta2V5LTExMTExMTExMTE="
    )
    assert _start_in_production(**complete, FIELD_ENCRYPTION_KEYS=keys).returncode == 0


def test_openapi_schema_generates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    assert "/api/v1/tenant/" in schema and "bearer" in schema


def test_swagger_ui_is_served(client, db):
    assert client.get("/api/v1/docs/").status_code == 200
