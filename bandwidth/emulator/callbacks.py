"""Outgoing webhooks, delivered as Bandwidth does: first without credentials, then with them
after a ``401`` carrying ``WWW-Authenticate: Basic``; asynchronous deliveries retry on non-2xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from bandwidth.emulator.http import utc_now_iso
from bandwidth.emulator.state import CallbackLogEntry

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

USER_AGENT = "BandwidthAPI/v2"
SIGNATURE_HEADER = "x-bandwidth-signature-hmac-sha256"


@dataclass(frozen=True)
class CallbackResult:
    status: int | None
    body: bytes
    content_type: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _asks_for_basic(response: requests.Response) -> bool:
    challenge = response.headers.get("WWW-Authenticate", "")
    return response.status_code == 401 and challenge.lower().startswith("basic")


class CallbackSender:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        """One keep-alive session per thread (call threads deliver concurrently)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False
            self._local.session = session
        return session

    def request(
        self,
        url: str,
        *,
        method: str = "POST",
        json_body: Any = None,
        xml_body: str | None = None,
        credentials: tuple[str, str] | None = None,
        timeout: float | None = None,
        kind: str = "",
        attempt: int = 1,
        signing_secret: str | None = None,
    ) -> CallbackResult:
        """One synchronous delivery with the Basic challenge; recorded in the callback log.

        ``method="GET"`` sends ``json_body`` (a flat dict) as query parameters, as Voice does.
        """
        timeout = self.emulator.config.callback_timeout if timeout is None else timeout
        kwargs = self._request_arguments(method, json_body, xml_body)
        if signing_secret is not None and "data" in kwargs:
            kwargs["headers"][SIGNATURE_HEADER] = hmac.new(
                signing_secret.encode(), kwargs["data"], hashlib.sha256
            ).hexdigest()
        logged_body = _summary(json_body, xml_body)
        try:
            response = self.session.request(method, url, timeout=timeout, **kwargs)
            if credentials is not None and _asks_for_basic(response):
                self._log(kind, method, url, attempt, response.status_code, None, logged_body)
                response = self.session.request(
                    method, url, timeout=timeout, auth=credentials, **kwargs
                )
        except requests.RequestException as exc:
            self._log(kind, method, url, attempt, None, str(exc), logged_body)
            self.emulator.state.count_callback(ok=False)
            return CallbackResult(None, b"", "", str(exc))
        self._log(kind, method, url, attempt, response.status_code, None, logged_body)
        result = CallbackResult(
            response.status_code,
            response.content,
            response.headers.get("Content-Type", ""),
            None,
        )
        self.emulator.state.count_callback(ok=result.ok)
        return result

    def deliver(
        self,
        url: str,
        *,
        method: str = "POST",
        json_body: Any = None,
        xml_body: str | None = None,
        credentials: tuple[str, str] | None = None,
        timeout: float | None = None,
        kind: str = "",
        delay: float = 0.0,
        on_result: Callable[[CallbackResult], None] | None = None,
        retry: bool = True,
        signing_secret: str | None = None,
    ) -> None:
        """Deliver later on the scheduler, retrying per ``callback_retry_delays`` on failure.

        ``retry=False`` makes one delivery only, as Bandwidth does for Numbers notifications.
        ``on_result`` receives the final result (success or the last failed attempt).
        """
        copies = self.emulator.faults.take_callback_copies()
        for _ in range(copies):
            self._schedule_attempt(
                delay,
                1,
                _Delivery(
                    url,
                    method,
                    json_body,
                    xml_body,
                    credentials,
                    timeout,
                    kind,
                    on_result,
                    retry,
                    signing_secret,
                ),
            )

    def _schedule_attempt(self, delay: float, attempt: int, delivery: _Delivery) -> None:
        self.emulator.scheduler.call_later(delay, lambda: self._attempt(attempt, delivery))

    def _attempt(self, attempt: int, delivery: _Delivery) -> None:
        result = self.request(
            delivery.url,
            method=delivery.method,
            json_body=delivery.json_body,
            xml_body=delivery.xml_body,
            credentials=delivery.credentials,
            timeout=delivery.timeout,
            kind=delivery.kind,
            attempt=attempt,
            signing_secret=delivery.signing_secret,
        )
        retry_delays = self.emulator.config.callback_retry_delays
        if not result.ok and delivery.retry and attempt <= len(retry_delays):
            self._schedule_attempt(retry_delays[attempt - 1], attempt + 1, delivery)
            return
        if delivery.on_result is not None:
            delivery.on_result(result)

    @staticmethod
    def _request_arguments(method: str, json_body: Any, xml_body: str | None) -> dict[str, Any]:
        headers = {"User-Agent": USER_AGENT}
        if method.upper() == "GET":
            params = {k: _query_value(v) for k, v in (json_body or {}).items() if v is not None}
            return {"headers": headers, "params": params}
        if xml_body is not None:
            headers["Content-Type"] = "application/xml; charset=utf-8"
            return {"headers": headers, "data": xml_body.encode()}
        headers["Content-Type"] = "application/json; charset=utf-8"
        return {"headers": headers, "data": json.dumps(json_body).encode()}

    def _log(
        self,
        kind: str,
        method: str,
        url: str,
        attempt: int,
        status: int | None,
        error: str | None,
        body: str,
    ) -> None:
        self.emulator.state.log_callback(
            CallbackLogEntry(
                time=utc_now_iso(),
                kind=kind,
                method=method.upper(),
                url=url,
                attempt=attempt,
                status=status,
                error=error,
                request_body=body,
            )
        )


@dataclass(frozen=True)
class _Delivery:
    url: str
    method: str
    json_body: Any
    xml_body: str | None
    credentials: tuple[str, str] | None
    timeout: float | None
    kind: str
    on_result: Callable[[CallbackResult], None] | None
    retry: bool = True
    signing_secret: str | None = None


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _summary(json_body: Any, xml_body: str | None, limit: int = 2000) -> str:
    text = xml_body if xml_body is not None else json.dumps(json_body)
    return text[:limit]
