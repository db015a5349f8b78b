"""Messaging-V2 and Voice-V2 applications: create, read, update, delete, their locations."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import empty_response, numbers_error
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    _el,
    _location,
    _malformed,
    _parse,
    _render,
    _text,
    routes,
)
from bandwidth.emulator.state import Application, ServiceType, SipPeer

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

MESSAGING_URL_TAGS = ("MsgCallbackUrl", "InboundCallbackUrl", "OutboundCallbackUrl")
VOICE_URL_TAGS = (
    "CallInitiatedCallbackUrl",
    "CallInitiatedMethod",
    "CallStatusCallbackUrl",
    "CallStatusMethod",
    "CallInitiatedFallbackUrl",
    "CallInitiatedFallbackMethod",
)
SERVICE_TYPES: dict[str, ServiceType] = {
    "Messaging": "Messaging-V2",
    "Messaging-V2": "Messaging-V2",
    "Voice": "Voice-V2",
    "Voice-V2": "Voice-V2",
}


def _credentials(element: Element, tag: str) -> tuple[str, str] | None:
    user = _text(element, f"{tag}/UserId")
    return (user, _text(element, f"{tag}/Password") or "") if user else None


def _application_error(status: int, code: int, description: str) -> Response:
    return numbers_error("ApplicationProvisioningResponse", status, code, description)


def _apply_application_fields(application: Application, body: Element, replace: bool) -> None:
    """PUT replaces every field (``replace``); PATCH changes only the ones given.
    ``CallStatusCallbackUrl`` set to ``remove`` clears it, as Bandwidth's PATCH allows."""
    if replace:
        application.urls = {}
        application.inbound_credentials = application.outbound_credentials = None
        application.callback_credentials = application.fallback_credentials = None
        application.requested_callback_types = []
        application.callback_timeout = None
    name = _text(body, "AppName")
    if name:
        application.name = name
    for tag in (*MESSAGING_URL_TAGS, *VOICE_URL_TAGS, "CallbackUrl"):
        value = _text(body, tag)
        if value is not None:
            if value.lower() == "remove":
                application.urls.pop(tag, None)
            else:
                application.urls[tag] = value
    for attribute, tag in (
        ("inbound_credentials", "InboundCallbackCreds"),
        ("outbound_credentials", "OutboundCallbackCreds"),
        ("callback_credentials", "CallbackCreds"),
        ("fallback_credentials", "CallInitiatedFallbackCreds"),
    ):
        credentials = _credentials(body, tag)
        if credentials is not None:
            setattr(application, attribute, credentials)
    message_credentials = _credentials(body, "MsgCallbackCreds")
    if message_credentials is not None:
        application.inbound_credentials = application.inbound_credentials or message_credentials
        application.outbound_credentials = application.outbound_credentials or message_credentials
    types = [(el.text or "").strip() for el in body.iterfind("RequestedCallbackTypes/CallbackType")]
    if types:
        application.requested_callback_types = [t for t in types if t]
    timeout = _text(body, "CallbackTimeout")
    if timeout and timeout.replace(".", "", 1).isdigit():
        application.callback_timeout = float(timeout)


def _application_element(parent: Element, application: Application) -> None:
    """Echo an application; passwords are never included."""
    element = _el(parent, "Application")
    _el(element, "ApplicationId", application.id)
    _el(element, "ServiceType", application.service_type)
    _el(element, "AppName", application.name)
    urls = application.urls
    if application.service_type == "Messaging-V2":
        for tag in ("InboundCallbackUrl", "OutboundCallbackUrl"):
            if tag in urls:
                _el(element, tag, urls[tag])
        if "MsgCallbackUrl" in urls:
            _el(element, "MsgCallbackUrl", urls["MsgCallbackUrl"])
        for tag, credentials in (
            ("InboundCallbackCreds", application.inbound_credentials),
            ("OutboundCallbackCreds", application.outbound_credentials),
        ):
            if credentials:
                _el(_el(element, tag), "UserId", credentials[0])
        if application.requested_callback_types:
            types = _el(element, "RequestedCallbackTypes")
            for kind in application.requested_callback_types:
                _el(types, "CallbackType", kind)
        return
    for tag in VOICE_URL_TAGS[:4]:
        if tag in urls:
            _el(element, tag, urls[tag])
    if application.callback_credentials:
        _el(_el(element, "CallbackCreds"), "UserId", application.callback_credentials[0])
    for tag in VOICE_URL_TAGS[4:]:
        if tag in urls:
            _el(element, tag, urls[tag])
    if application.fallback_credentials:
        fallback = _el(element, "CallInitiatedFallbackCreds")
        _el(fallback, "UserId", application.fallback_credentials[0])
    if application.callback_timeout is not None:
        _el(element, "CallbackTimeout", f"{application.callback_timeout:g}")


def _application_response(application: Application, status: int = 200) -> Response:
    root = Element("ApplicationProvisioningResponse")
    _application_element(root, application)
    return _render(root, status)


def _validate_application(application: Application) -> Response | None:
    if not application.name:
        return _application_error(400, 12000, "AppName is required")
    if application.service_type == "Messaging-V2":
        if not application.inbound_callback_url:
            return _application_error(400, 12001, "InboundCallbackUrl is required")
    elif not application.call_initiated_url:
        return _application_error(400, 12001, "CallInitiatedCallbackUrl is required")
    for tag, url in application.urls.items():
        if tag.endswith("Url") and not url.startswith(("http://", "https://")):
            return _application_error(400, 12002, f"{tag} must be an http(s) URL")
    return None


@routes.route(ACCOUNT + "/applications", methods=["POST"])
def create_application(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Application":
        return _malformed("ApplicationProvisioningResponse")
    service_type = SERVICE_TYPES.get(_text(body, "ServiceType") or "")
    if service_type is None:
        return _application_error(400, 12003, "ServiceType must be Messaging-V2 or Voice-V2")
    application = Application(id=emu.state.new_uuid(), service_type=service_type, name="")
    _apply_application_fields(application, body, replace=True)
    invalid = _validate_application(application)
    if invalid is not None:
        return invalid
    emu.state.add_application(application)
    response = _application_response(application, 201)
    response.headers["Location"] = _location(emu, f"/applications/{application.id}")
    return response


@routes.route(ACCOUNT + "/applications", methods=["GET"])
def list_applications(emu: Emulator, request: Request, account_id: str) -> Response:
    root = Element("ApplicationProvisioningResponse")
    listing = _el(root, "ApplicationList")
    with emu.state.lock:
        for application in emu.state.applications.values():
            _application_element(listing, application)
    return _render(root)


@routes.route(ACCOUNT + "/applications/<application_id>", methods=["GET"])
def get_application(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    with emu.state.lock:
        application = emu.state.applications.get(application_id)
        if application is None:
            return _application_error(404, 12004, f"Application {application_id} not found")
        return _application_response(application)


@routes.route(ACCOUNT + "/applications/<application_id>", methods=["PUT", "PATCH"])
def update_application(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Application":
        return _malformed("ApplicationProvisioningResponse")
    with emu.state.lock:
        application = emu.state.applications.get(application_id)
        if application is None:
            return _application_error(404, 12004, f"Application {application_id} not found")
        given_type = _text(body, "ServiceType")
        if given_type and SERVICE_TYPES.get(given_type) != application.service_type:
            return _application_error(400, 12005, "ServiceType cannot be changed")
        updated = Application(
            id=application.id,
            service_type=application.service_type,
            name=application.name,
            urls=dict(application.urls),
            inbound_credentials=application.inbound_credentials,
            outbound_credentials=application.outbound_credentials,
            callback_credentials=application.callback_credentials,
            fallback_credentials=application.fallback_credentials,
            requested_callback_types=list(application.requested_callback_types),
            callback_timeout=application.callback_timeout,
        )
        if request.method == "PUT":
            updated.name = ""
        _apply_application_fields(updated, body, replace=request.method == "PUT")
        invalid = _validate_application(updated)
        if invalid is not None:
            return invalid
        emu.state.applications[application.id] = updated
        return _application_response(updated)


@routes.route(ACCOUNT + "/applications/<application_id>", methods=["DELETE"])
def delete_application(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    with emu.state.lock:
        if application_id not in emu.state.applications:
            return _application_error(404, 12004, f"Application {application_id} not found")
        if _peers_using(emu, application_id):
            return _application_error(
                400, 12006, "The application is assigned to a location and cannot be removed"
            )
        del emu.state.applications[application_id]
    return empty_response(200)


def _peers_using(emu: Emulator, application_id: str) -> list[SipPeer]:
    return [
        p
        for p in emu.state.sip_peers.values()
        if application_id in (p.messaging_application_id, p.voice_application_id)
    ]


@routes.route(ACCOUNT + "/applications/<application_id>/associatedsippeers", methods=["GET"])
def associated_sip_peers(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    with emu.state.lock:
        if application_id not in emu.state.applications:
            return _application_error(404, 12004, f"Application {application_id} not found")
        root = Element("AssociatedSipPeersResponse")
        listing = _el(root, "AssociatedSipPeers")
        for peer in _peers_using(emu, application_id):
            item = _el(listing, "AssociatedSipPeer")
            _el(item, "SiteId", peer.site_id)
            _el(item, "SiteName", emu.state.sites[peer.site_id].name)
            _el(item, "PeerId", peer.id)
            _el(item, "PeerName", peer.name)
    return _render(root)
