"""Parley's only door to Bandwidth: messaging, voice and numbers APIs over one shared session."""

from __future__ import annotations

from bandwidth.client.auth import authenticator_for, forget_tokens
from bandwidth.client.compliance import ComplianceApi
from bandwidth.client.config import Credentials, Endpoints, Timeouts
from bandwidth.client.messaging import MessagingApi, media_id_from_url
from bandwidth.client.numbers import NumbersApi
from bandwidth.client.transport import Transport, forget_sessions, session_for
from bandwidth.client.voice import VoiceApi

__all__ = [
    "BandwidthClient",
    "Credentials",
    "Endpoints",
    "Timeouts",
    "media_id_from_url",
    "reset_client_caches",
]


class BandwidthClient:
    def __init__(
        self,
        credentials: Credentials,
        endpoints: Endpoints | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.credentials = credentials
        self.endpoints = endpoints or Endpoints()
        self.timeouts = timeouts or Timeouts()
        session = session_for(credentials)
        authenticator = authenticator_for(
            credentials, self.endpoints.oauth_token_url, session, self.timeouts
        )
        transport = Transport(session, authenticator, self.timeouts)
        account_id = credentials.account_id
        self.messaging = MessagingApi(transport, self.endpoints.messaging_base_url, account_id)
        self.voice = VoiceApi(transport, self.endpoints.voice_base_url, account_id)
        self.numbers = NumbersApi(transport, self.endpoints.numbers_base_url, account_id)
        self.compliance = ComplianceApi(
            transport, self.endpoints.numbers_base_url, self.endpoints.api_base_url, account_id
        )


def reset_client_caches() -> None:
    """Forget shared sessions and tokens (tests; credential rotation)."""
    forget_tokens()
    forget_sessions()
