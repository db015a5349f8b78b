"""People and notifications tests reuse the messaging fixtures (a wired number, inbound texts)."""

from ..messaging.conftest import (  # noqa: F401
    _fast_messaging,
    _fresh_memos,
    other_wired,
    wired,
)
