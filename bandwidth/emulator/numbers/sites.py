"""Sites (sub-accounts), their SIP peers (locations) and the numbers in service."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from werkzeug.wrappers import Request, Response

from bandwidth.emulator import inventory
from bandwidth.emulator.http import empty_response
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    PEER,
    _el,
    _flag,
    _location,
    _malformed,
    _parse,
    _render,
    _response_status,
    _text,
    e164,
    routes,
    ten_digits,
)
from bandwidth.emulator.state import SipPeer

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator


def _site_element(parent: Element, site_id: str, emu: Emulator) -> None:
    site = emu.state.sites[site_id]
    element = _el(parent, "Site")
    _el(element, "Id", site.id)
    _el(element, "Name", site.name)
    if site.description:
        _el(element, "Description", site.description)
    if site.address:
        address = _el(element, "Address")
        for tag, value in site.address.items():
            _el(address, tag, value)


@routes.route(ACCOUNT + "/sites", methods=["POST"])
def create_site(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Site":
        return _malformed("SiteResponse")
    name = _text(body, "Name")
    if not name or len(name) > 10:
        return _response_status("SiteResponse", 400, 12000, "Site Name must be 1 to 10 characters")
    site = emu.state.add_site(name, _text(body, "Description") or "")
    address = body.find("Address")
    if address is not None:
        site.address = {child.tag: (child.text or "").strip() for child in address}
        site.address.setdefault("AddressType", "Service")
    root = Element("SiteResponse")
    with emu.state.lock:
        _site_element(root, site.id, emu)
    return _render(root, 201, {"Location": _location(emu, f"/sites/{site.id}")})


@routes.route(ACCOUNT + "/sites", methods=["GET"])
def list_sites(emu: Emulator, request: Request, account_id: str) -> Response:
    root = Element("SitesResponse")
    listing = _el(root, "Sites")
    with emu.state.lock:
        for site_id in emu.state.sites:
            _site_element(listing, site_id, emu)
    return _render(root)


@routes.route(ACCOUNT + "/sites/<site_id>", methods=["GET"])
def get_site(emu: Emulator, request: Request, account_id: str, site_id: str) -> Response:
    with emu.state.lock:
        if site_id not in emu.state.sites:
            return empty_response(404)
        root = Element("SiteResponse")
        _site_element(root, site_id, emu)
    return _render(root)


def _peer_or_404(emu: Emulator, site_id: str, peer_id: str) -> SipPeer | None:
    peer = emu.state.sip_peers.get(peer_id)
    return peer if peer is not None and peer.site_id == site_id else None


def _sip_peer_element(parent: Element, peer: SipPeer) -> None:
    element = _el(parent, "SipPeer")
    _el(element, "PeerId", peer.id)
    _el(element, "PeerName", peer.name)
    _el(element, "IsDefaultPeer", str(peer.is_default).lower())


@routes.route(ACCOUNT + "/sites/<site_id>/sippeers", methods=["POST"])
def create_sip_peer(emu: Emulator, request: Request, account_id: str, site_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "SipPeer":
        return _malformed("SipPeerResponse")
    if site_id not in emu.state.sites:
        return empty_response(404)
    name = _text(body, "PeerName")
    if not name:
        return _response_status("SipPeerResponse", 400, 13500, "PeerName is required")
    peer = emu.state.add_sip_peer(site_id, name, _flag(body, "IsDefaultPeer", False))
    return empty_response(201, {"Location": _location(emu, f"/sites/{site_id}/sippeers/{peer.id}")})


@routes.route(ACCOUNT + "/sites/<site_id>/sippeers", methods=["GET"])
def list_sip_peers(emu: Emulator, request: Request, account_id: str, site_id: str) -> Response:
    with emu.state.lock:
        if site_id not in emu.state.sites:
            return empty_response(404)
        root = Element("TNSipPeersResponse")
        listing = _el(root, "SipPeers")
        for peer in emu.state.sip_peers.values():
            if peer.site_id == site_id:
                _sip_peer_element(listing, peer)
    return _render(root)


@routes.route(PEER, methods=["GET"])
def get_sip_peer(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        root = Element("SipPeerResponse")
        _sip_peer_element(root, peer)
    return _render(root)


@routes.route(PEER + "/tns", methods=["GET"])
def sip_peer_numbers(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        if _peer_or_404(emu, site_id, peer_id) is None:
            return empty_response(404)
        numbers = [n.e164 for n in emu.state.in_service.values() if n.peer_id == peer_id]
    root = Element("SipPeerTelephoneNumbersResponse")
    listing = _el(root, "SipPeerTelephoneNumbers")
    for number in sorted(numbers):
        _el(_el(listing, "SipPeerTelephoneNumber"), "FullNumber", ten_digits(number))
    return _render(root)


def _page_link(emu: Emulator, page: int, size: int, rel: str) -> str:
    url = _location(emu, "/inserviceNumbers")
    return f'Link=<{url}?page={page}&size={size}>;rel="{rel}";'


@routes.route(ACCOUNT + "/inserviceNumbers", methods=["GET"])
def in_service_numbers(emu: Emulator, request: Request, account_id: str) -> Response:
    area_code = request.args.get("areacode")
    state_code = request.args.get("state")
    with emu.state.lock:
        numbers = sorted(ten_digits(n) for n in emu.state.in_service)
    if area_code:
        numbers = [n for n in numbers if n.startswith(area_code)]
    if state_code:
        numbers = [
            n for n in numbers if (p := inventory.locality(n)) and p.state == state_code.upper()
        ]
    page_text, size_text = request.args.get("page", "1"), request.args.get("size", "500")
    if not page_text.isdigit() or not size_text.isdigit() or int(size_text) < 1:
        return empty_response(400)
    size = int(size_text)
    start = (max(1, int(page_text)) - 1) * size
    page = numbers[start : start + size]
    root = Element("TNs")
    _el(root, "TotalCount", len(numbers))
    links = _el(root, "Links")
    _el(links, "first", _page_link(emu, 1, size, "first"))
    if start + size < len(numbers):
        _el(links, "next", _page_link(emu, int(page_text) + 1, size, "next"))
    listing = _el(root, "TelephoneNumbers")
    _el(listing, "Count", len(page))
    for number in page:
        _el(listing, "TelephoneNumber", number)
    return _render(root)


@routes.route(ACCOUNT + "/inserviceNumbers/<tn>", methods=["GET"])
def in_service_number(emu: Emulator, request: Request, account_id: str, tn: str) -> Response:
    found = emu.state.number_in_service(e164(tn)) is not None
    return empty_response(200 if found else 404)
