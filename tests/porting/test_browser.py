"""The guided port-in form in Chromium: the checker answers inline as numbers are typed, the
wireless number asks for the account number and PIN, the LOA is signed in the page, the port is
submitted, and the FOC countdown shows once the date is confirmed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from porting.models import PortInDocument, PortInRequest

from ..conftest import sign_in, wait_until
from .conftest import PDF, PORTED, business_day, sim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guided_form_to_submitted_port_with_countdown(
    browser_page, lines, owner, bandwidth, tmp_path: Path
):
    page = browser_page
    sign_in(page, owner)
    page.goto("/numbers/")
    page.click("#porting-link")
    page.click("text=Bring a number")
    page.wait_for_url("**/porting/new/")

    page.fill("#numbers", "(919) 555-0200")
    page.wait_for_selector("#check-results:has-text('cannot be ported: Rate Center Not Present')")
    page.fill("#numbers", "(919) 555-0201")
    page.wait_for_selector("#check-results .needs-pin")
    page.fill("#account_name", "Acme Dental")
    page.fill("#house_number", "11235")
    page.fill("#street_name", "Back St")
    page.fill("#city", "Raleigh")
    page.fill("#state", "NC")
    page.fill("#zip_code", "27601")
    page.fill("#authorizing_person", "Ada Lovelace")
    page.fill("#requested_foc_date", business_day().isoformat())
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("#form-error:has-text('account number and the PIN')")
    assert not PortInRequest.objects.exists()

    page.fill("#numbers", "(919) 555-0123")
    page.wait_for_selector("#check-results li.portable:has-text('can be ported')")
    page.click("button:has-text('Save and continue')")
    page.wait_for_url("**/porting/*/")
    page.wait_for_selector("#status:has-text('Draft')")

    page.fill("#signed_name", "Ada Lovelace")
    page.check("#consent")
    page.click("#sign-form button")
    page.wait_for_selector(".flash >> text=letter of authorization is signed")
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(PDF)
    page.set_input_files("#file", str(bill))
    page.click("#upload-form button")
    page.wait_for_selector(".flash >> text=File uploaded")
    assert sorted(PortInDocument.objects.values_list("kind", flat=True)) == ["bill", "loa"]

    page.click("#submit-form button")
    page.wait_for_selector("#status:has-text('Submitted')")
    port_in = PortInRequest.objects.get()
    assert port_in.numbers == [PORTED]

    foc = timezone.now() + timedelta(days=3, hours=2)
    sim(bandwidth, port_in.pk, status="FOC", focDate=foc.isoformat())
    wait_until(lambda: PortInRequest.objects.get(pk=port_in.pk).status == "FOC")
    page.reload()
    page.wait_for_selector("#status:has-text('Date confirmed')")
    countdown = page.inner_text("#countdown")
    assert countdown.startswith("in 3 days"), countdown
    assert page.is_visible("#cancel-form")
