"""The port-in API end to end on the emulator: check, create, documents, submit, FOC, complete;
refusals; supplements and cancels; two tenants everywhere."""

from __future__ import annotations

from datetime import timedelta
from numbers import routing
from numbers.models import PhoneNumber

import pytest
import requests
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.models import Event as OutboxEvent
from integrations.services import webhook_endpoint_create
from messaging.models import Message
from porting.models import PortInDocument, PortInRequest
from voice.models import Call

from ..conftest import wait_until
from .conftest import (
    OTHER_PORTED,
    PDF,
    PORTED,
    business_day,
    create,
    details,
    order_id_of,
    sign_and_bill,
    sim,
    submitted,
    upload,
)

pytestmark = pytest.mark.django_db(transaction=True)

AGENT = "+19195550111"


def test_check_says_portable_not_portable_and_wireless(lines, tenant_api):
    response = tenant_api.post(
        "/api/v1/port-ins/check/",
        {"numbers": [PORTED, "+19195550200", "(919) 555-0201"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    results = {r["number"]: r for r in response.json()["results"]}
    assert results[PORTED]["portable"] is True
    assert results[PORTED]["losing_carrier"]
    assert results["+19195550200"]["portable"] is False
    assert results["+19195550200"]["reason"] == "Rate Center Not Present in Bandwidth Dashboard"
    assert results["+19195550201"]["needs_account_number_and_pin"] is True


def test_check_refuses_bad_numbers_naming_the_field(lines, tenant_api):
    response = tenant_api.post("/api/v1/port-ins/check/", {"numbers": ["hello"]}, format="json")
    assert response.status_code == 400
    assert "numbers" in response.json()["error"]["fields"]


def test_acceptance_port_completes_and_texts_and_calls_follow_the_tenant(
    lines, tenant_api, other_api, bandwidth, celery_worker
):
    check = tenant_api.post("/api/v1/port-ins/check/", {"numbers": [PORTED]}, format="json")
    assert check.json()["results"][0]["portable"] is True

    port_in = create(tenant_api, [PORTED])
    assert port_in["status"] == "DRAFT"
    number = PhoneNumber.objects.get(number=PORTED)
    assert number.status == PhoneNumber.Status.PORTING
    assert number.tenant_id == lines[0].tenant.id

    listed = tenant_api.get("/api/v1/numbers/").json()["results"]
    assert any(n["number"] == PORTED and n["status"] == "porting" for n in listed)
    renamed = tenant_api.patch(
        f"/api/v1/numbers/{number.pk}/", {"friendly_name": "Front desk"}, format="json"
    )
    assert renamed.status_code == 200, renamed.content
    route = {
        "greeting": {"kind": "speak", "text": "Thanks for calling Acme."},
        "action": {"type": "forward", "to": AGENT},
    }
    routed = tenant_api.put(f"/api/v1/numbers/{number.pk}/route/", {"config": route}, format="json")
    assert routed.status_code == 200, routed.content
    assert other_api.get(f"/api/v1/numbers/{number.pk}/route/").status_code == 404

    sign_and_bill(tenant_api, port_in["id"])
    response = tenant_api.post(f"/api/v1/port-ins/{port_in['id']}/submit/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "SUBMITTED"
    with bandwidth.emulator.state.lock:
        order = bandwidth.emulator.state.portins[order_id_of(port_in["id"])]
        assert [f.document_type for f in order.files] == ["LOA", "INVOICE"]

    foc_day = business_day(3)
    sim(bandwidth, port_in["id"], status="FOC", focDate=foc_day.isoformat())
    row = wait_until(lambda: PortInRequest.objects.filter(pk=port_in["id"], status="FOC").first())
    assert row.foc_at.date() == foc_day
    shown = tenant_api.get(f"/api/v1/port-ins/{port_in['id']}/").json()
    assert shown["status"] == "FOC"
    assert parse_datetime(shown["foc_at"]) == row.foc_at  # in the tenant's zone, with its offset

    assert routing.route_for(PORTED) is None  # a stray webhook before the port: cached unowned
    webhook_endpoint_create(
        tenant=lines[0].tenant, url="http://127.0.0.1:9/hooks", event_types=["number.activated"]
    )
    sim(bandwidth, port_in["id"], status="COMPLETE")
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).status == "active")
    route_now = routing.route_for(PORTED)
    assert route_now is not None and route_now.tenant_id == lines[0].tenant.id
    assert PortInRequest.objects.get(pk=port_in["id"]).status == "COMPLETE"
    assert PhoneNumber.objects.get(pk=number.pk).friendly_name == "Front desk"
    activated = OutboxEvent.objects.filter(type="number.activated", payload__data__number=PORTED)
    assert [e.tenant_id for e in activated] == [lines[0].tenant.id]

    text = requests.post(
        f"{bandwidth.url}/_sim/messages/inbound",
        json={"from": "+19195557000", "to": PORTED, "text": "Is my cleaning on Friday?"},
        timeout=10,
    )
    assert text.status_code == 201, text.text
    message = wait_until(
        lambda: Message.objects.filter(text="Is my cleaning on Friday?").first(), timeout=20
    )
    assert message.tenant_id == lines[0].tenant.id

    call = requests.post(
        f"{bandwidth.url}/_sim/calls", json={"from": "+19195557000", "to": PORTED}, timeout=10
    )
    assert call.status_code == 201, call.text
    call_id = call.json()["callId"]
    done = wait_until(
        lambda: Call.objects.filter(bandwidth_call_id=call_id, status="completed").first(),
        timeout=20,
    )
    assert done.tenant_id == lines[0].tenant.id
    assert done.answered_by_number == AGENT
    events = requests.get(f"{bandwidth.url}/_sim/calls/{call_id}", timeout=5).json()["events"]
    assert any(e["kind"] == "Transfer" and e["detail"] == AGENT for e in events)


def test_not_portable_number_is_refused_with_bandwidths_reason(lines, tenant_api):
    response = tenant_api.post("/api/v1/port-ins/", details(["+19195550200"]), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "Rate Center Not Present in Bandwidth Dashboard" in error["message"]
    assert "numbers" in error["fields"]
    assert not PortInRequest.objects.exists()
    assert not PhoneNumber.objects.filter(number="+19195550200").exists()


def test_wireless_number_needs_account_number_and_pin(lines, tenant_api):
    response = tenant_api.post("/api/v1/port-ins/", details(["+19195550201"]), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"account_number", "pin"}
    assert error["code"] == "account_number_and_pin_required"
    assert not PortInRequest.objects.exists()

    ok = create(tenant_api, ["+19195550201"], account_number="771297665", pin="4321")
    row = PortInRequest.objects.get(pk=ok["id"])
    assert row.wireless
    assert "4321" not in row.pin_encrypted
    assert "pin" not in ok
    assert ok["has_pin"] is True


def test_bad_fields_are_named_and_nothing_is_written(lines, tenant_api):
    saturday = business_day(8)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    cases = [
        ({"requested_foc_date": saturday.isoformat()}, "requested_foc_date"),
        (
            {"requested_foc_date": (timezone.localdate() + timedelta(days=60)).isoformat()},
            "requested_foc_date",
        ),
        ({"account_name": ""}, "account_name"),
        ({"zip_code": ""}, "zip_code"),
        ({"authorizing_person": ""}, "authorizing_person"),
    ]
    for change, field in cases:
        response = tenant_api.post("/api/v1/port-ins/", details([PORTED], **change), format="json")
        assert response.status_code == 400, change
        assert field in response.json()["error"]["fields"], response.json()
    assert not PortInRequest.objects.exists()


def test_a_number_held_by_another_tenant_is_refused(lines, tenant_api, other_api):
    create(tenant_api, [PORTED])
    response = other_api.post("/api/v1/port-ins/", details([PORTED]), format="json")
    assert response.status_code == 409
    assert "numbers" in response.json()["error"]["fields"]


def test_exception_is_fixed_with_a_supplement(lines, tenant_api, bandwidth):
    port_in = submitted(tenant_api, [PORTED])
    sim(bandwidth, port_in["id"], status="EXCEPTION", note="7511: The ZIP code does not match")
    row = wait_until(
        lambda: PortInRequest.objects.filter(pk=port_in["id"], status="EXCEPTION").first()
    )
    assert "The ZIP code does not match" in row.exception_reason
    shown = tenant_api.get(f"/api/v1/port-ins/{port_in['id']}/").json()
    assert "ZIP code does not match" in shown["exception_reason"]
    assert shown["what_to_do"].startswith("Correct the details")

    fixed = tenant_api.patch(
        f"/api/v1/port-ins/{port_in['id']}/", {"zip_code": "27603"}, format="json"
    )
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["status"] == "REQUESTED_SUPP"
    assert fixed.json()["exception_reason"] == ""
    with bandwidth.emulator.state.lock:
        order = bandwidth.emulator.state.portins[order_id_of(port_in["id"])]
        assert "<Zip>27603</Zip>" in order.subscriber_xml
    wait_until(lambda: PortInRequest.objects.get(pk=port_in["id"]).status == "SUBMITTED")


def test_supplement_and_cancel_within_24h_of_foc_are_refused(lines, tenant_api, bandwidth):
    port_in = submitted(tenant_api, [PORTED])
    soon = (timezone.now() + timedelta(hours=5)).isoformat()
    sim(bandwidth, port_in["id"], status="FOC", focDate=soon)
    wait_until(lambda: PortInRequest.objects.get(pk=port_in["id"]).status == "FOC")
    assert tenant_api.get(f"/api/v1/port-ins/{port_in['id']}/").json()["can_cancel"] is False

    supp = tenant_api.patch(
        f"/api/v1/port-ins/{port_in['id']}/", {"zip_code": "27603"}, format="json"
    )
    assert supp.status_code == 409
    assert "within 24 hours" in supp.json()["error"]["message"]
    assert supp.json()["error"]["code"] == "too_close_to_foc"
    cancel = tenant_api.delete(f"/api/v1/port-ins/{port_in['id']}/")
    assert cancel.status_code == 409
    assert "within 24 hours" in cancel.json()["error"]["message"]
    assert PortInRequest.objects.get(pk=port_in["id"]).status == "FOC"


def test_cancel_releases_the_numbers(lines, tenant_api, bandwidth):
    port_in = submitted(tenant_api, [PORTED])
    response = tenant_api.delete(f"/api/v1/port-ins/{port_in['id']}/")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "REQUESTED_CANCEL"
    wait_until(lambda: PortInRequest.objects.get(pk=port_in["id"]).status == "CANCELLED")
    assert PhoneNumber.objects.get(number=PORTED).status == PhoneNumber.Status.RELEASED

    draft = create(tenant_api, [OTHER_PORTED])
    dropped = tenant_api.delete(f"/api/v1/port-ins/{draft['id']}/")
    assert dropped.json()["status"] == "CANCELLED"
    assert PhoneNumber.objects.get(number=OTHER_PORTED).status == PhoneNumber.Status.RELEASED


def test_uploads_are_checked_by_size_and_content(lines, tenant_api):
    port_in = create(tenant_api, [PORTED])
    big = upload(tenant_api, port_in["id"], "bill", b"%PDF-" + b"0" * (30 * 1024 * 1024), "big.pdf")
    assert big.status_code == 400
    assert big.json()["error"]["code"] == "file_too_large"
    assert "file" in big.json()["error"]["fields"]
    exe = upload(tenant_api, port_in["id"], "bill", b"MZ\x90\x00\x03" + b"\x00" * 200, "bill.pdf")
    assert exe.status_code == 400
    assert exe.json()["error"]["code"] == "file_type"
    assert not PortInDocument.objects.exists()
    ok = upload(tenant_api, port_in["id"], "bill", PDF, "bill.pdf")
    assert ok.status_code == 201
    assert ok.json()["content_type"] == "application/pdf"


def test_submit_needs_the_loa_and_the_bill(lines, tenant_api):
    port_in = create(tenant_api, [PORTED])
    response = tenant_api.post(f"/api/v1/port-ins/{port_in['id']}/submit/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "loa_missing"
    unsigned = tenant_api.post(
        f"/api/v1/port-ins/{port_in['id']}/documents/",
        {"kind": "loa", "signed_name": "Someone Else", "consent": "true"},
    )
    assert unsigned.status_code == 400
    assert "signed_name" in unsigned.json()["error"]["fields"]
    no_consent = tenant_api.post(
        f"/api/v1/port-ins/{port_in['id']}/documents/",
        {"kind": "loa", "signed_name": "Ada Lovelace"},
    )
    assert no_consent.status_code == 400
    assert "consent" in no_consent.json()["error"]["fields"]


def test_every_endpoint_hides_the_other_tenants_port_in(lines, tenant_api, other_api):
    mine = create(tenant_api, [PORTED])
    theirs = create(other_api, [OTHER_PORTED])
    assert [p["id"] for p in tenant_api.get("/api/v1/port-ins/").json()["results"]] == [mine["id"]]
    url = f"/api/v1/port-ins/{theirs['id']}/"
    assert tenant_api.get(url).status_code == 404
    assert tenant_api.patch(url, {"zip_code": "27603"}, format="json").status_code == 404
    assert tenant_api.delete(url).status_code == 404
    assert tenant_api.post(url + "submit/").status_code == 404
    assert upload(tenant_api, theirs["id"], "bill", PDF, "bill.pdf").status_code == 404
    assert PortInRequest.objects.get(pk=theirs["id"]).status == "DRAFT"
    assert not PortInDocument.objects.exists()


def test_the_schema_documents_the_port_in_endpoints(lines, tenant_api):
    schema = tenant_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/port-ins/",
        "/api/v1/port-ins/{id}/",
        "/api/v1/port-ins/{id}/documents/",
        "/api/v1/port-ins/{id}/submit/",
        "/api/v1/port-ins/check/",
    ):
        assert path in paths, path


def test_toll_free_needs_no_address_and_its_loa_must_be_pdf_or_tiff(lines, tenant_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = details(["+18885550123"])
    for field in ("house_number", "street_name", "city", "state", "zip_code"):
        body.pop(field)
    response = tenant_api.post("/api/v1/port-ins/", body, format="json")
    assert response.status_code == 201, response.content
    port_in = response.json()
    assert port_in["toll_free"] is True
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    url = f"/api/v1/port-ins/{port_in['id']}/documents/"
    loa = tenant_api.post(
        url, {"kind": "loa", "file": SimpleUploadedFile("loa.png", png)}, format="multipart"
    )
    assert loa.status_code == 400
    assert "PDF or TIFF" in loa.json()["error"]["message"]
    other = tenant_api.post(
        url, {"kind": "other", "file": SimpleUploadedFile("x.png", png)}, format="multipart"
    )
    assert other.status_code == 201
    assert other.json()["content_type"] == "image/png"
    mixed = tenant_api.post(
        "/api/v1/port-ins/", details(["+18885550124", OTHER_PORTED]), format="json"
    )
    assert mixed.status_code == 400
    assert "separate requests" in mixed.json()["error"]["message"]


def test_an_idempotency_key_makes_create_safe_to_repeat(lines, tenant_api):
    body = details([PORTED])
    headers = {"HTTP_IDEMPOTENCY_KEY": "port-once-1"}
    first = tenant_api.post("/api/v1/port-ins/", body, format="json", **headers)
    again = tenant_api.post("/api/v1/port-ins/", body, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert PortInRequest.objects.count() == 1
    other_body = tenant_api.post(
        "/api/v1/port-ins/", details([OTHER_PORTED]), format="json", **headers
    )
    assert other_body.status_code == 409
