"""Numbers (Dashboard) API: search, order and release numbers; provision sites, locations, apps."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from bandwidth.client import numbers_xml as xml
from bandwidth.client.numbers_xml import (
    Application,
    AvailableNumber,
    CallbackCredentials,
    DisconnectResult,
    MmsFeature,
    OrderResult,
    OriginationSettings,
    SiteAddress,
    SmsFeature,
    Subscription,
)
from bandwidth.client.numbers_xml import portins as lnp
from bandwidth.client.transport import Transport

_XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Accept": "application/xml"}
_ACCEPT_XML = {"Accept": "application/xml"}
_DEFAULT_CALLBACK_TYPES = ("message-sending", "message-delivered", "message-failed")


class NumbersApi:
    def __init__(self, transport: Transport, base_url: str, account_id: str) -> None:
        self._transport = transport
        self._account_url = f"{base_url.rstrip('/')}/accounts/{quote(account_id, safe='')}"

    def _url(self, *segments: str) -> str:
        return "/".join([self._account_url, *(quote(segment, safe="") for segment in segments)])

    def _get(self, url: str, params: dict[str, Any] | None = None) -> requests.Response:
        return self._transport.request("GET", url, params=params, headers=_ACCEPT_XML)

    def _send(self, method: str, url: str, body: bytes) -> requests.Response:
        return self._transport.request(method, url, data=body, headers=_XML_HEADERS)

    # Numbers

    def search_available_numbers(
        self,
        *,
        area_code: str | None = None,
        city: str | None = None,
        state: str | None = None,
        zip_code: str | None = None,
        toll_free_pattern: str | None = None,
        quantity: int = 10,
    ) -> list[AvailableNumber]:
        """Search by exactly one of: area code, city + state, ZIP, toll-free pattern ('8**')."""
        params = _search_criteria(area_code, city, state, zip_code, toll_free_pattern)
        params.update({"quantity": quantity, "enableTNDetail": "true"})
        response = self._get(self._url("availableNumbers"), params)
        return xml.parse_available_numbers(response.content)

    def create_order(
        self,
        *,
        customer_order_id: str,
        site_id: str,
        peer_id: str | None = None,
        numbers: list[str] | None = None,
        area_code: str | None = None,
        quantity: int = 1,
        partial_allowed: bool = False,
        name: str | None = None,
    ) -> OrderResult:
        body = xml.build_order(
            customer_order_id=customer_order_id,
            site_id=site_id,
            peer_id=peer_id,
            numbers=numbers,
            area_code=area_code,
            quantity=quantity,
            partial_allowed=partial_allowed,
            name=name,
        )
        response = self._send("POST", self._url("orders"), body)
        return xml.parse_order_response(response.content)

    def get_order(self, order_id: str) -> OrderResult:
        response = self._get(self._url("orders", order_id), {"tndetail": "true"})
        return xml.parse_order_response(response.content)

    def find_order_id(self, customer_order_id: str) -> str | None:
        """Bandwidth's id of the order we placed with this CustomerOrderId, if it has one.

        After an ambiguous failure of ``create_order`` this tells whether Bandwidth took it.
        """
        response = self._get(self._url("orders"), {"customerOrderId": customer_order_id})
        found = xml.parse_order_ids_for_customer_order(response.content, customer_order_id)
        return found[0] if found else None

    def create_disconnect(self, *, customer_order_id: str, numbers: list[str]) -> DisconnectResult:
        body = xml.build_disconnect(customer_order_id=customer_order_id, numbers=numbers)
        response = self._send("POST", self._url("disconnects"), body)
        return xml.parse_disconnect_response(response.content)

    def get_disconnect(self, order_id: str) -> DisconnectResult:
        response = self._get(self._url("disconnects", order_id), {"tndetail": "true"})
        return xml.parse_disconnect_response(response.content)

    # Applications

    def create_messaging_application(
        self,
        *,
        name: str,
        inbound_callback_url: str,
        outbound_callback_url: str,
        inbound_credentials: CallbackCredentials | None = None,
        outbound_credentials: CallbackCredentials | None = None,
        requested_callback_types: tuple[str, ...] = _DEFAULT_CALLBACK_TYPES,
    ) -> Application:
        body = xml.build_messaging_application(
            name=name,
            inbound_callback_url=inbound_callback_url,
            outbound_callback_url=outbound_callback_url,
            inbound_credentials=inbound_credentials,
            outbound_credentials=outbound_credentials,
            requested_callback_types=requested_callback_types,
        )
        return xml.parse_application(self._send("POST", self._url("applications"), body).content)

    def update_messaging_application(
        self,
        application_id: str,
        *,
        name: str,
        inbound_callback_url: str,
        outbound_callback_url: str,
        inbound_credentials: CallbackCredentials | None = None,
        outbound_credentials: CallbackCredentials | None = None,
        requested_callback_types: tuple[str, ...] = _DEFAULT_CALLBACK_TYPES,
    ) -> Application:
        body = xml.build_messaging_application(
            name=name,
            inbound_callback_url=inbound_callback_url,
            outbound_callback_url=outbound_callback_url,
            inbound_credentials=inbound_credentials,
            outbound_credentials=outbound_credentials,
            requested_callback_types=requested_callback_types,
        )
        url = self._url("applications", application_id)
        return xml.parse_application(self._send("PUT", url, body).content)

    def create_voice_application(
        self,
        *,
        name: str,
        call_initiated_callback_url: str,
        call_status_callback_url: str | None = None,
        callback_credentials: CallbackCredentials | None = None,
    ) -> Application:
        body = xml.build_voice_application(
            name=name,
            call_initiated_callback_url=call_initiated_callback_url,
            call_status_callback_url=call_status_callback_url,
            callback_credentials=callback_credentials,
        )
        return xml.parse_application(self._send("POST", self._url("applications"), body).content)

    def update_voice_application(
        self,
        application_id: str,
        *,
        name: str,
        call_initiated_callback_url: str,
        call_status_callback_url: str | None = None,
        callback_credentials: CallbackCredentials | None = None,
    ) -> Application:
        body = xml.build_voice_application(
            name=name,
            call_initiated_callback_url=call_initiated_callback_url,
            call_status_callback_url=call_status_callback_url,
            callback_credentials=callback_credentials,
        )
        url = self._url("applications", application_id)
        return xml.parse_application(self._send("PUT", url, body).content)

    def get_application(self, application_id: str) -> Application:
        return xml.parse_application(self._get(self._url("applications", application_id)).content)

    def delete_application(self, application_id: str) -> None:
        self._transport.request(
            "DELETE", self._url("applications", application_id), headers=_ACCEPT_XML
        )

    # Sites and locations (sip peers)

    def create_site(
        self, *, name: str, description: str | None = None, address: SiteAddress | None = None
    ) -> str:
        body = xml.build_site(name=name, description=description, address=address)
        response = self._send("POST", self._url("sites"), body)
        if response.content.strip():
            return xml.parse_site(response.content).site_id
        return xml.id_from_location(response.headers.get("Location"))

    def create_sip_peer(self, site_id: str, *, name: str, is_default: bool) -> str:
        body = xml.build_sip_peer(name=name, is_default=is_default)
        response = self._send("POST", self._url("sites", site_id, "sippeers"), body)
        return xml.id_from_location(response.headers.get("Location"))

    def _peer_url(self, site_id: str, peer_id: str, *segments: str) -> str:
        return self._url("sites", site_id, "sippeers", peer_id, "products", *segments)

    def enable_sms(
        self, site_id: str, peer_id: str, *, toll_free: bool = False, short_code: bool = False
    ) -> SmsFeature:
        body = xml.build_sms_feature(toll_free=toll_free, short_code=short_code)
        url = self._peer_url(site_id, peer_id, "messaging", "features", "sms")
        return xml.parse_sms_feature(self._send("POST", url, body).content)

    def enable_mms(self, site_id: str, peer_id: str) -> MmsFeature:
        """Call after enable_sms: Bandwidth refuses MMS on a location without SMS."""
        url = self._peer_url(site_id, peer_id, "messaging", "features", "mms")
        return xml.parse_mms_feature(self._send("POST", url, xml.build_mms_feature()).content)

    def assign_messaging_application(
        self, site_id: str, peer_id: str, application_id: str
    ) -> str | None:
        body = xml.build_messaging_application_settings(application_id)
        url = self._peer_url(site_id, peer_id, "messaging", "applicationSettings")
        return xml.parse_messaging_application_settings(self._send("PUT", url, body).content)

    def assign_voice_application(
        self, site_id: str, peer_id: str, application_id: str
    ) -> OriginationSettings:
        body = xml.build_origination_settings(application_id)
        url = self._peer_url(site_id, peer_id, "origination", "settings")
        return xml.parse_origination_settings(self._send("PUT", url, body).content)

    # Order and disconnect notifications

    def create_subscription(
        self,
        *,
        order_type: str,
        url: str,
        username: str | None = None,
        password: str | None = None,
        expiry: int = 3_122_064_000,
    ) -> str:
        body = xml.build_subscription(
            order_type=order_type, url=url, username=username, password=password, expiry=expiry
        )
        response = self._send("POST", self._url("subscriptions"), body)
        return xml.id_from_location(response.headers.get("Location"))

    def get_subscription(self, subscription_id: str) -> Subscription:
        response = self._get(self._url("subscriptions", subscription_id))
        subscriptions = xml.parse_subscriptions(response.content)
        if not subscriptions:
            raise ValueError("no <Subscription> in the answer")
        return subscriptions[0]

    def delete_subscription(self, subscription_id: str) -> None:
        self._transport.request(
            "DELETE", self._url("subscriptions", subscription_id), headers=_ACCEPT_XML
        )

    # Port-ins (LNP)

    def check_portability(self, numbers: list[str]) -> lnp.PortabilityCheck:
        body = lnp.build_portability_request(numbers)
        url = self._url("lnpchecker")
        response = self._transport.request(
            "POST", url, data=body, headers=_XML_HEADERS, params={"fullCheck": "true"}
        )
        return lnp.parse_portability(response.content)

    def create_portin(self, order: lnp.LnpOrder, *, draft: bool) -> lnp.PortInResult:
        body = lnp.build_lnp_order(
            order, root_tag="LnpOrder", processing_status="DRAFT" if draft else None
        )
        return lnp.parse_portin(self._send("POST", self._url("portins"), body).content)

    def get_portin(self, order_id: str) -> lnp.PortInResult:
        return lnp.parse_portin(self._get(self._url("portins", order_id)).content)

    def update_portin(
        self, order_id: str, order: lnp.LnpOrder, *, submit: bool = False
    ) -> lnp.PortInResult:
        """Changes a draft (``submit`` sends it), or supplements (SUPP) a submitted order."""
        body = lnp.build_lnp_order(
            order, root_tag="LnpOrderSupp", processing_status="SUBMITTED" if submit else None
        )
        response = self._send("PUT", self._url("portins", order_id), body)
        return lnp.parse_portin(response.content)

    def cancel_portin(self, order_id: str) -> None:
        """Deletes a draft; asks to cancel a submitted order (REQUESTED_CANCEL)."""
        self._transport.request("DELETE", self._url("portins", order_id), headers=_ACCEPT_XML)

    def upload_portin_file(
        self, order_id: str, *, content: bytes, content_type: str, document_type: str
    ) -> str:
        response = self._transport.request(
            "POST",
            self._url("portins", order_id, "loas"),
            data=content,
            params={"documentType": document_type},
            headers={"Content-Type": content_type, "Accept": "application/xml"},
        )
        return lnp.parse_file_upload(response.content)

    def list_portin_files(self, order_id: str) -> list[lnp.PortInFile]:
        return lnp.parse_file_list(self._get(self._url("portins", order_id, "loas")).content)

    def list_portin_notes(self, order_id: str) -> list[lnp.PortInNote]:
        return lnp.parse_notes(self._get(self._url("portins", order_id, "notes")).content)

    def add_portin_note(self, order_id: str, *, user_id: str, description: str) -> str:
        body = lnp.build_note(user_id, description)
        response = self._send("POST", self._url("portins", order_id, "notes"), body)
        return xml.id_from_location(response.headers.get("Location"))

    def get_portin_history(self, order_id: str) -> list[lnp.PortInHistoryEntry]:
        return lnp.parse_history(self._get(self._url("portins", order_id, "history")).content)


def _search_criteria(
    area_code: str | None,
    city: str | None,
    state: str | None,
    zip_code: str | None,
    toll_free_pattern: str | None,
) -> dict[str, Any]:
    choices: list[dict[str, Any]] = []
    if area_code:
        choices.append({"areaCode": area_code})
    if city or (state and not city):
        if not (city and state):
            raise ValueError("city search needs both city and state")
        choices.append({"city": city, "state": state})
    if zip_code:
        choices.append({"zip": zip_code})
    if toll_free_pattern:
        choices.append({"tollFreeWildCardPattern": toll_free_pattern})
    if len(choices) != 1:
        raise ValueError("search by exactly one of area code, city+state, ZIP, toll-free pattern")
    return choices[0]
