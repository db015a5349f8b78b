"""BXML documents built with ElementTree: verbs are dataclasses, rendering never formats strings.

`Response` answers a voice webhook; `Bxml` is the body of `PUT /calls/{callId}/bxml`.
`parse_bxml` rebuilds the same objects from XML (used for round trips and the emulator).
Attributes follow Bandwidth's camelCase names; limits follow Bandwidth's BXML documentation.
"""

from bandwidth.bxml.base import (
    MAX_BXML_BYTES,
    MAX_TAG_LENGTH,
    MAX_TRANSFER_TARGETS,
    XML_DECLARATION,
    BxmlError,
    BxmlTooLargeError,
)
from bandwidth.bxml.documents import Bxml, BxmlDocument, Response, parse_bxml
from bandwidth.bxml.verbs import (
    VERB_CLASSES,
    Forward,
    Gather,
    Hangup,
    Pause,
    PauseRecording,
    PhoneNumber,
    PlayAudio,
    Record,
    Redirect,
    ResumeRecording,
    Ring,
    SendDtmf,
    SpeakSentence,
    StartRecording,
    StopRecording,
    Tag,
    Transfer,
    Verb,
)

__all__ = [
    "MAX_BXML_BYTES",
    "MAX_TAG_LENGTH",
    "MAX_TRANSFER_TARGETS",
    "VERB_CLASSES",
    "XML_DECLARATION",
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
