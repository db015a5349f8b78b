"""One place where Parley talks HTTP to Bandwidth: timeouts, logging, error mapping, auth."""

from __future__ import annotations

import logging
import threading
from time import perf_counter
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.exceptions import SSLError as Urllib3SSLError

from bandwidth.client.config import Credentials, Timeouts
from bandwidth.client.error_bodies import error_from_response
from bandwidth.errors import TransientError

logger = logging.getLogger("bandwidth.client")

_sessions: dict[Credentials, requests.Session] = {}
_sessions_lock = threading.Lock()


def session_for(credentials: Credentials) -> requests.Session:
    """The one shared session (connection pool) of these credentials."""
    with _sessions_lock:
        session = _sessions.get(credentials)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "Parley"
            _sessions[credentials] = session
        return session


def forget_sessions() -> None:
    with _sessions_lock:
        for session in _sessions.values():
            session.close()
        _sessions.clear()


class Authenticator(Protocol):
    def auth(self) -> AuthBase: ...

    def refresh_after_rejection(self, rejected: AuthBase) -> bool:
        """Drop the rejected credential; True when a fresh one may succeed where it failed."""
        ...


def send_once(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeouts: Timeouts,
    auth: AuthBase | tuple[str, str] | None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request and log it; transport failures become TransientError."""
    path = urlsplit(url).path
    started = perf_counter()
    try:
        response = session.request(
            method, url, auth=auth, timeout=timeouts.as_tuple(), allow_redirects=False, **kwargs
        )
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    ) as exc:
        elapsed_ms = round((perf_counter() - started) * 1000)
        error = transient_error_from(exc)
        logger.warning(
            "bandwidth %s %s failed %s ambiguous=%s %d ms",
            method,
            path,
            type(exc).__name__,
            error.ambiguous,
            elapsed_ms,
        )
        raise error from exc
    elapsed_ms = round((perf_counter() - started) * 1000)
    logger.info("bandwidth %s %s %s %d ms", method, path, response.status_code, elapsed_ms)
    return response


def transient_error_from(exc: requests.RequestException) -> TransientError:
    ambiguous = not _failed_before_sending(exc)
    return TransientError(f"{type(exc).__name__} talking to Bandwidth", ambiguous=ambiguous)


def _failed_before_sending(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ReadTimeout):
        return False
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        return isinstance(cause.reason, NewConnectionError | ConnectTimeoutError | Urllib3SSLError)
    return isinstance(cause, NewConnectionError)


class Transport:
    def __init__(
        self, session: requests.Session, authenticator: Authenticator, timeouts: Timeouts
    ) -> None:
        self.session = session
        self.authenticator = authenticator
        self.timeouts = timeouts

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send with credentials; raise a typed error on any non-2xx answer.

        A 401 gets exactly one repeat with a fresh token: Bandwidth refused the call before doing
        anything, so the repeat cannot act twice. No other repeat is ever made here.
        """
        auth = self.authenticator.auth()
        response = send_once(self.session, method, url, timeouts=self.timeouts, auth=auth, **kwargs)
        if response.status_code == 401 and self.authenticator.refresh_after_rejection(auth):
            response = send_once(
                self.session,
                method,
                url,
                timeouts=self.timeouts,
                auth=self.authenticator.auth(),
                **kwargs,
            )
        if response.status_code >= 300:
            raise error_from_response(response)
        return response
