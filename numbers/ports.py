"""What messaging and voice offer each other, registered here so that neither imports the other.

Both stand on numbers: voice sends a missed call's text through messaging's send path, and
messaging's conversation timeline shows the calls with the contact. Each app registers its side
in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import QuerySet

from tenants.errors import ParleyError
from tenants.models import Tenant


class TextSender(Protocol):
    def __call__(self, *, tenant: Tenant, from_number: str, to: str, text: str) -> Any: ...


class CallHistory(Protocol):
    def __call__(self, *, tenant: Tenant, number: str) -> QuerySet[Any]: ...


class BlockedNumbers(Protocol):
    def __call__(self, *, tenant: Tenant, numbers: list[str]) -> set[str]: ...


_text_sender: TextSender | None = None
_call_history: CallHistory | None = None
_blocked_numbers: BlockedNumbers | None = None


def provide_text_sender(sender: TextSender) -> None:
    global _text_sender
    _text_sender = sender


def provide_call_history(history: CallHistory) -> None:
    global _call_history
    _call_history = history


def provide_blocked_numbers(blocked: BlockedNumbers) -> None:
    global _blocked_numbers
    _blocked_numbers = blocked


def send_text(*, tenant: Tenant, from_number: str, to: str, text: str) -> Any:
    """One text through the messaging app's send path, with all its checks."""
    if _text_sender is None:
        raise ParleyError("Texts cannot be sent: the messaging app is not installed.")
    return _text_sender(tenant=tenant, from_number=from_number, to=to, text=text)


def calls_with(*, tenant: Tenant, number: str) -> QuerySet[Any] | None:
    """The tenant's calls with ``number``; None when the voice app is not installed."""
    if _call_history is None:
        return None
    return _call_history(tenant=tenant, number=number)


def blocked_among(*, tenant: Tenant, numbers: list[str]) -> set[str]:
    """Which of ``numbers`` the tenant blocked (voice's blocklist); none without the voice app."""
    if _blocked_numbers is None or not numbers:
        return set()
    return _blocked_numbers(tenant=tenant, numbers=numbers)
