"""``BxmlInterpreter``: each verb's semantics, run against one ``CallLeg``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from bandwidth.emulator.bxml_interpreter.model import (
    CallLeg,
    Document,
    RecordingFacts,
    RecordingRequest,
    RecordRequest,
    TransferRequest,
    TransferTarget,
    Verb,
    Webhook,
)
from bandwidth.emulator.bxml_interpreter.parsing import TRANSFER_TARGETS, parse_document

SPOKEN_WORDS_PER_SECOND = 2.5
PLAY_AUDIO_SECONDS = 2.0


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
