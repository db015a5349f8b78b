"""Simulation endpoints that decide what the campaign registry, the carriers and the toll-free
verification team would (not Bandwidth's API; no credentials):

- ``POST /_sim/10dlc/brands/{brandId}`` ``{"status": "VERIFIED" | "UNVERIFIED"}``
- ``POST /_sim/10dlc/campaigns/{campaignId}`` ``{"status": "APPROVED" | "REJECTED" |
  "SUSPENDED" | "REVIEW", "carrier"?: "ATT" | "TMO" | "VZW"}`` (every carrier unless one is named)
- ``POST /_sim/tollfree/{phoneNumber}`` ``{"status": "VERIFIED" | "DENIED", "denialCode"?}``
- ``POST /_sim/registered/{phoneNumber}``: the number is cleared to text at once (fixtures)

Each answers 200 with the new state, 404 for an unknown id, 400 for a bad body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.compliance import tollfree
from bandwidth.emulator.http import Routes, json_response, request_json
from bandwidth.emulator.state import MNOS

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="sim")


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request_json(request)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@routes.route("/_sim/10dlc/brands/<brand_id>", methods=["POST"], auth=False)
def decide_brand(emu: Emulator, request: Request, brand_id: str) -> Response:
    status = _body(request).get("status")
    if status not in ("VERIFIED", "UNVERIFIED", "VETTED_VERIFIED"):
        return json_response({"error": "status must be VERIFIED or UNVERIFIED"}, 400)
    with emu.state.lock:
        brand = emu.state.brands.get(brand_id)
        if brand is None:
            return json_response({"error": f"unknown brand {brand_id}"}, 404)
        brand.identity_status = status
        for vetting in brand.vettings:
            if vetting["VettingStatus"] == "PENDING":
                vetting["VettingStatus"] = "ACTIVE" if status != "UNVERIFIED" else "FAILED"
    return json_response({"brandId": brand_id, "identityStatus": status})


@routes.route("/_sim/10dlc/campaigns/<campaign_id>", methods=["POST"], auth=False)
def decide_campaign(emu: Emulator, request: Request, campaign_id: str) -> Response:
    body = _body(request)
    status = body.get("status")
    carrier = body.get("carrier")
    if status not in ("APPROVED", "REJECTED", "SUSPENDED", "REVIEW"):
        return json_response(
            {"error": "status must be APPROVED, REJECTED, SUSPENDED or REVIEW"}, 400
        )
    names = [name for name, _ in MNOS]
    if carrier is not None and carrier not in names:
        return json_response({"error": f"carrier must be one of {names}"}, 400)
    with emu.state.lock:
        campaign = emu.state.campaigns.get(campaign_id)
        if campaign is None:
            return json_response({"error": f"unknown campaign {campaign_id}"}, 404)
        for name in [carrier] if carrier else names:
            campaign.mno_statuses[name] = status
        statuses = dict(campaign.mno_statuses)
    return json_response({"campaignId": campaign_id, "mnoStatuses": statuses})


@routes.route("/_sim/tollfree/<phone_number>", methods=["POST"], auth=False)
def decide_toll_free(emu: Emulator, request: Request, phone_number: str) -> Response:
    body = _body(request)
    status = body.get("status")
    code = body.get("denialCode")
    if status not in ("VERIFIED", "DENIED") or (code is not None and not isinstance(code, int)):
        return json_response({"error": "status must be VERIFIED or DENIED"}, 400)
    refusal = tollfree.decide(emu, phone_number, status, code)
    if refusal is not None:
        missing = refusal.startswith("no verification")
        return json_response({"error": refusal}, 404 if missing else 400)
    return json_response({"phoneNumber": phone_number, "status": status})


@routes.route("/_sim/registered/<phone_number>", methods=["POST"], auth=False)
def register(emu: Emulator, request: Request, phone_number: str) -> Response:
    emu.state.register_number(phone_number)
    return json_response({"phoneNumber": phone_number, "registered": True})
