"""The port-in readers understand every example numbers.yml gives for the LNP operations Parley
calls; error examples go through the error mapping. A new example fails the completeness test."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests
from client_spec_validation import numbers_spec

from bandwidth.client.error_bodies import error_from_response
from bandwidth.client.numbers_xml import portins as lnp
from bandwidth.errors import ConflictError, ValidationError

ACCOUNT = "/accounts/{accountId}"
PORTIN = f"{ACCOUNT}/portins/{{orderId}}"
USED = [
    ("post", f"{ACCOUNT}/lnpchecker"),
    ("post", f"{ACCOUNT}/portins"),
    ("get", PORTIN),
    ("put", PORTIN),
    ("delete", PORTIN),
    ("post", f"{PORTIN}/loas"),
    ("get", f"{PORTIN}/loas"),
    ("get", f"{PORTIN}/notes"),
    ("get", f"{PORTIN}/history"),
]
Key = tuple[str, str, str, str]


def _examples() -> dict[Key, str]:
    found: dict[Key, str] = {}
    for method, path in USED:
        for status, response in numbers_spec()["paths"][path][method]["responses"].items():
            content = (response.get("content") or {}).get("application/xml") or {}
            for name, example in (content.get("examples") or {}).items():
                found[(method, path, str(status), name)] = example["value"]
    return found


def _error(status: int, body: str) -> object:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers["Content-Type"] = "application/xml"
    return error_from_response(response)


def _codes(status: int, expected: list[str], kind: type) -> Callable[[str], None]:
    def check(body: str) -> None:
        error = _error(status, body)
        assert isinstance(error, kind)
        assert [e.code for e in error.errors] == expected  # type: ignore[attr-defined]

    return check


def _portability(body: str) -> None:
    check = lnp.parse_portability(body)
    assert check.port_type == "AUTOMATED"
    by_number = {n.e164: n for n in check.numbers}
    assert not by_number["+14109255199"].portable
    assert by_number["+14109255199"].losing_carrier == "Test Losing Carrier L3"
    assert by_number["+14109255199"].minimum_porting_days == 5
    assert by_number["+12174101103"].losing_carrier == "IntegraTelecom"


def _portin(
    status: str, numbers: tuple[str, ...], order_id: str | None = None
) -> Callable[[str], None]:
    def check(body: str) -> None:
        result = lnp.parse_portin(re.sub(r"<!--.*?-->", "", body, flags=re.S))
        assert result.status == status
        assert result.numbers == numbers
        if order_id:
            assert result.order_id == order_id

    return check


def _cancelled(body: str) -> None:
    result = lnp.parse_portin(body)
    assert result.status == "CANCELLED"
    assert [(e.code, e.description) for e in result.errors] == [
        ("7205", "Telephone number is already being processed on another order")
    ]
    assert result.losing_carrier == "Mock Carrier"
    assert result.earliest_estimate == "2016-03-25T21:15:00.000Z"


def _notes(body: str) -> None:
    notes = lnp.parse_notes(body)
    assert [(n.note_id, n.user_id) for n in notes] == [("87037", "jbm"), ("87039", "smckinnon")]


def _history(body: str) -> None:
    entries = lnp.parse_history(body)
    assert [e.status for e in entries] == [
        "PENDING_DOCUMENTS",
        "SUBMITTED",
        "EXCEPTION",
        "FOC",
        "COMPLETE",
    ]
    assert entries[2].note == "7999: E37 TN not found in PPS (PPS)"


def _draft_history(body: str) -> None:
    assert lnp.parse_history(body) == []


def _files(body: str) -> None:
    [item] = lnp.parse_file_list(body)
    assert item.document_type == "LOA"
    assert item.name.endswith(".pdf")


def _upload(body: str) -> None:
    assert lnp.parse_file_upload(body) == "63097af1-37ae-432f-8a0d-9b0e6517a35b-1429550165581.pdf"


def _any_toll_free(status: str) -> Callable[[str], None]:
    def check(body: str) -> None:
        assert lnp.parse_portin(body).status == status

    return check


CHECKS: dict[Key, Callable[[str], None]] = {
    ("post", f"{ACCOUNT}/lnpchecker", "200", "example"): _portability,
    ("post", f"{ACCOUNT}/lnpchecker", "400", "example"): _codes(
        400, ["7201", "7201"], ValidationError
    ),
    (
        "post",
        f"{ACCOUNT}/portins",
        "201",
        "Automated NANP Toll-Free Port-in Order Response",
    ): _portin("VALIDATE_TFNS", ("+18774809871",), "03f194d5-3932-4e9f-8ba1-03ef767985e5"),
    ("post", f"{ACCOUNT}/portins", "201", "On-net NANP Port-in Order Response"): _portin(
        "PENDING_DOCUMENTS", ("+19194809871",), "03f194d5-3932-4e9f-8ba1-03ef767985e5"
    ),
    ("post", f"{ACCOUNT}/portins", "400", "example"): _codes(
        400, ["7309", "7312", "7398"], ValidationError
    ),
    ("get", PORTIN, "200", "Port-in in CANCELLED state"): _cancelled,
    ("get", PORTIN, "200", "Toll Free INVALID_DRAFT_TFNS state, non-portable TNs"): _any_toll_free(
        "INVALID_DRAFT_TFNS"
    ),
    ("get", PORTIN, "200", "Toll Free INVALID_DRAFT_TFNS state, vendor error"): _any_toll_free(
        "INVALID_DRAFT_TFNS"
    ),
    ("get", PORTIN, "200", "Toll Free VALID_DRAFT_TFNS state"): _portin(
        "VALID_DRAFT_TFNS", ("+18336532112", "+18336532113", "+18336532114")
    ),
    ("put", PORTIN, "200", "Automated Toll-Free Response"): _portin(
        "REQUESTED_SUPP", ("+12019721004", "+12019721005")
    ),
    ("put", PORTIN, "200", "Simple Order Response"): _portin("REQUESTED_SUPP", ()),
    ("put", PORTIN, "400", "example"): _codes(400, ["7331", "7495"], ValidationError),
    ("put", PORTIN, "409", "example"): _codes(409, ["7717"], ConflictError),
    ("delete", PORTIN, "400", "example"): _codes(400, ["7304"], ValidationError),
    ("post", f"{PORTIN}/loas", "201", "example"): _upload,
    ("get", f"{PORTIN}/loas", "200", "example"): _files,
    ("get", f"{PORTIN}/notes", "200", "example"): _notes,
    ("get", f"{PORTIN}/history", "200", "Simple response"): _history,
    ("get", f"{PORTIN}/history", "200", "DRAFT state response"): _draft_history,
}


def test_every_spec_example_of_the_port_in_operations_is_checked() -> None:
    assert set(_examples()) == set(CHECKS)


@pytest.mark.parametrize("key", sorted(CHECKS), ids=lambda key: " ".join(key))
def test_spec_example_is_read(key: Key) -> None:
    CHECKS[key](_examples()[key])
