"""The API base: token authentication, tenant scoping, roles, suspension, errors, pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tenants import services
from tenants.models import ApiToken
from tenants.throttling import ApiTokenRateThrottle

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_tenant_endpoint_returns_the_tokens_tenant(tenant, other_tenant, tenant_api, other_api):
    mine = tenant_api.get("/api/v1/tenant/").json()
    theirs = other_api.get("/api/v1/tenant/").json()
    assert mine["slug"] == "acme" and mine["id"] == str(tenant.id)
    assert theirs["slug"] == "globex"


@pytest.mark.parametrize(
    "header",
    ["Bearer prl_000000000000_nope", "Bearer not-a-token", "Bearer ", "Token abc"],
)
def test_wrong_token_is_401_in_the_error_shape(client, header):
    response = client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=header)
    error = assert_error(response, 401, response.json()["error"]["code"])
    assert error["code"] in {"authentication_failed", "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_is_401(client):
    assert_error(client.get("/api/v1/tenant/"), 401, "not_authenticated")


def test_revoked_and_expired_tokens_are_401(tenant, api):
    token, plaintext = services.api_token_create(tenant=tenant, name="ci", scopes=["read"])
    assert api(plaintext).get("/api/v1/tenant/").status_code == 200
    services.api_token_revoke(token=token)
    assert_error(api(plaintext).get("/api/v1/tenant/"), 401, "authentication_failed")

    token, plaintext = services.api_token_create(
        tenant=tenant,
        name="short",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(api(plaintext).get("/api/v1/tenant/"), 401, "authentication_failed")


def test_token_with_another_tokens_secret_is_rejected(tenant, other_tenant, make_token, api):
    mine = make_token(tenant)
    theirs = make_token(other_tenant)
    forged = "_".join([*mine.split("_", 2)[:2], theirs.split("_", 2)[2]])
    assert_error(api(forged).get("/api/v1/tenant/"), 401, "authentication_failed")


def test_members_list_is_scoped(tenant, other_tenant, owner, other_owner, tenant_api):
    MembershipFactory(tenant=other_tenant, role="agent")
    body = tenant_api.get("/api/v1/members/").json()
    assert [m["email"] for m in body["results"]] == [owner.user.email]


def test_token_create_shows_secret_once_and_list_never(tenant, tenant_api, api):
    created = tenant_api.post(
        "/api/v1/tokens/", {"name": "zapier", "scopes": ["read", "write"]}, format="json"
    )
    assert created.status_code == 201
    plaintext = created.json()["token"]
    assert plaintext.startswith("prl_")
    listed = tenant_api.get("/api/v1/tokens/").json()["results"]
    assert all("token" not in row for row in listed)
    assert "zapier" in [row["name"] for row in listed]
    assert api(plaintext).get("/api/v1/tenant/").json()["slug"] == "acme"


def test_database_never_holds_a_usable_token(tenant, make_token):
    plaintext = make_token(tenant)
    secret = plaintext.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM tenants_apitoken")
        rows = cursor.fetchall()
    dumped = repr(rows)
    assert secret not in dumped and plaintext not in dumped
    assert rows


def test_another_tenants_token_is_404_and_stays_usable(tenant, other_tenant, tenant_api, api):
    theirs, plaintext = services.api_token_create(tenant=other_tenant, name="x", scopes=["read"])
    assert_error(tenant_api.get(f"/api/v1/tokens/{theirs.pk}/"), 404, "not_found")
    assert_error(tenant_api.delete(f"/api/v1/tokens/{theirs.pk}/"), 404, "not_found")
    assert api(plaintext).get("/api/v1/tenant/").status_code == 200
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoke_through_the_api(tenant, tenant_api, api):
    token, plaintext = services.api_token_create(tenant=tenant, name="old", scopes=["read"])
    response = tenant_api.delete(f"/api/v1/tokens/{token.pk}/")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert api(plaintext).get("/api/v1/tenant/").status_code == 401


def test_bad_input_names_the_field_and_writes_nothing(tenant, tenant_api):
    before = ApiToken.objects.count()
    response = tenant_api.post("/api/v1/tokens/", {"name": "", "scopes": ["root"]}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert set(error["fields"]) == {"name", "scopes[0]"}
    assert "root" in error["fields"]["scopes[0]"][0]
    assert ApiToken.objects.count() == before


def test_scopes_limit_what_a_token_can_do(tenant, make_token, api):
    reader = api(make_token(tenant, scopes=["read"]))
    assert reader.get("/api/v1/tokens/").status_code == 200
    assert_error(
        reader.post("/api/v1/tokens/", {"name": "x", "scopes": ["read"]}, format="json"),
        403,
        "missing_scope",
    )
    writer = api(make_token(tenant, scopes=["read", "write"]))
    response = writer.post("/api/v1/tokens/", {"name": "x", "scopes": ["read"]}, format="json")
    assert_error(response, 403, "permission_denied")


def test_suspended_tenant_gets_403_with_a_clear_message(
    tenant, other_tenant, tenant_api, other_api
):
    services.tenant_suspend(tenant=tenant)
    error = assert_error(tenant_api.get("/api/v1/tenant/"), 403, "tenant_suspended")
    assert "suspended" in error["message"]
    assert other_api.get("/api/v1/tenant/").status_code == 200


def test_session_user_uses_the_api_for_their_tenant(owner, other_owner, login):
    client = login(owner)
    assert client.get("/api/v1/tenant/").json()["slug"] == "acme"


def test_agent_session_cannot_manage_tokens(agent, login):
    client = login(agent)
    response = client.post(
        "/api/v1/tokens/", {"name": "x", "scopes": ["read"]}, content_type="application/json"
    )
    assert response.status_code == 403


def test_cursor_pagination_returns_results_and_next(tenant, tenant_api):
    for index in range(5):
        services.api_token_create(tenant=tenant, name=f"t{index}", scopes=["read"])
    first = tenant_api.get("/api/v1/tokens/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = tenant_api.get(first["next"]).json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_throttled_per_token(tenant, make_token, api, monkeypatch):
    monkeypatch.setattr(ApiTokenRateThrottle, "THROTTLE_RATES", {"api_token": "3/min"})
    first, second = api(make_token(tenant)), api(make_token(tenant))
    codes = [first.get("/api/v1/tenant/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert_error(first.get("/api/v1/tenant/"), 429, "throttled")
    assert second.get("/api/v1/tenant/").status_code == 200


def test_token_use_is_recorded(tenant, api):
    token, plaintext = services.api_token_create(tenant=tenant, name="used", scopes=["read"])
    api(plaintext).get("/api/v1/tenant/")
    token.refresh_from_db()
    assert token.last_used_at is not None
