from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Credentials:
    """One Bandwidth account's credentials; also the key of the session and token caches.

    OAuth2 client credentials are used when client_id is set, unless prefer_basic asks for the
    username/password API user instead.
    """

    account_id: str
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    prefer_basic: bool = False

    def __post_init__(self) -> None:
        if not self.account_id:
            raise ValueError("account_id is required")
        if self.uses_oauth2 and not self.client_secret:
            raise ValueError("client_secret is required with client_id")
        if not self.uses_oauth2 and not (self.username and self.password):
            raise ValueError("username and password are required without OAuth2 client credentials")

    @property
    def uses_oauth2(self) -> bool:
        return bool(self.client_id) and not self.prefer_basic


@dataclass(frozen=True)
class Endpoints:
    messaging_base_url: str = "https://messaging.bandwidth.com/api/v2"
    voice_base_url: str = "https://voice.bandwidth.com/api/v2"
    numbers_base_url: str = "https://dashboard.bandwidth.com/api"
    oauth_token_url: str = "https://api.bandwidth.com/api/v1/oauth2/token"
    api_base_url: str = "https://api.bandwidth.com"
    """Toll-free verification (``/api/v2``) and phone number lookup (``/v2``)."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds; passed as (connect, read) to every request."""

    connect: float = 3.05
    read: float = 15.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)
