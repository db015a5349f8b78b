"""How Parley shows times and phone numbers, in one place.

- ``{% when value %}``: a date and time in the viewer's time zone, in the language's one format
  (config/formats), inside ``<time datetime="ISO 8601 with offset">``.
- ``{% ago value %}``: the same as "2 min ago" for lists, the full time in its title.
- ``{% party number %}``: the number's name (the tenant's own number's friendly name or the
  contact's name) with the E.164 form as secondary text; ``{% parties list %}`` for several.
- ``{% load_names rows %}``: looks up the names of every number in ``rows`` (conversations or
  numbers) with one query, so a list does not ask once per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core import phones
from core.display import full_time, local_time, time_html

from .. import selectors

register = template.Library()
MISSING = ""


@register.simple_tag
def when(value: datetime | None) -> SafeString | str:
    return time_html(value) if value else MISSING


def relative(value: datetime, now: datetime | None = None) -> str:
    now = now or timezone.now()
    seconds = (now - value).total_seconds()
    if -60 < seconds < 60:
        return "just now"
    if 0 < seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if 0 < seconds < 6 * 3600:
        return f"{int(seconds // 3600)} h ago"
    local, today = local_time(value), local_time(now).date()
    if local.date() == today:
        return str(formats.date_format(local, "TIME_FORMAT"))
    if (today - local.date()).days == 1:
        return f"yesterday {formats.date_format(local, 'TIME_FORMAT')}"
    if local.year == today.year:
        return str(formats.date_format(local, "SHORT_DATE_FORMAT"))
    return str(formats.date_format(local, "DATE_FORMAT"))


@register.simple_tag
def ago(value: datetime | None) -> SafeString | str:
    if not value:
        return MISSING
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local_time(value).isoformat(),
        full_time(value),
        relative(value),
    )


@register.filter
def day(value: date | datetime | None) -> str:
    if not value:
        return MISSING
    if isinstance(value, datetime):
        value = local_time(value)
    return str(formats.date_format(value, "DATE_FORMAT"))


class NameDirectory:
    """The names of numbers for one request of one tenant, looked up at most once each."""

    def __init__(self, tenant: Any) -> None:
        self.tenant = tenant
        self.names: dict[str, str] = {}
        self.known: set[str] = set()

    def load(self, numbers: Iterable[str]) -> None:
        wanted = {n for n in numbers if n and n not in self.known}
        if not wanted or self.tenant is None:
            return
        self.names.update(selectors.names_for(tenant=self.tenant, numbers=wanted))
        self.known |= wanted

    def name(self, number: str) -> str:
        self.load([number])
        return self.names.get(number, "")

    def region(self) -> str:
        return self.tenant.default_region if self.tenant is not None else phones.DEFAULT_REGION


def _directory(context: template.Context) -> NameDirectory:
    request = context.get("request")
    tenant = context.get("tenant") or getattr(request, "tenant", None)
    holder: Any = request if request is not None else context
    directory = getattr(holder, "_parley_names", None)
    if directory is None or directory.tenant != tenant:
        directory = NameDirectory(tenant)
        holder._parley_names = directory
    return directory


def _numbers_of(rows: Iterable[Any]) -> list[str]:
    numbers: list[str] = []
    for row in rows:
        if isinstance(row, str):
            numbers.append(row)
        elif hasattr(row, "participants"):
            numbers.extend(row.participants)
            if getattr(row, "phone_number", None) is not None:
                numbers.append(row.phone_number.number)
        elif hasattr(row, "other_party"):
            numbers.append(row.other_party)
        elif hasattr(row, "number"):
            numbers.append(row.number)
    return numbers


@register.simple_tag(takes_context=True)
def load_names(context: template.Context, rows: Any) -> str:
    """``rows``: a list, or one conversation."""
    if hasattr(rows, "participants"):
        rows = [rows]
    _directory(context).load(_numbers_of(rows))
    return ""


def _party_html(directory: NameDirectory, number: str) -> SafeString:
    name = directory.name(number)
    shown = name or phones.format_number(number, region=directory.region())
    if shown == number:
        return format_html('<span class="party-name">{}</span>', number)
    return format_html(
        '<span class="party-name">{}</span> <span class="e164">{}</span>', shown, number
    )


@register.simple_tag(takes_context=True)
def party(context: template.Context, number: str | None) -> SafeString | str:
    if not number:
        return MISSING
    return _party_html(_directory(context), str(number))


@register.simple_tag(takes_context=True)
def parties(context: template.Context, numbers: Iterable[str]) -> SafeString:
    directory = _directory(context)
    numbers = list(numbers)
    directory.load(numbers)
    return format_html_join(", ", "{}", ((_party_html(directory, n),) for n in numbers))


@register.simple_tag(takes_context=True)
def party_text(context: template.Context, number: str | None) -> str:
    """Plain text (for titles and option labels): the name, else the readable number."""
    if not number:
        return MISSING
    directory = _directory(context)
    return directory.name(number) or phones.format_number(number, region=directory.region())


@register.filter
def duration(seconds: float | None) -> str:
    """12 s, 4 min, 1 h 5 min."""
    if seconds is None:
        return MISSING
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"
