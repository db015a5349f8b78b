"""The compiled route and its BXML replies: business hours, greeting, forward, ring groups, menus,
voicemail, click-to-call; every verb callback with per-call credentials."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from bandwidth import bxml
from core import hours as business_hours
from core.destinations import DestinationNotAllowed, DestinationRules, destination_check
from tenants.tokens import digest_matches, keyed_digest

WEBHOOK_PATH = "/webhooks/bandwidth/voice/"


UNOWNED_TEXT = "Sorry, this number is not in service. Goodbye."


INVALID_CHOICE = "Sorry, that is not a valid choice."


NO_CHOICE = "Sorry, we did not get your choice."


GOODBYE = "Thank you for calling. Goodbye."


VOICEMAIL_THANKS = "Thank you for your message. Goodbye."


REFUSED_TEXT = "Your account may not call this number. Goodbye."


ANSWERED_CAUSE = "hangup"


logger = logging.getLogger(__name__)


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
    return business_hours.is_open(
        compiled["config"]["hours"], compiled["timezone"], now or timezone.now()
    )


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
