"""Products on a location: SMS and MMS features, messaging and voice applications."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import empty_response
from bandwidth.emulator.numbers.common import (
    PEER,
    _el,
    _malformed,
    _parse,
    _render,
    _response_status,
    _text,
    routes,
)
from bandwidth.emulator.numbers.sites import _peer_or_404
from bandwidth.emulator.state import SipPeer

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator


@routes.route(PEER + "/products/messaging/features/sms", methods=["POST", "PUT"])
def enable_sms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    if body is None or body.tag != "SipPeerSmsFeature":
        return _malformed("SipPeerSmsFeatureResponse")
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        peer.sms_enabled = True
    root = Element("SipPeerSmsFeatureResponse")
    root.append(body)
    return _render(root, 201 if request.method == "POST" else 200)


@routes.route(PEER + "/products/messaging/features/sms", methods=["GET"])
def get_sms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None or not peer.sms_enabled:
            return empty_response(404)
    root = Element("SipPeerSmsFeatureResponse")
    settings = _el(_el(root, "SipPeerSmsFeature"), "SipPeerSmsFeatureSettings")
    _el(settings, "TollFree", "true")
    _el(settings, "ShortCode", "true")
    _el(settings, "Protocol", "HTTP")
    return _render(root)


@routes.route(PEER + "/products/messaging/features/sms", methods=["DELETE"])
def disable_sms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None or not peer.sms_enabled:
            return empty_response(404)
        if peer.mms_enabled:
            return _response_status(
                "SipPeerSmsFeatureResponse",
                400,
                13674,
                "SMS feature can't be removed because MMS feature is present, remove it first.",
            )
        peer.sms_enabled = False
    return empty_response(200)


@routes.route(PEER + "/products/messaging/features/mms", methods=["POST", "PUT"])
def enable_mms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    if body is None or body.tag != "MmsFeature":
        return _malformed("MmsFeatureResponse")
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        if not peer.sms_enabled:
            return _response_status(
                "MmsFeatureResponse",
                400,
                13675,
                "MMS feature cannot be enabled before the SMS feature on this SIP peer.",
            )
        peer.mms_enabled = True
    root = Element("MmsFeatureResponse")
    root.append(body)
    return _render(root, 201 if request.method == "POST" else 200)


@routes.route(PEER + "/products/messaging/features/mms", methods=["DELETE"])
def disable_mms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None or not peer.mms_enabled:
            return empty_response(404)
        peer.mms_enabled = False
    return empty_response(200)


def _messaging_settings_response(peer: SipPeer) -> Response:
    root = Element("ApplicationsSettingsResponse")
    settings = _el(root, "ApplicationsSettings")
    if peer.messaging_application_id:
        _el(settings, "HttpMessagingV2AppId", peer.messaging_application_id)
    return _render(root)


@routes.route(PEER + "/products/messaging/applicationSettings", methods=["PUT"])
def put_messaging_application(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    root_tag = "ApplicationsSettingsResponse"
    if body is None or body.tag != "ApplicationsSettings":
        return _malformed(root_tag)
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        if (body.text or "").strip().upper() == "REMOVE":
            peer.messaging_application_id = None
            return _messaging_settings_response(peer)
        application_id = _text(body, "HttpMessagingV2AppId")
        application = emu.state.applications.get(application_id or "")
        if application is None or application.service_type != "Messaging-V2":
            return _response_status(root_tag, 400, 12007, "HttpMessagingV2AppId is not valid")
        if not peer.sms_enabled:
            return _response_status(
                root_tag, 400, 12008, "The SMS feature must be enabled on the SIP peer first"
            )
        peer.messaging_application_id = application.id
        return _messaging_settings_response(peer)


@routes.route(PEER + "/products/messaging/applicationSettings", methods=["GET"])
def get_messaging_application(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        return _messaging_settings_response(peer)


def _origination_response(peer: SipPeer, status: int) -> Response:
    root = Element("SipPeerOriginationSettingsResponse")
    settings = _el(root, "SipPeerOriginationSettings")
    if peer.voice_application_id:
        _el(settings, "VoiceProtocol", "HTTP")
        _el(_el(settings, "HttpSettings"), "HttpVoiceV2AppId", peer.voice_application_id)
    else:
        _el(settings, "VoiceProtocol", "SIP")
    return _render(root, status)


@routes.route(PEER + "/products/origination/settings", methods=["POST", "PUT"])
def put_origination_settings(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    root_tag = "SipPeerOriginationSettingsResponse"
    if body is None or body.tag != "SipPeerOriginationSettings":
        return _malformed(root_tag)
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        protocol = (_text(body, "VoiceProtocol") or "").upper()
        if protocol == "SIP":
            peer.voice_application_id = None
        elif protocol == "HTTP":
            application_id = _text(body, "HttpSettings/HttpVoiceV2AppId")
            application = emu.state.applications.get(application_id or "")
            if application is None or application.service_type != "Voice-V2":
                return _response_status(root_tag, 400, 12009, "HttpVoiceV2AppId is not valid")
            peer.voice_application_id = application.id
        else:
            return _response_status(root_tag, 400, 12010, "VoiceProtocol must be HTTP or SIP")
        return _origination_response(peer, 201 if request.method == "POST" else 200)


@routes.route(PEER + "/products/origination/settings", methods=["GET"])
def get_origination_settings(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        return _origination_response(peer, 200)
