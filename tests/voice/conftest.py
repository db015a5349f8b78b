"""Voice test helpers: routes on the shared ``line``, the emulator's caller, and call polling."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
import requests

from bandwidth.emulator.app import RunningEmulator
from voice import services
from voice.models import Call

from ..conftest import Line, wait_until

CALLER = "+19195557000"
AGENT = "+19195550111"
AGENT_2 = "+19195550112"
AGENT_3 = "+19195550113"
BUSY = "+19195550486"
NO_ANSWER = "+19195550487"
ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
NEVER_OPEN: dict[str, list[list[str]]] = {
    day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def route(action: dict[str, Any], **extra: Any) -> dict[str, Any]:
    greeting = {"kind": "speak", "text": "Thanks for calling Acme."}
    return {"greeting": greeting, "action": action, **extra}


@pytest.fixture
def set_route() -> Callable[..., Any]:
    def save(line: Line, config: dict[str, Any]) -> Any:
        return services.call_route_save(tenant=line.tenant, phone_number=line.number, config=config)

    return save


class Caller:
    """The far end of an inbound call, played through the emulator's /_sim/ endpoints."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.url = emulator.url

    def call(self, to: str, *, digits: str = "", speech: str = "", from_: str = CALLER) -> str:
        body: dict[str, Any] = {"from": from_, "to": to}
        if digits:
            body["digits"] = digits
        if speech:
            body["speech"] = speech
        response = requests.post(f"{self.url}/_sim/calls", json=body, timeout=5)
        assert response.status_code == 201, response.text
        return str(response.json()["callId"])

    def view(self, call_id: str) -> dict[str, Any]:
        return dict(requests.get(f"{self.url}/_sim/calls/{call_id}", timeout=5).json())

    def events(self, call_id: str) -> list[tuple[str, str]]:
        return [(e["kind"], e["detail"]) for e in self.view(call_id)["events"]]

    def all_calls(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.url}/_sim/calls", timeout=5).json())


@pytest.fixture
def caller(bandwidth: RunningEmulator) -> Caller:
    return Caller(bandwidth)


def finished_call(bandwidth_call_id: str, timeout: float = 20.0) -> Call:
    """Waits until Parley has the call with that id and it has ended."""

    def done() -> Call | None:
        call = Call.objects.filter(bandwidth_call_id=bandwidth_call_id).first()
        return call if call is not None and call.is_final else None

    result: Call = wait_until(done, timeout=timeout)
    return result


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
