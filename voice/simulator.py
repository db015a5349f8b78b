"""The route editor's "try it": a simulated inbound call placed on the local Bandwidth emulator.

Only in development (``make run``) and tests, where BANDWIDTH_EMULATOR_URL names the emulator.
Its ``/_sim/`` endpoints are not Bandwidth's API, so this is not a Bandwidth client call.
"""

from __future__ import annotations

from django.conf import settings

from bandwidth.client.emulator_sim import SimulatorError
from bandwidth.client.emulator_sim import start_inbound_call as sim_start_inbound_call
from tenants.errors import ParleyError

TRY_CALLER = "+15550100999"


def emulator_url() -> str:
    return str(settings.BANDWIDTH_EMULATOR_URL).rstrip("/")


def available() -> bool:
    return bool(emulator_url())


def start_inbound_call(*, to: str, digits: str = "", speech: str = "") -> str:
    """Ring ``to`` from a test caller; digits and speech are what the caller will press and say."""
    base = emulator_url()
    if not base:
        raise ParleyError("Trying a route needs the local emulator (make run).", code="no_emulator")
    try:
        return sim_start_inbound_call(base, from_=TRY_CALLER, to=to, digits=digits, speech=speech)
    except SimulatorError as exc:
        raise ParleyError(str(exc), code="emulator") from None
