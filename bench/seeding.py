"""Seeding the bench database, run inside Django (``python -m bench.seeding COMMAND``).

- ``fleet``: tenants with their numbers, ready as if provisioned (bulk inserts: no provisioning
  runs, nothing is sent to Bandwidth), each with its own webhook credentials; prints them.
- ``tokens``: API tokens of one tenant (the service, so they are hashed as in production).
- ``outbound``: queued outbound messages through ``message_send`` (every check a real send goes
  through), round-robin over the given numbers, committed at once so that every dispatch task is
  published together.
- ``broadcast``: a CSV of contacts imported through the import service (some of them opted out),
  then one broadcast to that list from the given numbers, through ``broadcast_create``.

The inbox's history (1M messages) is seeded by ``bench.inbox``. Each command prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FleetTenant:
    id: str
    slug: str
    username: str
    password: str
    numbers: list[str]
    messaging_application_id: str
    voice_application_id: str


def fleet_number(tenant: int, number: int, per_tenant: int) -> str:
    return f"+1919{2_000_000 + tenant * per_tenant + number:07d}"


def sender_number(number_index: int, sender: int, senders_per_number: int) -> str:
    return f"+1984{number_index * senders_per_number + sender:07d}"


# Exchange 200 and up (valid NANP numbers), starting at line 0200: the emulator reserves lines
# 0100 to 0103 for landlines, deactivated and VoIP numbers, which Parley would not text.
FIRST_LINE = 2_000_200


def recipient_number(index: int) -> str:
    return f"+1985{FIRST_LINE + index:07d}"


def seed_fleet(tenants: int, per_tenant: int) -> list[FleetTenant]:
    from numbers.models import PhoneNumber

    from django.db import transaction

    from carrier.models import Provisioning
    from carrier.webhook_auth import generate_tenant_credentials
    from tenants.models import Tenant

    rows = [
        Tenant(
            id=uuid.uuid4(),
            name=f"Bench Tenant {t:03d}",
            slug=f"bench-{t:03d}",
            number_limit=max(10, per_tenant),
        )
        for t in range(tenants)
    ]
    fleet: list[FleetTenant] = []
    provisionings: list[Provisioning] = []
    numbers: list[PhoneNumber] = []
    for t, tenant in enumerate(rows):
        creds = generate_tenant_credentials(tenant.id)
        messaging_app, voice_app = f"bench-m-{t:03d}", f"bench-v-{t:03d}"
        provisionings.append(
            Provisioning(
                tenant=tenant,
                status=Provisioning.Status.READY,
                site_id=f"site-{t:03d}",
                peer_id=f"peer-{t:03d}",
                messaging_application_id=messaging_app,
                voice_application_id=voice_app,
                callback_username=creds.username,
                callback_password_hash=creds.password_hash,
            )
        )
        own = [fleet_number(t, n, per_tenant) for n in range(per_tenant)]
        numbers.extend(
            PhoneNumber(
                tenant=tenant,
                number=e164,
                status=PhoneNumber.Status.ACTIVE,
                capabilities=["sms", "mms", "voice"],
                site_id=f"site-{t:03d}",
                peer_id=f"peer-{t:03d}",
                # bench/emulator.py registers every fleet number (campaign or verification).
                messaging_status=PhoneNumber.MessagingStatus.READY,
            )
            for e164 in own
        )
        fleet.append(
            FleetTenant(
                id=str(tenant.id),
                slug=tenant.slug,
                username=creds.username,
                password=creds.password,
                numbers=own,
                messaging_application_id=messaging_app,
                voice_application_id=voice_app,
            )
        )
    with transaction.atomic():
        Tenant.objects.bulk_create(rows)
        Provisioning.objects.bulk_create(provisionings)
        PhoneNumber.objects.bulk_create(numbers, batch_size=1000)
    return fleet


def seed_tokens(slug: str, count: int) -> list[str]:
    from tenants.models import ApiToken, Tenant
    from tenants.services import api_token_create

    tenant = Tenant.objects.get(slug=slug)
    tokens = []
    for index in range(count):
        _token, plaintext = api_token_create(
            tenant=tenant, name=f"bench client {index + 1}", scopes=[ApiToken.Scope.READ]
        )
        tokens.append(plaintext)
    return tokens


def seed_outbound(label: str, per_number: int, numbers: list[str]) -> dict[str, Any]:
    from numbers.models import PhoneNumber

    from django.db import transaction

    from messaging.services import message_send

    owners = {
        p.number: p.tenant
        for p in PhoneNumber.objects.filter(number__in=numbers).select_related("tenant")
    }
    started = time.time()
    total = per_number * len(numbers)
    marks: dict[str, float] = {}
    with transaction.atomic():
        # The first on-commit callback: it runs before the dispatch tasks are published.
        transaction.on_commit(lambda: marks.setdefault("committed_at", time.time()))
        for k in range(total):
            number = numbers[k % len(numbers)]
            message_send(
                tenant=owners[number],
                from_number=number,
                to=[recipient_number(k % 5000)],
                text=f"Bench outbound {label} #{k}: your order ships on Tuesday.",
                tag=f"bench-{label}-{k}",
            )
    return {
        "messages": total,
        "started_at": started,
        "committed_at": marks["committed_at"],
        "published_at": time.time(),
    }


def broadcast_recipient(index: int) -> str:
    return f"+1986{FIRST_LINE + index:07d}"


def seed_broadcast(
    label: str, first: int, contacts: int, opted_out_every: int, numbers: list[str]
) -> dict[str, Any]:
    from numbers.models import PhoneNumber

    from messaging.services import (
        broadcast_create,
        contact_import_preview,
        contact_import_run,
        contact_import_start,
        contact_opt_out,
    )

    tenant = PhoneNumber.objects.select_related("tenant").get(number=numbers[0]).tenant
    lines = ["number,name"] + [
        f"{broadcast_recipient(first + i)},Bench {label} {i}" for i in range(contacts)
    ]
    contact_import, _ = contact_import_preview(
        tenant=tenant, filename=f"{label}.csv", data="\n".join(lines).encode(), duplicates="skip"
    )
    if not contact_import_start(contact_import=contact_import):
        contact_import_run(import_id=contact_import.pk)
    opted_out = [broadcast_recipient(first + i) for i in range(0, contacts, opted_out_every)]
    for number in opted_out:
        contact_opt_out(tenant=tenant, number=number, source="api")
    contact_import.refresh_from_db()
    started = time.time()
    broadcast = broadcast_create(
        tenant=tenant,
        name=f"Bench {label}",
        text=f"Bench broadcast {label}: our spring sale starts today.",
        from_numbers=numbers,
        contact_import=contact_import,
    ).broadcast
    return {
        "broadcast": broadcast.pk,
        "recipients": broadcast.recipient_count,
        "skipped_opted_out": broadcast.skipped_opted_out,
        "opted_out": len(opted_out),
        "started_at": started,
        "created_at": time.time(),
    }


def _main() -> int:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.seeding")
    sub = parser.add_subparsers(dest="command", required=True)
    fleet = sub.add_parser("fleet")
    fleet.add_argument("--tenants", type=int, required=True)
    fleet.add_argument("--numbers", type=int, required=True)
    tokens = sub.add_parser("tokens")
    tokens.add_argument("--slug", required=True)
    tokens.add_argument("--count", type=int, required=True)
    outbound = sub.add_parser("outbound")
    outbound.add_argument("--label", required=True)
    outbound.add_argument("--per-number", type=int, required=True)
    outbound.add_argument("numbers", nargs="+")
    broadcast = sub.add_parser("broadcast")
    broadcast.add_argument("--label", required=True)
    broadcast.add_argument("--first", type=int, required=True)
    broadcast.add_argument("--contacts", type=int, required=True)
    broadcast.add_argument("--opted-out-every", type=int, required=True)
    broadcast.add_argument("numbers", nargs="+")
    args = parser.parse_args()
    result: Any
    if args.command == "fleet":
        result = [asdict(t) for t in seed_fleet(args.tenants, args.numbers)]
    elif args.command == "tokens":
        result = seed_tokens(args.slug, args.count)
    elif args.command == "broadcast":
        result = seed_broadcast(
            args.label, args.first, args.contacts, args.opted_out_every, args.numbers
        )
    else:
        result = seed_outbound(args.label, args.per_number, args.numbers)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
