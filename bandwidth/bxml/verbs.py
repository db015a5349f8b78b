"""The BXML verbs Parley uses, each a frozen dataclass checked when it is built."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import ClassVar

from bandwidth.bxml.base import (
    _DIVERSION_TREATMENTS,
    _DTMF_DIGITS,
    _FILE_FORMATS,
    _METHODS,
    _TAG_ATTR,
    _TEXT,
    _TEXT_VALUE,
    MAX_TAG_LENGTH,
    MAX_TRANSFER_TARGETS,
    _children,
    _freeze_children,
    _Verb,
    _xml,
)


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
