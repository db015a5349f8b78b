"""What every callback parser shares: its errors, field readers, times and the v1 check."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from datetime import UTC, datetime
from typing import Any, TypeVar


class CallbackParseError(ValueError):
    """A webhook body that is not a well-formed Bandwidth callback."""


class LegacyCallbackError(CallbackParseError):
    """A retired Bandwidth v1 (Catapult) callback, which Parley does not accept."""


# --- field readers -------------------------------------------------------------------------------

Reader = Callable[[Mapping[str, Any], str, str], Any]
T = TypeVar("T")


def _json(key: str, read: Reader) -> dict[str, Any]:
    """Field metadata: the value comes from JSON key `key`, read by `read`."""
    return {"key": key, "read": read}


def _missing(path: str, key: str) -> CallbackParseError:
    return CallbackParseError(f"{path}.{key} is missing")


def _wrong_type(path: str, key: str, expected: str, value: object) -> CallbackParseError:
    return CallbackParseError(f"{path}.{key} must be {expected}, got {type(value).__name__}")


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong_type(path, key, "a string", value)
    return value


def _req_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _opt_str(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(path, key, "an integer", value)
    return value


def _req_int(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = _opt_int(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _opt_time(obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
    text = _opt_str(obj, key, path)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise CallbackParseError(f"{path}.{key} is not a timestamp: {text!r}") from None


def _req_time(obj: Mapping[str, Any], key: str, path: str) -> datetime:
    value = _opt_time(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _str_tuple(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _wrong_type(path, key, "an array", value)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _wrong_type(path, f"{key}[{index}]", "a string", item)
    return tuple(value)


def _req_str_tuple(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = _str_tuple(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _opt_str_tuple(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    return _str_tuple(obj, key, path) or ()


def _opt_str_map(obj: Mapping[str, Any], key: str, path: str) -> dict[str, str] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _wrong_type(path, key, "an object of strings", value)
    return dict(value)


def _choice(*allowed: str) -> Reader:
    def read(obj: Mapping[str, Any], key: str, path: str) -> str:
        value = _req_str(obj, key, path)
        if value not in allowed:
            raise CallbackParseError(f"{path}.{key} must be one of {', '.join(allowed)}: {value!r}")
        return value

    return read


def _nested(cls: type[Any], *, required: bool = False) -> Reader:
    def read(obj: Mapping[str, Any], key: str, path: str) -> Any:
        value = obj.get(key)
        if value is None:
            if required:
                raise _missing(path, key)
            return None
        if not isinstance(value, dict):
            raise _wrong_type(path, key, "an object", value)
        return _build(cls, value, f"{path}.{key}")

    return read


def _build(cls: type[T], obj: Mapping[str, Any], path: str) -> T:
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if "read" in item.metadata:
            values[item.name] = item.metadata["read"](obj, item.metadata["key"], path)
        elif item.name == "raw":
            values["raw"] = dict(obj)
        elif item.default is MISSING and item.default_factory is MISSING:
            raise TypeError(f"{cls.__name__}.{item.name} has no reader")
    return cls(**values)


# --- timestamps and durations --------------------------------------------------------------------


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp as an aware UTC datetime; a missing offset means UTC."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso_duration(text: str) -> float:
    """Seconds in an ISO-8601 duration such as Bandwidth's recording `PT13.67S`."""
    match = _ISO_DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    return (
        parts.get("days", 0.0) * 86400
        + parts.get("hours", 0.0) * 3600
        + parts.get("minutes", 0.0) * 60
        + parts.get("seconds", 0.0)
    )


# --- legacy v1 detection -------------------------------------------------------------------------

_V1_MESSAGING_EVENTS = frozenset({"sms", "mms"})
_V1_ONLY_VOICE_EVENTS = frozenset(
    {"incomingcall", "hangup", "speak", "playback", "recording", "timeout", "reject"}
)


def _legacy_kind(obj: Mapping[str, Any]) -> str | None:
    event_type = obj.get("eventType")
    if event_type in _V1_MESSAGING_EVENTS:
        return "messaging"
    if "callUri" in obj or event_type in _V1_ONLY_VOICE_EVENTS:
        return "voice"
    return None


def _reject_legacy(obj: Mapping[str, Any], where: str) -> None:
    kind = _legacy_kind(obj)
    if kind is not None:
        raise LegacyCallbackError(
            f"{where} is a retired Bandwidth v1 (Catapult) {kind} callback "
            f"(eventType {obj.get('eventType')!r}); Parley accepts only v2 callbacks"
        )


def _load_json(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CallbackParseError(f"body is not valid JSON: {error}") from None
