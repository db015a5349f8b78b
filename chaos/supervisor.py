"""The processes a chaos run starts, each in a process group of its own.

Every process is started in a new session, so signalling its group reaches the process and its
children (gunicorn's workers, Celery's pool) and nothing else on the machine. The supervisor stops
exactly what it started, newest first, when the run ends, also after an error or a signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ReadyCheck = Callable[[], bool]


class ProcessFailed(RuntimeError):
    """A process exited, or did not become ready, when it should have been running."""


@dataclass
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    ready: ReadyCheck | None = None
    """Polled after start until it answers True (the process is serving)."""
    user: str | None = None
    """Run as this user (PostgreSQL refuses to run as root)."""
    stop_signal: signal.Signals = signal.SIGTERM
    ready_timeout: float = 90.0


@dataclass
class ManagedProcess:
    spec: ProcessSpec
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    stopped: bool = False
    """Stopped or killed on purpose (a scenario's fault), as opposed to crashed."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        if self.running:
            raise ProcessFailed(f"{self.name} is already running")
        self.starts += 1
        self.stopped = False
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts} at {time.strftime('%H:%M:%S')}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(  # noqa: S603 - argv built by the harness
                list(self.spec.argv),
                cwd=self.spec.cwd,
                env=dict(self.spec.env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.spec.user,
            )
        self.wait_ready()

    def wait_ready(self) -> None:
        if self.spec.ready is None:
            return
        deadline = time.monotonic() + self.spec.ready_timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise ProcessFailed(f"{self.name} exited while starting; see {self.log_path}")
            with contextlib.suppress(Exception):
                if self.spec.ready():
                    return
            time.sleep(0.2)
        raise ProcessFailed(f"{self.name} not ready after {self.spec.ready_timeout:g} s")

    def signal_group(self, signum: signal.Signals) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL to the whole group: the process and its children die at once, mid-work."""
        self.stopped = True
        self.signal_group(signal.SIGKILL)
        self._reap(10)

    def stop(self, timeout: float = 30.0) -> None:
        """The process's own stop signal, then SIGKILL to what is left after ``timeout``."""
        if self.popen is None:
            return
        self.stopped = True
        if self.popen.poll() is None:
            self.signal_group(self.spec.stop_signal)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
        self._reap(10)

    def _reap(self, timeout: float) -> None:
        """Waits for the process, then makes sure no child of its group lives on."""
        if self.popen is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)


@dataclass
class Supervisor:
    log_dir: Path
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    def start(self, spec: ProcessSpec) -> ManagedProcess:
        process = self.processes.get(spec.name)
        if process is None:
            process = ManagedProcess(spec, self.log_dir / f"{spec.name}.log")
            self.processes[spec.name] = process
        else:
            process.spec = spec
        process.start()
        return process

    def __getitem__(self, name: str) -> ManagedProcess:
        return self.processes[name]

    def dead(self) -> list[str]:
        """Processes that were started, not stopped on purpose, and are no longer running."""
        return [
            name
            for name, process in self.processes.items()
            if process.popen is not None and not process.stopped and not process.running
        ]

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            with contextlib.suppress(Exception):
                process.stop(timeout=20)


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP end the run like Ctrl-C does, so every ``finally`` cleans up."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
