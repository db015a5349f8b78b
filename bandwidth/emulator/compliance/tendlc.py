"""10DLC campaign management (numbers.yml, XML): account settings, brands with vetting,
campaigns with per-carrier status, the numbers on a campaign, and ``tnoptions`` orders that put
numbers on a campaign (A2pSettings), completing later with an order notification.

Emulator-chosen rules (Bandwidth's where the spec names them):

- A brand starts ``PENDING`` until ``POST /_sim/10dlc/brands/{id}`` decides ``VERIFIED`` or
  ``UNVERIFIED``; sole-proprietor brands are refused (Bandwidth does not offer them) with 1003.
- A campaign needs a ``VERIFIED`` brand; its ``Description`` and ``MessageFlow`` need 40
  characters, ``Sample1`` and the help/opt-out messages 20 (TCR's minimums), refused with 12185
  and an ``Errors`` list naming the field. Each carrier in ``MnoStatusList`` starts ``REVIEW``.
- A ``tnoptions`` order with ``A2pSettings`` completes after ``order_complete_delay``: a number
  not in service fails with 5005 (emulator-chosen), an unknown or expired campaign with 12189.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, tostring

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import XML_DECLARATION, Routes, empty_response, utc_now_iso
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    _el,
    _location,
    _malformed,
    _parse,
    _render,
    _response_status,
    _text,
    e164,
    ten_digits,
)
from bandwidth.emulator.state import MNOS, Brand, Campaign, TnOptionOrder

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

TENDLC = ACCOUNT + "/campaignManagement/10dlc"
BRAND_FIELDS = (
    "EntityType",
    "AltBusinessId",
    "AltBusinessIdType",
    "BrandRelationship",
    "City",
    "CompanyName",
    "Country",
    "DisplayName",
    "Ein",
    "Email",
    "Phone",
    "PostalCode",
    "State",
    "Street",
    "StockExchange",
    "StockSymbol",
    "Vertical",
    "Website",
)
BRAND_REQUIRED = (
    "EntityType",
    "CompanyName",
    "DisplayName",
    "Ein",
    "Email",
    "Phone",
    "Street",
    "City",
    "State",
    "PostalCode",
    "Country",
    "Vertical",
)
CAMPAIGN_FLAGS = (
    "SubscriberOptIn",
    "SubscriberOptOut",
    "SubscriberHelp",
    "NumberPool",
    "DirectLending",
    "EmbeddedLink",
    "EmbeddedPhone",
    "AffiliateMarketing",
    "AgeGated",
    "AutoRenewal",
)
CAMPAIGN_TEXTS = (
    "Vertical",
    "Usecase",
    "Description",
    "Sample1",
    "Sample2",
    "Sample3",
    "Sample4",
    "Sample5",
    "MessageFlow",
    "HelpKeywords",
    "HelpMessage",
    "OptinKeywords",
    "OptinMessage",
    "OptoutKeywords",
    "OptoutMessage",
)
MIN_LENGTHS = {
    "Description": 40,
    "MessageFlow": 40,
    "Sample1": 20,
    "HelpMessage": 20,
    "OptoutMessage": 20,
}
routes = Routes(api="numbers", prefixes=("/api", "/api/v1"))
NOT_IN_SERVICE = (5005, "Telephone number is not in service on the account")


# --- account settings ---


def _settings_element(parent: Element, settings: dict[str, str]) -> None:
    element = _el(parent, "CampaignSettings")
    _el(element, "BusinessIdentity", settings["BusinessIdentity"])
    if settings["BusinessIdentity"] == "Reseller":
        reseller = _el(element, "Reseller")
        for tag in ("CompanyName", "Phone", "Email"):
            _el(reseller, tag, settings.get(tag, ""))


def _save_settings(emu: Emulator, request: Request, status: int, exists: bool) -> Response:
    body = _parse(request)
    if body is None or body.tag != "CampaignSettings":
        return _malformed("CampaignSettingsResponse")
    with emu.state.lock:
        present = emu.state.campaign_settings is not None
    if exists and not present:
        return _response_status(
            "CampaignSettingsResponse",
            404,
            12178,
            f"10DLC settings not found for account '{emu.config.account_id}'",
        )
    if not exists and present:
        return _response_status(
            "CampaignSettingsResponse",
            409,
            12177,
            f"Account '{emu.config.account_id}' already has existing 10DLC settings",
        )
    identity = _text(body, "BusinessIdentity")
    if identity not in ("DirectCustomer", "Reseller"):
        return _response_status(
            "CampaignSettingsResponse", 400, 1003, "BusinessIdentity is required"
        )
    settings = {"BusinessIdentity": identity}
    if identity == "Reseller":
        for tag in ("CompanyName", "Phone", "Email"):
            value = _text(body, f"Reseller/{tag}")
            if value is None:
                return _response_status("CampaignSettingsResponse", 400, 1003, f"{tag} is required")
            settings[tag] = value
    with emu.state.lock:
        emu.state.campaign_settings = settings
    root = Element("CampaignSettingsResponse")
    _settings_element(root, settings)
    return _render(root, status)


@routes.route(TENDLC, methods=["GET"])
def get_settings(emu: Emulator, request: Request, account_id: str) -> Response:
    with emu.state.lock:
        settings = emu.state.campaign_settings
    if settings is None:
        return _response_status(
            "CampaignSettingsResponse",
            404,
            12178,
            f"10DLC settings not found for account '{account_id}'",
        )
    root = Element("CampaignSettingsResponse")
    _settings_element(root, settings)
    return _render(root)


@routes.route(TENDLC, methods=["POST"])
def create_settings(emu: Emulator, request: Request, account_id: str) -> Response:
    return _save_settings(emu, request, 201, exists=False)


@routes.route(TENDLC, methods=["PUT"])
def update_settings(emu: Emulator, request: Request, account_id: str) -> Response:
    return _save_settings(emu, request, 200, exists=True)


# --- brands ---


def _brand_element(parent: Element, brand: Brand) -> Element:
    element = _el(parent, "Brand")
    _el(element, "BrandId", brand.id)
    for tag in BRAND_FIELDS:
        if tag in brand.fields:
            _el(element, tag, brand.fields[tag])
    _el(element, "IsMain", "true" if brand.is_main else "false")
    _el(element, "IdentityStatus", brand.identity_status)
    return element


def _brand_404(brand_id: str) -> Response:
    return _response_status("BrandsResponse", 404, 12067, f"Brand ID '{brand_id}' does not found.")


@routes.route(TENDLC + "/brands", methods=["POST"])
def create_brand(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Brand":
        return _malformed("BrandResponse")
    fields = {tag: value for tag in BRAND_FIELDS if (value := _text(body, tag)) is not None}
    for tag in BRAND_REQUIRED:
        if tag not in fields:
            return _response_status("BrandResponse", 400, 1003, f"{tag} is required")
    if fields["EntityType"] == "SOLE_PROPRIETOR":
        return _response_status(
            "BrandResponse", 400, 1003, "SOLE_PROPRIETOR brands are not supported"
        )
    is_main = (_text(body, "IsMain") or "false").lower() == "true"
    with emu.state.lock:
        if emu.state.campaign_settings is None:
            return _response_status(
                "BrandResponse", 400, 12178, f"10DLC settings not found for account '{account_id}'"
            )
        if is_main and any(b.is_main for b in emu.state.brands.values()):
            return _response_status("BrandResponse", 400, 12056, "The main brand already exists")
        brand = Brand(
            id="B" + emu.state.new_uuid().replace("-", "")[:6].upper(),
            fields=fields,
            is_main=is_main,
            identity_status="PENDING",
        )
        emu.state.brands[brand.id] = brand
        root = Element("BrandsResponse")
        _brand_element(_el(root, "Brands"), brand)
        _el(root, "TotalCount", 1)
    return _render(root, 201)


@routes.route(TENDLC + "/brands", methods=["GET"])
def list_brands(emu: Emulator, request: Request, account_id: str) -> Response:
    kind = request.args.get("type")
    root = Element("BrandsResponse")
    listing = _el(root, "Brands")
    with emu.state.lock:
        brands = [
            b
            for b in emu.state.brands.values()
            if kind in (None, "NONE") or (kind == "MAIN") == b.is_main
        ]
        for brand in brands:
            _brand_element(listing, brand)
    _el(root, "TotalCount", len(brands))
    return _render(root)


@routes.route(TENDLC + "/brands/<brand_id>", methods=["GET"])
def get_brand(emu: Emulator, request: Request, account_id: str, brand_id: str) -> Response:
    with emu.state.lock:
        brand = emu.state.brands.get(brand_id)
        if brand is None:
            return _brand_404(brand_id)
        root = Element("BrandsResponse")
        _brand_element(_el(root, "Brands"), brand)
        _el(root, "TotalCount", 1)
    return _render(root)


@routes.route(TENDLC + "/brands/<brand_id>/vetting", methods=["POST"])
def create_vetting(emu: Emulator, request: Request, account_id: str, brand_id: str) -> Response:
    body = _parse(request)
    if body is None:
        return _malformed("BrandVettingResponse")
    evp = _text(body, "EvpId")
    vetting_class = _text(body, "VettingClass")
    if not evp or not vetting_class:
        return _response_status(
            "BrandVettingResponse", 400, 1003, "EvpId and VettingClass are required"
        )
    with emu.state.lock:
        brand = emu.state.brands.get(brand_id)
        if brand is None:
            return _response_status(
                "BrandVettingResponse", 400, 12067, f"Brand ID '{brand_id}' does not found."
            )
        vetting = {
            "VettingId": emu.state.new_uuid(),
            "EvpId": evp,
            "VettingClass": vetting_class,
            "VettingStatus": "PENDING",
            "CreateDate": utc_now_iso(),
        }
        brand.vettings.append(vetting)
    root = Element("BrandVettingResponse")
    element = _el(root, "BrandVetting")
    _el(element, "VettingId", vetting["VettingId"])
    _el(element, "VettingStatus", vetting["VettingStatus"])
    return _render(root)


@routes.route(TENDLC + "/brands/<brand_id>/vetting", methods=["GET"])
def list_vettings(emu: Emulator, request: Request, account_id: str, brand_id: str) -> Response:
    with emu.state.lock:
        brand = emu.state.brands.get(brand_id)
        if brand is None:
            return _response_status(
                "BrandVettingsResponse", 400, 12067, f"Brand ID '{brand_id}' does not found."
            )
        root = Element("BrandVettingsResponse")
        listing = _el(root, "BrandVettings")
        for vetting in brand.vettings:
            element = _el(listing, "BrandVetting")
            for tag in ("VettingId", "EvpId", "VettingClass", "VettingStatus", "CreateDate"):
                _el(element, tag, vetting[tag])
    return _render(root)


@routes.route(TENDLC + "/brands/<brand_id>/revet", methods=["PUT"])
def revet_brand(emu: Emulator, request: Request, account_id: str, brand_id: str) -> Response:
    with emu.state.lock:
        brand = emu.state.brands.get(brand_id)
        if brand is None:
            return _response_status(
                "BrandRevetResponse", 400, 12067, f"Brand ID '{brand_id}' does not found."
            )
        if brand.identity_status in ("VERIFIED", "VETTED_VERIFIED"):
            return _response_status(
                "BrandRevetResponse",
                400,
                12210,
                f"The Brand '{brand_id}' with identity status '{brand.identity_status}' not "
                "allowed to revet",
            )
        brand.identity_status = "PENDING"
        root = Element("BrandRevetResponse")
        _brand_element(root, brand)
    return _render(root)


# --- campaigns ---


def _campaign_element(parent: Element, campaign: Campaign, tn_count: int | None = None) -> None:
    element = _el(parent, "Campaign")
    _el(element, "CampaignId", campaign.id)
    _el(element, "Status", campaign.status)
    _el(element, "CreateDate", campaign.created)
    _el(element, "BrandId", campaign.brand_id)
    for tag in CAMPAIGN_TEXTS:
        if tag in campaign.fields and tag not in CAMPAIGN_FLAGS:
            _el(element, tag, campaign.fields[tag])
    _el(element, "SubUsecases", ",".join(campaign.sub_usecases))
    for tag in CAMPAIGN_FLAGS:
        if tag in campaign.fields:
            _el(element, tag, campaign.fields[tag])
    statuses = _el(element, "MnoStatusList")
    for name, mno_id in MNOS:
        mno = _el(statuses, "MnoStatus")
        _el(mno, "MnoName", name)
        _el(mno, "MnoId", mno_id)
        _el(mno, "Status", campaign.mno_statuses.get(name, "REVIEW"))


def _campaign_404(campaign_id: str) -> Response:
    return _response_status(
        "CampaignResponse", 404, 12189, f"Campaign with id '{campaign_id}' not found"
    )


def _campaign_errors(errors: list[tuple[int, str, str]]) -> Response:
    root = Element("CampaignResponse")
    status = _el(root, "ResponseStatus")
    _el(status, "ErrorCode", 12185)
    _el(status, "Description", "A call to the campaign registry service has failed validation.")
    listing = _el(root, "Errors")
    for code, field, description in errors:
        error = _el(listing, "Error")
        _el(error, "Code", code)
        _el(error, "Field", field)
        _el(error, "Description", description)
    return _render(root, 400)


def _lower_first(tag: str) -> str:
    return tag[0].lower() + tag[1:]


@routes.route(TENDLC + "/campaigns", methods=["POST"])
def create_campaign(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Campaign":
        return _malformed("CampaignResponse")
    fields = {
        tag: value
        for tag in (*CAMPAIGN_TEXTS, *CAMPAIGN_FLAGS)
        if (value := _text(body, tag)) is not None
    }
    brand_id = _text(body, "BrandId") or ""
    errors: list[tuple[int, str, str]] = []
    if "Usecase" not in fields:
        errors.append((501, "usecase", "Usecase is required"))
    for tag, minimum in MIN_LENGTHS.items():
        if len(fields.get(tag, "")) < minimum:
            errors.append((501, _lower_first(tag), f"{tag} needs at least {minimum} characters"))
    if fields.get("SubscriberHelp", "false") != "true":
        errors.append(
            (509, "subscriberHelp", "Support for standard help command is required by some MNOs")
        )
    with emu.state.lock:
        brand = emu.state.brands.get(brand_id)
        if brand is None:
            return _response_status(
                "CampaignResponse", 400, 12067, f"Brand ID '{brand_id}' does not found."
            )
        if brand.identity_status not in ("VERIFIED", "VETTED_VERIFIED"):
            errors.append(
                (526, "brandId", f"Brand '{brand_id}' is {brand.identity_status}, not verified")
            )
        if errors:
            return _campaign_errors(errors)
        sub_usecases = [
            s.strip() for s in (_text(body, "SubUsecases") or "").split(",") if s.strip()
        ]
        campaign = Campaign(
            id="C" + emu.state.new_uuid().replace("-", "")[:6].upper(),
            brand_id=brand_id,
            fields=fields,
            sub_usecases=sub_usecases,
            created=utc_now_iso()[:19],
        )
        emu.state.campaigns[campaign.id] = campaign
        root = Element("CampaignResponse")
        _campaign_element(root, campaign)
    return _render(root, 201)


@routes.route(TENDLC + "/campaigns", methods=["GET"])
def list_campaigns(emu: Emulator, request: Request, account_id: str) -> Response:
    root = Element("CampaignsResponse")
    listing = _el(root, "Campaigns")
    with emu.state.lock:
        campaigns = list(emu.state.campaigns.values())
        for campaign in campaigns:
            _campaign_element(listing, campaign)
    _el(root, "TotalCount", len(campaigns))
    return _render(root)


@routes.route(TENDLC + "/campaigns/<campaign_id>", methods=["GET"])
def get_campaign(emu: Emulator, request: Request, account_id: str, campaign_id: str) -> Response:
    with emu.state.lock:
        campaign = emu.state.campaigns.get(campaign_id)
        if campaign is None:
            return _campaign_404(campaign_id)
        root = Element("CampaignResponse")
        _campaign_element(root, campaign)
    return _render(root)


@routes.route(TENDLC + "/campaigns/<campaign_id>", methods=["DELETE"])
def delete_campaign(emu: Emulator, request: Request, account_id: str, campaign_id: str) -> Response:
    with emu.state.lock:
        campaign = emu.state.campaigns.get(campaign_id)
        if campaign is None:
            return _campaign_404(campaign_id)
        campaign.status = "EXPIRED"
    return empty_response(204)


@routes.route(TENDLC + "/campaigns/<campaign_id>/revet", methods=["PUT"])
def revet_campaign(emu: Emulator, request: Request, account_id: str, campaign_id: str) -> Response:
    with emu.state.lock:
        campaign = emu.state.campaigns.get(campaign_id)
        if campaign is None:
            return _campaign_404(campaign_id)
        for name, status in campaign.mno_statuses.items():
            if status == "REJECTED":
                campaign.mno_statuses[name] = "REVIEW"
    return empty_response(204)


@routes.route(TENDLC + "/campaigns/<campaign_id>/tn", methods=["GET"])
def campaign_numbers(
    emu: Emulator, request: Request, account_id: str, campaign_id: str
) -> Response:
    try:
        page = int(request.args.get("page", 0))
        size = int(request.args.get("size", 25))
    except ValueError:
        return _response_status("CampaignTnsResponse", 400, 5081, "page and size must be numbers")
    with emu.state.lock:
        if campaign_id not in emu.state.campaigns:
            return _response_status(
                "CampaignTnsResponse", 400, 12189, f"Campaign with id '{campaign_id}' not found"
            )
        numbers = sorted(n for n, c in emu.state.campaign_of_number.items() if c == campaign_id)
    root = Element("CampaignTnsResponse")
    _el(root, "TotalCount", len(numbers))
    listing = _el(root, "TelephoneNumbers")
    for number in numbers[page * size : (page + 1) * size]:
        _el(listing, "TelephoneNumber", ten_digits(number))
    return _render(root)


# --- tnoptions (A2pSettings) ---


def _tnoption_element(parent: Element, order: TnOptionOrder, account_id: str) -> None:
    element = _el(parent, "TnOptionOrder")
    _el(element, "OrderCreateDate", order.created)
    _el(element, "AccountId", account_id)
    if order.customer_order_id:
        _el(element, "CustomerOrderId", order.customer_order_id)
    _el(element, "OrderId", order.id)
    _el(element, "LastModifiedDate", order.last_modified or order.created)
    _el(element, "ProcessingStatus", order.status)
    group = _el(_el(element, "TnOptionGroups"), "TnOptionGroup")
    a2p = _el(group, "A2pSettings")
    if order.campaign_id:
        _el(a2p, "CampaignId", order.campaign_id)
    _el(a2p, "Action", order.action)
    numbers = _el(group, "TelephoneNumbers")
    for number in order.requested_numbers:
        _el(numbers, "TelephoneNumber", ten_digits(number))
    errors = _el(element, "ErrorList")
    for code, description, number in order.errors:
        error = _el(errors, "Error")
        _el(error, "Code", code)
        _el(error, "Description", description)
        _el(error, "TelephoneNumber", ten_digits(number))


@routes.route(ACCOUNT + "/tnoptions", methods=["POST"])
def create_tnoption_order(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "TnOptionOrder":
        return _malformed("TnOptionOrderResponse")
    group = body.find("TnOptionGroups/TnOptionGroup")
    if group is None or group.find("A2pSettings") is None:
        return _response_status(
            "TnOptionOrderResponse", 400, 5083, "A TnOptionGroup with A2pSettings is required"
        )
    action = _text(group, "A2pSettings/Action") or "asSpecified"
    campaign_id = _text(group, "A2pSettings/CampaignId")
    if action not in ("asSpecified", "delete", "off", "systemDefault", "unchanged"):
        return _response_status("TnOptionOrderResponse", 400, 5084, f"Action '{action}' is invalid")
    if action == "asSpecified" and not campaign_id:
        return _response_status(
            "TnOptionOrderResponse", 400, 5085, "CampaignId is required with asSpecified"
        )
    numbers = [
        e164((element.text or "").strip())
        for element in group.findall("TelephoneNumbers/TelephoneNumber")
        if (element.text or "").strip()
    ]
    if not numbers:
        return _response_status("TnOptionOrderResponse", 400, 5020, "No telephone numbers given")
    now = utc_now_iso()
    order = TnOptionOrder(
        id=emu.state.new_uuid(),
        customer_order_id=_text(body, "CustomerOrderId") or "",
        campaign_id=campaign_id,
        action=action,
        created=now,
        requested_numbers=numbers,
    )
    with emu.state.lock:
        emu.state.tnoption_orders[order.id] = order
    emu.scheduler.call_later(emu.config.order_complete_delay, partial(_complete, emu, order))
    root = Element("TnOptionOrderResponse")
    _tnoption_element(root, order, account_id)
    return _render(root, 201, {"Location": _location(emu, f"/tnoptions/{order.id}")})


@routes.route(ACCOUNT + "/tnoptions/<order_id>", methods=["GET"])
def get_tnoption_order(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with emu.state.lock:
        order = emu.state.tnoption_orders.get(order_id)
        if order is None:
            return empty_response(404)
        root = Element("TnOptionOrder")
        _tnoption_element(root, order, account_id)
    return _render(root[0])


def _complete(emu: Emulator, order: TnOptionOrder) -> None:
    state = emu.state
    with state.lock:
        campaign = state.campaigns.get(order.campaign_id or "")
        for number in order.requested_numbers:
            if number not in state.in_service:
                order.errors.append((*NOT_IN_SERVICE, number))
            elif order.action == "asSpecified" and (
                campaign is None or campaign.status != "ACTIVE"
            ):
                order.errors.append(
                    (12189, f"Campaign with id '{order.campaign_id}' not found", number)
                )
            else:
                if order.action == "asSpecified":
                    state.campaign_of_number[number] = order.campaign_id or ""
                elif order.action in ("delete", "off", "systemDefault"):
                    state.campaign_of_number.pop(number, None)
                order.completed_numbers.append(number)
        failed = len(order.errors)
        if failed == 0:
            order.status = "COMPLETE"
        else:
            order.status = "FAILED" if not order.completed_numbers else "PARTIAL"
        order.last_modified = utc_now_iso()
        subscriptions = [
            s for s in state.subscriptions.values() if s.order_type == "tnoptions" and s.url
        ]
    for subscription in subscriptions:
        root = Element("Notification")
        _el(root, "SubscriptionId", subscription.id)
        _el(root, "OrderType", "tnoptions")
        _el(root, "OrderId", order.id)
        if order.customer_order_id:
            _el(root, "CustomerOrderId", order.customer_order_id)
        _el(root, "Status", order.status)
        _el(root, "Message", order.errors[0][1] if order.errors else "Completed")
        if order.completed_numbers:
            completed = _el(root, "CompletedTelephoneNumbers")
            for number in order.completed_numbers:
                _el(completed, "TelephoneNumber", ten_digits(number))
        _el(root, "LastModifiedDate", order.last_modified)
        emu.callbacks.deliver(
            subscription.url,
            xml_body=XML_DECLARATION + tostring(root, encoding="unicode"),
            credentials=subscription.credentials,
            kind="numbers-tnoptions",
            retry=False,
        )
