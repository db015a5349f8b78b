"""The route editor: plain form fields that become (and come from) a route document.

The form covers one menu level (digits 1-9, each forwarding, ringing, taking a voicemail or hanging
up); deeper menus are written in the JSON box on the same page or through the API.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from core import phones
from tenants.errors import ParleyError

from . import routes

ACTION_CHOICES = [(kind, routes.ACTION_LABELS[kind]) for kind in routes.ACTION_TYPES]
LEAF_CHOICES = [("", "(not used)")] + [
    (kind, routes.ACTION_LABELS[kind]) for kind in routes.ACTION_TYPES if kind != "menu"
]
VOICE_CHOICES = [("", "Default voice")] + [(voice, voice.title()) for voice in routes.VOICES]
DAY_CHOICES = [(day, day.title()) for day in routes.DAYS]
DIGITS = "123456789"


def _numbers_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "+19195551234, one per line"}),
    )


class RouteForm(forms.Form):
    greeting_kind = forms.ChoiceField(
        label="Greeting",
        choices=[("none", "No greeting"), ("speak", "Text to speech"), ("audio", "Audio file")],
    )
    greeting_text = forms.CharField(label="Greeting text", required=False, max_length=1000)
    greeting_voice = forms.ChoiceField(label="Voice", choices=VOICE_CHOICES, required=False)
    greeting_audio = forms.FileField(label="Greeting audio (MP3 or WAV)", required=False)

    hours_enabled = forms.BooleanField(label="Use business hours", required=False)
    hours_days = forms.MultipleChoiceField(
        label="Open on", choices=DAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    hours_open = forms.CharField(label="Opens at (HH:MM)", required=False, initial="09:00")
    hours_close = forms.CharField(label="Closes at (HH:MM)", required=False, initial="17:00")

    main_type = forms.ChoiceField(label="When a call comes in", choices=ACTION_CHOICES)
    main_numbers = _numbers_field("Phones")
    main_timeout = forms.IntegerField(label="Ring timeout (seconds)", required=False, initial=20)
    main_text = forms.CharField(
        label="Message (hang up) or voicemail greeting", required=False, max_length=1000
    )
    menu_prompt = forms.CharField(label="Menu prompt", required=False, max_length=1000)
    menu_retries = forms.IntegerField(label="Retries", required=False, initial=1, min_value=0)
    menu_timeout = forms.IntegerField(label="Wait for a digit (seconds)", required=False, initial=5)
    menu_default_type = forms.ChoiceField(
        label="When no valid choice", choices=LEAF_CHOICES, required=False
    )
    menu_default_numbers = _numbers_field("Phones")

    after_type = forms.ChoiceField(
        label="After hours", choices=LEAF_CHOICES, required=False, initial="voicemail"
    )
    after_numbers = _numbers_field("Phones")
    after_text = forms.CharField(label="After-hours message", required=False, max_length=1000)

    voicemail_greeting = forms.CharField(label="Voicemail greeting", required=False)
    voicemail_max_duration = forms.IntegerField(
        label="Longest message (seconds)", required=False, initial=120
    )
    record_calls = forms.BooleanField(label="Record calls", required=False)
    record_announcement = forms.CharField(label="Recording announcement", required=False)
    missed_call_text = forms.CharField(
        label="Text back after a missed call (empty: none)",
        required=False,
        max_length=480,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    config_json = forms.CharField(
        label="Route as JSON (replaces the fields above when filled in)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for digit in DIGITS:
            self.fields[f"option_{digit}_type"] = forms.ChoiceField(
                label=f"Press {digit}",
                choices=LEAF_CHOICES,
                required=False,
                widget=forms.Select(attrs={"aria-label": f"Action for {digit}"}),
            )
            self.fields[f"option_{digit}_numbers"] = forms.CharField(
                label=f"Phones for {digit}",
                required=False,
                widget=forms.TextInput(attrs={"aria-label": f"Phones for {digit}"}),
            )

    def add_route_error(self, exc: ParleyError, *, region: str) -> None:
        """A refusal of the route document, put next to the field that caused it, in words."""
        path = exc.field or ""
        field = route_error_field(path, self.cleaned_data.get("main_type", ""))
        if field is None or field not in self.fields:
            self.add_error(None, exc.message)
            return
        self.add_error(field, route_error_words(path, exc, region=region))

    def mark_invalid(self) -> None:
        """Fields with errors say so to assistive technology and point at their message."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}-error"

    def option_rows(self) -> list[tuple[str, Any, Any]]:
        return [
            (digit, self[f"option_{digit}_type"], self[f"option_{digit}_numbers"])
            for digit in DIGITS
        ]

    # --- form → document

    def clean_config_json(self) -> Any:
        text = self.cleaned_data.get("config_json", "")
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"The JSON is not valid: {exc}") from None

    def to_config(self) -> Any:
        data = self.cleaned_data
        if data.get("config_json") is not None:
            return data["config_json"]
        hours = None
        if data.get("hours_enabled"):
            window = [data.get("hours_open") or "", data.get("hours_close") or ""]
            hours = {day: ([window] if day in data["hours_days"] else []) for day in routes.DAYS}
        after = None
        if data.get("hours_enabled") and data.get("after_type"):
            after = _leaf(data["after_type"], data["after_numbers"], data["after_text"], 20)
        return {
            "greeting": {
                "kind": data["greeting_kind"],
                "text": data.get("greeting_text", ""),
                "voice": data.get("greeting_voice", ""),
            },
            "hours": hours,
            "action": self._main_action(),
            "after_hours_action": after,
            "voicemail": {
                "greeting": data.get("voicemail_greeting", ""),
                "max_duration": data.get("voicemail_max_duration"),
            },
            "record_calls": bool(data.get("record_calls")),
            "record_announcement": data.get("record_announcement", ""),
            "missed_call_text": data.get("missed_call_text", ""),
        }

    def _main_action(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["main_type"]
        timeout = data.get("main_timeout")
        if kind != "menu":
            return _leaf(kind, data["main_numbers"], data["main_text"], timeout)
        options = {}
        for digit in DIGITS:
            option_kind = data.get(f"option_{digit}_type")
            if option_kind:
                options[digit] = _leaf(
                    option_kind, data.get(f"option_{digit}_numbers", ""), "", timeout
                )
        default = None
        if data.get("menu_default_type"):
            default = _leaf(data["menu_default_type"], data["menu_default_numbers"], "", timeout)
        return {
            "type": "menu",
            "prompt": data.get("menu_prompt", ""),
            "options": options,
            "retries": data.get("menu_retries"),
            "timeout": data.get("menu_timeout"),
            "default": default,
        }


def _leaf(kind: str, numbers: str, text: str, timeout: Any) -> dict[str, Any]:
    phones = [part for part in numbers.replace(",", "\n").split() if part]
    if kind == "forward":
        return {"type": kind, "to": phones[0] if phones else "", "timeout": timeout}
    if kind in ("ring_all", "ring_sequence"):
        return {"type": kind, "numbers": phones, "timeout": timeout}
    if kind == "voicemail":
        return {"type": kind, "greeting": text}
    if kind == "hangup":
        return {"type": kind, "message": text}
    return {"type": kind}


# --- the route document's errors → the form's fields, in words

_MAIN_LEAF = {
    "to": "main_numbers",
    "numbers": "main_numbers",
    "timeout": "main_timeout",
    "greeting": "main_text",
    "message": "main_text",
    "type": "main_type",
}
_MENU_LEAF = {"prompt": "menu_prompt", "retries": "menu_retries", "timeout": "menu_timeout"}


def route_error_field(path: str, main_type: str) -> str | None:
    """The form field that holds what a route document path names (None: the JSON box or
    nothing the form shows)."""
    parts = [part for part in re.split(r"[.\[\]]", path) if part]
    if not parts:
        return None
    root, rest = parts[0], parts[1:]
    leaf = rest[0] if rest else ""
    if root == "action":
        if leaf == "options" and len(rest) > 1 and rest[1] in DIGITS:
            return f"option_{rest[1]}_numbers"
        if leaf == "options":
            return "option_1_type"
        if leaf == "default":
            return "menu_default_numbers"
        if main_type == "menu" and leaf in _MENU_LEAF:
            return _MENU_LEAF[leaf]
        return _MAIN_LEAF.get(leaf, "main_type")
    if root == "after_hours_action":
        return "after_numbers" if leaf in ("to", "numbers") else "after_text"
    if root == "hours":
        return "hours_open"
    if root == "greeting":
        return {"text": "greeting_text", "voice": "greeting_voice"}.get(leaf, "greeting_kind")
    if root == "voicemail":
        return "voicemail_max_duration" if leaf == "max_duration" else "voicemail_greeting"
    if root in ("record_announcement", "missed_call_text", "record_calls"):
        return root
    return None


def example_phone(region: str) -> str:
    """A number as the tenant would dial it, for hints: (919) 555-0123 in the US and Canada."""
    if region in ("US", "CA"):
        return "(919) 555-0123"
    return phones.example_national(region)


def route_error_words(path: str, exc: ParleyError, *, region: str) -> str:
    """A phone the document could not read becomes an instruction; other refusals (a destination
    the tenant may not call, too many phones) keep their own words."""
    parts = [part for part in re.split(r"[.\[\]]", path) if part]
    unreadable = exc.code == "invalid_route" and not exc.message.startswith(("At most", "A phone"))
    if unreadable and "to" in parts:
        return f"Enter the phone to forward to, like {example_phone(region)}."
    if unreadable and "numbers" in parts:
        return f"Enter the phones to ring, one per line, like {example_phone(region)}."
    return exc.message


# --- document → form


def _leaf_initial(action: dict[str, Any] | None) -> tuple[str, str, str]:
    if not action:
        return "", "", ""
    kind = action["type"]
    if kind == "forward":
        return kind, action.get("to", ""), ""
    if kind in ("ring_all", "ring_sequence"):
        return kind, "\n".join(action.get("numbers", [])), ""
    return kind, "", action.get("greeting") or action.get("message") or ""


def initial_from_config(config: dict[str, Any]) -> dict[str, Any]:
    greeting = config.get("greeting") or {}
    initial: dict[str, Any] = {
        "greeting_kind": greeting.get("kind", "none"),
        "greeting_text": greeting.get("text", ""),
        "greeting_voice": greeting.get("voice", ""),
        "voicemail_greeting": config.get("voicemail", {}).get("greeting", ""),
        "voicemail_max_duration": config.get("voicemail", {}).get("max_duration", 120),
        "record_calls": config.get("record_calls", False),
        "record_announcement": config.get("record_announcement", ""),
        "missed_call_text": config.get("missed_call_text", ""),
        "config_json": "",
    }
    hours = config.get("hours")
    if hours:
        initial["hours_enabled"] = True
        initial["hours_days"] = [day for day in routes.DAYS if hours.get(day)]
        first = next((hours[day][0] for day in routes.DAYS if hours.get(day)), None)
        if first:
            initial["hours_open"], initial["hours_close"] = first
    after_kind, after_numbers, after_text = _leaf_initial(config.get("after_hours_action"))
    initial.update(after_type=after_kind, after_numbers=after_numbers, after_text=after_text)
    action = config.get("action") or {}
    initial["main_type"] = action.get("type", "voicemail")
    initial["main_timeout"] = action.get("timeout", 20)
    if action.get("type") == "menu":
        initial.update(
            menu_prompt=action.get("prompt", ""),
            menu_retries=action.get("retries", 1),
            menu_timeout=action.get("timeout", 5),
        )
        for digit, option in action.get("options", {}).items():
            kind, numbers, _ = _leaf_initial(option)
            initial[f"option_{digit}_type"] = kind
            initial[f"option_{digit}_numbers"] = numbers.replace("\n", ", ")
        kind, numbers, _ = _leaf_initial(action.get("default"))
        initial.update(menu_default_type=kind, menu_default_numbers=numbers)
    else:
        _, numbers, text = _leaf_initial(action)
        initial.update(main_numbers=numbers, main_text=text)
    return initial


class BlockForm(forms.Form):
    number = forms.CharField(label="Number", max_length=32)
    reason = forms.CharField(label="Reason", max_length=200, required=False)


class DialerForm(forms.Form):
    """The dialer: any number, from one of the tenant's numbers, ringing my phone first."""

    to = forms.CharField(label="Number to call", max_length=32)
    from_number = forms.ChoiceField(label="Call from", choices=())
    agent = forms.CharField(label="Your phone (rings first)", max_length=32)

    def __init__(self, *args: Any, numbers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_number"].choices = [(n.number, n.display_name) for n in numbers]
        self.fields["to"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "off", "placeholder": "(919) 555-0123"}
        )
        self.fields["agent"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


class DialForm(forms.Form):
    to = forms.CharField(max_length=32)
    from_number = forms.CharField(max_length=32, required=False)
    agent = forms.CharField(max_length=32, required=False)
