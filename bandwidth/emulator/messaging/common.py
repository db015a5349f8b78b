"""What the Messaging v2 handlers share: routes, paths, message ids, numbers and times."""

from __future__ import annotations

import re
import secrets
import string
import time
from datetime import datetime

from bandwidth.emulator.http import Routes

routes = Routes(api="messaging")

MESSAGES_PATH = "/api/v2/users/<account_id>/messages"
MEDIA_PATH = "/api/v2/users/<account_id>/media"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
NANP = re.compile(r"^\+1\d{10}$")
BASE36 = string.digits + string.ascii_lowercase


def new_message_id() -> str:
    """Epoch milliseconds followed by 16 random base36 characters, as Bandwidth's ids look."""
    suffix = "".join(secrets.choice(BASE36) for _ in range(16))
    return f"{int(time.time() * 1000)}{suffix}"


def is_e164(value: object) -> bool:
    if not isinstance(value, str) or not E164.match(value):
        return False
    return not value.startswith("+1") or bool(NANP.match(value))


def _parse_rfc3339(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
