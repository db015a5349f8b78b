"""Every write of the porting app: check, create, change, documents, submit, supplement,
cancel, and applying what Bandwidth says (notifications, syncs, the reconciler).

Bandwidth is called outside any transaction and before the rows that record its answer are
written, so a refusal writes nothing. Bandwidth's port-in validation codes are turned into
errors naming Parley's field.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from numbers import services as number_services
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from bandwidth.client import BandwidthClient
from bandwidth.client.numbers_xml.portins import (
    LnpOrder,
    NumberPortability,
    PortInResult,
    ServiceAddress,
)
from bandwidth.errors import BandwidthError, NotFoundError, ValidationError
from carrier.clients import client_for_account, client_for_tenant
from carrier.models import BandwidthAccount, Provisioning
from carrier.provisioning import account_for
from carrier.webhook_auth import PURPOSE
from core import phones, secret_box
from core.idempotency import idempotency_claim, idempotency_lookup
from tenants.errors import Conflict, ParleyError
from tenants.models import Tenant
from tenants.tokens import keyed_digest

from . import documents
from .models import PortInDocument, PortInEvent, PortInRequest, PortInSubscription

logger = logging.getLogger(__name__)

MAX_NUMBERS = 50
MAX_FOC_DAYS = 30
FOC_LOCK_HOURS = 24
STALE_AFTER = timedelta(days=1)
CUSTOMER_ORDER_PREFIX = "parley-port-"
CREATE_SCOPE = "porting.create"
FIELD_OF_CODE = {
    "7201": "numbers",
    "7205": "numbers",
    "7331": "numbers",
    "7310": "numbers",
    "7311": "authorizing_person",
    "7313": "address",
    "7314": "account_number",
    "7315": "pin",
    "7316": "requested_foc_date",
    "7317": "status",
    "7304": "status",
}
# Bandwidth's toll-free validation states, told to the tenant as the state they amount to.
STATUS_ALIASES = {
    "VALIDATE_DRAFT_TFNS": "DRAFT",
    "VALID_DRAFT_TFNS": "DRAFT",
    "INVALID_DRAFT_TFNS": "EXCEPTION",
    "VALIDATE_TFNS": "SUBMITTED",
    "INVALID_TFNS": "EXCEPTION",
}
TOLL_FREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")


def webhook_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/bandwidth/portins/"


def is_toll_free(number: str) -> bool:
    return number.startswith("+1") and number[2:5] in TOLL_FREE_PREFIXES


# --- the checker ---


@dataclass(frozen=True)
class NumberCheck:
    number: str
    portable: bool
    reason: str
    losing_carrier: str
    wireless: bool
    needs_account_number_and_pin: bool
    toll_free: bool
    city: str
    state: str


def _normalize_numbers(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise ParleyError("List the numbers to bring to Parley.", field="numbers")
    if len(raw) > MAX_NUMBERS:
        raise ParleyError(f"Port at most {MAX_NUMBERS} numbers at once.", field="numbers")
    numbers = [phones.normalize_number(item, field="numbers") for item in raw]
    if len(set(numbers)) != len(numbers):
        raise ParleyError("A number is listed twice.", field="numbers")
    for number in numbers:
        if phones.country_code_of(number) != 1:
            raise ParleyError(
                f"{number} is not a US or Canadian number; only those can be ported.",
                field="numbers",
            )
    if 0 < sum(is_toll_free(n) for n in numbers) < len(numbers):
        raise ParleyError("Port toll-free and local numbers in separate requests.", field="numbers")
    return numbers


def _bandwidth_check(client: BandwidthClient, numbers: list[str]) -> list[NumberCheck]:
    try:
        result = client.numbers.check_portability(numbers)
    except ValidationError as error:
        reason = "; ".join(e.description for e in error.errors) or error.description
        raise ParleyError(reason, field="numbers", code="not_portable") from error
    found: dict[str, NumberPortability] = {n.e164: n for n in result.numbers}
    checks = []
    for number in numbers:
        info = found.get(number)
        checks.append(
            NumberCheck(
                number=number,
                portable=bool(info and info.portable),
                reason=(info.reason if info else "Bandwidth did not answer for this number."),
                losing_carrier=info.losing_carrier if info else "",
                wireless=bool(info and info.wireless),
                needs_account_number_and_pin=bool(
                    info and (info.wireless or info.account_number_required)
                ),
                toll_free=is_toll_free(number),
                city=info.city if info else "",
                state=info.state if info else "",
            )
        )
    return checks


def port_in_check(*, tenant: Tenant, numbers: Any) -> list[NumberCheck]:
    """What Bandwidth's portability checker says of each number (nothing is written)."""
    normalized = _normalize_numbers(numbers)
    return _bandwidth_check(client_for_tenant(tenant), normalized)


# --- create and change ---


def _require_ready(tenant: Tenant) -> Provisioning:
    provisioning = Provisioning.objects.filter(tenant=tenant).first()
    if provisioning is None or provisioning.status != Provisioning.Status.READY:
        raise Conflict(
            "Your Bandwidth set-up is not finished yet; numbers cannot be ported in until it is.",
            code="not_provisioned",
        )
    return provisioning


def _text(data: dict[str, Any], name: str, limit: int, required: bool, label: str) -> str:
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise ParleyError(f"Give {label}.", field=name)
    if len(value) > limit:
        raise ParleyError(f"{label.capitalize()} has at most {limit} characters.", field=name)
    return value


def _foc_date(value: Any, today: date) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ParleyError(
                "Give the date as YYYY-MM-DD, or leave it empty for the earliest.",
                field="requested_foc_date",
            ) from None
    if not isinstance(value, date):
        raise ParleyError("Give the date as YYYY-MM-DD.", field="requested_foc_date")
    if value.weekday() >= 5:
        raise ParleyError(
            "Ports happen on business days: choose a day from Monday to Friday.",
            field="requested_foc_date",
        )
    if value <= today or value > today + timedelta(days=MAX_FOC_DAYS):
        raise ParleyError(
            f"Choose a business day after today and at most {MAX_FOC_DAYS} days out, or leave "
            "it empty for the earliest.",
            field="requested_foc_date",
        )
    return value


@dataclass(frozen=True)
class Details:
    account_name: str
    house_number: str
    street_name: str
    city: str
    state: str
    zip_code: str
    account_number: str
    pin: str
    authorizing_person: str
    requested_foc_date: date | None


class MissingDetails(ParleyError):
    """Several fields are missing at once; ``fields`` names each of them."""

    def __init__(self, message: str, *, fields: list[str], code: str) -> None:
        super().__init__(message, field=fields[0], code=code)
        self.fields = fields


def _require_wireless_details(details: Details) -> None:
    missing = [name for name in ("account_number", "pin") if not getattr(details, name)]
    if missing:
        raise MissingDetails(
            "The current carrier is a wireless carrier: it releases numbers only with the "
            "account number and the PIN (the port-out or transfer PIN from its app or website). "
            "Give " + " and ".join(m.replace("_", " ") for m in missing) + ".",
            fields=missing,
            code="account_number_and_pin_required",
        )


def _details(data: dict[str, Any], *, toll_free: bool, wireless: bool) -> Details:
    address_needed = not toll_free
    details = Details(
        account_name=_text(data, "account_name", 120, True, "the name on the carrier account"),
        house_number=_text(data, "house_number", 20, address_needed, "the house number"),
        street_name=_text(data, "street_name", 120, address_needed, "the street"),
        city=_text(data, "city", 80, address_needed, "the city"),
        state=_text(data, "state", 2, address_needed, "the state (two letters)").upper(),
        zip_code=_text(data, "zip_code", 10, address_needed, "the ZIP code"),
        account_number=_text(data, "account_number", 40, False, "the account number"),
        pin=_text(data, "pin", 20, False, "the PIN"),
        authorizing_person=_text(
            data, "authorizing_person", 120, True, "the name of the person who authorizes it"
        ),
        requested_foc_date=_foc_date(data.get("requested_foc_date"), timezone.localdate()),
    )
    if wireless:
        _require_wireless_details(details)
    return details


def _store_details(port_in: PortInRequest, details: Details) -> None:
    for name in (
        "account_name",
        "house_number",
        "street_name",
        "city",
        "state",
        "zip_code",
        "account_number",
        "authorizing_person",
        "requested_foc_date",
    ):
        setattr(port_in, name, getattr(details, name))
    if details.pin:
        port_in.pin_encrypted = secret_box.encrypt(details.pin)


def _event(port_in: PortInRequest, kind: str, text: str, author: str, status: str = "") -> None:
    PortInEvent.objects.create(
        tenant_id=port_in.tenant_id,
        port_in=port_in,
        kind=kind,
        status=status,
        text=text[:500],
        author=author[:80],
    )


@dataclass(frozen=True)
class PortInCreated:
    port_in: PortInRequest
    created: bool
    """False when an Idempotency-Key repeated an earlier request."""


def port_in_create(
    *, tenant: Tenant, data: dict[str, Any], user: Any = None, idempotency_key: str = ""
) -> PortInCreated:
    """A draft port-in whose numbers Bandwidth says are portable; they show as ``porting``.
    A repeated ``idempotency_key`` answers with the first request's port-in."""
    fingerprint = {k: str(v) for k, v in data.items()}
    earlier = idempotency_lookup(
        tenant=tenant, scope=CREATE_SCOPE, key=idempotency_key, body=fingerprint
    )
    if earlier is not None:
        return PortInCreated(PortInRequest.objects.for_tenant(tenant).get(pk=earlier), False)
    numbers = _normalize_numbers(data.get("numbers"))
    toll_free = is_toll_free(numbers[0])
    _require_ready(tenant)
    details = _details(data, toll_free=toll_free, wireless=False)
    checks = _bandwidth_check(client_for_tenant(tenant), numbers)
    refused = [c for c in checks if not c.portable]
    if refused:
        raise ParleyError(
            "; ".join(
                f"{phones.format_number(c.number)} cannot be ported: {c.reason}" for c in refused
            ),
            field="numbers",
            code="not_portable",
        )
    wireless = any(c.needs_account_number_and_pin for c in checks)
    if wireless:
        _require_wireless_details(details)
    with transaction.atomic():
        claim = idempotency_claim(
            tenant=tenant, scope=CREATE_SCOPE, key=idempotency_key, body=fingerprint
        )
        if claim.replay_of is not None:
            replayed = PortInRequest.objects.for_tenant(tenant).get(pk=claim.replay_of)
            return PortInCreated(replayed, False)
        port_in = _create(tenant, numbers, checks, details, toll_free, wireless, user)
        claim.complete(port_in.pk)
    return PortInCreated(port_in, True)


@transaction.atomic
def _create(
    tenant: Tenant,
    numbers: list[str],
    checks: list[NumberCheck],
    details: Details,
    toll_free: bool,
    wireless: bool,
    user: Any,
) -> PortInRequest:
    port_in = PortInRequest(
        tenant=tenant,
        numbers=numbers,
        toll_free=toll_free,
        wireless=wireless,
        losing_carrier=next((c.losing_carrier for c in checks if c.losing_carrier), "")[:120],
        customer_order_id=f"{CUSTOMER_ORDER_PREFIX}{uuid.uuid4().hex[:24]}",
        created_by=user if isinstance(user, get_user_model()) else None,
    )
    _store_details(port_in, details)
    port_in.save()
    rows = number_services.number_port_hold(tenant=tenant, numbers=numbers)
    port_in.phone_numbers.set(rows)
    _event(port_in, PortInEvent.Kind.STATUS, "Request created", _author(user), "DRAFT")
    return port_in


def _author(user: Any) -> str:
    return str(getattr(user, "username", "") or "API")


def _lnp_order(
    port_in: PortInRequest, provisioning: Provisioning, details: Details | None = None
) -> LnpOrder:
    """The LnpOrder for the request, with ``details`` in place of the stored ones if given."""
    d = details or _stored_details(port_in)
    address = None
    if d.street_name:
        address = ServiceAddress(
            house_number=d.house_number,
            street_name=d.street_name,
            city=d.city,
            state_code=d.state,
            zip_code=d.zip_code,
        )
    return LnpOrder(
        numbers=tuple(port_in.numbers),
        site_id=provisioning.site_id,
        peer_id=provisioning.peer_id,
        customer_order_id=port_in.customer_order_id,
        billing_number=port_in.numbers[0],
        business_name=d.account_name,
        address=address,
        loa_authorizing_person=d.authorizing_person,
        account_number=d.account_number,
        pin=d.pin,
        requested_foc_date=d.requested_foc_date,
    )


def _stored_details(port_in: PortInRequest) -> Details:
    return Details(
        account_name=port_in.account_name,
        house_number=port_in.house_number,
        street_name=port_in.street_name,
        city=port_in.city,
        state=port_in.state,
        zip_code=port_in.zip_code,
        account_number=port_in.account_number,
        pin=secret_box.decrypt(port_in.pin_encrypted) if port_in.pin_encrypted else "",
        authorizing_person=port_in.authorizing_person,
        requested_foc_date=port_in.requested_foc_date,
    )


def _refusal(error: BandwidthError) -> ParleyError:
    """Bandwidth's validation errors as one ParleyError naming Parley's field."""
    details = list(error.errors)
    if not details:
        return ParleyError(f"Bandwidth refused the port-in: {error.description}", code="bandwidth")
    first = details[0]
    message = "; ".join(f"{d.description} (error {d.code})" for d in details)
    field = FIELD_OF_CODE.get(first.code, "non_field_errors")
    return ParleyError(message, field=field, code="bandwidth_refused")


def _locked(tenant: Tenant, port_in: PortInRequest) -> PortInRequest:
    return PortInRequest.objects.for_tenant(tenant).select_for_update().get(pk=port_in.pk)


def _refuse_near_foc(port_in: PortInRequest, action: str) -> None:
    if port_in.foc_within(timezone.now(), FOC_LOCK_HOURS):
        when = timezone.localtime(port_in.foc_at).strftime("%Y-%m-%d %H:%M %Z")
        raise Conflict(
            f"The port is confirmed for {when}: Bandwidth allows no {action} within "
            f"{FOC_LOCK_HOURS} hours of that time. Contact Parley support if it must change.",
            field="status",
            code="too_close_to_foc",
        )


def port_in_update(
    *, tenant: Tenant, port_in: PortInRequest, data: dict[str, Any], user: Any = None
) -> PortInRequest:
    """A draft changes here; a submitted port-in changes through a supplement (SUPP) at
    Bandwidth, refused within 24 hours of the FOC date."""
    if port_in.status in PortInRequest.CLOSED_STATUSES:
        raise Conflict(f"This port-in is {port_in.get_status_display().lower()}.", field="status")
    if port_in.status == PortInRequest.Status.REQUESTED_CANCEL:
        raise Conflict("This port-in is being cancelled.", field="status")
    merged = port_in_details(port_in)
    merged.update({k: v for k, v in data.items() if k != "numbers"})
    details = _details(merged, toll_free=port_in.toll_free, wireless=port_in.wireless)
    if port_in.status == PortInRequest.Status.DRAFT:
        with transaction.atomic():
            locked = _locked(tenant, port_in)
            _store_details(locked, details)
            locked.save()
        return locked
    _refuse_near_foc(port_in, "change")
    provisioning = _require_ready(tenant)
    try:
        result = client_for_tenant(tenant).numbers.update_portin(
            port_in.bandwidth_order_id or "", _lnp_order(port_in, provisioning, details)
        )
    except ValidationError as error:
        raise _refusal(error) from error
    with transaction.atomic():
        locked = _locked(tenant, port_in)
        _store_details(locked, details)
        locked.exception_reason = ""
        locked.save()
        _event(
            locked,
            PortInEvent.Kind.NOTE,
            "Supplement sent with the corrected details",
            _author(user),
        )
        _apply(locked, result.status or PortInRequest.Status.REQUESTED_SUPP, "Supplement requested")
    return locked


def port_in_details(port_in: PortInRequest) -> dict[str, Any]:
    """The request's current details as a form or a supplement starts from (the PIN decrypted)."""
    return asdict(_stored_details(port_in))


# --- documents ---


def _check_upload(port_in: PortInRequest, kind: str, upload: UploadedFile) -> tuple[bytes, str]:
    if kind not in PortInDocument.Kind.values:
        raise ParleyError("Say what the file is: loa, bill or other.", field="kind")
    size = upload.size or 0
    if size > documents.MAX_DOCUMENT_BYTES:
        raise ParleyError(
            f"The file is {size / 1_048_576:.1f} MB; a document holds at most "
            f"{documents.MAX_DOCUMENT_BYTES // 1_048_576} MB.",
            field="file",
            code="file_too_large",
        )
    if size == 0:
        raise ParleyError("The file is empty.", field="file")
    content = upload.read(documents.MAX_DOCUMENT_BYTES + 1)
    if len(content) > documents.MAX_DOCUMENT_BYTES:
        raise ParleyError("The file is too large.", field="file", code="file_too_large")
    content_type = documents.sniff(content[:16])
    if content_type is None:
        raise ParleyError(
            f"The file is not a {documents.accepted_formats()} document (judged by its content, "
            "not its name).",
            field="file",
            code="file_type",
        )
    if port_in.toll_free and kind == "loa" and content_type not in documents.TOLL_FREE_LOA_TYPES:
        raise ParleyError(
            "A toll-free LOA must be a PDF or TIFF file.", field="file", code="file_type"
        )
    return content, content_type


def _writable_for_documents(port_in: PortInRequest) -> None:
    if port_in.status in PortInRequest.CLOSED_STATUSES:
        raise Conflict(
            f"This port-in is {port_in.get_status_display().lower()}; it takes no more files.",
            field="status",
        )


def port_in_document_add(
    *, tenant: Tenant, port_in: PortInRequest, kind: str, upload: UploadedFile, user: Any = None
) -> PortInDocument:
    """Stores a checked file; once the order is at Bandwidth it is sent there too."""
    _writable_for_documents(port_in)
    content, content_type = _check_upload(port_in, kind, upload)
    return _document_store(
        tenant, port_in, kind, content, content_type, upload.name or kind, _author(user)
    )


def port_in_loa_sign(
    *, tenant: Tenant, port_in: PortInRequest, signed_name: Any, consent: Any, user: Any = None
) -> PortInDocument:
    """The LOA rendered to PDF from the request's details and the typed signature."""
    _writable_for_documents(port_in)
    name = signed_name.strip() if isinstance(signed_name, str) else ""
    if not name:
        raise ParleyError("Type your full name to sign.", field="signed_name")
    if name.casefold() != port_in.authorizing_person.strip().casefold():
        raise ParleyError(
            f"The LOA must be signed by the authorizing person, {port_in.authorizing_person}.",
            field="signed_name",
        )
    if consent is not True and str(consent).lower() not in ("true", "on", "1", "yes"):
        raise ParleyError(
            "Tick the box to agree that typing your name signs the letter.", field="consent"
        )
    now = timezone.now()
    address = ", ".join(
        part
        for part in (
            f"{port_in.house_number} {port_in.street_name}".strip(),
            port_in.city,
            f"{port_in.state} {port_in.zip_code}".strip(),
        )
        if part
    )
    pdf = documents.render_loa(
        documents.LoaDetails(
            account_name=port_in.account_name,
            address=address or "the address on file",
            numbers=list(port_in.numbers),
            losing_carrier=port_in.losing_carrier,
            signed_name=name,
            signed_at=now,
        )
    )
    document = _document_store(
        tenant, port_in, "loa", pdf, "application/pdf", "loa-signed.pdf", _author(user)
    )
    with transaction.atomic():
        locked = _locked(tenant, port_in)
        locked.loa_signed_name = name
        locked.loa_signed_at = now
        locked.save(update_fields=["loa_signed_name", "loa_signed_at", "updated_at"])
    return document


def _document_store(
    tenant: Tenant,
    port_in: PortInRequest,
    kind: str,
    content: bytes,
    content_type: str,
    original_name: str,
    author: str,
) -> PortInDocument:
    bandwidth_name = ""
    at_bandwidth = port_in.bandwidth_order_id and port_in.status != PortInRequest.Status.DRAFT
    if at_bandwidth:
        try:
            bandwidth_name = client_for_tenant(tenant).numbers.upload_portin_file(
                port_in.bandwidth_order_id or "",
                content=content,
                content_type=content_type,
                document_type=PortInDocument.BANDWIDTH_TYPES[kind],
            )
        except ValidationError as error:
            raise _refusal(error) from error
        except BandwidthError as error:
            raise ParleyError(
                f"Bandwidth did not take the file: {error.description}", field="file"
            ) from error
    with transaction.atomic():
        document = PortInDocument(
            tenant=tenant,
            port_in=port_in,
            kind=kind,
            original_name=original_name[:200],
            content_type=content_type,
            size=len(content),
            bandwidth_file_name=bandwidth_name,
        )
        document.file.save(original_name, ContentFile(content), save=False)
        document.save()
        _event(
            port_in,
            PortInEvent.Kind.NOTE,
            f"{document.get_kind_display()} added ({original_name[:80]})",
            author,
        )
    return document


# --- submit, cancel, notes ---


def _ensure_subscription(client: BandwidthClient, account: BandwidthAccount) -> None:
    """The account's ``portins`` subscription, created once (Bandwidth's are account-wide)."""
    existing = PortInSubscription.objects.filter(account=account).first()
    if existing is not None:
        try:
            if client.numbers.get_subscription(existing.subscription_id).url == webhook_url():
                return
        except NotFoundError:
            pass
        with contextlib.suppress(BandwidthError):
            client.numbers.delete_subscription(existing.subscription_id)
    username = f"p-{account.pk}"
    password = secrets.token_urlsafe(32)
    subscription_id = client.numbers.create_subscription(
        order_type="portins", url=webhook_url(), username=username, password=password
    )
    PortInSubscription.objects.update_or_create(
        account=account,
        defaults={
            "subscription_id": subscription_id,
            "username": username,
            "password_hash": keyed_digest(password, purpose=PURPOSE),
        },
    )


def port_in_submit(*, tenant: Tenant, port_in: PortInRequest, user: Any = None) -> PortInRequest:
    """Sends the draft to Bandwidth: the draft order, its files, then the submitting PUT."""
    if port_in.status != PortInRequest.Status.DRAFT:
        raise Conflict("This port-in has been submitted already.", field="status")
    kinds = set(port_in.documents.values_list("kind", flat=True))
    if "loa" not in kinds:
        raise ParleyError(
            "Sign the letter of authorization (or upload one) before submitting.",
            field="documents",
            code="loa_missing",
        )
    if "bill" not in kinds and not port_in.toll_free:
        raise ParleyError(
            "Upload a recent bill from the current carrier before submitting.",
            field="documents",
            code="bill_missing",
        )
    provisioning = _require_ready(tenant)
    account = account_for(provisioning)
    client = client_for_account(account if account.kind == BandwidthAccount.Kind.TENANT else None)
    order = _lnp_order(port_in, provisioning)
    try:
        _ensure_subscription(client, account)
        order_id = port_in.bandwidth_order_id
        if not order_id:
            draft = client.numbers.create_portin(order, draft=True)
            order_id = draft.order_id or ""
            PortInRequest.objects.for_tenant(tenant).filter(pk=port_in.pk).update(
                bandwidth_order_id=order_id
            )
        for document in port_in.documents.filter(bandwidth_file_name="", purged_at=None):
            with document.file.open("rb") as handle:
                name = client.numbers.upload_portin_file(
                    order_id,
                    content=handle.read(),
                    content_type=document.content_type,
                    document_type=PortInDocument.BANDWIDTH_TYPES[document.kind],
                )
            PortInDocument.objects.for_tenant(tenant).filter(pk=document.pk).update(
                bandwidth_file_name=name
            )
        result = client.numbers.update_portin(order_id, order, submit=True)
    except ValidationError as error:
        raise _refusal(error) from error
    with transaction.atomic():
        locked = _locked(tenant, port_in)
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at", "updated_at"])
        _apply(locked, result.status or PortInRequest.Status.SUBMITTED, "Submitted to Bandwidth")
    return locked


def port_in_cancel(*, tenant: Tenant, port_in: PortInRequest, user: Any = None) -> PortInRequest:
    """A draft is dropped; a submitted port-in is cancelled at Bandwidth, unless it is within
    24 hours of its FOC date."""
    if port_in.status in PortInRequest.CLOSED_STATUSES:
        raise Conflict(
            f"This port-in is {port_in.get_status_display().lower()} already.", field="status"
        )
    if port_in.status == PortInRequest.Status.REQUESTED_CANCEL:
        return port_in
    _refuse_near_foc(port_in, "cancellation")
    if port_in.bandwidth_order_id:
        try:
            client_for_tenant(tenant).numbers.cancel_portin(port_in.bandwidth_order_id)
        except NotFoundError:
            pass
        except ValidationError as error:
            raise _refusal(error) from error
    with transaction.atomic():
        locked = _locked(tenant, port_in)
        if locked.status == PortInRequest.Status.DRAFT:
            _apply(locked, PortInRequest.Status.CANCELLED, f"Cancelled by {_author(user)}")
        else:
            _apply(
                locked,
                PortInRequest.Status.REQUESTED_CANCEL,
                f"Cancel requested by {_author(user)}",
            )
    return locked


def port_in_note_add(*, port_in: PortInRequest, text: str, author: str) -> PortInEvent:
    """A note to Bandwidth's porting desk (staff), kept in the history too."""
    text = text.strip()
    if not text or len(text) > 500:
        raise ParleyError("A note holds 1 to 500 characters.", field="text")
    if port_in.bandwidth_order_id:
        client_for_tenant(port_in.tenant).numbers.add_portin_note(
            port_in.bandwidth_order_id, user_id=author[:40] or "parley", description=text
        )
    event = PortInEvent.objects.create(
        tenant_id=port_in.tenant_id,
        port_in=port_in,
        kind=PortInEvent.Kind.NOTE,
        text=text,
        author=author[:80],
    )
    return event


# --- what Bandwidth says ---


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _apply(
    port_in: PortInRequest,
    status: str,
    note: str,
    result: PortInResult | None = None,
    author: str = "Bandwidth",
) -> bool:
    """Records Bandwidth's status (and FOC date, exception reason) on a locked row; the numbers
    follow a completed or cancelled port. A closed port-in never moves again."""
    now = timezone.now()
    status = STATUS_ALIASES.get(status, status)
    if status not in PortInRequest.Status.values:
        logger.info("port-in %s: status %s not known; kept %s", port_in.pk, status, port_in.status)
        status = port_in.status
    if port_in.status in PortInRequest.CLOSED_STATUSES:
        return False
    changed = status != port_in.status
    if result is not None:
        foc = _parse_time(result.actual_foc_date)
        if foc is not None:
            port_in.foc_at = foc
        if status == PortInRequest.Status.EXCEPTION:
            reasons = "; ".join(f"{e.description} (error {e.code})" for e in result.errors)
            port_in.exception_reason = (reasons or note)[:500]
    if status == PortInRequest.Status.EXCEPTION and not port_in.exception_reason:
        port_in.exception_reason = note[:500]
    if status != PortInRequest.Status.EXCEPTION and changed:
        port_in.exception_reason = ""
    port_in.status = status
    port_in.moved_at = now if changed else port_in.moved_at
    port_in.synced_at = now
    if status in PortInRequest.CLOSED_STATUSES:
        port_in.closed_at = now
    port_in.save()
    if changed:
        _event(port_in, PortInEvent.Kind.STATUS, note, author, status)
    if changed and status == PortInRequest.Status.COMPLETE:
        number_services.number_port_complete(tenant=port_in.tenant, numbers=list(port_in.numbers))
    if changed and status == PortInRequest.Status.CANCELLED:
        number_services.number_port_release(
            tenant=port_in.tenant, numbers=list(port_in.numbers), reason="Port-in cancelled"
        )
    return changed


def port_in_sync(*, port_in_id: int) -> PortInRequest | None:
    """Reads the order from Bandwidth and applies it (after a notification, by the reconciler,
    or when staff ask)."""
    port_in = PortInRequest.objects.select_related("tenant").filter(pk=port_in_id).first()
    if port_in is None or not port_in.bandwidth_order_id or not port_in.is_open:
        return port_in
    result = client_for_tenant(port_in.tenant).numbers.get_portin(port_in.bandwidth_order_id)
    with transaction.atomic():
        locked = PortInRequest.objects.select_for_update().get(pk=port_in_id)
        if not _apply(locked, result.status or locked.status, "Read from Bandwidth", result):
            PortInRequest.objects.filter(pk=port_in_id).update(synced_at=timezone.now())
    return locked


def subscription_by_username(*, username: str) -> PortInSubscription | None:
    return PortInSubscription.objects.select_related("account").filter(username=username).first()


def port_in_notified(
    *, subscription: PortInSubscription, order_id: str, status: str, note: str
) -> PortInRequest | None:
    """A ``portins`` notification. The order is read again first, for what the notification
    does not carry (the FOC date, the exception's errors), and both are applied together; when
    Bandwidth does not answer, the notification's status alone is recorded."""
    account = subscription.account
    port_in = (
        PortInRequest.objects.select_related("tenant__provisioning__bandwidth_account")
        .filter(bandwidth_order_id=order_id)
        .first()
    )
    if port_in is None:
        logger.info("portins notification for unknown order %s", order_id)
        return None
    tenant_account = port_in.tenant.provisioning.bandwidth_account
    expected = account if account.kind == BandwidthAccount.Kind.TENANT else None
    if tenant_account != expected:
        logger.warning("portins notification for port-in %s from another account", port_in.pk)
        return None
    result: PortInResult | None = None
    try:
        result = client_for_tenant(port_in.tenant).numbers.get_portin(order_id)
    except BandwidthError:
        logger.warning(
            "reading port-in %s after its notification failed", port_in.pk, exc_info=True
        )
    with transaction.atomic():
        locked = PortInRequest.objects.select_for_update().get(pk=port_in.pk)
        status = (result.status if result and result.status else status).upper()
        _apply(locked, status, note or f"Bandwidth: {status}", result)
    return locked


def port_ins_to_reconcile(*, now: datetime | None = None) -> list[int]:
    """Open port-ins that nothing has moved for a day and that were not read in the last hour."""
    now = now or timezone.now()
    stale = now - STALE_AFTER
    return list(
        PortInRequest.objects.filter(status__in=PortInRequest.OPEN_STATUSES)
        .exclude(bandwidth_order_id=None)
        .filter(moved_at__lte=stale)
        .exclude(synced_at__gt=now - timedelta(hours=1))
        .order_by("moved_at")
        .values_list("pk", flat=True)[:200]
    )


def port_in_documents_purge(*, now: datetime | None = None) -> int:
    """Deletes the files of port-ins closed longer than the retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PORTING_DOCUMENT_RETENTION_DAYS)
    purged = 0
    for document in PortInDocument.objects.filter(
        port_in__status__in=PortInRequest.CLOSED_STATUSES,
        port_in__closed_at__lte=cutoff,
        purged_at=None,
    ):
        document.file.delete(save=False)
        document.purged_at = now
        document.save(update_fields=["file", "purged_at"])
        purged += 1
    return purged
