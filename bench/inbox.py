"""The inbox's history, seeded in the bench database, and a probe of its pages (inside Django).

    python -m bench.inbox seed --n N        a big tenant with N conversations and 10*N messages
    python -m bench.inbox probe PATH ...    queries of each page, counted and explained

The seed makes a big tenant with N conversations (one contact each) and 10*N messages, plus a
second tenant with a share of that so selectivity is realistic. Rows go in with INSERT ... SELECT
generate_series (no ORM per row); every NOT NULL column is filled, from the model's default when
the seed has nothing better. The messages are bulk-loaded: valid by construction, so without
per-row foreign key triggers, and the table's secondary indexes are dropped and rebuilt from their
own definitions. N = 100,000 gives the 1M messages of the inbox target.

The probe signs in a member of the big tenant (its session cookie is what the load generator
uses) and, once per page, counts its queries, EXPLAIN ANALYZEs them (the plans of the slow ones
are kept) and times the page in-process with Django's test Client, so the SQL share of a page's
time is visible. The scenario itself is ``bench.scenarios.inbox``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from typing import Any

BIG_SLUG, OTHER_SLUG = "inbox-big", "inbox-other"
USERNAME = "inbox-bench-agent"
BIG_NUMBERS = ["+19195550301", "+19195550302", "+19195550303"]
OTHER_NUMBERS = ["+19195550311"]
BUSY_CONVERSATIONS = 5
BUSY_MESSAGES = 2000  # extra messages in each busy conversation
OTHER_SHARE = 0.2  # the second tenant's size relative to the big one
AGENTS = 20  # members of the big tenant, the signed-in one included
MINE = 500  # conversations assigned to the signed-in member
SPAN_DAYS = 365
CHUNK = 250_000  # messages per INSERT statement
TABLES = [
    "messaging_message",
    "messaging_conversation",
    "messaging_conversation_contacts",
    "messaging_contact",
]


# --- inside Django (python -m bench.inbox seed|probe) ---------------------------------------------


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _insert_select(
    cursor: Any, model: Any, exprs: dict[str, str], lo: int, hi: int, table: str = ""
) -> None:
    """INSERT ... SELECT over generate_series(lo, hi) AS g; columns not in ``exprs`` get the
    model default (NOT NULL) or NULL, so a column added to the model does not break the seed."""
    from django.db import connection

    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    fields = model._meta.concrete_fields if model is not None else []
    for field in fields:
        if field.column in exprs:
            continue
        if field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns.append(field.column)
            values.append("now()")
        elif field.has_default() or field.empty_strings_allowed:
            columns.append(field.column)
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            raise RuntimeError(f"bench.inbox has no value for {model.__name__}.{field.name}")
    for column, expr in exprs.items():
        columns.append(column)
        values.append(expr)
    table = table or model._meta.db_table
    quoted = ", ".join(f'"{column}"' for column in columns)
    cursor.execute(
        f"INSERT INTO {table} ({quoted}) "
        f"SELECT {', '.join(values)} FROM generate_series({lo}, {hi}) AS g",
        params,
    )


def _reset() -> None:
    """Removes the rows of an earlier run (raw DELETEs for the big tables, the ORM for the rest)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from tenants.models import Tenant

    tenants = Tenant.objects.filter(slug__in=[BIG_SLUG, OTHER_SLUG])
    ids = [str(pk) for pk in tenants.values_list("pk", flat=True)]
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM messaging_conversation_contacts WHERE conversation_id IN "
                "(SELECT id FROM messaging_conversation WHERE tenant_id = ANY(%s::uuid[]))",
                [ids],
            )
            for table in ("messaging_message", "messaging_conversation", "messaging_contact"):
                cursor.execute(f"DELETE FROM {table} WHERE tenant_id = ANY(%s::uuid[])", [ids])
        Tenant.objects.filter(pk__in=ids).delete()
    get_user_model().objects.filter(username__startswith=USERNAME).delete()


ID_BLOCK = 50_000_000


def _next_id(cursor: Any, table: str) -> int:
    """The first id of a block the seed fills; the sequence moves past the block first, so rows
    that other processes insert meanwhile (the drain task) never collide with it."""
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    base = int(cursor.fetchone()[0]) + 1000
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [base + ID_BLOCK])
    return base


def _seed_tenant(
    cursor: Any,
    *,
    tenant: Any,
    numbers: list[Any],
    memberships: list[Any],
    n: int,
    busy: int,
    t0: str,
    plan: dict[str, Any],
) -> dict[str, Any]:
    """Contacts and conversations of one tenant (the messages go in later, interleaved)."""
    from messaging.models import Contact, Conversation

    tenant_sql = f"{_sql_literal(str(tenant.pk))}::uuid"
    number_ids = "ARRAY[" + ",".join(str(p.pk) for p in numbers) + "]::bigint[]"
    our = "ARRAY[" + ",".join(_sql_literal(p.number) for p in numbers) + "]::text[]"
    k = len(numbers)
    contact_base = _next_id(cursor, "messaging_contact")
    conversation_base = _next_id(cursor, "messaging_conversation")
    reg, step = plan["regular"], plan["step_s"]
    contact_number = "'+1' || (2000000000::bigint + g)::text"
    _insert_select(
        cursor,
        Contact,
        {
            "id": f"{contact_base} + g",
            "tenant_id": tenant_sql,
            "created_at": f"{t0} + make_interval(secs => g * {step})",
            "number": contact_number,
            "name": "CASE WHEN mod(g, 2) = 0 THEN 'Contact ' || g ELSE '' END",
        },
        1,
        n,
    )
    # The last regular message of conversation g is number g + n * floor((reg - g) / n).
    last = f"(g + {n} * floor(({reg} - g)::numeric / {n}))"
    # The signed-in member has MINE conversations spread over the whole history (their "Mine" tab
    # does not grow with the tenant); the other agents share 60% of the rest; the open ones are
    # mostly recent (half of the 5% with the newest messages) plus 2% scattered.
    mine = f"mod(g, {max(1, n // MINE)}) = 0"
    if memberships:
        agents = "ARRAY[" + ",".join(str(m.pk) for m in memberships[1:]) + "]::bigint[]"
        assignee = (
            f"CASE WHEN {mine} THEN {memberships[0].pk} "
            f"WHEN mod(g, 5) < 3 THEN ({agents})[1 + mod(g, {len(memberships) - 1})] END"
        )
    else:
        assignee = "NULL::bigint"
    scrambled = "(g::bigint * 7919)"
    _insert_select(
        cursor,
        Conversation,
        {
            "id": f"{conversation_base} + g",
            "tenant_id": tenant_sql,
            "created_at": f"{t0} + make_interval(secs => g * {step})",
            "phone_number_id": f"({number_ids})[1 + mod(g, {k})]",
            "participants": f"jsonb_build_array({contact_number})",
            "participants_key": contact_number,
            "last_message_at": f"{t0} + make_interval(secs => {last} * {step})",
            "last_message_preview": f"'Message ' || {last} || ' about the order'",
            "unread_count": "CASE WHEN mod(g, 7) = 0 THEN 1 + mod(g, 3) ELSE 0 END",
            "assignee_id": assignee,
            "status": (
                f"CASE WHEN ({last} > {reg - n // 20} AND mod({scrambled}, 2) = 0) "
                f"OR mod({scrambled}, 50) = 0 THEN 'open' ELSE 'closed' END"
            ),
        },
        1,
        n,
    )
    _insert_select(
        cursor,
        None,
        {"conversation_id": f"{conversation_base} + g", "contact_id": f"{contact_base} + g"},
        1,
        n,
        table=Conversation.contacts.through._meta.db_table,
    )
    return {
        "tenant_sql": tenant_sql,
        "our": our,
        "k": k,
        "n": n,
        "busy": busy,
        "conversation_base": conversation_base,
        **plan,
    }


def _seed_messages(cursor: Any, spec: dict[str, Any], lo: int, hi: int, *, busy: bool) -> None:
    """Messages lo..hi of one tenant: regular ones round-robin over its conversations, or the
    extra ones of its busy conversations (the most recent conversations)."""
    from messaging.models import Message

    n, step, t0 = spec["n"], spec["step_s"], spec["t0"]
    if busy:
        conv = f"({n} - mod(g - 1, {spec['busy']}))"
        when = f"{t0} + make_interval(secs => g * {spec['busy_step_s']})"
        id_offset = spec["message_base"] + spec["regular"]
    else:
        conv = f"(mod(g - 1, {n}) + 1)"
        when = f"{t0} + make_interval(secs => g * {step})"
        id_offset = spec["message_base"]
    contact = f"('+1' || (2000000000::bigint + {conv})::text)"
    our = f"({spec['our']})[1 + mod({conv}, {spec['k']})]"
    inbound = "mod(g, 2) = 0"
    _insert_select(
        cursor,
        Message,
        {
            "id": f"{id_offset} + g",
            "tenant_id": spec["tenant_sql"],
            "created_at": when,
            "updated_at": when,
            "conversation_id": f"{spec['conversation_base']} + {conv}",
            "direction": f"CASE WHEN {inbound} THEN 'in' ELSE 'out' END",
            "from_number": f"CASE WHEN {inbound} THEN {contact} ELSE {our} END",
            "to": f"jsonb_build_array(CASE WHEN {inbound} THEN {our} ELSE {contact} END)",
            "text": "'Message ' || g || ' about the order: it ships on Tuesday, thanks!'",
            "status": f"CASE WHEN {inbound} THEN 'received' ELSE 'delivered' END",
            "bandwidth_id": f"'{'b' if busy else 'r'}' || ({id_offset} + g)::text || 'bench'",
            "queued_at": f"CASE WHEN {inbound} THEN NULL ELSE {when} END",
            "sent_at": f"CASE WHEN {inbound} THEN NULL ELSE {when} END",
            "delivered_at": f"CASE WHEN {inbound} THEN NULL ELSE {when} END",
            "received_at": f"CASE WHEN {inbound} THEN {when} END",
        },
        lo,
        hi,
    )


def seed(n: int) -> dict[str, Any]:
    from numbers.models import PhoneNumber

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from tenants.models import Membership, Tenant

    started = time.monotonic()
    _reset()
    reset_s = time.monotonic() - started
    big = Tenant.objects.create(name="Inbox Big Co", slug=BIG_SLUG, number_limit=100)
    other = Tenant.objects.create(name="Inbox Other Co", slug=OTHER_SLUG, number_limit=100)

    def numbers_of(tenant: Tenant, numbers: list[str]) -> list[PhoneNumber]:
        return [
            PhoneNumber.objects.create(
                tenant=tenant, number=e164, status="active", capabilities=["sms", "mms"]
            )
            for e164 in numbers
        ]

    user = get_user_model().objects.create_user(
        username=USERNAME, email="agent@inbox-big.example", password=None
    )
    memberships = [Membership.objects.create(tenant=big, user=user, role=Membership.Role.OWNER)]
    for index in range(2, AGENTS + 1):
        agent = get_user_model().objects.create_user(
            username=f"{USERNAME}-{index}", email=f"agent{index}@inbox-big.example", password=None
        )
        memberships.append(Membership.objects.create(tenant=big, user=agent))
    now = timezone.now()
    t0_dt = now - timedelta(days=SPAN_DAYS)
    t0 = f"{_sql_literal(t0_dt.isoformat())}::timestamptz"
    span_s = SPAN_DAYS * 86400.0

    def plan(total: int, busy: int) -> dict[str, Any]:
        busy_total = busy * BUSY_MESSAGES
        regular = total - busy_total
        return {
            "t0": t0,
            "total": total,
            "regular": regular,
            "busy_total": busy_total,
            "step_s": span_s / regular,
            "busy_step_s": span_s / busy_total if busy_total else 0.0,
        }

    n_other = max(1, int(n * OTHER_SHARE))
    busy = BUSY_CONVERSATIONS if 10 * n > 2 * BUSY_CONVERSATIONS * BUSY_MESSAGES else 0
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        specs = [
            _seed_tenant(
                cursor,
                tenant=big,
                numbers=numbers_of(big, BIG_NUMBERS),
                memberships=memberships,
                n=n,
                busy=busy,
                t0=t0,
                plan=plan(10 * n, busy),
            ),
            _seed_tenant(
                cursor,
                tenant=other,
                numbers=numbers_of(other, OTHER_NUMBERS),
                memberships=[],
                n=n_other,
                busy=0,
                t0=t0,
                plan=plan(10 * n_other, 0),
            ),
        ]
        # Bulk-load the messages: the rows are valid by construction, so no per-row foreign key
        # triggers, and the secondary indexes are built once afterwards (same definitions).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "WHERE i.tablename = 'messaging_message' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        base = _next_id(cursor, "messaging_message")
        for spec in specs:
            spec["message_base"] = base
            base += spec["total"] + 1000
        # Interleave the tenants chunk by chunk, as their traffic would be.
        chunks = max(1, -(-specs[0]["regular"] // CHUNK))
        for index in range(chunks):
            for spec in specs:
                lo = spec["regular"] * index // chunks + 1
                hi = spec["regular"] * (index + 1) // chunks
                if hi >= lo:
                    _seed_messages(cursor, spec, lo, hi, busy=False)
                if spec["busy_total"]:
                    blo = spec["busy_total"] * index // chunks + 1
                    bhi = spec["busy_total"] * (index + 1) // chunks
                    if bhi >= blo:
                        _seed_messages(cursor, spec, blo, bhi, busy=True)
            print(f"inbox seed: chunk {index + 1}/{chunks}", file=sys.stderr, flush=True)
        cursor.execute("SET session_replication_role = origin")
        for name, definition in indexes:
            print(f"inbox seed: building {name}", file=sys.stderr, flush=True)
            cursor.execute(definition)
        busy_ids = [specs[0]["conversation_base"] + n - b for b in range(busy)] or [
            specs[0]["conversation_base"] + n
        ]
        cursor.execute(
            "UPDATE messaging_conversation c SET last_message_at = m.last, unread_count = 0 "
            "FROM (SELECT conversation_id, max(created_at) AS last FROM messaging_message "
            "WHERE conversation_id = ANY(%s) GROUP BY conversation_id) m "
            "WHERE c.id = m.conversation_id",
            [busy_ids],
        )
        for table in ("messaging_contact", "messaging_conversation", "messaging_message"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        insert_s = time.monotonic() - started - reset_s
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        analyze_s = time.monotonic() - started - reset_s - insert_s
        sizes = {}
        for table in TABLES:
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT count(*) FROM messaging_message WHERE conversation_id = %s", [busy_ids[0]]
        )
        busy_count = int(cursor.fetchone()[0])
    return {
        "conversations": n,
        "messages": 10 * n,
        "other_tenant_conversations": n_other,
        "other_tenant_messages": 10 * n_other,
        "busy_conversation_id": busy_ids[0],
        "busy_conversation_messages": busy_count,
        "seconds": {
            "reset": round(reset_s, 1),
            "insert": round(insert_s, 1),
            "vacuum_analyze": round(analyze_s, 1),
        },
        "table_bytes": sizes,
    }


def probe(paths: list[str], explain_over_ms: float) -> dict[str, Any]:
    """Signs the bench member in (a session row; its cookie is returned for the load generator)
    and counts, once per page, the queries it runs; the slowest ones are explained."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username=USERNAME)
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages: dict[str, Any] = {}
    for path in paths:
        client.get(path)  # warm: the counted request is a steady-state one
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        captured_queries = list(captured.captured_queries)
        queries = []
        with connection.cursor() as cursor:
            for query in captured_queries:
                sql = query["sql"]
                entry: dict[str, Any] = {"sql": sql if len(sql) < 400 else sql[:400] + " …"}
                if sql.lstrip().upper().startswith("SELECT"):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                    entry["execution_ms"] = float(plan[-1].split(":")[1].split()[0])
                    if entry["execution_ms"] >= explain_over_ms:
                        entry["plan"] = plan
                queries.append(entry)
        queries.sort(key=lambda q: -q.get("execution_ms", 0.0))
        timings, cpu = [], []
        for _ in range(10):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        pages[path] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "queries": len(captured_queries),
            "sql_ms_total": round(sum(q.get("execution_ms", 0.0) for q in queries), 2),
            "in_process_ms_median": round(sorted(timings)[len(timings) // 2], 2),
            # CPU time of the Django process alone: steadier than wall time on a busy machine.
            "in_process_cpu_ms_median": round(sorted(cpu)[len(cpu) // 2], 2),
            "slowest": queries[:3],
        }
    return {"cookie": cookie, "pages": pages}


def _django_main() -> int:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.inbox")
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed")
    seeding.add_argument("--n", type=int, required=True)
    probing = sub.add_parser("probe")
    probing.add_argument("--explain-over-ms", type=float, default=1.0)
    probing.add_argument("paths", nargs="+")
    args = parser.parse_args()
    result = seed(args.n) if args.command == "seed" else probe(args.paths, args.explain_over_ms)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_django_main())
