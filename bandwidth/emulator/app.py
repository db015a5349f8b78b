"""The emulator's WSGI application: routing, authentication, account checks and faults."""

from __future__ import annotations

import base64
import binascii
import hmac
import importlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from bandwidth.emulator import http
from bandwidth.emulator.callbacks import CallbackSender
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.faults import Faults
from bandwidth.emulator.limits import RequestWindow, SegmentLimiter
from bandwidth.emulator.persistence import (
    StateSaver,
    dump_state,
    read_state_file,
    resume_pending_messages,
    resume_pending_orders,
)
from bandwidth.emulator.scheduler import Scheduler
from bandwidth.emulator.state import EmulatorState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

CORE_ROUTE_MODULES = ("oauth", "messaging", "numbers", "compliance", "sim", "page")
VOICE_MODULE = "bandwidth.emulator.voice"
FAULTABLE_APIS = ("messaging", "voice", "numbers", "oauth")
ACCOUNT_PATH_PARAMS = ("account_id", "accountId")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATE_SAVE_INTERVAL = 0.5


def _load_voice_module() -> Any | None:
    """The ``voice`` package (routes + ``VoiceStore``) is optional until it is written."""
    try:
        return importlib.import_module(VOICE_MODULE)
    except ImportError as exc:
        if exc.name != VOICE_MODULE:
            raise
        return None


def _run_then(task: Callable[[], None], after: Callable[[], None]) -> None:
    try:
        task()
    finally:
        after()


class _NotifyingScheduler(Scheduler):
    """Calls ``after_task`` once each task ends: tasks (order completion, message statuses)
    change the state too."""

    def __init__(self, time_scale: float, threads: int, after_task: Callable[[], None]) -> None:
        self._after_task = after_task
        super().__init__(time_scale, threads)

    def call_later(self, delay_seconds: float, fn: Callable[[], None]) -> None:
        super().call_later(delay_seconds, partial(_run_then, fn, self._after_task))


class Emulator:
    def __init__(self, config: EmulatorConfig, route_tables: Iterable[http.Routes]) -> None:
        self.config = config
        self.state = EmulatorState()
        self.saver: StateSaver | None = None
        if config.state_file:
            self._load_state_file(Path(config.state_file))
        self.faults = Faults()
        self.scheduler = (
            Scheduler(config.time_scale, config.callback_workers)
            if self.saver is None
            else _NotifyingScheduler(config.time_scale, config.callback_workers, self.state_changed)
        )
        self.callbacks = CallbackSender(self)
        self.message_limiter = self._new_message_limiter()
        self.list_limiter = self._new_list_limiter()
        self._voice_module = _load_voice_module()
        self.voice: Any = self._new_voice_store()
        self._routes: list[http.Route] = [r for table in route_tables for r in table.entries]
        self._url_map = Map(
            [
                Rule(route.path, endpoint=index, methods=list(route.methods))
                for index, route in enumerate(self._routes)
            ],
            strict_slashes=False,
            merge_slashes=False,
        )
        self._reset_hooks: list[Any] = []
        if self.saver is not None:
            resume_pending_orders(self)
            resume_pending_messages(self)

    def _load_state_file(self, path: Path) -> None:
        """Raises ``StateFileError`` when the file exists but cannot be used."""
        loaded = read_state_file(path)
        if loaded is None:
            logger.info("no emulator state at %s yet; starting empty", path)
        else:
            self.state = loaded
            logger.info(
                "emulator state loaded from %s: %d site(s), %d application(s), %d number(s)",
                path,
                len(loaded.sites),
                len(loaded.applications),
                len(loaded.in_service),
            )
        self.saver = StateSaver(path, self._dump_state, STATE_SAVE_INTERVAL)

    def _dump_state(self) -> dict[str, Any]:
        return dump_state(self.state)

    def state_changed(self) -> None:
        """Save the state soon (debounced) when a state file is configured."""
        if self.saver is not None:
            self.saver.changed()

    def _new_message_limiter(self) -> SegmentLimiter:
        return SegmentLimiter(
            rate_per_number=self.config.message_rate_per_number,
            rate_per_account=self.config.message_rate_per_account,
            queue_seconds=self.config.message_queue_seconds,
        )

    def _new_list_limiter(self) -> RequestWindow:
        return RequestWindow(self.config.list_messages_limit, self.config.list_messages_window)

    def _new_voice_store(self) -> Any:
        if self._voice_module is None:
            return None
        return self._voice_module.VoiceStore(self)

    def on_reset(self, hook: Any) -> None:
        """Register a callable run after every reset (for per-emulator objects held elsewhere)."""
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        """Forget state, pending work, faults and calls; issued OAuth2 tokens stay valid."""
        self.scheduler.clear()
        self.faults.clear()
        tokens = self.state.tokens
        self.state = EmulatorState()
        self.state.tokens = tokens
        self.message_limiter = self._new_message_limiter()
        self.list_limiter = self._new_list_limiter()
        self.voice = self._new_voice_store()
        for hook in self._reset_hooks:
            hook()
        self.state_changed()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self._url_map.bind_to_environ(request.environ)
        api = http.api_for_path(request.path)
        try:
            index, params = adapter.match()
        except NotFound:
            return http.not_found(api, request.path)
        except MethodNotAllowed as exc:
            return http.method_not_allowed(api, list(exc.valid_methods or []))
        route = self._routes[index]
        if route.api in FAULTABLE_APIS:
            faulted = self._apply_faults(route.api, request)
            if faulted is not None:
                return faulted
        if route.auth:
            if not self.authenticated(request):
                return http.unauthorized(route.api)
            if not self._account_matches(params):
                return http.forbidden(route.api)
        try:
            response = route.handler(self, request, **params)
        except Exception:
            logger.exception("emulator handler failed: %s %s", request.method, request.path)
            return http.server_error(route.api, 500)
        if request.method not in READ_ONLY_METHODS and route.api != "oauth":
            self.state_changed()
        return response

    def _apply_faults(self, api: http.ApiName, request: Request) -> Response | None:
        latency = self.faults.latency_seconds
        if latency:
            time.sleep(latency)
        fault = self.faults.take_request_fault(api)
        if fault is None:
            return None
        if fault.status == 429:
            listing = request.method == "GET" and request.path.endswith("/messages")
            if api == "messaging" and listing:
                return http.list_rate_limited(fault.retry_after or 1)
            return http.rate_limited(api, fault.retry_after or 1)
        return http.server_error(api, fault.status)

    def _account_matches(self, params: Mapping[str, Any]) -> bool:
        for name in ACCOUNT_PATH_PARAMS:
            if name in params and params[name] != self.config.account_id:
                return False
        return True

    def authenticated(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return self.state.token_valid(value.strip(), time.time())
        if scheme.lower() == "basic":
            pair = decode_basic(value.strip())
            return pair is not None and _same(pair, (self.config.username, self.config.password))
        return False

    def issue_token(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.tokens[token] = time.time() + self.config.token_ttl
        return token, self.config.token_ttl

    def messaging_base(self) -> str:
        return f"{self.config.origin}/api/v2/users/{self.config.account_id}"

    def voice_base(self) -> str:
        return f"{self.config.origin}/api/v2/accounts/{self.config.account_id}"

    def numbers_base(self) -> str:
        return f"{self.config.origin}/api/accounts/{self.config.account_id}"

    def close(self) -> None:
        """Stop background work (the scheduler and, when voice is loaded, its call threads),
        then save the state a last time when a state file is configured."""
        self.scheduler.stop()
        close_voice = getattr(self.voice, "close", None)
        if callable(close_voice):
            close_voice()
        if self.saver is not None:
            self.saver.close()


def decode_basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _same(given: tuple[str, str], expected: tuple[str, str]) -> bool:
    user_ok = hmac.compare_digest(given[0].encode(), expected[0].encode())
    password_ok = hmac.compare_digest(given[1].encode(), expected[1].encode())
    return user_ok and password_ok


def create_app(config: EmulatorConfig | None = None) -> Emulator:
    """The emulator with oauth, messaging, numbers, sim, page and (when present) voice."""
    config = config or EmulatorConfig()
    tables: list[http.Routes] = []
    for name in CORE_ROUTE_MODULES:
        module = importlib.import_module(f"bandwidth.emulator.{name}")
        tables.append(module.routes)
    voice_module = _load_voice_module()
    if voice_module is not None:
        tables.append(voice_module.routes)
    return Emulator(config, tables)


@dataclass
class RunningEmulator:
    url: str
    emulator: Emulator
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.emulator.close()


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def start_in_thread(config: EmulatorConfig | None = None, quiet: bool = True) -> RunningEmulator:
    """Serve on ``config.host``; port 0 picks a free port (written back to the config)."""
    config = config or EmulatorConfig(port=0)
    emulator = create_app(config)
    handler = _QuietRequestHandler if quiet else WSGIRequestHandler
    server = make_server(config.host, config.port, emulator, threaded=True, request_handler=handler)
    config.port = server.server_port
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="emulator-http",
        daemon=True,
    )
    thread.start()
    return RunningEmulator(url=config.origin, emulator=emulator, server=server, thread=thread)
