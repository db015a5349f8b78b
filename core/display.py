"""How Parley writes a time for people: in the viewer's time zone (activated per request) and
in the language's one format (config/formats). Templates reach it through ``{% when %}``; code
that builds HTML in Python for speed calls it directly."""

from __future__ import annotations

from datetime import datetime

from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString


def local_time(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def full_time(value: datetime) -> str:
    return str(dateformat.format(local_time(value), formats.get_format("DATETIME_FORMAT")))


def time_html(value: datetime) -> SafeString:
    """``<time datetime="ISO 8601 with offset">`` around the full local time (both are made of
    digits, month abbreviations and punctuation, nothing to escape)."""
    return SafeString(f'<time datetime="{local_time(value).isoformat()}">{full_time(value)}</time>')
