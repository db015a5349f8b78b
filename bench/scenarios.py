"""The benchmark scenarios and the environment they share (database, gunicorn, Celery worker)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from . import drain, inbox, load

ROOT = Path(__file__).resolve().parents[1]
OUR_NUMBER = "+19195550123"
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8799"))


def _bench_database_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley"))
    name = parts.path.lstrip("/") or "parley"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


class BenchEnvironment:
    """A migrated bench database with one tenant and number, gunicorn and a Celery worker."""

    def __init__(self) -> None:
        self.database_url = _bench_database_url()
        self.env = {
            **os.environ,
            "PARLEY_ENV": "test",
            "DATABASE_URL": self.database_url,
            "DATABASE_POOL": "true",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(ROOT),
            "PUBLIC_BASE_URL": f"http://{HOST}:{PORT}",
            # Nothing is sent to Bandwidth here; a closed port makes any attempt fail fast.
            "BANDWIDTH_MESSAGING_BASE_URL": "http://127.0.0.1:9/api/v2",
            "BANDWIDTH_VOICE_BASE_URL": "http://127.0.0.1:9/api/v2",
            "BANDWIDTH_NUMBERS_BASE_URL": "http://127.0.0.1:9/api",
            "BANDWIDTH_OAUTH_TOKEN_URL": "http://127.0.0.1:9/api/v1/oauth2/token",
        }
        self.base_url = f"http://{HOST}:{PORT}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.authorization = ""

    def __enter__(self) -> BenchEnvironment:
        self._create_database()
        self._manage("migrate", "--noinput")
        self.authorization = self._seed()
        self.processes["web"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"{HOST}:{PORT}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        self.processes["worker"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=self.env,
        )
        self._wait_for_web()
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def _create_database(self) -> None:
        parts = urlsplit(self.database_url)
        name = parts.path.lstrip("/")
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body text)")

    def _manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def _seed(self) -> str:
        """Creates the tenant, its callback credentials and number; returns the Basic header."""
        script = (
            "import json\n"
            "from numbers.models import PhoneNumber\n"
            "from carrier.models import Provisioning\n"
            "from carrier.webhook_auth import generate_tenant_credentials\n"
            "from tenants.models import Tenant\n"
            "tenant = Tenant.objects.create(name='Bench Co', slug='bench')\n"
            "creds = generate_tenant_credentials(tenant.id)\n"
            "Provisioning.objects.create(tenant=tenant, status='ready', site_id='1', peer_id='1',"
            " messaging_application_id='app-m', voice_application_id='app-v',"
            " callback_username=creds.username, callback_password_hash=creds.password_hash)\n"
            f"PhoneNumber.objects.create(tenant=tenant, number='{OUR_NUMBER}', status='active',"
            " capabilities=['sms', 'mms', 'voice'])\n"
            "print(json.dumps([creds.username, creds.password]))\n"
        )
        username, password = json.loads(
            self._manage("shell", "-c", script).strip().splitlines()[-1]
        )
        return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def _wait_for_web(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def memory(self) -> dict[str, float]:
        web = self.processes["web"].pid
        worker = self.processes["worker"].pid
        web_workers = _children(web)
        return {
            "web_worker_rss_mb_max": max((_rss_mb(pid) for pid in web_workers), default=0.0),
            "celery_worker_rss_mb": _rss_mb(worker) + sum(_rss_mb(p) for p in _children(worker)),
        }


def _inbound_message(index: int, authorization: str) -> tuple[str, str, bytes, dict[str, str]]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    message_id = f"{int(time.time() * 1000)}bench{index:09d}"
    body = [
        {
            "type": "message-received",
            "time": now,
            "description": "Incoming message received",
            "to": OUR_NUMBER,
            "message": {
                "id": message_id,
                "owner": OUR_NUMBER,
                "applicationId": "app-m",
                "time": now,
                "segmentCount": 1,
                "direction": "in",
                "to": [OUR_NUMBER],
                "from": f"+1984555{index % 10000:04d}",
                "text": f"Benchmark message {index}",
            },
        }
    ]
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    return "POST", "/webhooks/bandwidth/messaging/", json.dumps(body).encode(), headers


def _bare_insert(index: int) -> tuple[str, str, bytes, dict[str, str]]:
    method, _, body, headers = _inbound_message(index, "")
    return method, "/bench/bare-insert/", body, headers


def messaging_webhook(env: BenchEnvironment, duration: float) -> dict[str, Any]:
    """Inbound messaging webhook vs a bare Django view doing one INSERT; p99 at 300 req/s."""
    offset = 10**6

    def inbound(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        return _inbound_message(i, env.authorization)

    def inbound_paced(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        return _inbound_message(offset + i, env.authorization)

    load.run(env.base_url, _bare_insert, concurrency=8, duration=2)  # warm up both paths
    load.run(env.base_url, inbound, concurrency=8, duration=2)
    baseline = load.run(env.base_url, _bare_insert, concurrency=16, duration=duration)
    webhook = load.run(env.base_url, inbound, concurrency=16, duration=duration)
    paced = load.run(env.base_url, inbound_paced, concurrency=32, duration=duration, rate=300)
    ratio = webhook.throughput / baseline.throughput if baseline.throughput else 0.0
    return {
        "bare_insert_view": baseline.summary(),
        "inbound_webhook_max": webhook.summary(),
        "throughput_ratio": round(ratio, 3),
        "target_ratio": 0.6,
        "inbound_webhook_at_300_rps": paced.summary(),
        "target_p99_ms_at_300_rps": 150,
    }


def _initiate(index: int, authorization: str) -> tuple[str, str, bytes, dict[str, str]]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    body = {
        "eventType": "initiate",
        "eventTime": now,
        "accountId": "9900000",
        "applicationId": "app-v",
        "from": f"+1984555{index % 10000:04d}",
        "to": OUR_NUMBER,
        "direction": "inbound",
        "callId": f"c-bench-{index:012d}",
        "callUrl": f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/c-bench-{index:012d}",
        "startTime": now,
    }
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    return "POST", "/webhooks/bandwidth/voice/", json.dumps(body).encode(), headers


def voice_webhook(env: BenchEnvironment, duration: float) -> dict[str, Any]:
    """initiate → BXML at a paced 100 req/s."""

    def initiate(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        return _initiate(i, env.authorization)

    load.run(
        env.base_url, lambda i: _initiate(10**7 + i, env.authorization), concurrency=4, duration=2
    )
    paced = load.run(env.base_url, initiate, concurrency=16, duration=duration, rate=100)
    return {"initiate_at_100_rps": paced.summary(), "target_p99_ms": 50}


def memory(env: BenchEnvironment, duration: float) -> dict[str, Any]:
    """Resident memory after the load above (targets: web 150 MB, Celery worker 200 MB)."""
    time.sleep(min(duration, 5))
    return {**env.memory(), "target_web_mb": 150, "target_celery_mb": 200}


# The inbox runs first, before the webhook load leaves the drain task busy in the background.
ALL: dict[str, Callable[[BenchEnvironment, float], dict[str, Any]]] = {
    "inbox": inbox.inbox,
    "messaging_webhook": messaging_webhook,
    "voice_webhook": voice_webhook,
    "memory": memory,
    "messaging_drain": drain.messaging_drain,
}
