"""A number's call route: its JSON shape, its validation, and the BXML it answers with.

A route document looks like::

    {"greeting": {"kind": "speak", "text": "Thanks for calling Acme.", "voice": "julie"},
     "hours": {"mon": [["09:00", "17:00"]], ..., "sun": []},      # or null: always open
     "action": {...}, "after_hours_action": {...},
     "voicemail": {"greeting": "Please leave a message after the tone.", "max_duration": 120},
     "record_calls": false, "record_announcement": "This call may be recorded.",
     "missed_call_text": "Sorry we missed your call, we will call you back."}

and an action is one of::

    {"type": "forward", "to": "+1...", "timeout": 20}
    {"type": "ring_all", "numbers": ["+1...", ...], "timeout": 20}          # up to 8 at once
    {"type": "ring_sequence", "numbers": ["+1...", ...], "timeout": 15}     # one after another
    {"type": "menu", "prompt": "...", "options": {"1": action, ...}, "retries": 1,
     "timeout": 5, "default": action | null}
    {"type": "voicemail", "greeting": "..."}                                 # greeting optional
    {"type": "hangup", "message": "..."}

Steps of a call are addressed by paths (``main``, ``after``, ``main.2``, ``main.default``,
``vm``) carried in the query string of the callback URLs Parley puts in its BXML, so every
callback is answered from the compiled route alone. All text goes through bandwidth.bxml, which
builds XML with ElementTree: a greeting cannot inject verbs.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from bandwidth import bxml
from core import phones
from core.destinations import DestinationNotAllowed, DestinationRules, destination_check
from tenants.errors import ParleyError
from tenants.tokens import digest_matches, keyed_digest

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
WEBHOOK_PATH = "/webhooks/bandwidth/voice/"
UNOWNED_TEXT = "Sorry, this number is not in service. Goodbye."
INVALID_CHOICE = "Sorry, that is not a valid choice."
NO_CHOICE = "Sorry, we did not get your choice."
GOODBYE = "Thank you for calling. Goodbye."
VOICEMAIL_THANKS = "Thank you for your message. Goodbye."
REFUSED_TEXT = "Your account may not call this number. Goodbye."
ANSWERED_CAUSE = "hangup"

logger = logging.getLogger(__name__)


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


# --- validation ----------------------------------------------------------------------------------


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


# --- compiled route and its BXML -----------------------------------------------------------------


def destinations_of(rules: DestinationRules) -> dict[str, Any]:
    """The tenant's call rules as the compiled route carries them (serialisable)."""
    return {
        "countries": sorted(rules.countries),
        "allow_premium": rules.allow_premium,
        "allow_international_networks": rules.allow_international_networks,
    }


def _rules(compiled: dict[str, Any]) -> DestinationRules:
    given = compiled.get("destinations")
    if not given:
        return DestinationRules()
    return DestinationRules.of(
        given["countries"],
        allow_premium=given["allow_premium"],
        allow_international_networks=given["allow_international_networks"],
    )


def dialable(compiled: dict[str, Any], number: str) -> bool:
    """Whether the tenant may dial ``number`` now. A route saved when it was allowed keeps the
    number, but its BXML skips it once the tenant's rules refuse it."""
    try:
        destination_check(number, rules=_rules(compiled))
    except DestinationNotAllowed as refused:
        logger.warning(
            "route of number %s skips %s: %s",
            compiled.get("phone_number_id"),
            number,
            refused.reason,
        )
        return False
    return True


def _next_dialable(compiled: dict[str, Any], numbers: list[str], start: int) -> int | None:
    return next(
        (index for index in range(start, len(numbers)) if dialable(compiled, numbers[index])),
        None,
    )


def webhook_url(**params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    base = f"{settings.PUBLIC_BASE_URL}{WEBHOOK_PATH}"
    return f"{base}?{query}" if query else base


def _url(compiled: dict[str, Any], **params: Any) -> str:
    """A callback URL of this call: its Parley id and the step travel in the query string."""
    return webhook_url(call=compiled.get("call"), **params)


CALL_CALLBACK_PURPOSE = "voice-call-callback"


def callback_credentials(call_pk: int) -> tuple[str, str]:
    """The Basic credentials Bandwidth sends on one call's callbacks (given on create-call and on
    every verb with a callback URL): ``v-<call pk>`` and a password derived from the server key,
    so nothing is stored and a repeated webhook gets the same BXML."""
    return f"v-{call_pk}", keyed_digest(str(call_pk), purpose=CALL_CALLBACK_PURPOSE)


def call_callback_password_matches(call_pk: int, password: str) -> bool:
    """Checked under SECRET_KEY and its fallbacks, so calls in progress survive a key rotation."""
    return digest_matches(str(call_pk), password, purpose=CALL_CALLBACK_PURPOSE)


def with_call(compiled: dict[str, Any], call_pk: int) -> dict[str, Any]:
    username, password = callback_credentials(call_pk)
    return {**compiled, "call": call_pk, "auth": {"username": username, "password": password}}


def _user(compiled: dict[str, Any]) -> str | None:
    """The username attribute for a verb's callbacks (none in previews)."""
    auth = compiled.get("auth") or {}
    return auth.get("username")


def _password(compiled: dict[str, Any]) -> str | None:
    auth = compiled.get("auth") or {}
    return auth.get("password")


def is_open(compiled: dict[str, Any], now: datetime | None = None) -> bool:
    hours = compiled["config"]["hours"]
    if hours is None:
        return True
    moment = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(compiled["timezone"]))
    day = DAYS[moment.weekday()]
    clock = moment.strftime("%H:%M")
    return any(opens <= clock < closes for opens, closes in hours.get(day, []))


def action_at(compiled: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The action a step path names, or None when the route no longer has it."""
    config = compiled["config"]
    parts = path.split(".")
    root = parts[0]
    if root == "vm":
        return {"type": "voicemail", "greeting": ""} if len(parts) == 1 else None
    action = {"main": config["action"], "after": config["after_hours_action"]}.get(root)
    for part in parts[1:]:
        if action is None or action.get("type") != "menu":
            return None
        action = action["default"] if part == "default" else action["options"].get(part)
    return action


def _speak(compiled: dict[str, Any], text: str) -> bxml.SpeakSentence:
    voice = compiled["config"]["greeting"].get("voice") or None
    return bxml.SpeakSentence(text, voice=voice)


def greeting_verbs(compiled: dict[str, Any]) -> list[bxml.Verb]:
    greeting = compiled["config"]["greeting"]
    if greeting["kind"] == "speak" and greeting["text"]:
        return [_speak(compiled, greeting["text"])]
    if greeting["kind"] == "audio" and compiled.get("audio_url"):
        return [bxml.PlayAudio(compiled["audio_url"])]
    return []


def initiate_response(compiled: dict[str, Any], *, open_now: bool) -> bxml.Response:
    config = compiled["config"]
    verbs: list[bxml.Verb] = []
    if config["record_calls"]:
        verbs.append(_speak(compiled, config["record_announcement"]))
        verbs.append(
            bxml.StartRecording(
                recording_available_url=_url(compiled, kind="call"),
                file_format="wav",
                username=_user(compiled),
                password=_password(compiled),
            )
        )
    verbs.extend(greeting_verbs(compiled))
    path = "main" if open_now or config["after_hours_action"] is None else "after"
    verbs.extend(action_verbs(compiled, path, caller_id=None))
    return bxml.Response(*verbs)


def action_verbs(
    compiled: dict[str, Any], path: str, *, caller_id: str | None, attempt: int = 1, index: int = 0
) -> list[bxml.Verb]:
    action = action_at(compiled, path)
    if action is None:
        return [_speak(compiled, GOODBYE), bxml.Hangup()]
    kind = action["type"]
    if kind in ("forward", "ring_all"):
        targets = [action["to"]] if kind == "forward" else action["numbers"]
        numbers = [number for number in targets if dialable(compiled, number)]
        if not numbers:
            return voicemail_verbs(compiled, "vm", "")
        return [_transfer(compiled, path, numbers, action["timeout"], caller_id)]
    if kind == "ring_sequence":
        numbers = action["numbers"]
        found = _next_dialable(compiled, numbers, index)
        if found is None:
            return voicemail_verbs(compiled, "vm", "")
        return [
            _transfer(compiled, path, [numbers[found]], action["timeout"], caller_id, index=found)
        ]
    if kind == "menu":
        return [_gather(compiled, path, action, attempt)]
    if kind == "voicemail":
        return voicemail_verbs(compiled, path, action.get("greeting") or "")
    message = action.get("message") or ""
    verbs: list[bxml.Verb] = [_speak(compiled, message)] if message else []
    return [*verbs, bxml.Hangup()]


def _transfer(
    compiled: dict[str, Any],
    path: str,
    numbers: list[str],
    timeout: int,
    caller_id: str | None,
    index: int | None = None,
) -> bxml.Transfer:
    return bxml.Transfer(
        [
            bxml.PhoneNumber(
                number,
                transfer_answer_url=_url(compiled, step=path, idx=index),
                username=_user(compiled),
                password=_password(compiled),
            )
            for number in numbers
        ],
        transfer_caller_id=caller_id,
        call_timeout=float(timeout),
        transfer_complete_url=_url(compiled, step=path, idx=index),
        username=_user(compiled),
        password=_password(compiled),
    )


def _gather(
    compiled: dict[str, Any], path: str, action: dict[str, Any], attempt: int
) -> bxml.Gather:
    return bxml.Gather(
        [_speak(compiled, action["prompt"])],
        gather_url=_url(compiled, step=path, attempt=attempt),
        max_digits=1,
        first_digit_timeout=action["timeout"],
        username=_user(compiled),
        password=_password(compiled),
    )


def voicemail_verbs(compiled: dict[str, Any], path: str, greeting: str) -> list[bxml.Verb]:
    settings_ = compiled["config"]["voicemail"]
    hook = _url(compiled, step=path, kind="voicemail")
    return [
        _speak(compiled, greeting or settings_["greeting"]),
        bxml.Record(
            record_complete_url=hook,
            recording_available_url=hook,
            transcribe=True,
            transcription_available_url=hook,
            max_duration=settings_["max_duration"],
            file_format="wav",
            username=_user(compiled),
            password=_password(compiled),
        ),
    ]


def gather_response(
    compiled: dict[str, Any], path: str, digits: str, attempt: int, caller_id: str | None
) -> tuple[bxml.Response, str]:
    """The reply to a menu choice and a word for the call's trail."""
    menu = action_at(compiled, path)
    if menu is None or menu.get("type") != "menu":
        return bxml.Response(_speak(compiled, GOODBYE), bxml.Hangup()), "menu gone"
    if digits and digits in menu["options"]:
        chosen = f"{path}.{digits}"
        return bxml.Response(*action_verbs(compiled, chosen, caller_id=caller_id)), chosen
    apology = INVALID_CHOICE if digits else NO_CHOICE
    if attempt <= menu["retries"]:
        return (
            bxml.Response(_speak(compiled, apology), _gather(compiled, path, menu, attempt + 1)),
            f"{path} retry",
        )
    if menu["default"] is not None:
        chosen = f"{path}.default"
        verbs = action_verbs(compiled, chosen, caller_id=caller_id)
        return bxml.Response(_speak(compiled, apology), *verbs), chosen
    return bxml.Response(_speak(compiled, apology), _speak(compiled, GOODBYE), bxml.Hangup()), (
        f"{path} no choice"
    )


def transfer_complete_response(
    compiled: dict[str, Any], path: str, cause: str, index: int, caller_id: str | None
) -> tuple[bxml.Response, str]:
    """After a transfer: done when answered; else the next phone in line, else voicemail."""
    if cause == ANSWERED_CAUSE:
        return bxml.Response(bxml.Hangup()), "answered"
    action = action_at(compiled, path)
    if action is not None and action["type"] == "ring_sequence":
        following = _next_dialable(compiled, action["numbers"], index + 1)
        if following is not None:
            verbs = action_verbs(compiled, path, caller_id=caller_id, index=following)
            return bxml.Response(*verbs), f"{path} next {following}"
    return bxml.Response(*voicemail_verbs(compiled, "vm", "")), "voicemail"


def unowned_response() -> bxml.Response:
    return bxml.Response(bxml.SpeakSentence(UNOWNED_TEXT), bxml.Hangup())


def click_to_call_response(
    *, customer: str, caller_id: str, call_pk: int, record: bool
) -> bxml.Response:
    username, password = callback_credentials(call_pk)
    verbs: list[bxml.Verb] = [bxml.SpeakSentence("Connecting your call.")]
    if record:
        verbs.append(
            bxml.StartRecording(
                recording_available_url=webhook_url(call=call_pk, kind="call"),
                file_format="wav",
                username=username,
                password=password,
            )
        )
    verbs.append(
        bxml.Transfer(
            [bxml.PhoneNumber(customer)],
            transfer_caller_id=caller_id,
            call_timeout=30.0,
            transfer_complete_url=webhook_url(call=call_pk, step="c2c"),
            username=username,
            password=password,
        )
    )
    return bxml.Response(*verbs)


def preview_cases(compiled: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, BXML) for each case a caller can meet; shown in the route editor."""
    caller = "+15550100000"
    config = compiled["config"]
    cases = [("Incoming call, open", initiate_response(compiled, open_now=True))]
    if config["after_hours_action"] is not None:
        cases.append(("Incoming call, after hours", initiate_response(compiled, open_now=False)))

    def walk(path: str, action: dict[str, Any] | None) -> None:
        if action is None:
            return
        if action["type"] == "menu":
            for digit in action["options"]:
                response, _ = gather_response(compiled, path, digit, 1, caller)
                cases.append((f"{path}: caller presses {digit}", response))
                walk(f"{path}.{digit}", action["options"][digit])
            wrong = next((d for d in "9876543210" if d not in action["options"]), "")
            if wrong:
                response, _ = gather_response(compiled, path, wrong, 1, caller)
                cases.append((f"{path}: wrong digit {wrong}", response))
            response, _ = gather_response(compiled, path, "", action["retries"] + 1, caller)
            cases.append((f"{path}: no choice after every retry", response))
            walk(f"{path}.default", action["default"])
        elif action["type"] in ("forward", "ring_all", "ring_sequence"):
            response, _ = transfer_complete_response(compiled, path, "timeout", 0, caller)
            cases.append((f"{path}: nobody answers", response))

    walk("main", config["action"])
    walk("after", config["after_hours_action"])
    return [(label, response.to_xml()) for label, response in cases]
