"""Lenient readers for fields of Bandwidth's JSON answers."""

from __future__ import annotations

from typing import Any

import requests

from bandwidth.errors import PermanentError


def json_object(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise PermanentError("expected a JSON object", status=response.status_code) from exc
    if not isinstance(data, dict):
        raise PermanentError("expected a JSON object", status=response.status_code)
    return data


def json_array(response: requests.Response) -> list[dict[str, Any]]:
    try:
        data = response.json() if response.content else []
    except ValueError as exc:
        raise PermanentError("expected a JSON array", status=response.status_code) from exc
    if not isinstance(data, list):
        raise PermanentError("expected a JSON array", status=response.status_code)
    return [item for item in data if isinstance(item, dict)]


def optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def optional_int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def optional_float(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None
