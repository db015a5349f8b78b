"""A client for the local emulator's ``/_sim/`` endpoints (not Bandwidth's API).

Parley's route editor uses it to place a simulated call under ``make run``. It lives beside the
Bandwidth client, not in the emulator, so production code never imports the emulator, which is
not part of the production wheel.
"""

from __future__ import annotations

from typing import Any

import requests


class SimulatorError(Exception):
    """The emulator refused the simulation or could not be reached."""


def start_inbound_call(
    base_url: str, *, from_: str, to: str, digits: str = "", speech: str = "", timeout: float = 5.0
) -> str:
    """Rings ``to`` from ``from_``; ``digits`` and ``speech`` are what the caller presses and says.

    Returns the simulated call's id.
    """
    body: dict[str, Any] = {"from": from_, "to": to}
    if digits:
        body["digits"] = digits
    if speech:
        body["speech"] = speech
    try:
        response = requests.post(f"{base_url.rstrip('/')}/_sim/calls", json=body, timeout=timeout)
    except requests.RequestException as exc:
        raise SimulatorError(f"The emulator is not reachable: {exc}") from exc
    if response.status_code >= 300:
        raise SimulatorError(f"The emulator refused the call: {response.text[:200]}")
    return str(response.json().get("callId", ""))


def _decide(base_url: str, path: str, body: dict[str, Any], timeout: float) -> None:
    try:
        response = requests.post(f"{base_url.rstrip('/')}/_sim/{path}", json=body, timeout=timeout)
    except requests.RequestException as exc:
        raise SimulatorError(f"The emulator is not reachable: {exc}") from exc
    if response.status_code >= 300:
        raise SimulatorError(f"The emulator refused: {response.text[:200]}")


def decide_brand(base_url: str, brand_id: str, *, status: str, timeout: float = 5.0) -> None:
    """The campaign registry's verdict on a brand: VERIFIED or UNVERIFIED."""
    _decide(base_url, f"10dlc/brands/{brand_id}", {"status": status}, timeout)


def decide_campaign(
    base_url: str, campaign_id: str, *, status: str, carrier: str = "", timeout: float = 5.0
) -> None:
    """The carriers' verdict (every carrier, or ``carrier``): APPROVED, REJECTED, SUSPENDED."""
    body: dict[str, Any] = {"status": status}
    if carrier:
        body["carrier"] = carrier
    _decide(base_url, f"10dlc/campaigns/{campaign_id}", body, timeout)


def decide_toll_free(
    base_url: str,
    phone_number: str,
    *,
    status: str,
    denial_code: int | None = None,
    timeout: float = 5.0,
) -> None:
    """The verification team's verdict on a toll-free number: VERIFIED or DENIED."""
    body: dict[str, Any] = {"status": status}
    if denial_code is not None:
        body["denialCode"] = denial_code
    _decide(base_url, f"tollfree/{phone_number}", body, timeout)
