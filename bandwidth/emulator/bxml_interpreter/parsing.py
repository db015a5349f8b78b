"""A BXML reply parsed into a ``Document`` of ``Verb``s and checked against Bandwidth's limits."""

from __future__ import annotations

import math
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bandwidth.emulator.bxml_interpreter.model import Document, InvalidBxml, Verb

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
