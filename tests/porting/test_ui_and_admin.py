"""The port-in pages and the admin, with two tenants: pages, documents and actions of one tenant
are invisible (404) to the other."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from porting.models import PortInDocument, PortInEvent, PortInRequest

from ..conftest import admin_form_post
from .conftest import OTHER_PORTED, PDF, PORTED, create, details, order_id_of, submitted

pytestmark = pytest.mark.django_db(transaction=True)


def form(numbers: str, **extra):
    body = details([], **extra)
    body.pop("numbers")
    body["numbers"] = numbers
    return body


def test_guided_form_checks_numbers_and_creates_the_request(lines, owner, login):
    client = login(owner)
    assert client.get("/porting/new/").status_code == 200
    check = client.post("/porting/check/", {"numbers": f"{PORTED}\n(919) 555-0200"})
    assert check.status_code == 200
    html = check.content.decode()
    assert "can be ported" in html
    assert "cannot be ported: Rate Center Not Present in Bandwidth Dashboard" in html
    wireless = client.post("/porting/check/", {"numbers": "919-555-0201"}).content.decode()
    assert "account number and the PIN" in wireless

    refused = client.post("/porting/new/", form("(919) 555-0201"))
    assert refused.status_code == 400
    assert 'data-fields="account_number pin"' in refused.content.decode()
    assert not PortInRequest.objects.exists()

    created = client.post("/porting/new/", form(PORTED))
    assert created.status_code == 302
    port_in = PortInRequest.objects.get()
    assert created["Location"] == f"/porting/{port_in.pk}/"
    page = client.get(created["Location"]).content.decode()
    assert "Sign the letter and upload a bill" in page
    assert "Not sent yet" in page
    numbers_page = client.get("/numbers/").content.decode()
    assert "Porting in" in numbers_page


def test_detail_actions_sign_upload_submit_and_download(lines, owner, login, bandwidth):
    client = login(owner)
    client.post("/porting/new/", form(PORTED))
    port_in = PortInRequest.objects.get()
    url = f"/porting/{port_in.pk}/"

    unsigned = client.post(url, {"action": "sign", "signed_name": "Ada Lovelace"})
    assert unsigned.status_code == 400
    assert "Tick the box" in unsigned.content.decode()
    assert (
        client.post(
            url, {"action": "sign", "signed_name": "Ada Lovelace", "consent": "true"}
        ).status_code
        == 302
    )
    renamed_exe = SimpleUploadedFile("bill.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    bad = client.post(url, {"action": "upload", "kind": "bill", "file": renamed_exe})
    assert bad.status_code == 400
    assert "judged by its content" in bad.content.decode()
    bill = SimpleUploadedFile("bill.pdf", PDF, "application/pdf")
    assert client.post(url, {"action": "upload", "kind": "bill", "file": bill}).status_code == 302
    loa = PortInDocument.objects.get(kind="loa")
    with loa.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"

    download = client.get(f"/porting/{port_in.pk}/documents/{loa.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    assert client.post(url, {"action": "submit"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Submitted" in page
    assert 'id="cancel-form"' in page


def test_exception_page_shows_the_reason_and_resubmits_a_supplement(
    lines, owner, login, tenant_api, bandwidth
):
    from .conftest import sim

    port_in = submitted(tenant_api, [PORTED])
    sim(bandwidth, port_in["id"], status="EXCEPTION", note="7511: The ZIP code does not match")
    from ..conftest import wait_until

    wait_until(lambda: PortInRequest.objects.get(pk=port_in["id"]).status == "EXCEPTION")
    client = login(owner)
    url = f"/porting/{port_in['id']}/"
    page = client.get(url).content.decode()
    assert "The ZIP code does not match" in page
    assert "Resubmit as a correction" in page
    fixed = client.post(url, {"action": "update", **form(PORTED, zip_code="27603")})
    assert fixed.status_code == 302
    assert PortInRequest.objects.get(pk=port_in["id"]).status == "REQUESTED_SUPP"


def test_other_tenants_pages_and_documents_are_404(lines, owner, other_owner, login, tenant_api):
    mine = submitted(tenant_api, [PORTED])
    document = PortInDocument.objects.filter(port_in_id=mine["id"]).first()
    other = login(other_owner)
    assert PORTED not in other.get("/porting/").content.decode()
    assert other.get(f"/porting/{mine['id']}/").status_code == 404
    assert other.post(f"/porting/{mine['id']}/", {"action": "cancel"}).status_code == 404
    assert other.get(f"/porting/{mine['id']}/documents/{document.pk}/").status_code == 404
    theirs = create_for_other(other)
    assert other.get(f"/porting/{theirs}/documents/{document.pk}/").status_code == 404
    mine_client = login(owner)
    assert PORTED in mine_client.get("/porting/").content.decode()
    assert PortInRequest.objects.get(pk=mine["id"]).status == "SUBMITTED"


def create_for_other(client) -> int:
    response = client.post("/porting/new/", form(OTHER_PORTED))
    assert response.status_code == 302
    return int(response["Location"].strip("/").split("/")[-1])


def test_agents_see_but_do_not_act(lines, agent, login):
    client = login(agent)
    assert client.get("/porting/").status_code == 200
    assert client.post("/porting/new/", form(PORTED)).status_code == 403
    assert not PortInRequest.objects.exists()


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client.force_login(user)
    return client


def test_admin_lists_every_port_in_with_history_notes_and_resync(
    lines, tenant_api, other_api, staff, bandwidth
):
    mine = submitted(tenant_api, [PORTED])
    theirs = create(other_api, [OTHER_PORTED])
    listing = staff.get("/admin/porting/portinrequest/").content.decode()
    assert str(mine["id"]) in listing and str(theirs["id"]) in listing
    page = staff.get(f"/admin/porting/portinrequest/{mine['id']}/change/")
    assert page.status_code == 200
    assert "Order has been created" in page.content.decode()

    response = admin_form_post(
        staff, f"/admin/porting/portinrequest/{mine['id']}/change/", {"new_note": "Please expedite"}
    )
    assert response.status_code == 302
    assert PortInEvent.objects.filter(text="Please expedite", author="staff").exists()
    with bandwidth.emulator.state.lock:
        order = bandwidth.emulator.state.portins[order_id_of(mine["id"])]
        assert [n[2] for n in order.notes] == ["Please expedite"]
        order.status = "FOC"
    assert (
        "Please expedite"
        in staff.get(f"/admin/porting/portinrequest/{mine['id']}/change/").content.decode()
    )

    staff.post(
        "/admin/porting/portinrequest/",
        {"action": "resync", "_selected_action": [mine["id"]]},
    )
    assert PortInRequest.objects.get(pk=mine["id"]).status == "FOC"
    assert PhoneNumber.objects.get(number=PORTED).status == "porting"
