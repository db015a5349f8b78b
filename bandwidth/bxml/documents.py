"""`Response` and `Bxml` documents: rendered within Bandwidth's 64 KB, and parsed back."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from bandwidth.bxml.base import MAX_BXML_BYTES, XML_DECLARATION, BxmlError, BxmlTooLargeError, _Verb
from bandwidth.bxml.verbs import _TOP_LEVEL, VERB_CLASSES, Verb, _name


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
