"""Canned replies' variables: ``{first_name}``, ``{last_name}``, ``{name}``, ``{company}``,
``{phone}``. Filled by a plain substitution of those names only (never ``str.format``, which
would let a template reach attributes); unknown braces stay as typed. The result is text, escaped
wherever a page shows it."""

from __future__ import annotations

import re
from typing import Any

VARIABLES = ("first_name", "last_name", "name", "company", "phone")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")


def values_for(contact: Any) -> dict[str, str]:
    name = (getattr(contact, "name", "") or "").strip() if contact is not None else ""
    first, _, last = name.partition(" ")
    return {
        "first_name": (getattr(contact, "first_name", "") or first) if contact else "",
        "last_name": (getattr(contact, "last_name", "") or last.strip()) if contact else "",
        "name": name,
        "company": (getattr(contact, "company", "") or "") if contact else "",
        "phone": (getattr(contact, "number", "") or "") if contact else "",
    }


def render(body: str, values: dict[str, str]) -> str:
    """A missing value leaves no gap before punctuation: "Hi {first_name}," → "Hi ,"
    is tidied to "Hi,"."""
    text = _PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), body)
    return re.sub(r" +([,.!?])", r"\1", text)
