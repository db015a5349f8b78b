"""Fails fast, naming the service, when PostgreSQL or Redis is unreachable (``make test``)."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis
from psycopg import sql


def main() -> int:
    database_url = os.environ["DATABASE_URL"]
    broker_url = os.environ["CELERY_BROKER_URL"]
    problems = []
    parsed = urlparse(database_url)
    try:
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        ) as conn:
            name = parsed.path.lstrip("/")
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if name and not exists:
                # makemigrations --check reads the migration history from it.
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        problems.append(
            f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432} is unreachable: {exc}"
        )
    if broker_url.startswith("redis"):
        try:
            redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {broker_url} is unreachable: {exc}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Start them (commands in the README) and run make test again.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
