"""What a scenario returns, and the traffic every scenario shares (spread over the fleet)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import load
from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..load import Request, RequestFactory
from ..machine import loadavg
from ..rounds import Figure
from ..seeding import sender_number

__all__ = ["Fleet", "Outcome", "Scenario", "loadavg"]


@dataclass
class Outcome:
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


Scenario = Callable[[BenchEnvironment, BenchConfig], Outcome]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


@dataclass(frozen=True)
class Line:
    """One of our numbers, with its tenant's Basic header."""

    index: int
    number: str
    authorization: str
    messaging_application_id: str
    voice_application_id: str


class Fleet:
    """The seeded tenants' numbers. Request ``i`` goes to tenant ``i % tenants``, so consecutive
    requests cross tenants and every number gets its share."""

    def __init__(self, tenants: list[dict[str, Any]], senders_per_number: int) -> None:
        self.senders = senders_per_number
        self.tenants = len(tenants)
        self.per_tenant = len(tenants[0]["numbers"]) if tenants else 0
        self.lines: list[Line] = []
        for tenant in tenants:
            basic = base64.b64encode(f"{tenant['username']}:{tenant['password']}".encode())
            for number in tenant["numbers"]:
                self.lines.append(
                    Line(
                        index=len(self.lines),
                        number=number,
                        authorization=f"Basic {basic.decode()}",
                        messaging_application_id=tenant["messaging_application_id"],
                        voice_application_id=tenant["voice_application_id"],
                    )
                )

    def line(self, index: int) -> Line:
        tenant = index % self.tenants
        number = (index // self.tenants) % self.per_tenant
        return self.lines[tenant * self.per_tenant + number]

    def sender(self, index: int, line: Line) -> str:
        turn = index // len(self.lines)
        return sender_number(line.index, turn % self.senders, self.senders)


def warm_up(
    env: BenchEnvironment, make: RequestFactory, fleet: Fleet, rate: float = 300.0
) -> dict[str, object]:
    """One request per number of the fleet (not measured), so that no round meets a cold route
    or credentials cache that production would have warm."""
    count = len(fleet.lines)
    return load.paced(
        env.base_url, make, rate=rate, duration=count / rate, connections=16
    ).summary()


def message_id(label: str, index: int) -> str:
    return f"bench-{label}-{index:08d}"


def inbound_message(fleet: Fleet, label: str, index: int) -> Request:
    """One ``message-received`` callback, as Bandwidth sends it (an array of one event)."""
    line = fleet.line(index)
    now = _now()
    body = [
        {
            "type": "message-received",
            "time": now,
            "description": "Incoming message received",
            "to": line.number,
            "message": {
                "id": message_id(label, index),
                "owner": line.number,
                "applicationId": line.messaging_application_id,
                "time": now,
                "segmentCount": 1,
                "direction": "in",
                "to": [line.number],
                "from": fleet.sender(index, line),
                "text": f"Hi, is my order {index} shipping this week?",
            },
        }
    ]
    headers = {"Content-Type": "application/json", "Authorization": line.authorization}
    return Request("POST", "/webhooks/bandwidth/messaging/", json.dumps(body).encode(), headers)


def bare_insert(fleet: Fleet, label: str, index: int) -> Request:
    """The same body to the baseline view (one INSERT of the body, no authentication)."""
    request = inbound_message(fleet, label, index)
    headers = {"Content-Type": "application/json"}
    return Request("POST", "/bench/bare-insert/", request.body, headers)


def initiate(fleet: Fleet, label: str, index: int) -> Request:
    line = fleet.line(index)
    now = _now()
    call_id = f"c-bench-{label}-{index:09d}"
    body = {
        "eventType": "initiate",
        "eventTime": now,
        "accountId": "9900000",
        "applicationId": line.voice_application_id,
        "from": fleet.sender(index, line),
        "to": line.number,
        "direction": "inbound",
        "callId": call_id,
        "callUrl": f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/{call_id}",
        "startTime": now,
    }
    headers = {"Content-Type": "application/json", "Authorization": line.authorization}
    return Request("POST", "/webhooks/bandwidth/voice/", json.dumps(body).encode(), headers)
