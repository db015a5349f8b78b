"""How the run talks to what it tests: Parley's API, the emulator's HTTP endpoints (Bandwidth's side
of the story) and Parley's database, read directly (what Parley stored)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import requests

TIMEOUT = 20.0


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    return session


class ParleyApi:
    """Parley's REST API as an integrator uses it, with the tenant's API token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = _session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def send_message(
        self,
        *,
        from_number: str,
        to: str,
        text: str,
        tag: str,
        idempotency_key: str,
        send_at: str | None = None,
    ) -> requests.Response:
        body: dict[str, Any] = {"from": from_number, "to": [to], "text": text, "tag": tag}
        if send_at is not None:
            body["send_at"] = send_at
        return self.session.post(
            f"{self.base_url}/api/v1/messages/",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
            timeout=TIMEOUT,
        )

    def available_numbers(self, area_code: str, quantity: int) -> list[str]:
        response = self.session.get(
            f"{self.base_url}/api/v1/numbers/available/",
            params={"area_code": area_code, "quantity": str(quantity)},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return [offer["number"] for offer in response.json()["results"]]

    def buy_numbers(self, numbers: Sequence[str]) -> None:
        response = self.session.post(
            f"{self.base_url}/api/v1/numbers/",
            json={"numbers": list(numbers)},
            headers={"Idempotency-Key": "chaos-numbers"},
            timeout=TIMEOUT,
        )
        response.raise_for_status()


class EmulatorClient:
    """The emulator's simulation endpoints: inbound texts, faults and its state."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = _session()

    def inbound(self, *, from_number: str, to: str, text: str) -> requests.Response:
        return self.session.post(
            f"{self.base_url}/_sim/messages/inbound",
            json={"from": from_number, "to": to, "text": text},
            timeout=TIMEOUT,
        )

    def add_faults(self, body: dict[str, Any]) -> None:
        self.session.post(f"{self.base_url}/_sim/faults", json=body, timeout=TIMEOUT)

    def clear_faults(self) -> None:
        self.session.delete(f"{self.base_url}/_sim/faults", timeout=TIMEOUT)

    def state(self) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}/_sim/state", timeout=60)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    def answers(self) -> bool:
        return self.session.get(f"{self.base_url}/_sim/faults", timeout=2).status_code == 200


@dataclass(frozen=True)
class OutboundRow:
    tag: str
    status: str
    bandwidth_id: str
    needs_reconciliation: bool
    error_description: str
    dispatch_attempts: int = 0


@dataclass(frozen=True)
class InboundRow:
    bandwidth_id: str
    text: str


class ParleyDatabase:
    """Read-only queries on Parley's tables; a fresh connection each time, so a query after a
    PostgreSQL restart simply works."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, connect_timeout=5, autocommit=True) as conn:
            return list(conn.execute(sql, params).fetchall())

    def outbound(self, tags: Sequence[str]) -> list[OutboundRow]:
        rows = self._rows(
            "SELECT tag, status, bandwidth_id, needs_reconciliation, error_description, "
            "dispatch_attempts FROM messaging_message WHERE direction = 'out' AND tag = ANY(%s)",
            [list(tags)],
        )
        return [OutboundRow(*row) for row in rows]

    def inbound(self, texts: Sequence[str]) -> list[InboundRow]:
        rows = self._rows(
            "SELECT bandwidth_id, text FROM messaging_message "
            "WHERE direction = 'in' AND text = ANY(%s)",
            [list(texts)],
        )
        return [InboundRow(*row) for row in rows]

    def raw_event_outcomes(self) -> dict[str, int]:
        rows = self._rows("SELECT outcome, count(*) FROM messaging_rawevent GROUP BY outcome")
        return {str(outcome): int(count) for outcome, count in rows}

    def provisioning_status(self, tenant_id: str) -> str:
        rows = self._rows(
            "SELECT status FROM numbers_provisioning WHERE tenant_id = %s", [tenant_id]
        )
        return str(rows[0][0]) if rows else ""

    def ready_numbers(self, tenant_id: str) -> list[str]:
        """Active numbers that may text (on the tenant's approved campaign)."""
        rows = self._rows(
            "SELECT number FROM numbers_phonenumber WHERE tenant_id = %s AND status = 'active' "
            "AND messaging_status = 'ready' ORDER BY number",
            [tenant_id],
        )
        return [str(row[0]) for row in rows]

    def active_numbers(self, tenant_id: str) -> list[str]:
        rows = self._rows(
            "SELECT number FROM numbers_phonenumber WHERE tenant_id = %s AND status = 'active' "
            "ORDER BY number",
            [tenant_id],
        )
        return [str(row[0]) for row in rows]
