"""Messaging compliance: 10DLC account settings, brands, campaigns and tnoptions orders (Numbers
API, XML); toll-free verification (``/api/v2``, JSON) and phone number lookup (``/v2``, JSON)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from bandwidth.client.numbers_xml.records import to_e164, to_wire_number
from bandwidth.client.transport import Transport
from bandwidth.errors import NotFoundError

_XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Accept": "application/xml"}
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

LOOKUP_MAX_NUMBERS = 100
"""Numbers per synchronous lookup (bandwidth.yml, createSyncLookup)."""
BULK_LOOKUP_MAX_NUMBERS = 15_000
"""Numbers per asynchronous bulk lookup (bandwidth.yml, createAsyncBulkLookup)."""


@dataclass(frozen=True)
class BrandRecord:
    brand_id: str
    identity_status: str
    company_name: str = ""
    is_main: bool = False


@dataclass(frozen=True)
class CampaignRecord:
    campaign_id: str
    brand_id: str
    status: str
    carrier_statuses: dict[str, str] = field(default_factory=dict)
    """MNO name (ATT, TMO, VZW, ...) → REVIEW | APPROVED | REJECTED | SUSPENDED."""

    @property
    def approved(self) -> bool:
        statuses = self.carrier_statuses.values()
        return self.status == "ACTIVE" and bool(statuses) and all(s == "APPROVED" for s in statuses)


@dataclass(frozen=True)
class TnOptionOrderRecord:
    order_id: str
    status: str
    """RECEIVED | PROCESSING | COMPLETE | PARTIAL | FAILED"""
    numbers: tuple[str, ...] = ()
    errors: tuple[tuple[str, str, str], ...] = ()
    """(code, description, E.164 number)"""


@dataclass(frozen=True)
class TollFreeStatus:
    phone_number: str
    status: str
    """VERIFIED | UNVERIFIED | PENDING"""
    denial_code: int | None = None
    decline_reason: str = ""
    resubmit_allowed: bool = False
    modified: str = ""


@dataclass(frozen=True)
class LineType:
    phone_number: str
    line_type: str
    """FIXED | VOIP-FIXED | MOBILE | VOIP (empty when unknown)"""
    deactivated: bool = False
    messaging_provider: str = ""
    voice_provider: str = ""


@dataclass(frozen=True)
class BrandDetails:
    entity_type: str
    company_name: str
    display_name: str
    ein: str
    email: str
    phone: str
    street: str
    city: str
    state: str
    postal_code: str
    country: str
    vertical: str
    website: str = ""
    is_main: bool = False


@dataclass(frozen=True)
class CampaignDetails:
    brand_id: str
    usecase: str
    description: str
    samples: tuple[str, ...]
    message_flow: str
    help_message: str
    optout_message: str
    sub_usecases: tuple[str, ...] = ()
    vertical: str = ""
    optin_message: str = ""
    help_keywords: str = "HELP"
    optout_keywords: str = "STOP"
    optin_keywords: str = "START"
    embedded_link: bool = False
    embedded_phone: bool = False


def _add(parent: Element, tag: str, text: str | None = None) -> Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _serialize(root: Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(element: Element | None, path: str) -> str:
    found = None if element is None else element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _brand(element: Element | None) -> BrandRecord:
    return BrandRecord(
        brand_id=_text(element, "BrandId"),
        identity_status=_text(element, "IdentityStatus"),
        company_name=_text(element, "CompanyName"),
        is_main=_text(element, "IsMain") == "true",
    )


def _campaign(element: Element | None) -> CampaignRecord:
    statuses = {
        _text(mno, "MnoName"): _text(mno, "Status")
        for mno in ([] if element is None else element.findall("MnoStatusList/MnoStatus"))
    }
    return CampaignRecord(
        campaign_id=_text(element, "CampaignId"),
        brand_id=_text(element, "BrandId"),
        status=_text(element, "Status") or "ACTIVE",
        carrier_statuses=statuses,
    )


def _e164_or_empty(wire: str) -> str:
    return to_e164(wire) if wire else ""


def _tnoption_order(element: Element | None) -> TnOptionOrderRecord:
    numbers = tuple(
        to_e164(n.text or "")
        for n in ([] if element is None else element.iter("TelephoneNumber"))
        if n.text and len(n) == 0
    )
    errors = tuple(
        (_text(e, "Code"), _text(e, "Description"), _e164_or_empty(_text(e, "TelephoneNumber")))
        for e in ([] if element is None else element.findall("ErrorList/Error"))
    )
    return TnOptionOrderRecord(
        order_id=_text(element, "OrderId"),
        status=_text(element, "ProcessingStatus"),
        numbers=tuple(n for n in dict.fromkeys(numbers) if n not in {e[2] for e in errors}),
        errors=errors,
    )


class ComplianceApi:
    def __init__(
        self, transport: Transport, numbers_base_url: str, api_base_url: str, account_id: str
    ) -> None:
        self._transport = transport
        account = quote(account_id, safe="")
        self._numbers = f"{numbers_base_url.rstrip('/')}/accounts/{account}"
        self._api = api_base_url.rstrip("/")
        self._account = account

    def _xml(self, method: str, path: str, body: Element | None = None) -> Element:
        data = None if body is None else _serialize(body)
        response = self._transport.request(
            method, self._numbers + path, data=data, headers=_XML_HEADERS
        )
        root: Element = SafeET.fromstring(response.content)
        return root

    def _json(self, method: str, url: str, body: Any = None) -> Any:
        kwargs: dict[str, Any] = {"headers": _JSON_HEADERS}
        if body is not None:
            kwargs["json"] = body
        response = self._transport.request(method, url, **kwargs)
        return response.json() if response.content else None

    # --- 10DLC ---

    def reseller_settings_ensure(self, *, company_name: str, phone: str, email: str) -> None:
        """Declares the account a reseller (CSP), creating or updating its settings."""
        root = Element("CampaignSettings")
        _add(root, "BusinessIdentity", "Reseller")
        reseller = _add(root, "Reseller")
        _add(reseller, "CompanyName", company_name)
        _add(reseller, "Phone", phone)
        _add(reseller, "Email", email)
        try:
            self._xml("GET", "/campaignManagement/10dlc")
        except NotFoundError:
            self._xml("POST", "/campaignManagement/10dlc", root)
            return
        self._xml("PUT", "/campaignManagement/10dlc", root)

    def brand_create(self, details: BrandDetails) -> BrandRecord:
        root = Element("Brand")
        for tag, value in (
            ("EntityType", details.entity_type),
            ("CompanyName", details.company_name),
            ("DisplayName", details.display_name),
            ("Ein", details.ein),
            ("Email", details.email),
            ("Phone", details.phone),
            ("Street", details.street),
            ("City", details.city),
            ("State", details.state),
            ("PostalCode", details.postal_code),
            ("Country", details.country),
            ("Vertical", details.vertical),
            ("Website", details.website),
        ):
            if value:
                _add(root, tag, value)
        _add(root, "IsMain", _bool(details.is_main))
        answer = self._xml("POST", "/campaignManagement/10dlc/brands", root)
        return _brand(answer.find("Brands/Brand"))

    def brands_list(self, *, kind: str | None = None) -> list[BrandRecord]:
        """The account's brands; ``kind`` MAIN (the reseller's own) or CUSTOMER."""
        path = "/campaignManagement/10dlc/brands"
        if kind:
            path += f"?type={quote(kind, safe='')}"
        return [_brand(element) for element in self._xml("GET", path).findall("Brands/Brand")]

    def brand_get(self, brand_id: str) -> BrandRecord:
        answer = self._xml("GET", f"/campaignManagement/10dlc/brands/{quote(brand_id, safe='')}")
        return _brand(answer.find("Brands/Brand"))

    def brand_vet(
        self, brand_id: str, *, provider: str = "AEGIS", vetting_class: str = "STANDARD"
    ) -> str:
        root = Element("Brand")
        _add(root, "EvpId", provider)
        _add(root, "VettingClass", vetting_class)
        path = f"/campaignManagement/10dlc/brands/{quote(brand_id, safe='')}/vetting"
        return _text(self._xml("POST", path, root), "BrandVetting/VettingStatus")

    def brand_revet(self, brand_id: str) -> BrandRecord:
        path = f"/campaignManagement/10dlc/brands/{quote(brand_id, safe='')}/revet"
        return _brand(self._xml("PUT", path).find("Brand"))

    def campaign_create(self, details: CampaignDetails) -> CampaignRecord:
        root = Element("Campaign")
        _add(root, "BrandId", details.brand_id)
        _add(root, "Usecase", details.usecase)
        _add(root, "SubUsecases", ",".join(details.sub_usecases))
        if details.vertical:
            _add(root, "Vertical", details.vertical)
        _add(root, "Description", details.description)
        for index, sample in enumerate(details.samples[:5], start=1):
            _add(root, f"Sample{index}", sample)
        _add(root, "MinMsgSamples", str(max(1, len(details.samples))))
        _add(root, "SubscriberOptIn", "true")
        _add(root, "SubscriberOptOut", "true")
        _add(root, "SubscriberHelp", "true")
        _add(root, "EmbeddedLink", _bool(details.embedded_link))
        _add(root, "EmbeddedPhone", _bool(details.embedded_phone))
        _add(root, "NumberPool", "false")
        _add(root, "AgeGated", "false")
        _add(root, "DirectLending", "false")
        _add(root, "AffiliateMarketing", "false")
        _add(root, "AutoRenewal", "true")
        _add(root, "MessageFlow", details.message_flow)
        _add(root, "HelpKeywords", details.help_keywords)
        _add(root, "HelpMessage", details.help_message)
        _add(root, "OptinKeywords", details.optin_keywords)
        if details.optin_message:
            _add(root, "OptinMessage", details.optin_message)
        _add(root, "OptoutKeywords", details.optout_keywords)
        _add(root, "OptoutMessage", details.optout_message)
        answer = self._xml("POST", "/campaignManagement/10dlc/campaigns", root)
        return _campaign(answer.find("Campaign"))

    def campaign_get(self, campaign_id: str) -> CampaignRecord:
        path = f"/campaignManagement/10dlc/campaigns/{quote(campaign_id, safe='')}"
        return _campaign(self._xml("GET", path).find("Campaign"))

    def campaign_revet(self, campaign_id: str) -> None:
        path = f"/campaignManagement/10dlc/campaigns/{quote(campaign_id, safe='')}/revet"
        self._transport.request("PUT", self._numbers + path, headers=_XML_HEADERS)

    def campaign_numbers(self, campaign_id: str, *, page: int = 0, size: int = 500) -> list[str]:
        path = f"/campaignManagement/10dlc/campaigns/{quote(campaign_id, safe='')}/tn"
        response = self._transport.request(
            "GET", self._numbers + path, params={"page": page, "size": size}, headers=_XML_HEADERS
        )
        root = SafeET.fromstring(response.content)
        return [to_e164(n.text or "") for n in root.findall("TelephoneNumbers/TelephoneNumber")]

    def tnoption_order_create(
        self, *, customer_order_id: str, campaign_id: str, numbers: list[str]
    ) -> TnOptionOrderRecord:
        """Puts ``numbers`` on ``campaign_id`` (A2pSettings asSpecified); completes later."""
        root = Element("TnOptionOrder")
        _add(root, "CustomerOrderId", customer_order_id)
        group = _add(_add(root, "TnOptionGroups"), "TnOptionGroup")
        a2p = _add(group, "A2pSettings")
        _add(a2p, "CampaignId", campaign_id)
        _add(a2p, "Action", "asSpecified")
        listing = _add(group, "TelephoneNumbers")
        for number in numbers:
            _add(listing, "TelephoneNumber", to_wire_number(number))
        return _tnoption_order(self._xml("POST", "/tnoptions", root).find("TnOptionOrder"))

    def tnoption_order_get(self, order_id: str) -> TnOptionOrderRecord:
        return _tnoption_order(self._xml("GET", f"/tnoptions/{quote(order_id, safe='')}"))

    # --- toll-free verification ---

    def _tfv(self, path: str) -> str:
        return f"{self._api}/api/v2/accounts/{self._account}{path}"

    def toll_free_submit(self, submission: dict[str, Any]) -> None:
        """``submission`` is bandwidth.yml's ``verificationRequest``; answered 202."""
        self._json("POST", self._tfv("/tollFreeVerification"), submission)

    def toll_free_status(self, phone_number: str) -> TollFreeStatus:
        body = self._json(
            "GET", self._tfv(f"/phoneNumbers/{quote(phone_number, safe='')}/tollFreeVerification")
        )
        return toll_free_status_from(body)

    def toll_free_resubmit(self, phone_number: str, submission: dict[str, Any]) -> None:
        self._json(
            "PUT",
            self._tfv(f"/phoneNumbers/{quote(phone_number, safe='')}/tollFreeVerification"),
            {"submission": submission},
        )

    def toll_free_subscribe(
        self, *, callback_url: str, shared_secret: str, username: str = "", password: str = ""
    ) -> str:
        body: dict[str, Any] = {"callbackUrl": callback_url, "sharedSecretKey": shared_secret}
        if username:
            body["basicAuthentication"] = {"username": username, "password": password}
        answer = self._json("POST", self._tfv("/tollFreeVerification/webhooks/subscriptions"), body)
        return str(answer["id"])

    def toll_free_subscriptions(self) -> list[str]:
        """The callback URLs subscribed to verification updates."""
        answer = self._json("GET", self._tfv("/tollFreeVerification/webhooks/subscriptions"))
        return [str(item.get("callbackUrl") or "") for item in answer.get("data", [])]

    def toll_free_use_cases(self) -> list[str]:
        return [
            str(u) for u in self._json("GET", f"{self._api}/api/v2/tollFreeVerification/useCases")
        ]

    # --- lookup ---

    def lookup(self, numbers: list[str]) -> list[LineType]:
        """Up to ``LOOKUP_MAX_NUMBERS`` at once (synchronous)."""
        answer = self._json(
            "POST",
            f"{self._api}/v2/accounts/{self._account}/phoneNumberLookup",
            {"phoneNumbers": numbers},
        )
        return [line_type_from(r) for r in (answer.get("data") or {}).get("results", [])]

    def lookup_bulk_create(self, numbers: list[str]) -> str:
        """Up to ``BULK_LOOKUP_MAX_NUMBERS`` at once; the request id to collect the results."""
        answer = self._json(
            "POST",
            f"{self._api}/v2/accounts/{self._account}/phoneNumberLookup/bulk",
            {"phoneNumbers": numbers},
        )
        return str(answer["data"]["requestId"])

    def lookup_bulk_get(self, request_id: str) -> list[LineType] | None:
        """The results, or None while Bandwidth is still working."""
        answer = self._json(
            "GET",
            f"{self._api}/v2/accounts/{self._account}/phoneNumberLookup/bulk/"
            f"{quote(request_id, safe='')}",
        )
        data = answer.get("data") or {}
        if data.get("status") == "IN_PROGRESS":
            return None
        return [line_type_from(r) for r in data.get("results", [])]


def toll_free_status_from(body: dict[str, Any]) -> TollFreeStatus:
    """A status answer or a verification webhook body."""
    code = body.get("denialStatusCode")
    return TollFreeStatus(
        phone_number=str(body.get("phoneNumber") or ""),
        status=str(body.get("status") or "UNVERIFIED"),
        denial_code=code if isinstance(code, int) else None,
        decline_reason=str(body.get("declineReasonDescription") or ""),
        resubmit_allowed=bool(body.get("resubmitAllowed")),
        modified=str(body.get("modifiedDateTime") or ""),
    )


def line_type_from(result: dict[str, Any]) -> LineType:
    deactivated = result.get("deactivationEvent") == "DEACTIVATED" or (
        result.get("latestMessageDeliveryStatus") == "DEACTIVATED"
    )
    return LineType(
        phone_number=str(result.get("phoneNumber") or ""),
        line_type=str(result.get("lineType") or ""),
        deactivated=deactivated,
        messaging_provider=str(result.get("messagingProvider") or ""),
        voice_provider=str(result.get("voiceProvider") or ""),
    )
