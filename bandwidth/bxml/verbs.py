"""BXML documents built with ElementTree: verbs are dataclasses, rendering never formats strings.

`Response` answers a voice webhook; `Bxml` is the body of `PUT /calls/{callId}/bxml`.
`parse_bxml` rebuilds the same objects from XML (used for round trips and the emulator).
Attributes follow Bandwidth's camelCase names; limits follow Bandwidth's BXML documentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field, fields
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

__all__ = [
    "MAX_BXML_BYTES",
    "VERB_CLASSES",
    "Bxml",
    "BxmlDocument",
    "BxmlError",
    "BxmlTooLargeError",
    "Forward",
    "Gather",
    "Hangup",
    "Pause",
    "PauseRecording",
    "PhoneNumber",
    "PlayAudio",
    "Record",
    "Redirect",
    "Response",
    "ResumeRecording",
    "Ring",
    "SendDtmf",
    "SpeakSentence",
    "StartRecording",
    "StopRecording",
    "Tag",
    "Transfer",
    "Verb",
    "parse_bxml",
]

MAX_BXML_BYTES = 64 * 1024
MAX_TAG_LENGTH = 256
MAX_TRANSFER_TARGETS = 8
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

_METHODS = ("GET", "POST")
_FILE_FORMATS = ("wav", "mp3")
_DIVERSION_TREATMENTS = ("none", "propagate", "stack")
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DTMF_DIGITS = re.compile(r"[0-9*#A-Da-dwW]*")


class BxmlError(ValueError):
    """An invalid BXML verb, attribute or document."""


class BxmlTooLargeError(BxmlError):
    """A BXML document larger than Bandwidth's 64 KB limit."""


def _xml(
    name: str,
    kind: type = str,
    *,
    between: tuple[float, float] | None = None,
    choices: tuple[str, ...] | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    """Field metadata for an XML attribute `name` holding a `kind` value."""
    return {
        "xml": name,
        "kind": kind,
        "between": between,
        "choices": choices,
        "max_length": max_length,
    }


_TEXT: dict[str, Any] = {"text": True, "strip": False}
_TEXT_VALUE: dict[str, Any] = {"text": True, "strip": True}
_TAG_ATTR = _xml("tag", max_length=MAX_TAG_LENGTH)


class _Verb:
    """Shared rendering and validation; subclasses are frozen dataclasses."""

    TAG: ClassVar[str]

    def __post_init__(self) -> None:
        for item in fields(self):  # type: ignore[arg-type]
            value = getattr(self, item.name)
            if "xml" in item.metadata:
                self._check_attribute(item.metadata, value)
            elif item.metadata.get("text"):
                self._check_text(value)
        self._check()

    def _check(self) -> None:
        """Rules involving more than one attribute or nested verbs."""

    def _fail(self, what: str, problem: str) -> BxmlError:
        return BxmlError(f"<{self.TAG}> {what} {problem}")

    def _check_text(self, value: object) -> None:
        if not isinstance(value, str):
            raise self._fail("text", f"must be a string, got {type(value).__name__}")
        _check_xml_chars(self, "text", value)

    def _check_attribute(self, meta: Any, value: object) -> None:
        name: str = meta["xml"]
        if value is None:
            return
        kind: type = meta["kind"]
        if not _is_kind(value, kind):
            raise self._fail(name, f"must be {kind.__name__}, got {type(value).__name__}")
        if isinstance(value, str):
            _check_xml_chars(self, name, value)
            if meta["max_length"] is not None and len(value) > meta["max_length"]:
                raise self._fail(name, f"must be at most {meta['max_length']} characters")
            if meta["choices"] is not None and value not in meta["choices"]:
                raise self._fail(name, f"must be one of {', '.join(meta['choices'])}: {value!r}")
        between = meta["between"]
        if between is not None and not between[0] <= value <= between[1]:
            raise self._fail(name, f"must be between {between[0]:g} and {between[1]:g}: {value}")

    def to_element(self) -> Element:
        element = Element(self.TAG)
        for item in fields(self):  # type: ignore[arg-type]
            value = getattr(self, item.name)
            if "xml" in item.metadata and value is not None:
                element.set(item.metadata["xml"], _format(value))
            elif item.metadata.get("text"):
                element.text = value
            elif item.metadata.get("children"):
                element.extend(child.to_element() for child in value)
        return element


def _is_kind(value: object, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check_xml_chars(verb: _Verb, what: str, value: str) -> None:
    if _XML_ILLEGAL.search(value):
        raise verb._fail(what, "contains characters that XML cannot carry")


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _children(*allowed: str) -> Any:
    return field(default=(), metadata={"children": allowed})


def _freeze_children(verb: _Verb, name: str) -> tuple[Any, ...]:
    value = getattr(verb, name)
    if isinstance(value, _Verb) or not isinstance(value, list | tuple):
        raise verb._fail(name, "must be a list of verbs")
    frozen = tuple(value)
    object.__setattr__(verb, name, frozen)
    return frozen


# --- verbs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakSentence(_Verb):
    TAG: ClassVar[str] = "SpeakSentence"
    text: str = field(metadata=_TEXT)
    _: KW_ONLY
    voice: str | None = field(default=None, metadata=_xml("voice"))
    gender: str | None = field(default=None, metadata=_xml("gender", choices=("male", "female")))
    locale: str | None = field(default=None, metadata=_xml("locale"))


@dataclass(frozen=True)
class PlayAudio(_Verb):
    TAG: ClassVar[str] = "PlayAudio"
    url: str = field(metadata=_TEXT_VALUE)
    _: KW_ONLY
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))

    def _check(self) -> None:
        if not self.url.strip():
            raise self._fail("text", "must be an audio URL")


@dataclass(frozen=True)
class Gather(_Verb):
    TAG: ClassVar[str] = "Gather"
    children: Sequence[SpeakSentence | PlayAudio] = _children("SpeakSentence", "PlayAudio")
    _: KW_ONLY
    gather_url: str | None = field(default=None, metadata=_xml("gatherUrl"))
    gather_method: str | None = field(default=None, metadata=_xml("gatherMethod", choices=_METHODS))
    gather_fallback_url: str | None = field(default=None, metadata=_xml("gatherFallbackUrl"))
    gather_fallback_method: str | None = field(
        default=None, metadata=_xml("gatherFallbackMethod", choices=_METHODS)
    )
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))
    fallback_username: str | None = field(default=None, metadata=_xml("fallbackUsername"))
    fallback_password: str | None = field(default=None, metadata=_xml("fallbackPassword"))
    tag: str | None = field(default=None, metadata=_TAG_ATTR)
    terminating_digits: str | None = field(default=None, metadata=_xml("terminatingDigits"))
    max_digits: int | None = field(default=None, metadata=_xml("maxDigits", int, between=(1, 50)))
    inter_digit_timeout: int | None = field(
        default=None, metadata=_xml("interDigitTimeout", int, between=(1, 60))
    )
    first_digit_timeout: int | None = field(
        default=None, metadata=_xml("firstDigitTimeout", int, between=(0, 60))
    )
    repeat_count: int | None = field(
        default=None, metadata=_xml("repeatCount", int, between=(1, 25))
    )

    def _check(self) -> None:
        for child in _freeze_children(self, "children"):
            if not isinstance(child, SpeakSentence | PlayAudio):
                raise self._fail(
                    "children", f"may only be SpeakSentence or PlayAudio, got {_name(child)}"
                )


@dataclass(frozen=True)
class PhoneNumber(_Verb):
    TAG: ClassVar[str] = "PhoneNumber"
    number: str = field(metadata=_TEXT_VALUE)
    _: KW_ONLY
    transfer_answer_url: str | None = field(default=None, metadata=_xml("transferAnswerUrl"))
    transfer_answer_method: str | None = field(
        default=None, metadata=_xml("transferAnswerMethod", choices=_METHODS)
    )
    transfer_answer_fallback_url: str | None = field(
        default=None, metadata=_xml("transferAnswerFallbackUrl")
    )
    transfer_answer_fallback_method: str | None = field(
        default=None, metadata=_xml("transferAnswerFallbackMethod", choices=_METHODS)
    )
    transfer_disconnect_url: str | None = field(
        default=None, metadata=_xml("transferDisconnectUrl")
    )
    transfer_disconnect_method: str | None = field(
        default=None, metadata=_xml("transferDisconnectMethod", choices=_METHODS)
    )
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))
    fallback_username: str | None = field(default=None, metadata=_xml("fallbackUsername"))
    fallback_password: str | None = field(default=None, metadata=_xml("fallbackPassword"))
    tag: str | None = field(default=None, metadata=_TAG_ATTR)
    uui: str | None = field(default=None, metadata=_xml("uui", max_length=256))

    def _check(self) -> None:
        if not self.number.strip():
            raise self._fail("text", "must be a phone number")


@dataclass(frozen=True)
class Transfer(_Verb):
    TAG: ClassVar[str] = "Transfer"
    targets: Sequence[PhoneNumber] = _children("PhoneNumber")
    _: KW_ONLY
    transfer_caller_id: str | None = field(default=None, metadata=_xml("transferCallerId"))
    transfer_caller_display_name: str | None = field(
        default=None, metadata=_xml("transferCallerDisplayName", max_length=256)
    )
    call_timeout: float | None = field(
        default=None, metadata=_xml("callTimeout", float, between=(1, 300))
    )
    transfer_complete_url: str | None = field(default=None, metadata=_xml("transferCompleteUrl"))
    transfer_complete_method: str | None = field(
        default=None, metadata=_xml("transferCompleteMethod", choices=_METHODS)
    )
    transfer_complete_fallback_url: str | None = field(
        default=None, metadata=_xml("transferCompleteFallbackUrl")
    )
    transfer_complete_fallback_method: str | None = field(
        default=None, metadata=_xml("transferCompleteFallbackMethod", choices=_METHODS)
    )
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))
    fallback_username: str | None = field(default=None, metadata=_xml("fallbackUsername"))
    fallback_password: str | None = field(default=None, metadata=_xml("fallbackPassword"))
    tag: str | None = field(default=None, metadata=_TAG_ATTR)
    diversion_treatment: str | None = field(
        default=None, metadata=_xml("diversionTreatment", choices=_DIVERSION_TREATMENTS)
    )
    diversion_reason: str | None = field(default=None, metadata=_xml("diversionReason"))

    def _check(self) -> None:
        targets = _freeze_children(self, "targets")
        if not 1 <= len(targets) <= MAX_TRANSFER_TARGETS:
            raise self._fail(
                "targets", f"must hold 1 to {MAX_TRANSFER_TARGETS} PhoneNumber, got {len(targets)}"
            )
        for target in targets:
            if not isinstance(target, PhoneNumber):
                raise self._fail("targets", f"may only be PhoneNumber, got {_name(target)}")


@dataclass(frozen=True)
class Record(_Verb):
    TAG: ClassVar[str] = "Record"
    _: KW_ONLY
    record_complete_url: str | None = field(default=None, metadata=_xml("recordCompleteUrl"))
    record_complete_method: str | None = field(
        default=None, metadata=_xml("recordCompleteMethod", choices=_METHODS)
    )
    record_complete_fallback_url: str | None = field(
        default=None, metadata=_xml("recordCompleteFallbackUrl")
    )
    record_complete_fallback_method: str | None = field(
        default=None, metadata=_xml("recordCompleteFallbackMethod", choices=_METHODS)
    )
    recording_available_url: str | None = field(
        default=None, metadata=_xml("recordingAvailableUrl")
    )
    recording_available_method: str | None = field(
        default=None, metadata=_xml("recordingAvailableMethod", choices=_METHODS)
    )
    transcribe: bool | None = field(default=None, metadata=_xml("transcribe", bool))
    detect_language: bool | None = field(default=None, metadata=_xml("detectLanguage", bool))
    transcription_available_url: str | None = field(
        default=None, metadata=_xml("transcriptionAvailableUrl")
    )
    transcription_available_method: str | None = field(
        default=None, metadata=_xml("transcriptionAvailableMethod", choices=_METHODS)
    )
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))
    fallback_username: str | None = field(default=None, metadata=_xml("fallbackUsername"))
    fallback_password: str | None = field(default=None, metadata=_xml("fallbackPassword"))
    tag: str | None = field(default=None, metadata=_TAG_ATTR)
    terminating_digits: str | None = field(default=None, metadata=_xml("terminatingDigits"))
    max_duration: int | None = field(
        default=None, metadata=_xml("maxDuration", int, between=(1, 10800))
    )
    silence_timeout: int | None = field(
        default=None, metadata=_xml("silenceTimeout", int, between=(0, 10800))
    )
    file_format: str | None = field(
        default=None, metadata=_xml("fileFormat", choices=_FILE_FORMATS)
    )


@dataclass(frozen=True)
class StartRecording(_Verb):
    TAG: ClassVar[str] = "StartRecording"
    _: KW_ONLY
    recording_available_url: str | None = field(
        default=None, metadata=_xml("recordingAvailableUrl")
    )
    recording_available_method: str | None = field(
        default=None, metadata=_xml("recordingAvailableMethod", choices=_METHODS)
    )
    transcribe: bool | None = field(default=None, metadata=_xml("transcribe", bool))
    detect_language: bool | None = field(default=None, metadata=_xml("detectLanguage", bool))
    transcription_available_url: str | None = field(
        default=None, metadata=_xml("transcriptionAvailableUrl")
    )
    transcription_available_method: str | None = field(
        default=None, metadata=_xml("transcriptionAvailableMethod", choices=_METHODS)
    )
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))
    tag: str | None = field(default=None, metadata=_TAG_ATTR)
    file_format: str | None = field(
        default=None, metadata=_xml("fileFormat", choices=_FILE_FORMATS)
    )
    multi_channel: bool | None = field(default=None, metadata=_xml("multiChannel", bool))


@dataclass(frozen=True)
class StopRecording(_Verb):
    TAG: ClassVar[str] = "StopRecording"


@dataclass(frozen=True)
class PauseRecording(_Verb):
    TAG: ClassVar[str] = "PauseRecording"


@dataclass(frozen=True)
class ResumeRecording(_Verb):
    TAG: ClassVar[str] = "ResumeRecording"


@dataclass(frozen=True)
class Hangup(_Verb):
    TAG: ClassVar[str] = "Hangup"


@dataclass(frozen=True)
class Pause(_Verb):
    TAG: ClassVar[str] = "Pause"
    duration: float | None = field(
        default=None, metadata=_xml("duration", float, between=(0.1, 86400))
    )


@dataclass(frozen=True)
class Redirect(_Verb):
    TAG: ClassVar[str] = "Redirect"
    redirect_url: str = field(metadata=_xml("redirectUrl"))
    _: KW_ONLY
    redirect_method: str | None = field(
        default=None, metadata=_xml("redirectMethod", choices=_METHODS)
    )
    redirect_fallback_url: str | None = field(default=None, metadata=_xml("redirectFallbackUrl"))
    redirect_fallback_method: str | None = field(
        default=None, metadata=_xml("redirectFallbackMethod", choices=_METHODS)
    )
    username: str | None = field(default=None, metadata=_xml("username"))
    password: str | None = field(default=None, metadata=_xml("password"))
    fallback_username: str | None = field(default=None, metadata=_xml("fallbackUsername"))
    fallback_password: str | None = field(default=None, metadata=_xml("fallbackPassword"))
    tag: str | None = field(default=None, metadata=_TAG_ATTR)

    def _check(self) -> None:
        if not isinstance(self.redirect_url, str) or not self.redirect_url.strip():
            raise self._fail("redirectUrl", "is required")


@dataclass(frozen=True)
class Forward(_Verb):
    TAG: ClassVar[str] = "Forward"
    to: str = field(metadata=_xml("to"))
    _: KW_ONLY
    from_: str | None = field(default=None, metadata=_xml("from"))
    call_timeout: float | None = field(
        default=None, metadata=_xml("callTimeout", float, between=(1, 300))
    )
    diversion_treatment: str | None = field(
        default=None, metadata=_xml("diversionTreatment", choices=_DIVERSION_TREATMENTS)
    )
    diversion_reason: str | None = field(default=None, metadata=_xml("diversionReason"))
    uui: str | None = field(default=None, metadata=_xml("uui", max_length=256))

    def _check(self) -> None:
        if not isinstance(self.to, str) or not self.to.strip():
            raise self._fail("to", "is required")


@dataclass(frozen=True)
class Ring(_Verb):
    TAG: ClassVar[str] = "Ring"
    duration: float | None = field(
        default=None, metadata=_xml("duration", float, between=(0.1, 86400))
    )
    _: KW_ONLY
    answer_call: bool | None = field(default=None, metadata=_xml("answerCall", bool))


@dataclass(frozen=True)
class SendDtmf(_Verb):
    TAG: ClassVar[str] = "SendDtmf"
    digits: str = field(metadata=_TEXT_VALUE)
    _: KW_ONLY
    tone_duration: float | None = field(
        default=None, metadata=_xml("toneDuration", float, between=(50, 5000))
    )
    tone_interval: float | None = field(
        default=None, metadata=_xml("toneInterval", float, between=(50, 5000))
    )

    def _check(self) -> None:
        if not self.digits or len(self.digits) > 50:
            raise self._fail("text", f"must be 1 to 50 digits, got {len(self.digits)}")
        if not _DTMF_DIGITS.fullmatch(self.digits):
            raise self._fail("text", f"may only hold 0-9 * # A-D w W: {self.digits!r}")


@dataclass(frozen=True)
class Tag(_Verb):
    TAG: ClassVar[str] = "Tag"
    text: str = field(default="", metadata=_TEXT)

    def _check(self) -> None:
        if len(self.text) > MAX_TAG_LENGTH:
            raise self._fail("text", f"must be at most {MAX_TAG_LENGTH} characters")


Verb = (
    SpeakSentence
    | PlayAudio
    | Gather
    | Transfer
    | PhoneNumber
    | Record
    | StartRecording
    | StopRecording
    | PauseRecording
    | ResumeRecording
    | Hangup
    | Pause
    | Redirect
    | Forward
    | Ring
    | SendDtmf
    | Tag
)

VERB_CLASSES: dict[str, type[_Verb]] = {
    cls.TAG: cls
    for cls in (
        SpeakSentence,
        PlayAudio,
        Gather,
        Transfer,
        PhoneNumber,
        Record,
        StartRecording,
        StopRecording,
        PauseRecording,
        ResumeRecording,
        Hangup,
        Pause,
        Redirect,
        Forward,
        Ring,
        SendDtmf,
        Tag,
    )
}
_NESTED_ONLY = frozenset({"PhoneNumber"})
_TOP_LEVEL = tuple(name for name in VERB_CLASSES if name not in _NESTED_ONLY)


def _name(value: object) -> str:
    return getattr(value, "TAG", type(value).__name__)


# --- documents -----------------------------------------------------------------------------------


class _Document:
    TAG: ClassVar[str]

    def __init__(self, *verbs: Verb) -> None:
        for verb in verbs:
            if not isinstance(verb, _Verb) or verb.TAG not in _TOP_LEVEL:
                raise BxmlError(f"<{self.TAG}> cannot contain {_name(verb)}")
        self.verbs: list[Verb] = list(verbs)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.verbs == self.verbs

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(verb) for verb in self.verbs)})"

    def to_element(self) -> Element:
        root = Element(self.TAG)
        root.extend(verb.to_element() for verb in self.verbs)
        return root

    def to_bytes(self) -> bytes:
        """The UTF-8 document; raises BxmlTooLargeError beyond Bandwidth's 64 KB."""
        data = XML_DECLARATION.encode() + tostring(
            self.to_element(), encoding="utf-8", xml_declaration=False
        )
        if len(data) > MAX_BXML_BYTES:
            raise BxmlTooLargeError(
                f"<{self.TAG}> is {len(data)} bytes; Bandwidth accepts at most {MAX_BXML_BYTES}"
            )
        return data

    def to_xml(self) -> str:
        return self.to_bytes().decode()


class Response(_Document):
    """The BXML answer to a synchronous voice webhook."""

    TAG: ClassVar[str] = "Response"


class Bxml(_Document):
    """The body of `PUT /calls/{callId}/bxml`, replacing a call's running BXML."""

    TAG: ClassVar[str] = "Bxml"


BxmlDocument = Response | Bxml
_DOCUMENT_CLASSES: dict[str, type[_Document]] = {"Response": Response, "Bxml": Bxml}


# --- parsing -------------------------------------------------------------------------------------


def parse_bxml(text: str | bytes) -> Response | Bxml:
    """Rebuild a `Response` or `Bxml` from XML; anything Parley cannot build raises BxmlError."""
    try:
        root: Element = parse_xml(text)
    except DefusedXmlException as error:
        raise BxmlError(f"BXML contains forbidden XML ({type(error).__name__})") from None
    except ParseError as error:
        raise BxmlError(f"BXML is not well-formed XML: {error}") from None
    document_class = _DOCUMENT_CLASSES.get(root.tag)
    if document_class is None:
        raise BxmlError(f"BXML root must be <Response> or <Bxml>, got <{root.tag}>")
    verbs = [_verb_from_element(element, root.tag, _TOP_LEVEL) for element in root]
    document: Response | Bxml = document_class(*verbs)  # type: ignore[assignment]
    return document


def _verb_from_element(element: Element, parent: str, allowed: tuple[str, ...]) -> Any:
    verb_class = VERB_CLASSES.get(element.tag)
    if verb_class is None:
        raise BxmlError(f"unknown BXML verb <{element.tag}> in <{parent}>")
    if element.tag not in allowed:
        raise BxmlError(f"<{element.tag}> is not allowed in <{parent}>")
    values: dict[str, Any] = {}
    attributes = dict(element.attrib)
    for item in fields(verb_class):  # type: ignore[arg-type]
        meta = item.metadata
        if "xml" in meta and meta["xml"] in attributes:
            raw = attributes.pop(meta["xml"])
            values[item.name] = _convert(raw, meta["kind"], element.tag, meta["xml"])
        elif meta.get("text"):
            content = "".join(element.itertext())
            values[item.name] = content.strip() if meta["strip"] else content
        elif meta.get("children"):
            values[item.name] = tuple(
                _verb_from_element(child, element.tag, meta["children"]) for child in element
            )
    if attributes:
        raise BxmlError(f"<{element.tag}> has unknown attribute {sorted(attributes)[0]}")
    if len(element) and not _holds_content(verb_class):
        raise BxmlError(f"<{element.tag}> cannot contain <{element[0].tag}>")
    try:
        return verb_class(**values)
    except TypeError as error:
        raise BxmlError(f"<{element.tag}> is missing a required attribute ({error})") from None


def _holds_content(verb_class: type[_Verb]) -> bool:
    return any(
        item.metadata.get("text") or item.metadata.get("children")
        for item in fields(verb_class)  # type: ignore[arg-type]
    )


def _convert(raw: str, kind: type, tag: str, name: str) -> Any:
    if kind is str:
        return raw
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered not in ("true", "false"):
            raise BxmlError(f"<{tag}> {name} must be true or false: {raw!r}")
        return lowered == "true"
    try:
        number = float(raw)
    except ValueError:
        raise BxmlError(f"<{tag}> {name} must be a number: {raw!r}") from None
    if kind is int:
        if not number.is_integer():
            raise BxmlError(f"<{tag}> {name} must be a whole number: {raw!r}")
        return int(number)
    return number
