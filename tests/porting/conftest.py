"""Fixtures of the porting tests: two tenants ready on the emulator, and port-in helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone
from rest_framework.test import APIClient

from bandwidth.emulator.app import RunningEmulator

from ..conftest import Line

PORTED = "+19195550123"
OTHER_PORTED = "+19195550124"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def business_day(days: int = 7) -> date:
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def details(numbers: list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "numbers": numbers,
        "account_name": "Acme Dental",
        "house_number": "11235",
        "street_name": "Back St",
        "city": "Raleigh",
        "state": "NC",
        "zip_code": "27601",
        "authorizing_person": "Ada Lovelace",
        "requested_foc_date": business_day().isoformat(),
    }
    body.update(extra)
    return body


@pytest.fixture
def lines(
    make_line: Any, tenant: Any, other_tenant: Any, bandwidth: RunningEmulator
) -> Iterator[tuple[Line, Line]]:
    """Both tenants ready on the emulator. Afterwards the emulator finishes the notifications it
    still owes Parley, so no webhook is mid-request when the test database goes away."""
    yield make_line(tenant, "+19195550101"), make_line(other_tenant, "+19195550202")
    bandwidth.emulator.scheduler.drain(10)


def create(api: APIClient, numbers: list[str], **extra: Any) -> dict[str, Any]:
    response = api.post("/api/v1/port-ins/", details(numbers, **extra), format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def sign_and_bill(api: APIClient, pk: int) -> None:
    signed = api.post(
        f"/api/v1/port-ins/{pk}/documents/",
        {"kind": "loa", "signed_name": "Ada Lovelace", "consent": "true"},
    )
    assert signed.status_code == 201, signed.content
    bill = upload(api, pk, "bill", PDF, "bill.pdf")
    assert bill.status_code == 201, bill.content


def upload(api: APIClient, pk: int, kind: str, content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.post(
        f"/api/v1/port-ins/{pk}/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, "application/pdf")},
        format="multipart",
    )


def submitted(api: APIClient, numbers: list[str], **extra: Any) -> dict[str, Any]:
    port_in = create(api, numbers, **extra)
    sign_and_bill(api, port_in["id"])
    response = api.post(f"/api/v1/port-ins/{port_in['id']}/submit/")
    assert response.status_code == 200, response.content
    return dict(response.json())


def order_id_of(pk: int) -> str:
    from porting.models import PortInRequest

    return PortInRequest.objects.get(pk=pk).bandwidth_order_id or ""


def sim(bandwidth: RunningEmulator, pk: int, **body: Any) -> None:
    response = requests.post(
        f"{bandwidth.url}/_sim/portins/{order_id_of(pk)}", json=body, timeout=10
    )
    assert response.status_code == 200, response.text


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Documents go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
