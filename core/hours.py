"""Business hours: a week of open windows per day in a time zone, like
``{"mon": [["09:00", "17:00"]], ...}`` (times HH:MM, 00:00 to 24:00). One reading of them for every
app: voice routes calls by them, messaging sends its after-hours text by them."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from .errors import ParleyError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")

Hours = dict[str, list[list[str]]]


def is_open(hours: Hours | None, tz: str, now: datetime) -> bool:
    """Empty hours mean always open."""
    if not hours:
        return True
    moment = now.astimezone(zoneinfo.ZoneInfo(tz))
    clock = moment.strftime("%H:%M")
    return any(opens <= clock < closes for opens, closes in hours.get(DAYS[moment.weekday()], []))


def next_opening(hours: Hours, tz: str, now: datetime) -> datetime | None:
    """When the business next opens after ``now`` (aware), or None when it never does."""
    zone = zoneinfo.ZoneInfo(tz)
    moment = now.astimezone(zone)
    for offset in range(8):
        day = (moment + timedelta(days=offset)).date()
        for opens, _closes in sorted(hours.get(DAYS[day.weekday()], [])):
            if opens == "24:00":
                continue
            start = datetime.combine(day, time.fromisoformat(opens), tzinfo=zone)
            if start > moment:
                return start
    return None


def clean_hours(value: Any, *, field: str = "hours") -> Hours:
    """Checked and normalised hours; ParleyError naming ``field.day`` otherwise."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ParleyError("Give the open hours for each day, like mon 09:00-17:00.", field=field)
    unknown = set(value) - set(DAYS)
    if unknown:
        raise ParleyError(f"Unknown day {sorted(unknown)[0]!r}; use mon to sun.", field=field)
    clean: Hours = {}
    for day in DAYS:
        windows = value.get(day) or []
        if not isinstance(windows, list):
            raise ParleyError("Give [opens, closes] pairs.", field=f"{field}.{day}")
        clean[day] = []
        for window in windows:
            if not (isinstance(window, list | tuple) and len(window) == 2):
                raise ParleyError("Give [opens, closes] pairs.", field=f"{field}.{day}")
            opens, closes = (str(part) for part in window)
            if not TIME.match(opens) or not TIME.match(closes):
                raise ParleyError("Write times as HH:MM, like 09:00.", field=f"{field}.{day}")
            if opens >= closes:
                raise ParleyError(
                    "The closing time must be after the opening time.", field=f"{field}.{day}"
                )
            clean[day].append([opens, closes])
    return clean
