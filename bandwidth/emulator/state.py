"""Everything the emulator remembers; one lock guards all of it."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

ServiceType = Literal["Messaging-V2", "Voice-V2"]
Credentials = tuple[str, str]


@dataclass
class Site:
    id: str
    name: str
    description: str = ""
    address: dict[str, str] = field(default_factory=dict)


@dataclass
class SipPeer:
    id: str
    site_id: str
    name: str
    is_default: bool = False
    sms_enabled: bool = False
    mms_enabled: bool = False
    messaging_application_id: str | None = None
    voice_application_id: str | None = None
    origination_settings_xml: str = ""


@dataclass
class Application:
    """A Messaging-V2 or Voice-V2 application. ``urls`` keeps Bandwidth's element names
    (InboundCallbackUrl, OutboundCallbackUrl, CallInitiatedCallbackUrl, CallStatusCallbackUrl,
    CallInitiatedMethod, CallInitiatedFallbackUrl, ...)."""

    id: str
    service_type: ServiceType
    name: str
    urls: dict[str, str] = field(default_factory=dict)
    inbound_credentials: Credentials | None = None
    outbound_credentials: Credentials | None = None
    callback_credentials: Credentials | None = None
    fallback_credentials: Credentials | None = None
    requested_callback_types: list[str] = field(default_factory=list)
    callback_timeout: float | None = None

    @property
    def inbound_callback_url(self) -> str | None:
        return self.urls.get("InboundCallbackUrl") or self.urls.get("MsgCallbackUrl")

    @property
    def outbound_callback_url(self) -> str | None:
        return self.urls.get("OutboundCallbackUrl") or self.urls.get("MsgCallbackUrl")

    @property
    def call_initiated_url(self) -> str | None:
        return self.urls.get("CallInitiatedCallbackUrl")

    @property
    def call_status_url(self) -> str | None:
        return self.urls.get("CallStatusCallbackUrl")


@dataclass
class InServiceNumber:
    e164: str
    site_id: str
    peer_id: str
    order_id: str | None = None


@dataclass
class Order:
    id: str
    kind: Literal["order", "disconnect"]
    customer_order_id: str
    site_id: str | None
    peer_id: str | None
    created: str
    request_xml: str
    order_type_tag: str
    status: str = "RECEIVED"
    requested_numbers: list[str] = field(default_factory=list)
    completed_numbers: list[str] = field(default_factory=list)
    failed_numbers: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    last_modified: str = ""
    completed: str = ""
    name: str = ""
    partial_allowed: bool = True
    back_order_requested: bool = False
    disconnect_mode: str = "normal"


@dataclass
class Subscription:
    id: str
    order_type: str
    url: str
    credentials: Credentials | None
    expiry: str = ""


@dataclass
class PortInFile:
    name: str
    document_type: str
    content_type: str
    size: int


@dataclass
class PortIn:
    """A port-in (LNP) order. ``fields`` keeps the order's own elements by Bandwidth's names
    (CustomerOrderId, BillingTelephoneNumber, LoaAuthorizingPerson, RequestedFocDate, ...);
    ``subscriber`` the Subscriber element as XML text; ``history`` (time, note, author, status)."""

    id: str
    numbers: list[str]
    status: str
    created: str
    last_modified: str
    site_id: str = ""
    peer_id: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    subscriber_xml: str = ""
    account_number: str = ""
    pin: str = ""
    actual_foc: str = ""
    errors: list[tuple[int, str]] = field(default_factory=list)
    files: list[PortInFile] = field(default_factory=list)
    notes: list[tuple[str, str, str, str]] = field(default_factory=list)
    history: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass
class StoredMessage:
    """A message as Bandwidth's list endpoint knows it (one row per recipient)."""

    id: str
    owner: str
    application_id: str
    time: str
    direction: Literal["in", "out"]
    from_: str
    to: list[str]
    text: str
    media: list[str]
    tag: str | None
    priority: str | None
    expiration: str | None
    segment_count: int
    statuses: dict[str, str] = field(default_factory=dict)
    error_codes: dict[str, int] = field(default_factory=dict)

    @property
    def message_type(self) -> str:
        return "mms" if self.media or len(self.to) > 1 else "sms"

    def as_message_schema(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "owner": self.owner,
            "applicationId": self.application_id,
            "time": self.time,
            "segmentCount": self.segment_count,
            "direction": self.direction,
            "to": list(self.to),
            "from": self.from_,
        }
        if self.media:
            body["media"] = list(self.media)
        body["text"] = self.text
        if self.tag is not None:
            body["tag"] = self.tag
        if self.priority is not None:
            body["priority"] = self.priority
        if self.expiration is not None:
            body["expiration"] = self.expiration
        return body


@dataclass
class MediaItem:
    name: str
    content: bytes
    content_type: str
    cache_control: str | None = None


@dataclass
class CallbackLogEntry:
    time: str
    kind: str
    method: str
    url: str
    attempt: int
    status: int | None
    error: str | None
    request_body: str


MNOS: tuple[tuple[str, str], ...] = (("ATT", "10017"), ("TMO", "10035"), ("VZW", "10038"))
"""The carriers (MNOs) that review a 10DLC campaign, with TCR's ids."""


@dataclass
class Brand:
    id: str
    fields: dict[str, str]
    is_main: bool
    identity_status: str = "UNVERIFIED"
    vettings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Campaign:
    id: str
    brand_id: str
    fields: dict[str, str]
    sub_usecases: list[str]
    created: str
    status: str = "ACTIVE"
    mno_statuses: dict[str, str] = field(
        default_factory=lambda: {name: "REVIEW" for name, _ in MNOS}
    )

    @property
    def approved(self) -> bool:
        return self.status == "ACTIVE" and all(s == "APPROVED" for s in self.mno_statuses.values())


@dataclass
class TnOptionOrder:
    id: str
    customer_order_id: str
    campaign_id: str | None
    action: str
    created: str
    requested_numbers: list[str]
    status: str = "RECEIVED"
    completed_numbers: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    last_modified: str = ""


@dataclass
class TollFreeVerification:
    phone_number: str
    ticket: str
    submission: dict[str, Any]
    created: str
    modified: str
    status: str = "PENDING"
    denial_code: int | None = None
    decline_reason: str = ""
    resubmit_allowed: bool = False
    processed_at: float | None = None
    """When Bandwidth decided (seconds since the epoch): resubmission is open for 7 days."""


@dataclass
class BulkLookup:
    """An asynchronous bulk phone number lookup: ``IN_PROGRESS`` until ``complete``."""

    id: str
    numbers: list[str]
    complete: bool = False
    polls: int = 0
    """How many times its result was asked for."""


@dataclass
class TfvSubscription:
    id: str
    callback_url: str
    credentials: Credentials | None
    shared_secret: str | None
    created: str


TOLL_FREE_PREFIXES = ("+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888")


def is_toll_free(e164: str) -> bool:
    return e164.startswith(TOLL_FREE_PREFIXES)


class EmulatorState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(10_001)
        self.sites: dict[str, Site] = {}
        self.sip_peers: dict[str, SipPeer] = {}
        self.applications: dict[str, Application] = {}
        self.in_service: dict[str, InServiceNumber] = {}
        self.orders: dict[str, Order] = {}
        self.disconnects: dict[str, Order] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.portins: dict[str, PortIn] = {}
        self.messages: dict[str, StoredMessage] = {}
        self.media: dict[str, MediaItem] = {}
        self.tokens: dict[str, float] = {}
        self.campaign_settings: dict[str, Any] | None = None
        self.brands: dict[str, Brand] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.campaign_of_number: dict[str, str] = {}
        self.tnoption_orders: dict[str, TnOptionOrder] = {}
        self.toll_free: dict[str, TollFreeVerification] = {}
        self.tfv_subscriptions: dict[str, TfvSubscription] = {}
        self.bulk_lookups: dict[str, BulkLookup] = {}
        self.callback_log: list[CallbackLogEntry] = []
        self.callback_attempts = 0
        """Deliveries attempted (a Basic challenge and its answer count once)."""
        self.callback_failures = 0
        """Of those, the ones without a 2xx answer (error status, timeout, no connection)."""

    def next_numeric_id(self) -> str:
        with self.lock:
            return str(next(self._ids))

    @staticmethod
    def new_uuid() -> str:
        return str(uuid.uuid4())

    # --- provisioning helpers (the Numbers handlers and tests use these) ---

    def add_site(self, name: str, description: str = "") -> Site:
        with self.lock:
            site = Site(id=self.next_numeric_id(), name=name, description=description)
            self.sites[site.id] = site
            return site

    def add_sip_peer(self, site_id: str, name: str, is_default: bool = False) -> SipPeer:
        with self.lock:
            if site_id not in self.sites:
                raise KeyError(site_id)
            first_on_site = not any(p.site_id == site_id for p in self.sip_peers.values())
            peer = SipPeer(
                id=self.next_numeric_id(),
                site_id=site_id,
                name=name,
                is_default=is_default or first_on_site,
            )
            if peer.is_default:
                for other in self.sip_peers.values():
                    if other.site_id == site_id:
                        other.is_default = False
            self.sip_peers[peer.id] = peer
            return peer

    def add_application(self, application: Application) -> Application:
        with self.lock:
            self.applications[application.id] = application
            return application

    def put_in_service(
        self, e164: str, site_id: str, peer_id: str, order_id: str | None = None
    ) -> InServiceNumber:
        with self.lock:
            number = InServiceNumber(e164=e164, site_id=site_id, peer_id=peer_id, order_id=order_id)
            self.in_service[e164] = number
            return number

    def default_peer(self, site_id: str) -> SipPeer | None:
        with self.lock:
            peers = [p for p in self.sip_peers.values() if p.site_id == site_id]
            for peer in peers:
                if peer.is_default:
                    return peer
            return peers[0] if peers else None

    # --- lookups ---

    def number_in_service(self, e164: str) -> InServiceNumber | None:
        with self.lock:
            return self.in_service.get(e164)

    def peer_of_number(self, e164: str) -> SipPeer | None:
        with self.lock:
            number = self.in_service.get(e164)
            return self.sip_peers.get(number.peer_id) if number else None

    def messaging_application_for_number(self, e164: str) -> Application | None:
        with self.lock:
            peer = self.peer_of_number(e164)
            if peer is None or peer.messaging_application_id is None:
                return None
            return self.applications.get(peer.messaging_application_id)

    def voice_application_for_number(self, e164: str) -> Application | None:
        with self.lock:
            peer = self.peer_of_number(e164)
            if peer is None or peer.voice_application_id is None:
                return None
            return self.applications.get(peer.voice_application_id)

    def compliance_refusal(self, e164: str) -> tuple[int, str] | None:
        """Why carriers refuse a text from ``e164``: 4795 from a toll-free number that is not
        verified, 4773 from a local number whose campaign is not approved (or that has none)."""
        with self.lock:
            if is_toll_free(e164):
                verification = self.toll_free.get(e164)
                if verification is None or verification.status != "VERIFIED":
                    return 4795, "toll-free-not-verified"
                return None
            campaign = self.campaigns.get(self.campaign_of_number.get(e164, ""))
            if campaign is None or not campaign.approved:
                return 4773, "inactive-campaign"
            return None

    def register_number(self, e164: str) -> None:
        """Marks ``e164`` as cleared to text, as a finished registration leaves it: a local
        number on an approved campaign of a verified brand, a toll-free number verified.
        Test fixtures and the demo seeding use it where they also write the state directly."""
        with self.lock:
            if is_toll_free(e164):
                self.toll_free[e164] = TollFreeVerification(
                    phone_number=e164,
                    ticket=self.new_uuid(),
                    submission={},
                    created="",
                    modified="",
                    status="VERIFIED",
                )
                return
            campaign = self.campaigns.get("CFIXTURE")
            if campaign is None:
                brand = Brand(id="BFIXTURE", fields={}, is_main=False, identity_status="VERIFIED")
                self.brands[brand.id] = brand
                campaign = Campaign(
                    id="CFIXTURE",
                    brand_id=brand.id,
                    fields={},
                    sub_usecases=[],
                    created="",
                    mno_statuses={name: "APPROVED" for name, _ in MNOS},
                )
                self.campaigns[campaign.id] = campaign
            self.campaign_of_number[e164] = campaign.id

    def token_valid(self, token: str, now: float) -> bool:
        with self.lock:
            expires = self.tokens.get(token)
            return expires is not None and expires > now

    def log_callback(self, entry: CallbackLogEntry, keep: int = 1000) -> None:
        with self.lock:
            self.callback_log.append(entry)
            del self.callback_log[:-keep]

    def count_callback(self, ok: bool) -> None:
        with self.lock:
            self.callback_attempts += 1
            self.callback_failures += 0 if ok else 1
