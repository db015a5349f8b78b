"""Contacts and tags, as a user and an integrator meet them: create, edit, delete (conversations
kept), tags with filters in the contacts list, the inbox and the API; always with two tenants."""

from __future__ import annotations

import pytest

from compliance.models import LineTypeLookup
from messaging import services
from messaging.models import Contact, Conversation, OptOut, Tag

pytestmark = pytest.mark.django_db


def _conversation_with(wired, number: str) -> Conversation:
    return services.message_send(
        tenant=wired.tenant, from_number=wired.e164, to=[number], text="Hi"
    ).message.conversation


# --- UI


def test_create_a_contact_in_the_tenants_region_with_tags(login, owner, tenant):
    client = login(owner)
    page = client.get("/contacts/new/")
    assert page.status_code == 200
    response = client.post(
        "/contacts/new/",
        {"number": "(919) 555-0142", "name": " Jane Doe ", "tags": "vip, Newsletter; vip"},
    )
    contact = Contact.objects.get(tenant=tenant)
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    assert (contact.number, contact.name) == ("+19195550142", "Jane Doe")
    assert sorted(t.name for t in contact.tags.all()) == ["Newsletter", "vip"]


def test_a_bad_or_duplicate_number_is_refused_next_to_the_field(login, owner, tenant):
    client = login(owner)
    response = client.post("/contacts/new/", {"number": "555-01", "name": "X"})
    assert response.status_code == 400
    assert b'id="number-error"' in response.content
    assert not Contact.objects.filter(tenant=tenant).exists()
    services.contact_create(tenant=tenant, number="+19195550142")
    response = client.post("/contacts/new/", {"number": "919 555 0142"})
    assert response.status_code == 400 and b"already a contact" in response.content
    assert Contact.objects.filter(tenant=tenant).count() == 1


def test_edit_tags_and_filter_the_list_by_tag(login, owner, tenant, other_tenant):
    client = login(owner)
    jane = services.contact_create(tenant=tenant, number="+19195550142", name="Jane")
    services.contact_create(tenant=tenant, number="+19195550143", name="Omar", tags=["lead"])
    theirs = services.contact_create(tenant=other_tenant, number="+19195550144", tags=["vip"])
    client.post(f"/contacts/{jane.pk}/", {"name": "Jane Doe", "notes": "n", "tags": "vip"})
    vip = Tag.objects.get(tenant=tenant, name="vip")
    page = client.get(f"/contacts/?tag={vip.pk}")
    assert page.status_code == 200
    assert b"Jane Doe" in page.content and b"Omar" not in page.content
    assert theirs.number.encode() not in page.content
    assert f"/broadcasts/new/?audience=tag:{vip.pk}".encode() in page.content
    by_name = client.get("/contacts/?tag=VIP")
    assert b"Jane Doe" in by_name.content
    other_tag = Tag.objects.get(tenant=other_tenant, name="vip")
    assert client.get(f"/contacts/?tag={other_tag.pk}").status_code == 404
    assert client.get(f"/contacts/{theirs.pk}/").status_code == 404


def test_delete_keeps_the_conversations(login, owner, wired):
    client = login(owner)
    conversation = _conversation_with(wired, "+19195550142")
    contact = Contact.objects.get(tenant=wired.tenant, number="+19195550142")
    response = client.post(f"/contacts/{contact.pk}/", {"action": "delete"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=contact.pk).exists()
    conversation.refresh_from_db()
    assert conversation.messages.count() == 1
    assert client.get(f"/inbox/{conversation.pk}/").status_code == 200


def test_deleting_an_opted_out_contact_keeps_the_opt_out(login, owner, wired):
    client = login(owner)
    contact = services.contact_create(
        tenant=wired.tenant, number="+19195550142", name="Jane", tags=["vip"]
    )
    services.contact_opt_out(tenant=wired.tenant, number=contact.number, source="agent")
    client.post(f"/contacts/{contact.pk}/", {"action": "delete"})
    contact.refresh_from_db()
    assert contact.opted_out and contact.name == "" and not contact.tags.exists()
    assert OptOut.objects.filter(contact=contact).count() == 1


def test_another_tenant_cannot_delete_or_edit(login, owner, other_owner, tenant):
    contact = services.contact_create(tenant=tenant, number="+19195550142", name="Jane")
    intruder = login(other_owner)
    assert intruder.post(f"/contacts/{contact.pk}/", {"action": "delete"}).status_code == 404
    assert intruder.post(f"/contacts/{contact.pk}/", {"name": "X"}).status_code == 404
    contact.refresh_from_db()
    assert contact.name == "Jane"


def test_conversation_tags_and_the_inbox_filter(login, owner, other_owner, wired, other_wired):
    client = login(owner)
    tagged = _conversation_with(wired, "+19195550142")
    _conversation_with(wired, "+19195550143")
    response = client.post(
        f"/inbox/{tagged.pk}/action/", {"action": "tags", "tags": "billing, urgent"}
    )
    assert response.status_code == 302
    assert sorted(t.name for t in tagged.tags.all()) == ["billing", "urgent"]
    billing = Tag.objects.get(tenant=wired.tenant, name="billing")
    rows = client.get(f"/inbox/rows/?view=all&tag={billing.pk}")
    assert b"+19195550142" in rows.content and b"+19195550143" not in rows.content
    page = client.get(f"/inbox/{tagged.pk}/")
    assert b'value="billing, urgent"' in page.content
    intruder = login(other_owner)
    assert intruder.post(f"/inbox/{tagged.pk}/action/", {"action": "tags"}).status_code == 404
    assert intruder.get(f"/inbox/?tag={billing.pk}").status_code == 404


def test_export_is_the_tenants_contacts_as_csv(login, owner, other_owner, tenant, other_tenant):
    services.contact_create(tenant=tenant, number="+19195550142", name="=cmd()", tags=["a", "b"])
    services.contact_create(tenant=other_tenant, number="+19195550199", name="Theirs")
    response = login(owner).get("/contacts/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines() == [
        "number,name,notes,tags,opted_out",
        "+19195550142,'=cmd(),,a;b,",
    ]
    theirs = b"".join(login(other_owner).get("/contacts/export.csv").streaming_content).decode()
    assert "+19195550142" not in theirs and "Theirs" in theirs


# --- API


def test_api_contacts_crud_with_tags(tenant_api, other_api, tenant):
    created = tenant_api.post(
        "/api/v1/contacts/",
        {"number": "919-555-0142", "name": "Jane", "tags": ["vip"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"] == "+19195550142" and body["tags"] == ["vip"]
    pk = body["id"]
    changed = tenant_api.patch(
        f"/api/v1/contacts/{pk}/", {"tags": ["vip", "lead"], "name": "Jane D"}, format="json"
    )
    assert changed.status_code == 200 and sorted(changed.json()["tags"]) == ["lead", "vip"]
    assert other_api.get(f"/api/v1/contacts/{pk}/").status_code == 404
    assert (
        other_api.patch(f"/api/v1/contacts/{pk}/", {"name": "x"}, format="json").status_code == 404
    )
    assert other_api.delete(f"/api/v1/contacts/{pk}/").status_code == 404
    assert tenant_api.delete(f"/api/v1/contacts/{pk}/").status_code == 204
    assert not Contact.objects.filter(pk=pk).exists()


def test_api_bad_contact_input_names_the_field(tenant_api, tenant):
    bad = tenant_api.post("/api/v1/contacts/", {"number": "12"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_phone_number"
    assert "number" in bad.json()["error"]["fields"]
    long_tag = tenant_api.post(
        "/api/v1/contacts/", {"number": "+19195550142", "tags": ["x" * 41]}, format="json"
    )
    assert long_tag.status_code == 400 and "tags" in str(long_tag.json()["error"]["fields"])
    assert not Contact.objects.filter(tenant=tenant).exists()


def test_api_list_filters_by_tag(tenant_api, other_api, tenant, other_tenant, wired):
    services.contact_create(tenant=tenant, number="+19195550142", tags=["vip"])
    services.contact_create(tenant=tenant, number="+19195550143")
    services.contact_create(tenant=other_tenant, number="+19195550144", tags=["vip"])
    listed = tenant_api.get("/api/v1/contacts/?tag=vip").json()
    assert [c["number"] for c in listed["results"]] == ["+19195550142"]
    theirs = other_api.get("/api/v1/contacts/?tag=vip").json()
    assert [c["number"] for c in theirs["results"]] == ["+19195550144"]
    unknown = tenant_api.get("/api/v1/contacts/?tag=nope")
    assert unknown.status_code == 400 and unknown.json()["error"]["fields"] == {
        "tag": ["No such tag."]
    }
    conversation = _conversation_with(wired, "+19195550142")
    set_tags = tenant_api.patch(
        f"/api/v1/conversations/{conversation.pk}/", {"tags": ["billing"]}, format="json"
    )
    assert set_tags.status_code == 200 and set_tags.json()["tags"] == ["billing"]
    _conversation_with(wired, "+19195550143")
    rows = tenant_api.get("/api/v1/conversations/?tag=billing").json()["results"]
    assert [r["id"] for r in rows] == [conversation.pk]
    assert other_api.get("/api/v1/conversations/?tag=billing").status_code == 400
    tags = tenant_api.get("/api/v1/tags/").json()["results"]
    assert sorted(t["name"] for t in tags) == ["billing", "vip"]
    assert [t["name"] for t in other_api.get("/api/v1/tags/").json()["results"]] == ["vip"]


def test_contact_lists_cost_the_same_queries_however_many_contacts(
    login, owner, tenant, tenant_api, django_assert_max_num_queries
):
    client = login(owner)
    for i in range(30):
        services.contact_create(tenant=tenant, number=f"+1919555{2000 + i:04d}", tags=["a", "b"])
        if i % 3 == 0:
            LineTypeLookup.objects.create(
                tenant=tenant, number=f"+1919555{2000 + i:04d}", line_type="FIXED"
            )
    with django_assert_max_num_queries(14):  # the line types in one query
        page = client.get("/contacts/?tag=a")
    assert page.status_code == 200 and page.content.count(b'class="pill tag"') == 60
    assert page.content.count(b'class="pill not-textable"') == 10
    with django_assert_max_num_queries(8):
        listed = tenant_api.get("/api/v1/contacts/?tag=b")
    assert len(listed.json()["results"]) == 30
