"""Seed and probe for scenario (j), the notifications poll.

    python -m bench.poll seed --tenants 100 --events 200
    python -m bench.poll probe

``seed`` makes ``tenants`` tenants with one member each and ``events`` notification events per
tenant (so the index has other tenants' rows around each tenant's newest); ``probe`` signs the
first tenant's member in and returns the session cookie, the current ETag and cursor, and the
queries a 304 poll runs (with the plan of the poll's own one).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

USERNAME = "poll-bench-member"
SLUG = "poll-bench"


def seed(tenants: int, events: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from notifications.models import Event
    from tenants.models import Membership, Tenant

    Tenant.objects.filter(slug__startswith=SLUG).delete()
    get_user_model().objects.filter(username__startswith=USERNAME).delete()
    made = []
    for index in range(tenants):
        tenant = Tenant.objects.create(name=f"Poll bench {index}", slug=f"{SLUG}-{index}")
        user = get_user_model().objects.create_user(
            username=f"{USERNAME}-{index}", email=f"poll{index}@bench.example", password=None
        )
        Membership.objects.create(tenant=tenant, user=user, role=Membership.Role.OWNER)
        made.append(tenant)
    rows = [
        Event(tenant=made[i % tenants], kind=Event.Kind.TEXT, source_id=10_000_000 + i)
        for i in range(tenants * events)
    ]
    Event.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_event")
    return {"tenants": tenants, "events": len(rows)}


def probe() -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username=f"{USERNAME}-0")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    first = client.get("/notifications/poll/")
    etag, cursor = first["ETag"], first.json()["cursor"]
    path = f"/notifications/poll/?after={cursor}"
    with CaptureQueriesContext(connection) as captured:
        unchanged = client.get(path, HTTP_IF_NONE_MATCH=etag)
    own = [q["sql"] for q in captured.captured_queries if "notifications_event" in q["sql"]]
    plan: list[str] = []
    if own:
        with connection.cursor() as db:
            db.execute("EXPLAIN (ANALYZE, BUFFERS) " + own[0])
            plan = [row[0] for row in db.fetchall()]
    return {
        "cookie": cookie,
        "etag": etag,
        "path": path,
        "status": unchanged.status_code,
        "queries": len(captured.captured_queries),
        "poll_queries": len(own),
        "poll_plan": plan,
    }


def _django_main() -> int:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.poll")
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed")
    seeding.add_argument("--tenants", type=int, default=100)
    seeding.add_argument("--events", type=int, default=200)
    sub.add_parser("probe")
    args = parser.parse_args()
    result = seed(args.tenants, args.events) if args.command == "seed" else probe()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_django_main())
