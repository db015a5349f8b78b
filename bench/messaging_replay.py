"""Replays 1,000 inbound messaging webhook events three times each, concurrently, and checks that
exactly 1,000 messages are left.

    PARLEY_ENV=test DATABASE_URL=postgres://… CACHE_URL=redis://… CELERY_BROKER_URL=redis://… \
        PYTHONPATH=. .venv/bin/python -m bench.messaging_replay [--events 1000] [--copies 3]

Parley runs under gunicorn (2 workers x 4 threads) on a database of its own
(``<DATABASE_URL's name>_replay``, created and migrated here, dropped at the end); the deliveries
go over loopback HTTP from 24 client threads, each with the tenant's Basic credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _event(our: str, index: int) -> dict[str, Any]:
    sender = f"+1919555{3000 + index % 100:04d}"
    stamp = "2026-11-23T10:00:00.000Z"
    return {
        "type": "message-received",
        "time": stamp,
        "description": "Incoming message received",
        "to": our,
        "message": {
            "id": f"bench{index:06d}replay",
            "time": stamp,
            "to": [our],
            "from": sender,
            "text": f"Benchmark message {index}",
            "applicationId": "bench-app",
            "owner": our,
            "direction": "in",
            "segmentCount": 1,
        },
    }


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it served")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.messaging_replay")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--clients", type=int, default=24)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("PARLEY_ENV", "test")
    os.environ["DATABASE_POOL"] = "false"
    import django

    django.setup()
    import requests
    from django.conf import settings
    from django.db import connection

    base_name = settings.DATABASES["default"]["NAME"]
    bench_name = f"{base_name}_replay"
    settings.DATABASES["default"]["TEST"]["NAME"] = bench_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    process: subprocess.Popen[bytes] | None = None
    try:
        from numbers.models import PhoneNumber

        from carrier.models import Provisioning
        from carrier.webhook_auth import generate_tenant_credentials
        from messaging.models import Message, RawEvent
        from messaging.services import raw_events_drain
        from tenants.models import Tenant

        tenant = Tenant.objects.create(name="Replay Bench", slug="replay-bench")
        creds = generate_tenant_credentials(tenant.id)
        Provisioning.objects.create(
            tenant=tenant,
            status=Provisioning.Status.READY,
            messaging_application_id="bench-app",
            callback_username=creds.username,
            callback_password_hash=creds.password_hash,
        )
        our = "+19195550100"
        PhoneNumber.objects.create(tenant=tenant, number=our, status=PhoneNumber.Status.ACTIVE)
        connection.close()

        port = _free_port()
        url = settings.DATABASES["default"]
        database_url = (
            f"postgres://{url['USER']}:{url.get('PASSWORD') or ''}@{url['HOST']}:{url['PORT']}/"
            f"{bench_name}"
        ).replace(":@", "@")
        server_env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DATABASE_POOL": "true",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=server_env,
        )
        _wait_for(port, process)

        events = [_event(our, index) for index in range(args.events)]
        deliveries = [event for event in events for _ in range(args.copies)]
        random.Random(11).shuffle(deliveries)
        target = f"http://127.0.0.1:{port}/webhooks/bandwidth/messaging/"
        auth = (creds.username, creds.password)
        session_local: dict[int, requests.Session] = {}

        def deliver(event: dict[str, Any]) -> int:
            import threading

            session = session_local.setdefault(threading.get_ident(), requests.Session())
            response = session.post(
                target,
                data=json.dumps([event]),
                headers={"Content-Type": "application/json"},
                auth=auth,
                timeout=60,
            )
            return response.status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            statuses = list(pool.map(deliver, deliveries))
        elapsed = time.perf_counter() - started
        # The webhook only stores; one drainer (what a worker runs) turns events into messages.
        drain_started = time.perf_counter()
        processed = raw_events_drain()
        processing = time.perf_counter() - drain_started

        messages = Message.objects.filter(tenant=tenant).count()
        raw_events = RawEvent.objects.count()
        ok = sum(1 for status in statuses if 200 <= status < 300)
        figures = {
            "events": args.events,
            "deliveries": len(deliveries),
            "ok_responses": ok,
            "messages_stored": messages,
            "raw_events_stored": raw_events,
            "seconds": round(elapsed, 2),
            "deliveries_per_second": round(len(deliveries) / elapsed, 1),
            "events_processed": processed,
            "processing_seconds": round(processing, 2),
            "exactly_once": messages == args.events and ok == len(deliveries),
        }
        print(json.dumps(figures, indent=2))
        return 0 if figures["exactly_once"] else 1
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        connection.close()
        connection.creation.destroy_test_db(base_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    sys.exit(main())
