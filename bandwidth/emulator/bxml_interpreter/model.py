"""What the interpreter works with: its exceptions, parsed verbs, webhooks, the transfer and
recording requests and outcomes, and the ``CallLeg`` it drives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class InvalidBxml(Exception):
    """The document is not BXML Bandwidth would execute; the call ends with ``invalid-bxml``."""


class CallbackFailed(Exception):
    """A webhook expecting BXML got no usable answer; the call ends with ``callback-error``."""


class CallEnded(Exception):
    """The call is over (a party hung up); raised out of any wait."""


class ControlReplaced(Exception):
    """``POST /calls/{id}`` or ``PUT /calls/{id}/bxml`` took over: stop the running BXML."""


@dataclass(frozen=True)
class Verb:
    name: str
    attrs: dict[str, str]
    text: str = ""
    children: tuple[Verb, ...] = ()

    def attr(self, name: str, default: str | None = None) -> str | None:
        value = self.attrs.get(name)
        return default if value is None else value

    def number(self, name: str, default: float) -> float:
        value = self.attrs.get(name)
        return default if value is None or value.strip() == "" else float(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.attrs.get(name)
        return default if value is None else value.strip().lower() == "true"


@dataclass(frozen=True)
class Document:
    """Verbs to execute and the URL that served them (relative URLs resolve against it)."""

    verbs: tuple[Verb, ...]
    base_url: str


@dataclass(frozen=True)
class Webhook:
    """Where a synchronous or asynchronous callback goes."""

    url: str
    method: str = "POST"
    credentials: tuple[str, str] | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    fallback_credentials: tuple[str, str] | None = None


@dataclass(frozen=True)
class TransferTarget:
    number: str
    kind: str
    answer_hook: Webhook | None
    disconnect_hook: Webhook | None
    tag: str | None


@dataclass(frozen=True)
class TransferRequest:
    caller_id: str | None
    call_timeout: float
    targets: tuple[TransferTarget, ...]


@dataclass(frozen=True)
class TransferOutcome:
    """How the transfer ended, for ``transferComplete``."""

    cause: str
    transfer_caller_id: str
    transfer_to: str
    error_message: str | None = None
    error_id: str | None = None


@dataclass(frozen=True)
class RecordRequest:
    max_duration: float
    terminating_digits: str
    silence_timeout: float
    file_format: str


@dataclass(frozen=True)
class RecordingRequest:
    """Where a recording's (and its transcription's) availability is announced."""

    available_hook: Webhook | None
    transcribe: bool
    transcription_hook: Webhook | None
    file_format: str
    multi_channel: bool = False


@dataclass
class RecordingFacts:
    """What recording webhooks report about one finished recording."""

    recording_id: str
    media_url: str
    start_time: str
    end_time: str
    duration: str
    file_format: str
    channels: int


class CallLeg(Protocol):
    """What the interpreter needs from the call it drives. Durations are simulated seconds."""

    def note(self, kind: str, detail: str) -> None: ...

    def answer(self) -> None: ...

    def wait(self, seconds: float) -> None: ...

    def idle(self, seconds: float) -> None: ...

    def read_digit(self, timeout: float) -> str | None: ...

    def has_pending_digits(self) -> bool: ...

    def set_tag(self, tag: str | None) -> None: ...

    def event(self, event_type: str) -> dict[str, Any]: ...

    def default_credentials(self) -> tuple[str, str] | None: ...

    def fetch_bxml(self, hook: Webhook, payload: dict[str, Any]) -> tuple[str, str]: ...

    def record(self, request: RecordRequest, publish: RecordingRequest) -> RecordingFacts: ...

    def start_recording(self, request: RecordingRequest) -> None: ...

    def stop_recording(self) -> None: ...

    def transfer(self, request: TransferRequest) -> TransferOutcome: ...

    def forward(self, to: str, caller_id: str | None, call_timeout: float) -> None: ...

    def hangup(self) -> None: ...
