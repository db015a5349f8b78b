"""Toll-free verification (bandwidth.yml, JSON, under ``/api/v2``) and phone number lookup
(under ``/v2``).

Emulator-chosen rules:

- A submission is checked as the spec's schema says (required fields, 1-10 toll-free numbers of
  the account, ``messageVolume`` 10-10,000,000, since 19 Oct 2026 a registration number with its
  type and issuing country unless ``SOLE_PROPRIETOR``, which must omit them); a number already
  ``PENDING`` or ``VERIFIED`` is refused. Errors are ``tfvError`` with ``errors`` by field.
- It stays ``PENDING`` until ``POST /_sim/tollfree/{phoneNumber}`` decides. A denial carries a
  code from :data:`DENIAL_CODES`; a ``PUT`` resubmission is accepted within 7 days of the
  decision when ``resubmitAllowed``.
- Every decision is posted to each webhook subscription, with Basic credentials when given and
  ``x-bandwidth-signature-hmac-sha256`` (HMAC-SHA256 of the body, hex) when a shared secret is set.
- Lookups: a number ending ``0100`` is ``FIXED`` (a landline), ``0101`` a deactivated mobile,
  ``0102`` ``VOIP-FIXED``, ``0103`` ``VOIP``; every other number is ``MOBILE``. A bulk lookup
  (1 to 15,000 numbers) answers ``202 IN_PROGRESS`` and is ``COMPLETE`` after
  ``order_complete_delay``; ``state.bulk_lookups`` keeps each one and how often it was polled.
"""

from __future__ import annotations

import re
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import Routes, empty_response, json_response, request_json, utc_now_iso
from bandwidth.emulator.state import BulkLookup, TfvSubscription, TollFreeVerification

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="compliance")

TFV = "/api/v2/accounts/<account_id>/tollFreeVerification"
TFV_NUMBER = "/api/v2/accounts/<account_id>/phoneNumbers/<phone_number>/tollFreeVerification"
LOOKUP = "/v2/accounts/<account_id>/phoneNumberLookup"
RESUBMIT_WINDOW_SECONDS = 7 * 24 * 3600
TOLL_FREE = re.compile(r"^\+1(800|833|844|855|866|877|888)[2-9]\d{6}$")
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^(https?://)?(www\.)?[-a-zA-Z0-9@:%._+~#=]{1,253}\.[a-z]{2,6}\b")
ENTITY_TYPES = ("SOLE_PROPRIETOR", "PRIVATE_PROFIT", "PUBLIC_PROFIT", "NON_PROFIT", "GOVERNMENT")
REGISTRATION_TYPES = ("EIN", "CBN", "NEQ", "PROVINCIAL_NUMBER", "CRN", "VAT", "ACN", "ABN", "OTHER")
DENIAL_CODES: dict[int, tuple[str, bool]] = {
    511: (
        "Invalid Information - Can't Validate URL - Website is not accessible / not available",
        True,
    ),
    512: ("Opt-in - Consent for messaging is a requirement for service", True),
    513: ("Business name and website do not match", True),
    519: ("Disallowed content - the use case is prohibited on toll-free messaging", False),
}
DEFAULT_DENIAL = 511
USE_CASES = [
    "2FA",
    "Account Notifications",
    "Appointments",
    "Customer Care",
    "Delivery Notifications",
    "Marketing",
    "Polling and Voting",
    "Public Service Announcement",
]
CARRIERS = ("T-MOBILE USA INC", "VERIZON", "AT&T MOBILITY")


def _tfv_error(status: int, description: str, errors: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"description": description}
    if errors:
        body["errors"] = errors
    else:
        body["type"] = "Bad Request" if status == 400 else "Not Found"
    return json_response(body, status)


def _submission_errors(body: dict[str, Any], with_numbers: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    required = [
        "businessAddress",
        "businessContact",
        "messageVolume",
        "useCase",
        "useCaseSummary",
        "productionMessageContent",
        "optInWorkflow",
    ]
    if with_numbers:
        required += ["phoneNumbers", "businessEntityType"]
    for name in required:
        if body.get(name) in (None, "", [], {}):
            errors[name] = f"{name} is required."
    address = body.get("businessAddress")
    if isinstance(address, dict):
        for part in ("name", "addr1", "city", "state", "zip", "url"):
            if not address.get(part):
                errors[f"businessAddress.{part}"] = f"businessAddress.{part} is required."
        if address.get("url") and not URL.match(str(address["url"])):
            errors["businessAddress.url"] = "Business URL is not a valid URL."
    contact = body.get("businessContact")
    if isinstance(contact, dict):
        for part in ("firstName", "lastName", "email", "phoneNumber"):
            if not contact.get(part):
                errors[f"businessContact.{part}"] = f"businessContact.{part} is required."
        if contact.get("email") and not EMAIL.match(str(contact["email"])):
            errors["businessContact.email"] = "Business contact email is not a valid email address."
    volume = body.get("messageVolume")
    if volume is not None and (not isinstance(volume, int) or not 10 <= volume <= 10_000_000):
        errors["messageVolume"] = "messageVolume must be an integer from 10 to 10000000."
    opt_in = body.get("optInWorkflow")
    if isinstance(opt_in, dict):
        if not opt_in.get("description"):
            errors["optInWorkflow.description"] = "optInWorkflow.description is required."
        if not isinstance(opt_in.get("imageUrls"), list):
            errors["optInWorkflow.imageUrls"] = "Entries must be a valid array of objects."
    if with_numbers:
        numbers = body.get("phoneNumbers")
        if isinstance(numbers, list):
            if not 1 <= len(numbers) <= 10:
                errors["phoneNumbers"] = "Between 1 and 10 toll-free numbers may be submitted."
            elif not all(isinstance(n, str) and TOLL_FREE.match(n) for n in numbers):
                errors["phoneNumbers"] = "Every phone number must be a toll-free E.164 number."
        entity = body.get("businessEntityType")
        if entity is not None and entity not in ENTITY_TYPES:
            errors["businessEntityType"] = "businessEntityType is not valid."
    entity = body.get("businessEntityType")
    registration = (
        "businessRegistrationNumber",
        "businessRegistrationType",
        "businessRegistrationIssuingCountry",
    )
    if entity == "SOLE_PROPRIETOR":
        for name in registration:
            if body.get(name):
                errors[name] = f"{name} must be omitted for SOLE_PROPRIETOR."
    elif entity in ENTITY_TYPES:
        for name in registration:
            if not body.get(name):
                errors[name] = f"{name} is required unless businessEntityType is SOLE_PROPRIETOR."
        kind = body.get("businessRegistrationType")
        if kind and kind not in REGISTRATION_TYPES:
            errors["businessRegistrationType"] = "businessRegistrationType is not valid."
    return errors


@routes.route(TFV, methods=["POST"])
def submit(emu: Emulator, request: Request, account_id: str) -> Response:
    try:
        body = request_json(request)
    except ValueError:
        return _tfv_error(400, "Malformed JSON request body")
    if not isinstance(body, dict):
        return _tfv_error(400, "cannot process request.", {"body": "must be a JSON object."})
    errors = _submission_errors(body, with_numbers=True)
    if errors:
        return _tfv_error(400, "cannot process request.", errors)
    numbers: list[str] = body["phoneNumbers"]
    submission = {k: v for k, v in body.items() if k != "phoneNumbers"}
    now = utc_now_iso()
    with emu.state.lock:
        for number in numbers:
            if number not in emu.state.in_service:
                return _tfv_error(
                    400,
                    "cannot process request.",
                    {"phoneNumbers": f"{number} is not on the account."},
                )
            existing = emu.state.toll_free.get(number)
            if existing is not None and existing.status in ("PENDING", "VERIFIED"):
                return _tfv_error(
                    400,
                    "cannot process request.",
                    {"phoneNumbers": f"{number} already has a {existing.status} verification."},
                )
        for number in numbers:
            emu.state.toll_free[number] = TollFreeVerification(
                phone_number=number,
                ticket=emu.state.new_uuid(),
                submission=dict(submission),
                created=now,
                modified=now,
            )
    return empty_response(202)


def _status_body(verification: TollFreeVerification) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phoneNumber": verification.phone_number,
        "status": verification.status,
        "internalTicketNumber": verification.ticket,
        "resubmitAllowed": verification.resubmit_allowed,
        "createdDateTime": verification.created,
        "modifiedDateTime": verification.modified,
        "submission": verification.submission,
    }
    if verification.denial_code is not None:
        body["denialStatusCode"] = verification.denial_code
        body["declineReasonDescription"] = verification.decline_reason
    return body


@routes.route(TFV_NUMBER, methods=["GET"])
def status(emu: Emulator, request: Request, account_id: str, phone_number: str) -> Response:
    with emu.state.lock:
        verification = emu.state.toll_free.get(phone_number)
        in_service = phone_number in emu.state.in_service
        body = _status_body(verification) if verification is not None else None
    if body is None:
        if not in_service or not TOLL_FREE.match(phone_number):
            return _tfv_error(404, "Cannot find the requested resource.")
        return json_response({"phoneNumber": phone_number, "status": "UNVERIFIED"})
    return json_response(body)


@routes.route(TFV_NUMBER, methods=["PUT"])
def resubmit(emu: Emulator, request: Request, account_id: str, phone_number: str) -> Response:
    try:
        body = request_json(request)
    except ValueError:
        return _tfv_error(400, "Malformed JSON request body")
    submission = body.get("submission") if isinstance(body, dict) else None
    if not isinstance(submission, dict):
        return _tfv_error(400, "cannot process request.", {"submission": "submission is required."})
    errors = _submission_errors(submission, with_numbers=False)
    if errors:
        return _tfv_error(400, "cannot process request.", errors)
    with emu.state.lock:
        verification = emu.state.toll_free.get(phone_number)
        if verification is None:
            return _tfv_error(404, "Cannot find the requested resource.")
        if verification.status != "UNVERIFIED" or not verification.resubmit_allowed:
            return _tfv_error(
                400,
                "cannot process request.",
                {"phoneNumber": "This verification request is not eligible for resubmission."},
            )
        decided = verification.processed_at or 0.0
        if time.time() - decided > RESUBMIT_WINDOW_SECONDS:
            return _tfv_error(
                400,
                "cannot process request.",
                {"phoneNumber": "Resubmission is only allowed within 7 days of the decision."},
            )
        verification.submission = {**verification.submission, **submission}
        verification.status = "PENDING"
        verification.denial_code = None
        verification.decline_reason = ""
        verification.resubmit_allowed = False
        verification.modified = utc_now_iso()
    return empty_response(202)


@routes.route(TFV_NUMBER, methods=["DELETE"])
def delete(emu: Emulator, request: Request, account_id: str, phone_number: str) -> Response:
    with emu.state.lock:
        removed = emu.state.toll_free.pop(phone_number, None)
    if removed is None:
        return _tfv_error(404, "Cannot find the requested resource.")
    return empty_response(204)


@routes.route("/api/v2/tollFreeVerification/useCases", methods=["GET"])
def use_cases(emu: Emulator, request: Request) -> Response:
    return json_response(USE_CASES)


# --- webhook subscriptions ---


def _subscription_body(emu: Emulator, subscription: TfvSubscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "accountId": emu.config.account_id,
        "callbackUrl": subscription.callback_url,
        "type": "TOLLFREE_VERIFICATION_STATUS",
        "createdDate": subscription.created,
        "modifiedDate": subscription.created,
    }


def _subscription_from(body: Any, subscription_id: str) -> TfvSubscription | Response:
    if not isinstance(body, dict) or not isinstance(body.get("callbackUrl"), str):
        return _tfv_error(
            400, "cannot process request.", {"callbackUrl": "callbackUrl is required."}
        )
    url = body["callbackUrl"]
    if not url.startswith(("http://", "https://")):
        return _tfv_error(
            400, "cannot process request.", {"callbackUrl": "callbackUrl is not a URL."}
        )
    secret = body.get("sharedSecretKey")
    if secret is not None and (
        not isinstance(secret, str) or not re.fullmatch(r"[ -~]{16,64}", secret)
    ):
        return _tfv_error(
            400,
            "cannot process request.",
            {"sharedSecretKey": "sharedSecretKey must be 16 to 64 printable ASCII characters."},
        )
    basic = body.get("basicAuthentication")
    credentials = None
    if isinstance(basic, dict) and basic.get("username"):
        credentials = (str(basic["username"]), str(basic.get("password") or ""))
    return TfvSubscription(
        id=subscription_id,
        callback_url=url,
        credentials=credentials,
        shared_secret=secret,
        created=utc_now_iso(),
    )


@routes.route(TFV + "/webhooks/subscriptions", methods=["POST"])
def create_subscription(emu: Emulator, request: Request, account_id: str) -> Response:
    try:
        body = request_json(request)
    except ValueError:
        return _tfv_error(400, "Malformed JSON request body")
    subscription = _subscription_from(body, emu.state.new_uuid().replace("-", "")[:22])
    if isinstance(subscription, Response):
        return subscription
    with emu.state.lock:
        emu.state.tfv_subscriptions[subscription.id] = subscription
    return json_response(_subscription_body(emu, subscription), 201)


@routes.route(TFV + "/webhooks/subscriptions", methods=["GET"])
def list_subscriptions(emu: Emulator, request: Request, account_id: str) -> Response:
    with emu.state.lock:
        data = [_subscription_body(emu, s) for s in emu.state.tfv_subscriptions.values()]
    return json_response({"links": {}, "errors": [], "data": data})


@routes.route(TFV + "/webhooks/subscriptions/<subscription_id>", methods=["PUT"])
def update_subscription(
    emu: Emulator, request: Request, account_id: str, subscription_id: str
) -> Response:
    try:
        body = request_json(request)
    except ValueError:
        return _tfv_error(400, "Malformed JSON request body")
    with emu.state.lock:
        if subscription_id not in emu.state.tfv_subscriptions:
            return _tfv_error(404, "Cannot find the requested resource.")
    subscription = _subscription_from(body, subscription_id)
    if isinstance(subscription, Response):
        return subscription
    with emu.state.lock:
        emu.state.tfv_subscriptions[subscription_id] = subscription
    return json_response(_subscription_body(emu, subscription))


@routes.route(TFV + "/webhooks/subscriptions/<subscription_id>", methods=["DELETE"])
def delete_subscription(
    emu: Emulator, request: Request, account_id: str, subscription_id: str
) -> Response:
    with emu.state.lock:
        removed = emu.state.tfv_subscriptions.pop(subscription_id, None)
    if removed is None:
        return _tfv_error(404, "Cannot find the requested resource.")
    return empty_response(204)


def decide(emu: Emulator, phone_number: str, status: str, denial_code: int | None) -> str | None:
    """Settles a pending verification (``/_sim``); returns why not, or None."""
    if status == "DENIED" and denial_code is not None and denial_code not in DENIAL_CODES:
        return f"denialCode must be one of {sorted(DENIAL_CODES)}"
    with emu.state.lock:
        verification = emu.state.toll_free.get(phone_number)
        if verification is None:
            return f"no verification request for {phone_number}"
        verification.modified = utc_now_iso()
        verification.processed_at = time.time()
        payload: dict[str, Any] = {
            "accountId": emu.config.account_id,
            "phoneNumber": phone_number,
            "internalTicketNumber": verification.ticket,
        }
        if status == "VERIFIED":
            verification.status = "VERIFIED"
            verification.denial_code = None
            verification.decline_reason = ""
            verification.resubmit_allowed = False
            payload["status"] = "VERIFIED"
        else:
            code = denial_code or DEFAULT_DENIAL
            reason, resubmit_allowed = DENIAL_CODES[code]
            verification.status = "UNVERIFIED"
            verification.denial_code = code
            verification.decline_reason = reason
            verification.resubmit_allowed = resubmit_allowed
            payload.update(
                status="UNVERIFIED",
                denialStatusCode=code,
                declineReasonDescription=reason,
                resubmitAllowed=resubmit_allowed,
            )
        subscriptions = list(emu.state.tfv_subscriptions.values())
    for subscription in subscriptions:
        emu.callbacks.deliver(
            subscription.callback_url,
            json_body=payload,
            credentials=subscription.credentials,
            kind="tollfree-verification",
            signing_secret=subscription.shared_secret,
        )
    return None


# --- phone number lookup ---


def lookup_result(number: str) -> dict[str, Any]:
    carrier = CARRIERS[sum(int(d) for d in number[1:]) % len(CARRIERS)]
    result: dict[str, Any] = {
        "phoneNumber": number,
        "countryCodeA3": "USA" if number.startswith("+1") else "ZZZ",
        "lineType": "MOBILE",
        "messagingProvider": carrier,
        "voiceProvider": carrier,
        "latestMessageDeliveryStatus": "ACTIVE",
    }
    if number.endswith("0100"):
        result.update(lineType="FIXED", latestMessageDeliveryStatus="NOT_ENABLED")
        result.pop("messagingProvider")
    elif number.endswith("0101"):
        result.update(
            deactivationEvent="DEACTIVATED",
            deactivationReporter=carrier,
            deactivationDate="2026-01-02 03:04:00",
            latestMessageDeliveryStatus="DEACTIVATED",
        )
    elif number.endswith("0102"):
        result["lineType"] = "VOIP-FIXED"
    elif number.endswith("0103"):
        result["lineType"] = "VOIP"
    return result


def _lookup_error(description: str, numbers: list[str] | None = None) -> Response:
    error: dict[str, Any] = {
        "code": "BAD-REQUEST",
        "type": "bad-request",
        "description": description,
    }
    if numbers:
        error["meta"] = {"phoneNumbers": numbers, "message": "Invalid TNs", "code": 1001}
    return json_response({"links": [], "data": {}, "errors": [error]}, 400)


def _lookup_numbers(request: Request, limit: int) -> list[str] | Response:
    try:
        body = request_json(request)
    except ValueError:
        return _lookup_error("Malformed JSON request body")
    numbers = body.get("phoneNumbers") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not 1 <= len(numbers) <= limit:
        return _lookup_error(f"phoneNumbers must list 1 to {limit} numbers")
    bad = [str(n) for n in numbers if not isinstance(n, str) or not E164.match(n)]
    if bad:
        return _lookup_error("Some telephone numbers are not in E.164 format", bad)
    return [str(n) for n in numbers]


@routes.route(LOOKUP, methods=["POST"])
def lookup(emu: Emulator, request: Request, account_id: str) -> Response:
    numbers = _lookup_numbers(request, 100)
    if isinstance(numbers, Response):
        return numbers
    return json_response(
        {
            "links": [],
            "data": {
                "requestId": emu.state.new_uuid(),
                "status": "COMPLETE",
                "results": [lookup_result(n) for n in numbers],
            },
            "errors": [],
        }
    )


def _finish_bulk(emu: Emulator, request_id: str) -> None:
    with emu.state.lock:
        bulk = emu.state.bulk_lookups.get(request_id)
        if bulk is not None:
            bulk.complete = True


@routes.route(LOOKUP + "/bulk", methods=["POST"])
def bulk_lookup(emu: Emulator, request: Request, account_id: str) -> Response:
    numbers = _lookup_numbers(request, 15_000)
    if isinstance(numbers, Response):
        return numbers
    request_id = emu.state.new_uuid()
    with emu.state.lock:
        emu.state.bulk_lookups[request_id] = BulkLookup(id=request_id, numbers=numbers)
    emu.scheduler.call_later(
        emu.config.order_complete_delay, partial(_finish_bulk, emu, request_id)
    )
    link = {
        "href": f"/accounts/{account_id}/phoneNumberLookup/bulk/{request_id}",
        "rel": "createdRequest",
        "method": "GET",
    }
    return json_response(
        {
            "links": [link],
            "data": {"requestId": request_id, "status": "IN_PROGRESS", "results": []},
            "errors": [],
        },
        202,
    )


@routes.route(LOOKUP + "/bulk/<request_id>", methods=["GET"])
def bulk_lookup_result(
    emu: Emulator, request: Request, account_id: str, request_id: str
) -> Response:
    with emu.state.lock:
        bulk = emu.state.bulk_lookups.get(request_id)
        if bulk is not None:
            bulk.polls += 1
            numbers, complete = list(bulk.numbers), bulk.complete
    if bulk is None:
        return json_response(
            {
                "links": [],
                "data": {},
                "errors": [
                    {"code": "NOT-FOUND", "type": "not-found", "description": "Unknown requestId"}
                ],
            },
            404,
        )
    data: dict[str, Any] = {"requestId": request_id, "status": "IN_PROGRESS", "results": []}
    if complete:
        data.update(status="COMPLETE", results=[lookup_result(n) for n in numbers])
    return json_response({"links": [], "data": data, "errors": []})
