"""Executes a call's BXML verb by verb, as Bandwidth does, against one call leg.

The interpreter knows the verbs' semantics (which webhook each verb sends, with which fields,
which reply BXML runs next, how tags change, how Gather collects digits). Everything that needs
time, the far end or HTTP is asked of the leg (``CallLeg``), so it can be exercised on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BXML_BYTES = 64 * 1024
CALLBACK_METHODS = ("GET", "POST")
DTMF_CHARACTERS = set("0123456789*#wW")
AUDIO_VERBS = ("SpeakSentence", "PlayAudio")
TRANSFER_TARGETS = ("PhoneNumber", "SipUri")
MAX_TRANSFER_TARGETS = 8
# Verbs Parley does not use: accepted and noted on the call, not simulated.
NOTED_VERBS = (
    "Bridge",
    "Conference",
    "StartGather",
    "StopGather",
    "StartStream",
    "StopStream",
    "StartTranscription",
    "StopTranscription",
)
EXECUTED_VERBS = (
    "SpeakSentence",
    "PlayAudio",
    "Pause",
    "Ring",
    "SendDtmf",
    "Tag",
    "Gather",
    "Transfer",
    "Forward",
    "Record",
    "StartRecording",
    "StopRecording",
    "PauseRecording",
    "ResumeRecording",
    "Redirect",
    "Hangup",
)
# (attribute, minimum, maximum) checked on every verb that has them.
NUMBER_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "Gather": {
        "maxDigits": (1, 50),
        "interDigitTimeout": (1, 60),
        "firstDigitTimeout": (0, 60),
        "repeatCount": (1, 25),
    },
    "Pause": {"duration": (0.1, 86400)},
    "Ring": {"duration": (0.1, 86400)},
    "Record": {"maxDuration": (1, 10800), "silenceTimeout": (0, 10800)},
    "Transfer": {"callTimeout": (1, 300)},
    "Forward": {"callTimeout": (1, 300)},
    "SendDtmf": {"toneDuration": (50, 5000), "toneInterval": (50, 5000)},
}
METHOD_ATTRIBUTES = (
    "gatherMethod",
    "gatherFallbackMethod",
    "redirectMethod",
    "redirectFallbackMethod",
    "recordCompleteMethod",
    "recordCompleteFallbackMethod",
    "recordingAvailableMethod",
    "transcriptionAvailableMethod",
    "transferCompleteMethod",
    "transferCompleteFallbackMethod",
    "transferAnswerMethod",
    "transferAnswerFallbackMethod",
    "transferDisconnectMethod",
)
SPOKEN_WORDS_PER_SECOND = 2.5
PLAY_AUDIO_SECONDS = 2.0


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


# --- parsing ---------------------------------------------------------------------------------


def parse_document(text: str | bytes, base_url: str, *, root: str = "Response") -> Document:
    """Parse and validate a BXML reply. An empty body is an empty document (the call hangs up)."""
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_BXML_BYTES:
        raise InvalidBxml(f"BXML larger than {MAX_BXML_BYTES} bytes")
    if not raw.strip():
        return Document((), base_url)
    try:
        element = fromstring(raw)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidBxml(f"not well-formed XML: {exc}") from exc
    if element.tag != root:
        raise InvalidBxml(f"root element must be <{root}>, got <{element.tag}>")
    return Document(tuple(_verb(child, parent=root) for child in element), base_url)


def _verb(element: Element, parent: str) -> Verb:
    name = str(element.tag)
    if parent == "Gather" and name not in AUDIO_VERBS:
        raise InvalidBxml(f"<{name}> is not allowed inside <Gather>")
    if parent == "Transfer" and name not in TRANSFER_TARGETS:
        raise InvalidBxml(f"<{name}> is not allowed inside <Transfer>")
    if parent not in ("Gather", "Transfer") and name not in EXECUTED_VERBS + NOTED_VERBS:
        raise InvalidBxml(f"unknown verb <{name}>")
    attrs = {str(key): value for key, value in element.attrib.items()}
    text = "".join(element.itertext()).strip()
    children: tuple[Verb, ...] = ()
    if name in ("Gather", "Transfer"):
        children = tuple(_verb(child, parent=name) for child in element)
        text = (element.text or "").strip()
    verb = Verb(name, attrs, text, children)
    _check(verb)
    return verb


def _check(verb: Verb) -> None:
    for attribute, (low, high) in NUMBER_RANGES.get(verb.name, {}).items():
        value = verb.attrs.get(attribute)
        if value is None:
            continue
        try:
            number = float(value)
        except ValueError:
            raise InvalidBxml(f"{verb.name} {attribute}={value!r} is not a number") from None
        if math.isnan(number) or not low <= number <= high:
            raise InvalidBxml(f"{verb.name} {attribute}={value} is outside {low}..{high}")
    for attribute in METHOD_ATTRIBUTES:
        method = verb.attrs.get(attribute)
        if method is not None and method.upper() not in CALLBACK_METHODS:
            raise InvalidBxml(f"{verb.name} {attribute}={method!r} must be GET or POST")
    _check_content(verb)


def _check_content(verb: Verb) -> None:
    if verb.name == "Redirect" and not verb.attrs.get("redirectUrl"):
        raise InvalidBxml("<Redirect> requires redirectUrl")
    if verb.name == "PlayAudio" and not verb.text:
        raise InvalidBxml("<PlayAudio> requires an audio URL")
    if verb.name == "Forward" and not verb.attrs.get("to"):
        raise InvalidBxml("<Forward> requires to")
    if verb.name == "SendDtmf" and (
        not verb.text or len(verb.text) > 50 or not set(verb.text) <= DTMF_CHARACTERS
    ):
        raise InvalidBxml("<SendDtmf> requires 1 to 50 of 0-9 * # w W")
    if verb.name == "Transfer" and not 1 <= len(verb.children) <= MAX_TRANSFER_TARGETS:
        raise InvalidBxml("<Transfer> requires 1 to 8 <PhoneNumber>/<SipUri>")
    if verb.name in TRANSFER_TARGETS and not verb.text:
        raise InvalidBxml(f"<{verb.name}> requires a destination")
    tag = verb.attrs.get("tag")
    if tag is not None and len(tag) > 256:
        raise InvalidBxml(f"{verb.name} tag is longer than 256 characters")


# --- execution -------------------------------------------------------------------------------


class BxmlInterpreter:
    """Runs documents on one leg until the BXML ends; each webhook reply replaces the rest."""

    def __init__(self, leg: CallLeg) -> None:
        self.leg = leg

    def run(self, document: Document) -> None:
        """Returns when the BXML is exhausted; raises ``CallEnded``, ``InvalidBxml``, ..."""
        current: Document | None = document
        while current is not None:
            current = self._run_document(current)

    def _run_document(self, document: Document) -> Document | None:
        for verb in document.verbs:
            following = self.execute(verb, document.base_url)
            if following is not None:
                return following
        return None

    def execute(self, verb: Verb, base_url: str) -> Document | None:
        """Run one verb; a returned document replaces the rest of the current one."""
        tag = verb.attrs.get("tag")
        if tag is not None and verb.name not in TRANSFER_TARGETS:
            self.leg.set_tag(tag or None)
        handler = getattr(self, f"_verb_{verb.name.lower()}", None)
        if handler is None:
            self.leg.note(verb.name, "not simulated by the emulator; skipped")
            return None
        result: Document | None = handler(verb, base_url)
        return result

    # --- audio and timing

    def _verb_speaksentence(self, verb: Verb, base_url: str) -> None:
        self.leg.answer()
        self.leg.note("SpeakSentence", verb.text)
        self.leg.wait(max(0.5, len(verb.text.split()) / SPOKEN_WORDS_PER_SECOND))

    def _verb_playaudio(self, verb: Verb, base_url: str) -> None:
        self.leg.answer()
        self.leg.note("PlayAudio", urljoin(base_url, verb.text))
        self.leg.wait(PLAY_AUDIO_SECONDS)

    def _verb_pause(self, verb: Verb, base_url: str) -> None:
        self.leg.answer()
        duration = verb.number("duration", 1.0)
        self.leg.note("Pause", f"{duration:g}s")
        self.leg.idle(duration)

    def _verb_ring(self, verb: Verb, base_url: str) -> None:
        if verb.flag("answerCall", default=True):
            self.leg.answer()
        duration = verb.number("duration", 5.0)
        self.leg.note("Ring", f"{duration:g}s")
        self.leg.idle(duration)

    def _verb_senddtmf(self, verb: Verb, base_url: str) -> None:
        self.leg.answer()
        self.leg.note("SendDtmf", verb.text)
        per_tone_ms = verb.number("toneDuration", 200) + verb.number("toneInterval", 400)
        self.leg.wait(len(verb.text) * per_tone_ms / 1000)

    def _verb_tag(self, verb: Verb, base_url: str) -> None:
        self.leg.set_tag(verb.text or None)
        self.leg.note("Tag", verb.text)

    def _verb_hangup(self, verb: Verb, base_url: str) -> None:
        self.leg.note("Hangup", "")
        self.leg.hangup()

    # --- webhooks that return BXML

    def _verb_redirect(self, verb: Verb, base_url: str) -> Document:
        hook = self._hook(verb, base_url, "redirectUrl")
        assert hook is not None
        self.leg.note("Redirect", hook.url)
        return self._fetch(hook, self.leg.event("redirect"))

    def _verb_gather(self, verb: Verb, base_url: str) -> Document | None:
        self.leg.answer()
        max_digits = int(verb.number("maxDigits", 50))
        terminating = verb.attr("terminatingDigits", "") or ""
        first_timeout = verb.number("firstDigitTimeout", 5)
        inter_timeout = verb.number("interDigitTimeout", 5)
        digits, terminator = "", ""
        for _ in range(int(verb.number("repeatCount", 1))):
            for prompt in verb.children:
                if self.leg.has_pending_digits():
                    break
                self.execute(prompt, base_url)
            digits, terminator = self._collect(
                max_digits, terminating, first_timeout, inter_timeout
            )
            if digits or terminator:
                break
        self.leg.note("Gather", f"digits={digits!r} terminatingDigit={terminator!r}")
        hook = self._hook(verb, base_url, "gatherUrl")
        if hook is None:
            return None
        payload = self.leg.event("gather") | {"digits": digits, "terminatingDigit": terminator}
        return self._fetch(hook, payload)

    def _collect(
        self, max_digits: int, terminating: str, first_timeout: float, inter_timeout: float
    ) -> tuple[str, str]:
        digits = ""
        digit = self.leg.read_digit(first_timeout)
        while digit is not None:
            if digit in terminating:
                return digits, digit
            digits += digit
            if len(digits) >= max_digits:
                break
            digit = self.leg.read_digit(inter_timeout)
        return digits, ""

    def _verb_record(self, verb: Verb, base_url: str) -> Document | None:
        self.leg.answer()
        request = RecordRequest(
            max_duration=verb.number("maxDuration", 60),
            terminating_digits=verb.attr("terminatingDigits", "#") or "",
            silence_timeout=verb.number("silenceTimeout", 0),
            file_format=verb.attr("fileFormat", "wav") or "wav",
        )
        facts = self.leg.record(request, self._recording_request(verb, base_url))
        self.leg.note("Record", f"{facts.recording_id} {facts.duration}")
        hook = self._hook(verb, base_url, "recordCompleteUrl")
        if hook is None:
            return None
        payload = self.leg.event("recordComplete") | recording_fields(facts)
        return self._fetch(hook, payload)

    def _verb_startrecording(self, verb: Verb, base_url: str) -> None:
        self.leg.answer()
        self.leg.start_recording(self._recording_request(verb, base_url))
        self.leg.note("StartRecording", "")

    def _verb_stoprecording(self, verb: Verb, base_url: str) -> None:
        self.leg.stop_recording()
        self.leg.note("StopRecording", "")

    def _verb_transfer(self, verb: Verb, base_url: str) -> Document | None:
        self.leg.answer()
        request = TransferRequest(
            caller_id=verb.attr("transferCallerId"),
            call_timeout=verb.number("callTimeout", 30),
            targets=tuple(self._transfer_target(target, base_url) for target in verb.children),
        )
        self.leg.note("Transfer", ", ".join(target.number for target in request.targets))
        outcome = self.leg.transfer(request)
        self.leg.note("TransferComplete", outcome.cause)
        hook = self._hook(verb, base_url, "transferCompleteUrl")
        if hook is None:
            return None
        payload = self.leg.event("transferComplete") | {
            "transferCallerId": outcome.transfer_caller_id,
            "transferTo": outcome.transfer_to,
            "cause": outcome.cause,
            "errorMessage": outcome.error_message,
            "errorId": outcome.error_id,
        }
        return self._fetch(hook, payload)

    def _transfer_target(self, target: Verb, base_url: str) -> TransferTarget:
        return TransferTarget(
            number=target.text,
            kind=target.name,
            answer_hook=self._hook(target, base_url, "transferAnswerUrl"),
            disconnect_hook=self._hook(target, base_url, "transferDisconnectUrl"),
            tag=target.attrs.get("tag"),
        )

    def _verb_forward(self, verb: Verb, base_url: str) -> None:
        to = verb.attr("to") or ""
        self.leg.note("Forward", to)
        self.leg.forward(to, verb.attr("from"), verb.number("callTimeout", 30))

    # --- helpers

    def _fetch(self, hook: Webhook, payload: dict[str, Any]) -> Document:
        text, served_by = self.leg.fetch_bxml(hook, payload)
        return parse_document(text, served_by)

    def _hook(self, verb: Verb, base_url: str, url_attr: str) -> Webhook | None:
        """The webhook a verb names in ``url_attr``, e.g. gatherUrl/gatherMethod/gatherFallback*."""
        url = verb.attrs.get(url_attr)
        if not url:
            return None
        stem = url_attr.removesuffix("Url")
        fallback = verb.attrs.get(f"{stem}FallbackUrl")
        return Webhook(
            url=urljoin(base_url, url),
            method=(verb.attrs.get(f"{stem}Method") or "POST").upper(),
            credentials=_credentials(verb, "username", "password")
            or self.leg.default_credentials(),
            fallback_url=urljoin(base_url, fallback) if fallback else None,
            fallback_method=(verb.attrs.get(f"{stem}FallbackMethod") or "POST").upper(),
            fallback_credentials=_credentials(verb, "fallbackUsername", "fallbackPassword")
            or self.leg.default_credentials(),
        )

    def _recording_request(self, verb: Verb, base_url: str) -> RecordingRequest:
        return RecordingRequest(
            available_hook=self._hook(verb, base_url, "recordingAvailableUrl"),
            transcribe=verb.flag("transcribe"),
            transcription_hook=self._hook(verb, base_url, "transcriptionAvailableUrl"),
            file_format=verb.attr("fileFormat", "wav") or "wav",
            multi_channel=verb.flag("multiChannel"),
        )


def _credentials(verb: Verb, user_attr: str, password_attr: str) -> tuple[str, str] | None:
    user = verb.attrs.get(user_attr)
    password = verb.attrs.get(password_attr)
    return (user, password or "") if user else None


def recording_fields(facts: RecordingFacts) -> dict[str, Any]:
    """The recording part of recordComplete / recordingAvailable / transcriptionAvailable."""
    return {
        "recordingId": facts.recording_id,
        "mediaUrl": facts.media_url,
        "startTime": facts.start_time,
        "endTime": facts.end_time,
        "duration": facts.duration,
        "fileFormat": facts.file_format,
        "channels": facts.channels,
    }
