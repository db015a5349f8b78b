"""A loopback HTTP server standing in for Parley's webhook endpoints in emulator tests.

It records every request, can demand Basic credentials with a proper ``401`` +
``WWW-Authenticate: Basic`` challenge, and answers through a pluggable responder.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], bytes]
Responder = Callable[["RecordedRequest"], Reply]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    credentials: tuple[str, str] | None
    authorized: bool
    """True when no auth is required or the request carried the expected credentials."""

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode()

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def _ok(_: RecordedRequest) -> Reply:
    return 200, {}, b""


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except ValueError:
        return None
    return user, password


class Receiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[RecordedRequest] = []
        self._responder: Responder = _ok
        self._required: tuple[str, str] | None = None
        self._condition = threading.Condition()
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def require_basic_auth(self, username: str, password: str) -> None:
        """Requests without these credentials get ``401`` + ``WWW-Authenticate: Basic``."""
        self._required = (username, password)

    def respond(self, fn: Responder) -> None:
        """Answer authorized requests with ``fn(request) -> (status, headers, body)``."""
        self._responder = fn

    def wait_for(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0, count: int = 1
    ) -> list[RecordedRequest]:
        """Wait for ``count`` requests matching ``predicate``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                matches = [r for r in self.requests if predicate(r)]
                if len(matches) >= count:
                    return matches
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} matching request(s), got {len(matches)} "
                        f"of {len(self.requests)}: {[(r.method, r.path) for r in self.requests]}"
                    )
                self._condition.wait(remaining)

    def authorized_requests(self, path: str | None = None) -> list[RecordedRequest]:
        with self._condition:
            return [r for r in self.requests if r.authorized and (path is None or r.path == path)]

    def clear(self) -> None:
        with self._condition:
            self.requests.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, request: RecordedRequest) -> Reply:
        with self._condition:
            self.requests.append(request)
            self._condition.notify_all()
        if not request.authorized:
            return 401, {"WWW-Authenticate": 'Basic realm="parley-test"'}, b""
        return self._responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                credentials = _basic_credentials(self.headers.get("Authorization"))
                required = receiver._required
                recorded = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=body,
                    credentials=credentials,
                    authorized=required is None or credentials == required,
                )
                status, headers, reply = receiver._record(recorded)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
