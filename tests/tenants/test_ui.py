"""The client UI shell: login, navigation, tenant switcher, members and API-token settings."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tenants import services
from tenants.models import ApiToken, Membership

from ..factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_login_page_and_sign_in(client, owner):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": owner.user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert b"Acme Plumbing" in response.content


def test_pages_need_a_login(client):
    for path in ["/", "/inbox/", "/numbers/", "/settings/members/", "/settings/tokens/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_navigation_reaches_every_section(owner, login):
    client = login(owner)
    page = client.get("/settings/members/").content.decode()
    for label, path in [
        ("Inbox", "/inbox/"),
        ("Numbers", "/numbers/"),
        ("Calls", "/calls/"),
        ("Contacts", "/contacts/"),
        ("Settings", "/settings/"),
    ]:
        assert f'href="{path}"' in page and f">{label}</a>" in page
        assert client.get(path, follow=True).status_code == 200


def test_members_page_shows_only_this_tenant(owner, other_owner, login):
    page = login(owner).get("/settings/members/").content.decode()
    assert owner.user.email in page
    assert other_owner.user.email not in page


def test_owner_adds_a_member_with_a_role(owner, login):
    client = login(owner)
    response = client.post(
        "/settings/members/", {"email": "New.Hire@Example.com", "role": "agent"}, follow=True
    )
    page = response.content.decode()
    assert "new.hire@example.com added as Agent" in page
    assert "emailed them a link to choose their password" in page
    assert "password" not in page.split("added as Agent")[1].split("</li>")[0].replace(
        "choose their password", ""
    )
    membership = Membership.objects.get(user__email="new.hire@example.com")
    assert membership.tenant_id == owner.tenant_id and membership.role == "agent"


def test_adding_an_existing_member_is_refused(owner, agent, login):
    response = login(owner).post("/settings/members/", {"email": agent.user.email, "role": "admin"})
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_invalid_member_input_names_the_field(owner, login):
    response = login(owner).post("/settings/members/", {"email": "nope", "role": "king"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page and "Select a valid choice" in page
    assert not get_user_model().objects.filter(email="nope").exists()


def test_agent_sees_members_but_cannot_manage(agent, owner, login):
    client = login(agent)
    assert client.get("/settings/members/").status_code == 200
    assert (
        client.post("/settings/members/", {"email": "x@example.com", "role": "agent"}).status_code
        == 403
    )
    assert client.post(f"/settings/members/{owner.pk}/remove/").status_code == 403
    assert client.post(f"/settings/members/{owner.pk}/role/", {"role": "agent"}).status_code == 403
    assert client.get("/settings/tokens/").status_code == 403
    assert Membership.objects.filter(pk=owner.pk, role="owner").exists()


def test_admin_cannot_create_or_demote_owners(admin_member, owner, agent, login):
    client = login(admin_member)
    client.post(f"/settings/members/{agent.pk}/role/", {"role": "owner"})
    client.post(f"/settings/members/{owner.pk}/role/", {"role": "agent"})
    client.post(f"/settings/members/{owner.pk}/remove/")
    agent.refresh_from_db()
    owner.refresh_from_db()
    assert agent.role == "agent" and owner.role == "owner"


def test_owner_changes_role_and_removes(owner, agent, login):
    client = login(owner)
    client.post(f"/settings/members/{agent.pk}/role/", {"role": "admin"})
    agent.refresh_from_db()
    assert agent.role == "admin"
    client.post(f"/settings/members/{agent.pk}/remove/")
    assert not Membership.objects.filter(pk=agent.pk).exists()


def test_last_owner_stays(owner, login):
    client = login(owner)
    response = client.post(f"/settings/members/{owner.pk}/role/", {"role": "agent"}, follow=True)
    assert "at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_another_tenants_member_is_404(owner, other_owner, login):
    client = login(owner)
    assert client.post(f"/settings/members/{other_owner.pk}/remove/").status_code == 404
    assert (
        client.post(f"/settings/members/{other_owner.pk}/role/", {"role": "agent"}).status_code
        == 404
    )
    assert Membership.objects.filter(pk=other_owner.pk).exists()


def test_token_created_in_the_ui_is_shown_once(owner, login, api):
    client = login(owner)
    response = client.post("/settings/tokens/", {"name": "crm", "scopes": ["read"]})
    page = response.content.decode()
    token = ApiToken.objects.get(name="crm")
    plaintext = page.split('<code class="secret">')[1].split("</code>")[0]
    assert plaintext.startswith(f"prl_{token.prefix}_")
    assert api(plaintext).get("/api/v1/tenant/").status_code == 200
    assert plaintext not in client.get("/settings/tokens/").content.decode()


def test_token_pages_are_scoped_and_revoke_works(owner, other_tenant, login, api):
    mine, my_plaintext = services.api_token_create(
        tenant=owner.tenant, name="mine", scopes=["read"]
    )
    theirs, _ = services.api_token_create(tenant=other_tenant, name="theirs-token", scopes=["read"])
    client = login(owner)
    page = client.get("/settings/tokens/").content.decode()
    assert "mine" in page and "theirs-token" not in page
    assert client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.post(f"/settings/tokens/{mine.pk}/revoke/")
    assert api(my_plaintext).get("/api/v1/tenant/").status_code == 401


def test_switcher_changes_the_current_tenant(owner, other_tenant, login):
    MembershipFactory(tenant=other_tenant, user=owner.user, role="agent")
    client = login(owner)
    assert "Acme Plumbing" in client.get("/inbox/").content.decode()
    client.post("/switch-tenant/", {"tenant": str(other_tenant.id)})
    page = client.get("/settings/members/").content.decode()
    assert "selected>Globex Dental" in page
    assert client.get("/settings/tokens/").status_code == 403


def test_switcher_ignores_a_tenant_the_user_is_not_in(owner, other_tenant, login):
    client = login(owner)
    client.post("/switch-tenant/", {"tenant": str(other_tenant.id)})
    assert "Acme Plumbing" in client.get("/inbox/").content.decode()


def test_suspended_tenant_users_get_403(owner, login):
    services.tenant_suspend(tenant=owner.tenant)
    response = login(owner).get("/inbox/")
    assert response.status_code == 403
    assert "is suspended" in response.content.decode()


def test_user_without_tenant_is_told_so(client, db):
    client.force_login(get_user_model().objects.create_user(username="lonely", password=PASSWORD))
    response = client.get("/inbox/")
    assert response.status_code == 403 and "not a member of any tenant" in response.content.decode()
