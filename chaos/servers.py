"""The run's own PostgreSQL and Redis: fresh instances on free ports in the run's directory, so
stopping them never disturbs the machine's (or a developer's) own servers."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from .supervisor import ProcessSpec


class MissingTool(RuntimeError):
    """A server program the run needs is not installed."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bindir() -> Path:
    configured = os.environ.get("CHAOS_PG_BINDIR")
    if configured:
        return Path(configured)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise MissingTool(
        "PostgreSQL's initdb was not found (install postgresql, or set CHAOS_PG_BINDIR)"
    )


@dataclass
class PostgresServer:
    """A throw-away cluster: ``initdb`` into ``root``, served on ``port`` by ``postgres`` in the
    foreground (so the supervisor owns it). As root, it runs as the ``postgres`` user."""

    root: Path
    port: int

    def __post_init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.user = self._user()
        self.data = self.root / "data"

    @staticmethod
    def _user() -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise MissingTool(
                "PostgreSQL will not run as root and there is no postgres user"
            ) from None
        return "postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> None:
        self.root.mkdir(mode=0o700)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        subprocess.run(  # noqa: S603 - fixed argv
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-locale",
            ],
            cwd=self.root,
            user=self.user,
            check=True,
            capture_output=True,
        )

    def spec(self, cwd: Path) -> ProcessSpec:
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "max_connections": "200",
            # A crash of this machine is no scenario here; these keep the 2-core run quick.
            "fsync": "off",
            "full_page_writes": "off",
        }
        argv = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        for name, value in settings.items():
            argv += ["-c", f"{name}={value}"]
        return ProcessSpec(
            name="postgres",
            argv=argv,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
            cwd=self.root,
            ready=self.answers,
            user=self.user,
            stop_signal=signal.SIGINT,  # "fast" shutdown: clients cut off, clean stop
        )

    def answers(self) -> bool:
        with psycopg.connect(self.url(), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@dataclass
class RedisServer:
    """A Redis without persistence: stopping it loses the broker's queue and the cache, as a
    restarted cache-only Redis does."""

    root: Path
    port: int

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def spec(self, cwd: Path) -> ProcessSpec:
        binary = shutil.which("redis-server")
        if binary is None:
            raise MissingTool("redis-server was not found (install redis-server)")
        self.root.mkdir(exist_ok=True)
        return ProcessSpec(
            name="redis",
            argv=[
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            cwd=self.root,
            ready=self.answers,
        )

    def answers(self) -> bool:
        return bool(redis.Redis(port=self.port, socket_timeout=2).ping())
