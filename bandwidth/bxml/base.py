"""What every verb shares: attribute metadata, validation, rendering, and BXML's limits."""

from __future__ import annotations

import re
from dataclasses import field, fields
from typing import Any, ClassVar
from xml.etree.ElementTree import Element

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
