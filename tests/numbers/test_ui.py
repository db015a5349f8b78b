"""The Numbers page: provisioning banner, list, search, buy, release, rename; agents and the
other tenant."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from carrier.models import Provisioning

from .conftest import wait_for_status

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_page_shows_provisioning_pending_and_failed(login, owner, tenant):
    page = login(owner).get("/numbers/")
    assert page.status_code == 200
    assert "being set up" in page.content.decode()

    Provisioning.objects.create(
        tenant=tenant, status=Provisioning.Status.FAILED, error="Step 'site' failed: 401: no"
    )
    page = login(owner).get("/numbers/").content.decode()
    assert "failed" in page and "Step &#x27;site&#x27; failed" in page


def test_search_buy_and_watch_it_become_active(ready, login, owner, tenant, celery_worker):
    client = login(owner)
    results = client.get("/numbers/search/", {"area_code": "919"}, HTTP_HX_REQUEST="true")
    assert results.status_code == 200
    html = results.content.decode()
    assert "Buy selected numbers" in html and "(919) " in html and "NC" in html
    number = html.split('name="numbers" value="')[1].split('"')[0]

    bought = client.post("/numbers/buy/", {"numbers": [number]}, follow=True)

    assert bought.status_code == 200
    page = bought.content.decode()
    assert "Ordering" in page and 'hx-trigger="every 1s"' in page
    row = PhoneNumber.objects.get(number=number)
    assert row.tenant_id == tenant.id
    wait_for_status(row.pk, "active")
    fragment = client.get("/numbers/list/").content.decode()
    assert "Active" in fragment and "every 1s" not in fragment  # polling stops

    client.post(f"/numbers/{row.pk}/rename/", {"friendly_name": "Main line"})
    assert PhoneNumber.objects.get(pk=row.pk).friendly_name == "Main line"

    released = client.post(f"/numbers/{row.pk}/release/", follow=True).content.decode()
    assert "Releasing" in released
    wait_for_status(row.pk, "released")
    assert "Released numbers" in client.get("/numbers/").content.decode()


def test_bad_search_input_is_a_400_with_the_reason(ready, login, owner):
    page = login(owner).get("/numbers/", {"area_code": "12"})
    assert page.status_code == 400
    assert "is not an area code" in page.content.decode()
    fragment = login(owner).get("/numbers/search/", {"zip": "abc"})
    assert fragment.status_code == 400 and "ZIP" in fragment.content.decode()


def test_buying_a_number_not_offered_shows_the_reason_and_keeps_nothing(ready, login, owner):
    page = login(owner).post("/numbers/buy/", {"numbers": ["+19195550123"]}, follow=True)
    assert "not offered by a recent search" in page.content.decode()
    assert not PhoneNumber.objects.exists()


def test_agents_see_numbers_but_cannot_buy_release_or_rename(ready, login, agent, tenant):
    row = PhoneNumber.objects.create(tenant=tenant, number="+19195550111", status="active")
    client = login(agent)
    page = client.get("/numbers/").content.decode()
    assert "+19195550111" in page
    assert "Release" not in page and "Rename" not in page
    results = client.get("/numbers/search/", {"area_code": "919"}).content.decode()
    assert "Buy selected" not in results and "Ask an owner or admin" in results
    number = results.split("<strong>")[1].split("</strong>")[0]
    assert number.startswith("(919)")

    assert client.post("/numbers/buy/", {"numbers": ["+19195550123"]}).status_code == 403
    assert client.post(f"/numbers/{row.pk}/release/").status_code == 403
    assert client.post(f"/numbers/{row.pk}/rename/", {"friendly_name": "x"}).status_code == 403
    row.refresh_from_db()
    assert row.status == "active" and row.friendly_name == ""


def test_another_tenants_numbers_are_invisible_and_404(ready, login, owner, other_owner, tenant):
    row = PhoneNumber.objects.create(tenant=tenant, number="+19195550111", status="active")
    client = login(other_owner)
    assert "+19195550111" not in client.get("/numbers/").content.decode()
    assert "+19195550111" not in client.get("/numbers/list/").content.decode()
    assert client.post(f"/numbers/{row.pk}/release/").status_code == 404
    assert client.post(f"/numbers/{row.pk}/rename/", {"friendly_name": "x"}).status_code == 404
    assert PhoneNumber.objects.get(pk=row.pk).status == "active"
    assert "+19195550111" in login(owner).get("/numbers/").content.decode()
