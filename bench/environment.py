"""What every scenario runs against: a bench database of its own, the fleet seeded in it, and the
processes (gunicorn, Celery workers, Celery beat and a Bandwidth emulator) on free local ports.

The database is ``<DATABASE_URL's name>_bench`` (created afresh each run). Redis is a private
``redis-server`` on a free port when one is installed (``BENCH_REDIS=private``, the default), so
nobody else's tests can clear the bench's caches or take its tasks, and the bench empties nobody
else's Redis; with ``BENCH_REDIS=external`` the broker and cache are CELERY_BROKER_URL and
CACHE_URL, whose Redis databases are then emptied at the start (a run must not inherit an earlier
run's queue or drain lease). Each process logs to a file under the run's log directory.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from .config import BenchConfig
from .listener import TRIGGER_SQL, StoredListener

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def bench_database_url(database_url: str) -> str:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "parley"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


class BenchEnvironment:
    def __init__(self, config: BenchConfig, log_dir: Path) -> None:
        self.config = config
        self.log_dir = log_dir
        self.database_url = bench_database_url(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley")
        )
        self.web_port, self.emulator_port = free_port(), free_port()
        self.base_url = f"http://{HOST}:{self.web_port}"
        self.emulator_url = f"http://{HOST}:{self.emulator_port}"
        self.env = {
            **os.environ,
            "PARLEY_ENV": "test",
            "DATABASE_URL": self.database_url,
            "DATABASE_POOL": "true",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(ROOT),
            "PUBLIC_BASE_URL": self.base_url,
            "BANDWIDTH_MESSAGING_BASE_URL": f"{self.emulator_url}/api/v2",
            "BANDWIDTH_VOICE_BASE_URL": f"{self.emulator_url}/api/v2",
            "BANDWIDTH_NUMBERS_BASE_URL": f"{self.emulator_url}/api",
            "BANDWIDTH_OAUTH_TOKEN_URL": f"{self.emulator_url}/api/v1/oauth2/token",
            "BANDWIDTH_EMULATOR_URL": self.emulator_url,
            "BANDWIDTH_API_BASE_URL": self.emulator_url,
            # The account allows more than the 20 numbers together: the numbers' own limit binds.
            "MESSAGING_ACCOUNT_SEGMENTS_PER_SECOND": str(self.account_rate),
        }
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.others: dict[str, subprocess.Popen[bytes]] = {}
        self.fleet: list[dict[str, Any]] = []
        self.listener = StoredListener(self.database_url)
        self._conn: psycopg.Connection[Any] | None = None
        self.setup_seconds: dict[str, float] = {}
        self.redis_urls: dict[str, str] = {}

    @property
    def account_rate(self) -> float:
        return max(50.0, 2.5 * self.config.outbound_numbers * self.config.outbound_rate_per_number)

    # --- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> BenchEnvironment:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._timed("redis", self._redis)
            self._timed("database", self._create_database)
            self._timed("migrate", lambda: self.manage("migrate", "--noinput"))
            self._timed("fleet_seed", self._seed_fleet)
            self.listener.start()
            self._start_emulator()
            self._start_web()
            for index in range(self.config.celery_workers):
                self.workers.append(self._start_worker(index))
            self._start_beat()
            self._wait_for(f"{self.base_url}/healthz", "gunicorn")
            self._wait_for(f"{self.emulator_url}/_sim/faults", "the emulator")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        processes = [*self.workers, *(p for n, p in self.others.items() if n != "redis")]
        if self.web is not None:
            processes.append(self.web)
        _stop_all(processes)
        if "redis" in self.others:
            _stop_all([self.others["redis"]])
        self.listener.stop()
        if self._conn is not None:
            self._conn.close()

    def _timed(self, name: str, step: Any) -> None:
        started = time.monotonic()
        step()
        self.setup_seconds[name] = round(time.monotonic() - started, 1)

    def _redis(self) -> None:
        import redis

        if self.config.redis == "private":
            port = free_port()
            server = ["redis-server", "--bind", HOST, "--port", str(port)]
            self.others["redis"] = self._spawn(
                "redis", [*server, "--save", "", "--appendonly", "no"]
            )
            url = f"redis://{HOST}:{port}"
            self.env["CELERY_BROKER_URL"], self.env["CACHE_URL"] = f"{url}/0", f"{url}/1"
            deadline = time.monotonic() + 10
            while True:
                try:
                    redis.Redis.from_url(url).ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        for name in ("CELERY_BROKER_URL", "CACHE_URL"):
            url = self.env.get(name, "")
            if url.startswith("redis://"):
                redis.Redis.from_url(url).flushdb()
        self.redis_urls = {
            "broker": self.env.get("CELERY_BROKER_URL", ""),
            "cache": self.env.get("CACHE_URL", ""),
        }

    def _create_database(self) -> None:
        parts = urlsplit(self.database_url)
        name = parts.path.lstrip("/")
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def _seed_fleet(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body text)")
            conn.execute(TRIGGER_SQL)
        self.fleet = self.django(
            "bench.seeding",
            "fleet",
            "--tenants",
            str(self.config.tenants),
            "--numbers",
            str(self.config.numbers_per_tenant),
        )
        (self.log_dir / "fleet.json").write_text(json.dumps(self.fleet))

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _start_emulator(self) -> None:
        self.others["emulator"] = self._spawn(
            "emulator",
            [
                sys.executable,
                "-m",
                "bench.emulator",
                "--fleet",
                str(self.log_dir / "fleet.json"),
                "--port",
                str(self.emulator_port),
                "--callback-url",
                f"{self.base_url}/webhooks/bandwidth/messaging/",
                "--rate-per-number",
                str(self.config.outbound_rate_per_number),
                "--rate-per-account",
                str(self.account_rate),
            ],
        )

    def _start_web(self) -> None:
        self.web = self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"{HOST}:{self.web_port}",
                "--workers",
                str(self.config.web_workers),
                "--threads",
                str(self.config.web_threads),
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
            ],
        )

    def _start_worker(self, index: int) -> subprocess.Popen[bytes]:
        return self._spawn(
            f"celery-worker-{index}",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-n",
                f"bench{index}@%h",
                "--pool",
                self.config.celery_pool,
                "--concurrency",
                str(self.config.celery_concurrency),
                "--loglevel",
                "WARNING",
            ],
        )

    def _start_beat(self) -> None:
        self.others["beat"] = self._spawn(
            "celery-beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-s",
                str(self.log_dir / "celerybeat-schedule"),
                "--loglevel",
                "WARNING",
            ],
        )

    def _wait_for(self, url: str, what: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")

    # --- Celery workers -------------------------------------------------------------------------

    def set_celery_workers(self, count: int) -> None:
        """Stops the Celery workers and starts ``count`` of them (e.g. a drain with 1 and 2)."""
        _stop_all(self.workers)
        self.workers = [self._start_worker(index) for index in range(count)]
        time.sleep(3)  # let them connect to the broker

    @contextmanager
    def workers_paused(self) -> Iterator[None]:
        """Celery workers stopped (SIGSTOP) inside the block, resumed after it."""
        for process in self.workers:
            _signal_group(process, signal.SIGSTOP)
        try:
            yield
        finally:
            for process in self.workers:
                _signal_group(process, signal.SIGCONT)

    # --- Django and SQL -------------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def django(self, module: str, *args: str) -> Any:
        """Runs ``python -m module args`` in the bench's Django environment; its last line of
        output is JSON, returned parsed."""
        result = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"python -m {module} {args[:1]} failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.database_url, autocommit=True)
        return self._conn.execute(query, params).fetchall()

    def pending_events(self) -> int:
        rows = self.sql("SELECT count(*) FROM messaging_rawevent WHERE outcome = 'pending'")
        return int(rows[0][0])

    def wait_for_drain(self, timeout: float) -> float:
        """Waits until no raw event is pending; returns the seconds it took (or ``timeout``)."""
        started = time.monotonic()
        while self.pending_events():
            if time.monotonic() - started > timeout:
                return timeout
            time.sleep(0.25)
        return time.monotonic() - started

    def emulator_state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.emulator_url}/_sim/state", timeout=30) as response:
            data: dict[str, Any] = json.loads(response.read())
            return data

    # --- memory ---------------------------------------------------------------------------------

    def memory(self) -> dict[str, Any]:
        web = [rss_mb(pid) for pid in children(self.web.pid)] if self.web else []
        workers = []
        for process in self.workers:
            tree = [process.pid, *children(process.pid)]
            workers.append({"processes": [rss_mb(pid) for pid in tree]})
        return {
            "web_workers_mb": web,
            "celery_workers_mb": workers,
            "beat_mb": rss_mb(self.others["beat"].pid) if "beat" in self.others else 0.0,
        }


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        _signal_group(process, signal.SIGCONT)
        _signal_group(process, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=5)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
