"""How many SMS segments a text takes and in which encoding, as carriers count them.

GSM-7 fits 160 septets in one segment and 153 per segment when split (the extension table's
characters take two septets); anything outside GSM-7 goes as UCS-2: 70 UTF-16 units, 67 when split.
An MMS (media, or more than one recipient) is one segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = "GSM-7"
UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentInfo:
    segments: int
    encoding: str
    characters: int
    per_segment: int

    @property
    def summary(self) -> str:
        noun = "segment" if self.segments == 1 else "segments"
        return f"{self.segments} {noun} · {self.encoding} · {self.characters} characters"


def _gsm7_septets(text: str) -> int | None:
    septets = 0
    for char in text:
        if char in GSM7_BASIC:
            septets += 1
        elif char in GSM7_EXTENSION:
            septets += 2
        else:
            return None
    return septets


def segment_info(text: str, *, mms: bool = False) -> SegmentInfo:
    septets = _gsm7_septets(text)
    if septets is not None:
        units, single, multi, encoding = septets, 160, 153, GSM7
    else:
        units, single, multi, encoding = len(text.encode("utf-16-le")) // 2, 70, 67, UCS2
    if mms:
        return SegmentInfo(1, encoding, len(text), single)
    if units <= single:
        return SegmentInfo(1, encoding, len(text), single)
    return SegmentInfo(math.ceil(units / multi), encoding, len(text), multi)
