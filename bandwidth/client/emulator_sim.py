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
