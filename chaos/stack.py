"""Parley as production runs it, on one machine: its own PostgreSQL and Redis, the emulator in
Bandwidth's place, gunicorn, two Celery workers and Celery beat; and a tenant with numbers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import requests

from .clients import EmulatorClient, ParleyApi, ParleyDatabase
from .servers import PostgresServer, RedisServer, free_port
from .settings import ChaosSettings, parley_timings
from .supervisor import ProcessSpec, Supervisor

ROOT = Path(__file__).resolve().parents[1]
LOG_COPY = ROOT / "var" / "chaos-logs"
WORKERS = ("worker-a", "worker-b")
AREA_CODE = "919"


@dataclass(frozen=True)
class ChaosTenant:
    tenant_id: str
    api_token: str
    numbers: tuple[str, ...]


class Stack:
    def __init__(self, settings: ChaosSettings) -> None:
        self.settings = settings
        self.workdir = Path(tempfile.mkdtemp(prefix="parley-chaos-"))
        # PostgreSQL runs as its own user: it must be able to reach its directory in here.
        self.workdir.chmod(0o711)
        self.supervisor = Supervisor(self.workdir)
        self.postgres = PostgresServer(self.workdir / "postgres", free_port())
        self.redis = RedisServer(self.workdir / "redis", free_port())
        self.web_port = free_port()
        self.emulator_port = free_port()
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.emulator_url = f"http://127.0.0.1:{self.emulator_port}"
        self.database_url = self.postgres.url("parley_chaos")
        self.emulator = EmulatorClient(self.emulator_url)
        self.database = ParleyDatabase(self.database_url)
        self.env = self._parley_env()
        self.tenant: ChaosTenant | None = None
        self._api: ParleyApi | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _start(self) -> None:
        self.postgres.initdb()
        self.supervisor.start(self.postgres.spec(self.workdir))
        self.postgres.create_database("parley_chaos")
        self.supervisor.start(self.redis.spec(self.workdir))
        self.manage("migrate", "--noinput")
        self.supervisor.start(self.emulator_spec())
        self.supervisor.start(self.web_spec())
        for name in WORKERS:
            self.supervisor.start(self.worker_spec(name))
        self.supervisor.start(self.beat_spec("beat-1"))
        self.tenant = self._seed_tenant()

    def close(self) -> None:
        """Stops every process this run started and removes its directory, keeping a copy of
        the logs in var/chaos-logs/."""
        self.supervisor.stop_all()
        try:
            shutil.rmtree(LOG_COPY, ignore_errors=True)
            LOG_COPY.mkdir(parents=True, exist_ok=True)
            for log in self.workdir.glob("*.log"):
                shutil.copy(log, LOG_COPY / log.name)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- processes ------------------------------------------------------------------------

    def _parley_env(self) -> dict[str, str]:
        emulator = self.emulator_url
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PARLEY_ENV": "test",
            "DATABASE_URL": self.database_url,
            "DATABASE_POOL": "true",
            "CELERY_BROKER_URL": self.redis.url(0),
            "CACHE_URL": self.redis.url(1),
            "PUBLIC_BASE_URL": self.web_url,
            "MEDIA_ROOT": str(self.workdir / "media"),
            "LOG_LEVEL": "INFO",
            "BANDWIDTH_MESSAGING_BASE_URL": f"{emulator}/api/v2",
            "BANDWIDTH_VOICE_BASE_URL": f"{emulator}/api/v2",
            "BANDWIDTH_NUMBERS_BASE_URL": f"{emulator}/api",
            "BANDWIDTH_OAUTH_TOKEN_URL": f"{emulator}/api/v1/oauth2/token",
            "BANDWIDTH_EMULATOR_URL": emulator,
            "BANDWIDTH_API_BASE_URL": emulator,
            **parley_timings(),
        }

    def _python(self, name: str, *args: str) -> ProcessSpec:
        return ProcessSpec(name=name, argv=[sys.executable, *args], env=self.env, cwd=ROOT)

    def emulator_spec(self) -> ProcessSpec:
        spec = self._python(
            "emulator",
            "-m",
            "bandwidth.emulator",
            "--port",
            str(self.emulator_port),
            "--state-file",
            str(self.workdir / "emulator-state.json"),
            "--order-complete-delay",
            "1",
            "--callback-retry-scale",
            f"{self.settings.callback_retry_scale:g}",
            "--callback-workers",
            "8",
        )
        spec.ready = self.emulator.answers
        return spec

    def web_spec(self) -> ProcessSpec:
        spec = self._python(
            "web",
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.web_port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        )
        spec.ready = self._web_healthy
        return spec

    def _web_healthy(self) -> bool:
        return requests.get(f"{self.web_url}/healthz", timeout=2).status_code == 200

    def worker_spec(self, name: str) -> ProcessSpec:
        return self._python(
            name,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--hostname",
            f"{name}@chaos",
            "--concurrency",
            "4",
            "--loglevel",
            "INFO",
        )

    def beat_spec(self, name: str) -> ProcessSpec:
        return self._python(
            name,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--schedule",
            str(self.workdir / f"{name}-schedule"),
            "--loglevel",
            "INFO",
        )

    def start(self, name: str) -> None:
        specs = {"emulator": self.emulator_spec, "web": self.web_spec}
        if name in specs:
            spec = specs[name]()
        elif name.startswith("worker"):
            spec = self.worker_spec(name)
        elif name.startswith("beat"):
            spec = self.beat_spec(name)
        elif name == "postgres":
            spec = self.postgres.spec(self.workdir)
        elif name == "redis":
            spec = self.redis.spec(self.workdir)
        else:
            raise KeyError(name)
        self.supervisor.start(spec)

    def revive(self) -> list[str]:
        """Starts again whatever is down (stopped by a scenario or crashed); returns the crashed."""
        crashed = self.supervisor.dead()
        for name, process in self.supervisor.processes.items():
            if not process.running and name != "beat-2":
                self.start(name)
        return crashed

    # --- the tenant -----------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    @property
    def api(self) -> ParleyApi:
        if self._api is None:
            raise RuntimeError("the tenant is not seeded yet")
        return self._api

    def _seed_tenant(self) -> ChaosTenant:
        """A tenant through Parley's own command, provisioned on the emulator by the worker, with
        numbers bought through the API; its daily cap raised so the run never meets it."""
        created = json.loads(
            self.manage(
                "create_tenant",
                "--name",
                "Chaos Co",
                "--owner-email",
                "chaos@parley.test",
                "--json",
            )
        )
        tenant_id = str(created["tenant_id"])
        self.manage(
            "shell",
            "-c",
            "from messaging.services import messaging_policy_update\n"
            "from tenants.models import Tenant\n"
            f"messaging_policy_update(tenant=Tenant.objects.get(pk='{tenant_id}'),"
            " daily_segment_cap=10**7)\n",
        )
        # Carriers take texts only from registered numbers: the emulator approves its campaign.
        self.manage("register_demo", "--slug", str(created["tenant"]))
        self._api = ParleyApi(self.web_url, created["api_token"])
        _wait(lambda: self.database.provisioning_status(tenant_id) == "ready", 120, "provisioning")
        wanted = self.settings.numbers
        self.api.buy_numbers(self.api.available_numbers(AREA_CODE, wanted))
        _wait(lambda: len(self.database.active_numbers(tenant_id)) >= wanted, 120, "numbers active")
        _wait(lambda: len(self.database.ready_numbers(tenant_id)) >= wanted, 120, "numbers ready")
        return ChaosTenant(
            tenant_id, created["api_token"], tuple(self.database.active_numbers(tenant_id))
        )


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what}: not done after {timeout:g} s")
