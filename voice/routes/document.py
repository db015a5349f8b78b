"""The route document: its defaults and its validation (every error names its field)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bandwidth import bxml
from core import phones
from tenants.errors import ParleyError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


VOICES = ("julie", "kate", "susan", "dave", "paul", "bridget", "simon", "catherine", "jorge")


ACTION_TYPES = ("forward", "ring_all", "ring_sequence", "menu", "voicemail", "hangup")


ACTION_LABELS = {
    "forward": "Forward to one phone",
    "ring_all": "Ring phones at once",
    "ring_sequence": "Ring phones one after another",
    "menu": "Menu (press 1, 2, ...)",
    "voicemail": "Voicemail",
    "hangup": "Hang up",
}


MAX_RING_ALL = 8


MAX_SEQUENCE = 10


MAX_MENU_DEPTH = 3


MAX_TEXT = 1000


TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


DEFAULT_VOICEMAIL_GREETING = "Please leave a message after the tone."


DEFAULT_ANNOUNCEMENT = "This call may be recorded."


def default_config(tenant_name: str = "us") -> dict[str, Any]:
    return {
        "greeting": {"kind": "speak", "text": f"Thank you for calling {tenant_name}.", "voice": ""},
        "hours": None,
        "action": {"type": "voicemail", "greeting": ""},
        "after_hours_action": None,
        "voicemail": {"greeting": DEFAULT_VOICEMAIL_GREETING, "max_duration": 120},
        "record_calls": False,
        "record_announcement": DEFAULT_ANNOUNCEMENT,
        "missed_call_text": "",
    }


def _fail(field: str, message: str) -> ParleyError:
    return ParleyError(message, field=field, code="invalid_route")


def _text(value: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(field, "Must be text.")
    value = value.strip()
    if required and not value:
        raise _fail(field, "This text is required.")
    if len(value) > limit:
        raise _fail(field, f"At most {limit} characters.")
    try:
        bxml.SpeakSentence(value)
    except bxml.BxmlError:
        raise _fail(field, "Contains characters a call cannot speak.") from None
    return value


def _int(value: Any, field: str, low: int, high: int, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _fail(field, "Must be a whole number.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _fail(field, "Must be a whole number.") from None
    if not low <= number <= high:
        raise _fail(field, f"Must be between {low} and {high}.")
    return number


def _phone(value: Any, field: str, region: str) -> str:
    try:
        return phones.normalize_number(value, field=field, region=region)
    except phones.InvalidPhoneNumber as error:
        raise _fail(field, error.message) from None


def _phones(value: Any, field: str, most: int, region: str) -> list[str]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,]+", value) if part]
    if not isinstance(value, list) or not value:
        raise _fail(field, "Give at least one phone number.")
    if len(value) > most:
        raise _fail(field, f"At most {most} phone numbers.")
    numbers = [_phone(item, f"{field}[{index}]", region) for index, item in enumerate(value)]
    if len(set(numbers)) != len(numbers):
        raise _fail(field, "A phone number is listed twice.")
    return numbers


def validate_action(
    value: Any, field: str, depth: int = 1, region: str = phones.DEFAULT_REGION
) -> dict[str, Any]:
    """A clean action; phone numbers come out in E.164, national ones read in ``region``."""
    if not isinstance(value, dict):
        raise _fail(field, "Must be an action object with a type.")
    kind = value.get("type")
    if kind not in ACTION_TYPES:
        raise _fail(f"{field}.type", f"Must be one of {', '.join(ACTION_TYPES)}.")
    if kind == "forward":
        return {
            "type": kind,
            "to": _phone(value.get("to"), f"{field}.to", region),
            "timeout": _int(value.get("timeout"), f"{field}.timeout", 5, 120, 20),
        }
    if kind in ("ring_all", "ring_sequence"):
        most = MAX_RING_ALL if kind == "ring_all" else MAX_SEQUENCE
        return {
            "type": kind,
            "numbers": _phones(value.get("numbers"), f"{field}.numbers", most, region),
            "timeout": _int(value.get("timeout"), f"{field}.timeout", 5, 120, 20),
        }
    if kind == "voicemail":
        return {"type": kind, "greeting": _text(value.get("greeting"), f"{field}.greeting")}
    if kind == "hangup":
        return {"type": kind, "message": _text(value.get("message"), f"{field}.message")}
    if depth > MAX_MENU_DEPTH:
        raise _fail(field, f"Menus may be nested at most {MAX_MENU_DEPTH} deep.")
    options = value.get("options")
    if not isinstance(options, dict) or not options:
        raise _fail(f"{field}.options", "A menu needs at least one option (a digit 0-9).")
    clean_options = {}
    for digit, action in sorted(options.items()):
        if not isinstance(digit, str) or not re.fullmatch(r"[0-9]", digit):
            raise _fail(f"{field}.options", f"{digit!r} is not a single digit 0-9.")
        clean_options[digit] = validate_action(
            action, f"{field}.options.{digit}", depth + 1, region
        )
    default = value.get("default")
    return {
        "type": kind,
        "prompt": _text(value.get("prompt"), f"{field}.prompt", required=True),
        "options": clean_options,
        "retries": _int(value.get("retries"), f"{field}.retries", 0, 5, 1),
        "timeout": _int(value.get("timeout"), f"{field}.timeout", 1, 30, 5),
        "default": None
        if default in (None, {}, "")
        else validate_action(default, f"{field}.default", depth + 1, region),
    }


def _hours(value: Any) -> dict[str, list[list[str]]] | None:
    if value in (None, {}):
        return None
    if not isinstance(value, dict):
        raise _fail("hours", "Must map days (mon..sun) to lists of [open, close] times.")
    unknown = set(value) - set(DAYS)
    if unknown:
        raise _fail("hours", f"Unknown day {sorted(unknown)[0]!r}; use mon, tue, ..., sun.")
    clean: dict[str, list[list[str]]] = {}
    for day in DAYS:
        windows = value.get(day) or []
        if not isinstance(windows, list):
            raise _fail(f"hours.{day}", "Must be a list of [open, close] pairs.")
        clean[day] = []
        for window in windows:
            field = f"hours.{day}"
            if not (isinstance(window, list | tuple) and len(window) == 2):
                raise _fail(field, "Each window is [open, close], like ['09:00', '17:00'].")
            opens, closes = (str(part) for part in window)
            if not TIME.match(opens) or not TIME.match(closes):
                raise _fail(field, "Times are HH:MM, 00:00 to 24:00.")
            if opens >= closes:
                raise _fail(field, f"Opening {opens} must come before closing {closes}.")
            clean[day].append([opens, closes])
    return clean


def validate_config(value: Any, *, region: str = phones.DEFAULT_REGION) -> dict[str, Any]:
    """The clean route document, or a ParleyError naming the field at fault; phone numbers come
    out in E.164, national ones read in ``region`` (the tenant's)."""
    if not isinstance(value, dict):
        raise _fail("config", "The route must be a JSON object.")
    unknown = set(value) - set(default_config())
    if unknown:
        raise _fail(sorted(unknown)[0], "Unknown setting.")
    greeting = value.get("greeting") or {"kind": "none"}
    if not isinstance(greeting, dict):
        raise _fail("greeting", "Must be an object with a kind.")
    kind = greeting.get("kind") or "none"
    if kind not in ("none", "speak", "audio"):
        raise _fail("greeting.kind", "Must be none, speak or audio.")
    voice = greeting.get("voice") or ""
    if voice and voice not in VOICES:
        raise _fail("greeting.voice", f"Must be one of {', '.join(VOICES)}.")
    clean_greeting = {
        "kind": kind,
        "text": _text(greeting.get("text"), "greeting.text", required=kind == "speak"),
        "voice": voice,
    }
    hours = _hours(value.get("hours"))
    if "action" not in value or value.get("action") is None:
        raise _fail("action", "Choose what happens to a call.")
    action = validate_action(value.get("action"), "action", region=region)
    after = value.get("after_hours_action")
    after_action = (
        None if after in (None, {}) else validate_action(after, "after_hours_action", region=region)
    )
    if hours is not None and after_action is None:
        raise _fail("after_hours_action", "With business hours, choose what happens after hours.")
    voicemail = value.get("voicemail") or {}
    if not isinstance(voicemail, dict):
        raise _fail("voicemail", "Must be an object.")
    record_calls = value.get("record_calls", False)
    if not isinstance(record_calls, bool):
        raise _fail("record_calls", "Must be true or false.")
    return {
        "greeting": clean_greeting,
        "hours": hours,
        "action": action,
        "after_hours_action": after_action,
        "voicemail": {
            "greeting": _text(voicemail.get("greeting"), "voicemail.greeting")
            or DEFAULT_VOICEMAIL_GREETING,
            "max_duration": _int(
                voicemail.get("max_duration"), "voicemail.max_duration", 10, 600, 120
            ),
        },
        "record_calls": record_calls,
        "record_announcement": _text(value.get("record_announcement"), "record_announcement")
        or DEFAULT_ANNOUNCEMENT,
        "missed_call_text": _text(value.get("missed_call_text"), "missed_call_text", limit=480),
    }


def dial_targets(config: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every phone a clean route may dial, as ``(field, E.164)``: ``action.to``,
    ``after_hours_action.numbers[1]``, ``action.options.2.to``, ..."""

    def walk(action: dict[str, Any] | None, field: str) -> Iterator[tuple[str, str]]:
        if not action:
            return
        if action["type"] == "forward":
            yield f"{field}.to", action["to"]
        elif action["type"] in ("ring_all", "ring_sequence"):
            for index, number in enumerate(action["numbers"]):
                yield f"{field}.numbers[{index}]", number
        elif action["type"] == "menu":
            for digit, option in action["options"].items():
                yield from walk(option, f"{field}.options.{digit}")
            yield from walk(action["default"], f"{field}.default")

    yield from walk(config.get("action"), "action")
    yield from walk(config.get("after_hours_action"), "after_hours_action")
