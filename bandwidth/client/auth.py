"""Credentials for Bandwidth calls: OAuth2 client-credentials bearer tokens, or Basic."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from time import monotonic

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from bandwidth.client.config import Credentials, Timeouts
from bandwidth.client.error_bodies import error_from_response
from bandwidth.client.transport import Authenticator, send_once
from bandwidth.errors import AuthenticationError

REFRESH_MARGIN_SECONDS = 60.0
DEFAULT_TOKEN_LIFETIME_SECONDS = 300.0


class BearerAuth(AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


class BasicAuthenticator:
    """The API user's username/password; nothing to refresh."""

    def __init__(self, credentials: Credentials) -> None:
        self._auth = HTTPBasicAuth(credentials.username, credentials.password)

    def auth(self) -> AuthBase:
        return self._auth

    def refresh_after_rejection(self, rejected: AuthBase) -> bool:
        return False


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float


class OAuth2TokenSource:
    """Client-credentials tokens for one set of credentials, shared by every thread.

    A token is reused until REFRESH_MARGIN_SECONDS before it expires; one thread fetches while
    the others wait for its result.
    """

    def __init__(
        self,
        credentials: Credentials,
        token_url: str,
        session: requests.Session,
        timeouts: Timeouts,
    ) -> None:
        self._credentials = credentials
        self._token_url = token_url
        self._session = session
        self._timeouts = timeouts
        self._lock = threading.Lock()
        self._token: _Token | None = None

    def token(self) -> str:
        with self._lock:
            if (
                self._token is None
                or monotonic() >= self._token.expires_at - REFRESH_MARGIN_SECONDS
            ):
                self._token = self._fetch()
            return self._token.value

    def invalidate(self, rejected_token: str) -> None:
        """Forget the token unless another thread already replaced it."""
        with self._lock:
            if self._token is not None and self._token.value == rejected_token:
                self._token = None

    def _fetch(self) -> _Token:
        requested_at = monotonic()
        response = send_once(
            self._session,
            "POST",
            self._token_url,
            timeouts=self._timeouts,
            auth=HTTPBasicAuth(self._credentials.client_id, self._credentials.client_secret),
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 300:
            raise error_from_response(response)
        try:
            payload = response.json()
            access_token = str(payload["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthenticationError(
                "token endpoint answered without an access_token",
                status=response.status_code,
                raw_body="",
            ) from exc
        lifetime = _lifetime_seconds(payload.get("expires_in"))
        return _Token(value=access_token, expires_at=requested_at + lifetime)


def _lifetime_seconds(expires_in: object) -> float:
    if isinstance(expires_in, int | float | str):
        try:
            return float(expires_in)
        except ValueError:
            pass
    return DEFAULT_TOKEN_LIFETIME_SECONDS


class OAuth2Authenticator:
    def __init__(self, source: OAuth2TokenSource) -> None:
        self._source = source

    def auth(self) -> AuthBase:
        return BearerAuth(self._source.token())

    def refresh_after_rejection(self, rejected: AuthBase) -> bool:
        if not isinstance(rejected, BearerAuth):
            return False
        self._source.invalidate(rejected.token)
        return True


_token_sources: dict[tuple[Credentials, str], OAuth2TokenSource] = {}
_token_sources_lock = threading.Lock()


def authenticator_for(
    credentials: Credentials, token_url: str, session: requests.Session, timeouts: Timeouts
) -> Authenticator:
    if not credentials.uses_oauth2:
        return BasicAuthenticator(credentials)
    key = (credentials, token_url)
    with _token_sources_lock:
        source = _token_sources.get(key)
        if source is None:
            source = OAuth2TokenSource(credentials, token_url, session, timeouts)
            _token_sources[key] = source
    return OAuth2Authenticator(source)


def forget_tokens() -> None:
    with _token_sources_lock:
        _token_sources.clear()
