"""The producer of scenario (h), run inside Django (``python -m bench.outgoing COMMAND``).

- ``endpoints``: webhook endpoints for the given tenants, all pointing at the bench's receiver and
  listening for ``contact.opted_out`` (made through the service, secrets and all).
- ``events``: contacts opted out through ``contact_opt_out`` (the domain change, whose transaction
  writes the outbox row), round-robin over the tenants, ``--rate`` a second (0: as fast as one
  process goes). Each command prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def endpoints(url: str, tenant_ids: list[str], per_tenant: int) -> list[int]:
    from integrations import services
    from tenants.models import Tenant

    made = []
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        for _ in range(per_tenant):
            endpoint, _secret = services.webhook_endpoint_create(
                tenant=tenant, url=url, event_types=["contact.opted_out"]
            )
            made.append(endpoint.pk)
    return made


def outgoing_number(exchange: int, index: int) -> str:
    return f"+1919{exchange:03d}{index:04d}"


def events(tenant_ids: list[str], exchange: int, count: int, rate: float) -> dict[str, Any]:
    from messaging.services import contact_opt_out
    from tenants.models import Tenant

    tenants = list(Tenant.objects.filter(pk__in=tenant_ids).order_by("pk"))
    started = time.time()
    for index in range(count):
        if rate > 0:
            due = started + index / rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
        contact_opt_out(
            tenant=tenants[index % len(tenants)],
            number=outgoing_number(exchange, index),
            source="api",
        )
    return {"recorded": count, "started": started, "ended": time.time()}


def _main() -> int:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.outgoing")
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("endpoints")
    made.add_argument("--url", required=True)
    made.add_argument("--per-tenant", type=int, required=True)
    made.add_argument("tenants", nargs="+")
    recorded = sub.add_parser("events")
    recorded.add_argument("--exchange", type=int, required=True)
    recorded.add_argument("--count", type=int, required=True)
    recorded.add_argument("--rate", type=float, required=True)
    recorded.add_argument("tenants", nargs="+")
    args = parser.parse_args()
    result: Any
    if args.command == "endpoints":
        result = endpoints(args.url, args.tenants, args.per_tenant)
    else:
        result = events(args.tenants, args.exchange, args.count, args.rate)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
