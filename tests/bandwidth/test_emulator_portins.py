"""Port-ins (LNP) of the emulator, driven by the client over real HTTP.

Every answer is checked against numbers.yml: its root element is the root of the spec's example
for that operation and status, and every element it holds is named in the spec (an example of the
operation or a schema property). Every request the client sends is checked against the spec's
paths, methods and parameters.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from client_spec_validation import assert_numbers_request_matches_spec, numbers_spec
from defusedxml import ElementTree

from bandwidth.client import BandwidthClient, Credentials, Endpoints, reset_client_caches
from bandwidth.client.numbers_xml.portins import LnpOrder, ServiceAddress
from bandwidth.client.transport import session_for
from bandwidth.emulator.app import RunningEmulator
from bandwidth.errors import ValidationError
from tests.bandwidth.receiver import Receiver

SUBSCRIBER = ("bw-portins", "portins-secret")
ACCOUNT = "/accounts/{accountId}"
ADDRESS = ServiceAddress("11235", "Back St", "Raleigh", "NC", "27601")


@functools.cache
def _spec_names() -> frozenset[str]:
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    names.update(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(numbers_spec()["components"]["schemas"])
    return frozenset(names)


def _example_roots_and_tags(method: str, path: str, status: int) -> tuple[set[str], set[str]]:
    operation = numbers_spec()["paths"][path][method]
    roots: set[str] = set()
    tags: set[str] = set()
    for code, response in operation.get("responses", {}).items():
        content = (response.get("content") or {}).get("application/xml") or {}
        for example in (content.get("examples") or {}).values():
            text = re.sub(r"<!--.*?-->", "", example["value"], flags=re.S)
            root = ElementTree.fromstring(text.encode())
            tags.update(el.tag for el in root.iter())
            if str(code) == str(status):
                roots.add(root.tag)
    return roots, tags


def assert_answer_matches_spec(response: requests.Response, method: str, path: str) -> None:
    """The root of the spec's example for this status, and only element names the spec knows."""
    if not response.content:
        return
    root = ElementTree.fromstring(response.content)
    roots, tags = _example_roots_and_tags(method, path, response.status_code)
    if roots:
        assert root.tag in roots, (root.tag, roots)
    unknown = {el.tag for el in root.iter()} - tags - _spec_names()
    assert not unknown, f"{method.upper()} {path} answered elements numbers.yml lacks: {unknown}"


SPEC_PATHS = [
    ("post", re.compile(r"/lnpchecker$"), f"{ACCOUNT}/lnpchecker"),
    ("post", re.compile(r"/portins$"), f"{ACCOUNT}/portins"),
    ("get", re.compile(r"/portins/[^/]+$"), f"{ACCOUNT}/portins/{{orderId}}"),
    ("put", re.compile(r"/portins/[^/]+$"), f"{ACCOUNT}/portins/{{orderId}}"),
    ("delete", re.compile(r"/portins/[^/]+$"), f"{ACCOUNT}/portins/{{orderId}}"),
    ("post", re.compile(r"/portins/[^/]+/loas$"), f"{ACCOUNT}/portins/{{orderId}}/loas"),
    ("get", re.compile(r"/portins/[^/]+/loas$"), f"{ACCOUNT}/portins/{{orderId}}/loas"),
    ("get", re.compile(r"/portins/[^/]+/notes$"), f"{ACCOUNT}/portins/{{orderId}}/notes"),
    ("post", re.compile(r"/portins/[^/]+/notes$"), f"{ACCOUNT}/portins/{{orderId}}/notes"),
    ("get", re.compile(r"/portins/[^/]+/history$"), f"{ACCOUNT}/portins/{{orderId}}/history"),
]


class CheckedClient:
    """A client on the emulator whose every request and answer is checked against numbers.yml."""

    def __init__(self, running: RunningEmulator) -> None:
        config = running.emulator.config
        credentials = Credentials(
            account_id=config.account_id, username=config.username, password=config.password
        )
        self.endpoints = Endpoints(
            messaging_base_url=f"{running.url}/api/v2",
            voice_base_url=f"{running.url}/api/v2",
            numbers_base_url=f"{running.url}/api",
            oauth_token_url=f"{running.url}/api/v1/oauth2/token",
        )
        self.checked = 0
        session_for(credentials).hooks["response"].append(self._check)
        self.api = BandwidthClient(credentials, self.endpoints)

    def _check(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        url = str(response.request.url).split("?")[0]
        method = (response.request.method or "").lower()
        for spec_method, pattern, path in SPEC_PATHS:
            if spec_method == method and pattern.search(url) and "/portins/status" not in url:
                assert_numbers_request_matches_spec(response.request, self.endpoints)
                assert_answer_matches_spec(response, method, path)
                self.checked += 1
                return


@pytest.fixture
def bw(emulator: RunningEmulator) -> Any:
    reset_client_caches()
    client = CheckedClient(emulator)
    yield client
    reset_client_caches()


@pytest.fixture
def site(bw: CheckedClient) -> tuple[str, str]:
    site_id = bw.api.numbers.create_site(name="tenant1")
    peer_id = bw.api.numbers.create_sip_peer(site_id, name="loc", is_default=True)
    return site_id, peer_id


def next_business_day(days: int = 5) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def full_order(site: tuple[str, str], numbers: tuple[str, ...], **extra: Any) -> LnpOrder:
    values: dict[str, Any] = {
        "numbers": numbers,
        "site_id": site[0],
        "peer_id": site[1],
        "customer_order_id": "parley-port-1",
        "business_name": "Acme Dental",
        "address": ADDRESS,
        "loa_authorizing_person": "Ada Lovelace",
        "requested_foc_date": next_business_day(),
    }
    values.update(extra)
    return LnpOrder(**values)


def sim(emulator: RunningEmulator, order_id: str, **body: Any) -> requests.Response:
    return requests.post(f"{emulator.url}/_sim/portins/{order_id}", json=body)


def subscribe(bw: CheckedClient, receiver: Receiver) -> None:
    receiver.require_basic_auth(*SUBSCRIBER)
    bw.api.numbers.create_subscription(
        order_type="portins",
        url=f"{receiver.url}/portins",
        username=SUBSCRIBER[0],
        password=SUBSCRIBER[1],
    )


def notifications(receiver: Receiver) -> list[tuple[str | None, str | None]]:
    found = []
    for request in receiver.authorized_requests("/portins"):
        root = ElementTree.fromstring(request.body)
        found.append((root.findtext("Status"), root.findtext("OrderType")))
    return found


class TestChecker:
    def test_portable_wireless_toll_free_and_not_portable(self, bw: CheckedClient) -> None:
        check = bw.api.numbers.check_portability(
            ["+19195550123", "+19195550200", "+19195550201", "+18885550123"]
        )
        by_number = {n.e164: n for n in check.numbers}
        assert by_number["+19195550123"].portable
        assert not by_number["+19195550123"].wireless
        assert by_number["+19195550123"].city == "RALEIGH"
        assert not by_number["+19195550200"].portable
        assert by_number["+19195550200"].reason == "Rate Center Not Present in Bandwidth Dashboard"
        assert by_number["+19195550201"].wireless
        assert by_number["+19195550201"].account_number_required
        assert by_number["+18885550123"].portable
        assert check.port_type == "MANUAL_TOLLFREE"
        assert bw.checked == 1

    def test_a_number_that_is_not_nanp_gets_7201(self, emulator: RunningEmulator) -> None:
        answer = requests.post(
            f"{emulator.url}/api/accounts/9900000/lnpchecker",
            data=b"<NumberPortabilityRequest><TnList><Tn>12345</Tn></TnList>"
            b"</NumberPortabilityRequest>",
            auth=("parley-dev", "parley-dev-secret"),
            headers={"Content-Type": "application/xml"},
        )
        assert answer.status_code == 400
        assert_answer_matches_spec(answer, "post", f"{ACCOUNT}/lnpchecker")
        assert "7201" in answer.text


class TestOrders:
    def test_draft_files_submit_foc_complete_with_notifications(
        self,
        bw: CheckedClient,
        emulator: RunningEmulator,
        receiver: Receiver,
        site: tuple[str, str],
    ) -> None:
        subscribe(bw, receiver)
        numbers = bw.api.numbers
        draft = numbers.create_portin(
            LnpOrder(numbers=("+19195550123",), site_id=site[0]), draft=True
        )
        assert draft.status == "DRAFT"
        assert draft.order_id
        order_id = draft.order_id
        assert numbers.get_portin(order_id).earliest_estimate

        name = numbers.upload_portin_file(
            order_id, content=b"%PDF-1.4 loa", content_type="application/pdf", document_type="LOA"
        )
        numbers.upload_portin_file(
            order_id,
            content=b"%PDF-1.4 bill",
            content_type="application/pdf",
            document_type="INVOICE",
        )
        assert [f.document_type for f in numbers.list_portin_files(order_id)] == ["LOA", "INVOICE"]
        assert name.endswith(".pdf")

        submitted = numbers.update_portin(
            order_id, full_order(site, ("+19195550123",)), submit=True
        )
        assert submitted.status == "SUBMITTED"
        assert numbers.get_portin(order_id).status == "SUBMITTED"

        foc_day = next_business_day(4).isoformat()
        assert sim(emulator, order_id, status="FOC", focDate=foc_day).status_code == 200
        focd = numbers.get_portin(order_id)
        assert focd.status == "FOC"
        assert (focd.actual_foc_date or "").startswith(foc_day)

        assert sim(emulator, order_id, status="COMPLETE").status_code == 200
        assert numbers.get_portin(order_id).status == "COMPLETE"
        assert emulator.emulator.state.number_in_service("+19195550123") is not None
        assert emulator.emulator.state.peer_of_number("+19195550123").id == site[1]

        assert emulator.emulator.scheduler.drain(10)
        receiver.wait_for(lambda r: len(receiver.authorized_requests("/portins")) >= 3)
        assert notifications(receiver) == [
            ("SUBMITTED", "portins"),
            ("FOC", "portins"),
            ("COMPLETE", "portins"),
        ]
        statuses = [h.status for h in numbers.get_portin_history(order_id)]
        assert statuses == ["SUBMITTED", "FOC", "COMPLETE"]

    def test_submitted_without_loa_waits_for_documents(
        self, bw: CheckedClient, site: tuple[str, str]
    ) -> None:
        numbers = bw.api.numbers
        created = numbers.create_portin(full_order(site, ("+19195550130",)), draft=False)
        assert created.status == "PENDING_DOCUMENTS"
        numbers.upload_portin_file(
            created.order_id or "",
            content=b"%PDF-1.4",
            content_type="application/pdf",
            document_type="LOA",
        )
        assert numbers.get_portin(created.order_id or "").status == "SUBMITTED"

    def test_not_portable_and_wireless_rules(
        self, bw: CheckedClient, site: tuple[str, str]
    ) -> None:
        numbers = bw.api.numbers
        with pytest.raises(ValidationError) as refused:
            numbers.create_portin(full_order(site, ("+19195550200",)), draft=True)
        assert refused.value.errors[0].code == "7331"

        draft = numbers.create_portin(
            LnpOrder(numbers=("+19195550201",), site_id=site[0]), draft=True
        )
        with pytest.raises(ValidationError) as missing:
            numbers.update_portin(
                draft.order_id or "", full_order(site, ("+19195550201",)), submit=True
            )
        assert [e.code for e in missing.value.errors] == ["7314", "7315"]
        done = numbers.update_portin(
            draft.order_id or "",
            full_order(site, ("+19195550201",), account_number="771297665", pin="1234"),
            submit=True,
        )
        assert done.status == "PENDING_DOCUMENTS"

    def test_bad_site_and_foc_date_are_refused(
        self, bw: CheckedClient, site: tuple[str, str]
    ) -> None:
        numbers = bw.api.numbers
        with pytest.raises(ValidationError) as bad_site:
            numbers.create_portin(full_order(("999", ""), ("+19195550140",)), draft=True)
        assert bad_site.value.errors[0].code == "7309"
        saturday = datetime.now(UTC).date() + timedelta(days=10)
        while saturday.weekday() != 5:
            saturday += timedelta(days=1)
        with pytest.raises(ValidationError) as weekend:
            numbers.create_portin(
                full_order(site, ("+19195550141",), requested_foc_date=saturday), draft=False
            )
        assert weekend.value.errors[0].code == "7316"

    def test_exception_fixed_by_supp_and_rules_inside_24h_of_foc(
        self,
        bw: CheckedClient,
        emulator: RunningEmulator,
        site: tuple[str, str],
    ) -> None:
        numbers = bw.api.numbers
        order = numbers.create_portin(full_order(site, ("+19195550150",)), draft=False)
        order_id = order.order_id or ""
        numbers.upload_portin_file(
            order_id, content=b"%PDF", content_type="application/pdf", document_type="LOA"
        )
        sim(emulator, order_id, status="EXCEPTION", note="7511: The zip code does not match")
        failed = numbers.get_portin(order_id)
        assert failed.status == "EXCEPTION"
        assert [(e.code, e.description) for e in failed.errors] == [
            ("7511", "The zip code does not match")
        ]
        supp = numbers.update_portin(
            order_id,
            full_order(
                site, ("+19195550150",), address=ServiceAddress("1", "Main", "Cary", "NC", "27518")
            ),
        )
        assert supp.status == "REQUESTED_SUPP"
        assert emulator.emulator.scheduler.drain(10)
        assert numbers.get_portin(order_id).status == "SUBMITTED"

        soon = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        sim(emulator, order_id, status="FOC", focDate=soon)
        with pytest.raises(ValidationError) as supp_refused:
            numbers.update_portin(order_id, full_order(site, ("+19195550150",)))
        assert supp_refused.value.errors[0].code == "7317"
        assert "24 hours" in supp_refused.value.errors[0].description
        with pytest.raises(ValidationError) as cancel_refused:
            numbers.cancel_portin(order_id)
        assert cancel_refused.value.errors[0].code == "7317"

    def test_cancel_and_draft_delete(
        self, bw: CheckedClient, emulator: RunningEmulator, site: tuple[str, str]
    ) -> None:
        numbers = bw.api.numbers
        draft = numbers.create_portin(
            LnpOrder(numbers=("+19195550160",), site_id=site[0]), draft=True
        )
        numbers.cancel_portin(draft.order_id or "")
        assert draft.order_id not in emulator.emulator.state.portins
        order = numbers.create_portin(full_order(site, ("+19195550161",)), draft=False)
        numbers.cancel_portin(order.order_id or "")
        assert numbers.get_portin(order.order_id or "").status == "REQUESTED_CANCEL"
        assert emulator.emulator.scheduler.drain(10)
        assert numbers.get_portin(order.order_id or "").status == "CANCELLED"
        with pytest.raises(ValidationError) as closed:
            numbers.cancel_portin(order.order_id or "")
        assert closed.value.errors[0].code == "7304"

    def test_toll_free_loa_must_be_pdf_or_tiff_and_document_type_known(
        self, bw: CheckedClient, site: tuple[str, str]
    ) -> None:
        numbers = bw.api.numbers
        order = numbers.create_portin(
            LnpOrder(numbers=("+18885550170",), site_id=site[0]), draft=True
        )
        with pytest.raises(Exception) as png:
            numbers.upload_portin_file(
                order.order_id or "",
                content=b"\x89PNG",
                content_type="image/png",
                document_type="LOA",
            )
        assert getattr(png.value, "status", None) == 409
        with pytest.raises(ValidationError):
            numbers.upload_portin_file(
                order.order_id or "",
                content=b"%PDF",
                content_type="application/pdf",
                document_type="PASSPORT",
            )
        numbers.upload_portin_file(
            order.order_id or "", content=b"II*\x00", content_type="image/tiff", document_type="LOA"
        )

    def test_notes_and_draft_history(
        self, bw: CheckedClient, site: tuple[str, str], emulator: RunningEmulator
    ) -> None:
        numbers = bw.api.numbers
        order = numbers.create_portin(
            LnpOrder(numbers=("+19195550180",), site_id=site[0]), draft=True
        )
        order_id = order.order_id or ""
        assert numbers.list_portin_notes(order_id) == []
        assert numbers.get_portin_history(order_id) == []
        note_id = numbers.add_portin_note(order_id, user_id="parley", description="Please hurry")
        [note] = numbers.list_portin_notes(order_id)
        assert (note.note_id, note.user_id, note.description) == (note_id, "parley", "Please hurry")
        bad = requests.post(
            f"{emulator.url}/api/accounts/9900000/portins/{order_id}/notes",
            data=b"<Note><Description>x</Description></Note>",
            auth=("parley-dev", "parley-dev-secret"),
            headers={"Content-Type": "application/xml"},
        )
        assert bad.status_code == 400
        assert_answer_matches_spec(bad, "post", f"{ACCOUNT}/portins/{{orderId}}/notes")

    def test_sim_refuses_bad_input(self, emulator: RunningEmulator) -> None:
        assert sim(emulator, "nope", status="FOC").status_code == 404
        assert sim(emulator, "nope", status="LOST").status_code == 400
