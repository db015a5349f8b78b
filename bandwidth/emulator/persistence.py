"""The account state in a JSON file, so the emulator survives restarts (``--state-file``).

Kept: sites, locations (SIP peers) with their products, applications with their callback
credentials, numbers in service, orders, disconnects, subscriptions, port-ins (with their files'
names, notes and history), messages (with their per-recipient statuses) and media (content
base64-encoded, so media URLs of kept messages still resolve). Not kept: OAuth2 tokens, live calls,
rate-limiter counters, faults, the callback log and scheduled work (callback retries not yet sent
are lost). An order or disconnect still ``RECEIVED`` when saved is completed again after
``order_complete_delay`` once loaded (see ``resume_pending_orders``), and an outbound message still
queued or sending gets its final status callback after the usual delay
(``resume_pending_messages``), as Bandwidth's receipts still come after an outage on its side.

A file that cannot be read or parsed stops the emulator with ``StateFileError`` naming the file:
starting empty would overwrite it at the first save and lose the numbers and applications
Parley's database still refers to. Move the file away to start afresh.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bandwidth.emulator import messaging, numbers
from bandwidth.emulator.state import (
    Application,
    Brand,
    Campaign,
    Credentials,
    EmulatorState,
    InServiceNumber,
    MediaItem,
    Order,
    PortIn,
    PortInFile,
    SipPeer,
    Site,
    StoredMessage,
    Subscription,
    TfvSubscription,
    TnOptionOrder,
    TollFreeVerification,
)

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

logger = logging.getLogger(__name__)

STATE_VERSION = 1
FIRST_NUMERIC_ID = 10_001


class StateFileError(Exception):
    """The state file exists but cannot be used; the message names the file."""


def dump_state(state: EmulatorState) -> dict[str, Any]:
    """A JSON-ready copy of what survives a restart."""
    with state.lock:
        return {
            "version": STATE_VERSION,
            "sites": [asdict(site) for site in state.sites.values()],
            "sip_peers": [asdict(peer) for peer in state.sip_peers.values()],
            "applications": [asdict(app) for app in state.applications.values()],
            "in_service": [asdict(number) for number in state.in_service.values()],
            "orders": [asdict(order) for order in state.orders.values()],
            "disconnects": [asdict(order) for order in state.disconnects.values()],
            "subscriptions": [asdict(sub) for sub in state.subscriptions.values()],
            "messages": [asdict(message) for message in state.messages.values()],
            "media": [_dump_media(item) for item in state.media.values()],
            "portins": [asdict(order) for order in state.portins.values()],
            "campaign_settings": state.campaign_settings,
            "brands": [asdict(brand) for brand in state.brands.values()],
            "campaigns": [asdict(campaign) for campaign in state.campaigns.values()],
            "campaign_of_number": dict(state.campaign_of_number),
            "tnoption_orders": [asdict(order) for order in state.tnoption_orders.values()],
            "toll_free": [asdict(tfv) for tfv in state.toll_free.values()],
            "tfv_subscriptions": [asdict(sub) for sub in state.tfv_subscriptions.values()],
        }


def load_state(data: Any) -> EmulatorState:
    """The state ``dump_state`` wrote; ``ValueError`` when ``data`` is not such a document."""
    if not isinstance(data, dict):
        raise ValueError("the state must be a JSON object")
    if data.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported state version {data.get('version')!r}")
    state = EmulatorState()
    try:
        state.sites = _by_id(Site(**d) for d in data["sites"])
        state.sip_peers = _by_id(SipPeer(**d) for d in data["sip_peers"])
        state.applications = _by_id(_load_application(d) for d in data["applications"])
        state.in_service = {n.e164: n for n in (InServiceNumber(**d) for d in data["in_service"])}
        state.orders = _by_id(_load_order(d) for d in data["orders"])
        state.disconnects = _by_id(_load_order(d) for d in data["disconnects"])
        state.subscriptions = _by_id(_load_subscription(d) for d in data["subscriptions"])
        state.messages = _by_id(StoredMessage(**d) for d in data["messages"])
        state.media = {m.name: m for m in (_load_media(d) for d in data["media"])}
        state.portins = _by_id(_load_portin(d) for d in data.get("portins", []))
        _load_compliance(state, data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed state: {exc!r}") from exc
    state._ids = itertools.count(_next_numeric_id(state))
    return state


def _load_compliance(state: EmulatorState, data: dict[str, Any]) -> None:
    """Registration state; files written before it existed have none."""
    state.campaign_settings = data.get("campaign_settings")
    state.brands = _by_id(Brand(**d) for d in data.get("brands", []))
    state.campaigns = _by_id(Campaign(**d) for d in data.get("campaigns", []))
    state.campaign_of_number = dict(data.get("campaign_of_number", {}))
    orders = (TnOptionOrder(**d) for d in data.get("tnoption_orders", []))
    state.tnoption_orders = _by_id(orders)
    for order in state.tnoption_orders.values():
        order.errors = [tuple(error) for error in order.errors]  # type: ignore[misc]
    state.toll_free = {
        t.phone_number: t for t in (TollFreeVerification(**d) for d in data.get("toll_free", []))
    }
    subscriptions = (TfvSubscription(**d) for d in data.get("tfv_subscriptions", []))
    state.tfv_subscriptions = _by_id(subscriptions)
    for subscription in state.tfv_subscriptions.values():
        subscription.credentials = _credentials(subscription.credentials)


def _by_id(records: Iterable[Any]) -> dict[str, Any]:
    return {record.id: record for record in records}


def _credentials(value: Any) -> Credentials | None:
    if value is None:
        return None
    user, password = value
    return str(user), str(password)


def _load_application(data: dict[str, Any]) -> Application:
    application = Application(**data)
    application.inbound_credentials = _credentials(application.inbound_credentials)
    application.outbound_credentials = _credentials(application.outbound_credentials)
    application.callback_credentials = _credentials(application.callback_credentials)
    application.fallback_credentials = _credentials(application.fallback_credentials)
    return application


def _load_order(data: dict[str, Any]) -> Order:
    order = Order(**data)
    order.errors = [(int(code), str(text), str(number)) for code, text, number in order.errors]
    return order


def _load_subscription(data: dict[str, Any]) -> Subscription:
    subscription = Subscription(**data)
    subscription.credentials = _credentials(subscription.credentials)
    return subscription


def _load_portin(data: dict[str, Any]) -> PortIn:
    order = PortIn(**data)
    order.files = [PortInFile(**item) for item in data.get("files", [])]
    order.errors = [(int(code), str(text)) for code, text in order.errors]
    order.notes = [(str(a), str(b), str(c), str(d)) for a, b, c, d in order.notes]
    order.history = [(str(a), str(b), str(c), str(d)) for a, b, c, d in order.history]
    return order


def _dump_media(item: MediaItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "content_type": item.content_type,
        "cache_control": item.cache_control,
        "content_base64": base64.b64encode(item.content).decode("ascii"),
    }


def _load_media(data: dict[str, Any]) -> MediaItem:
    return MediaItem(
        name=data["name"],
        content=base64.b64decode(data["content_base64"], validate=True),
        content_type=data["content_type"],
        cache_control=data["cache_control"],
    )


def _next_numeric_id(state: EmulatorState) -> int:
    """Past every site and location id, so new ones never reuse a kept id."""
    ids = [int(i) for i in itertools.chain(state.sites, state.sip_peers) if i.isdigit()]
    return max([FIRST_NUMERIC_ID - 1, *ids]) + 1


def read_state_file(path: Path) -> EmulatorState | None:
    """The saved state, or None when ``path`` does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError(f"cannot read emulator state file {path}: {exc}") from exc
    try:
        return load_state(json.loads(text))
    except ValueError as exc:
        raise StateFileError(
            f"emulator state file {path} is corrupt ({exc}); move it away to start empty"
        ) from exc


def write_state_file(path: Path, data: dict[str, Any]) -> None:
    """Write through a temporary file in the same folder and ``os.replace`` it into place, so
    a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed before os.replace)
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    )
    try:
        with handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def resume_pending_orders(emu: Emulator) -> None:
    """Schedule completion of the orders and disconnects a restart interrupted."""
    with emu.state.lock:
        orders = [o for o in emu.state.orders.values() if o.status == "RECEIVED"]
        disconnects = [o for o in emu.state.disconnects.values() if o.status == "RECEIVED"]
    for order in orders:
        numbers.schedule_order_completion(emu, order)
    for order in disconnects:
        numbers.schedule_disconnect_completion(emu, order)
    numbers.resume_portins(emu)


def resume_pending_messages(emu: Emulator) -> None:
    """Schedule the final status callbacks of outbound messages a restart caught undelivered."""
    with emu.state.lock:
        pending = [
            (message, recipient)
            for message in emu.state.messages.values()
            if message.direction == "out"
            for recipient, status in message.statuses.items()
            if status in ("QUEUED", "SENDING")
        ]
    for message, recipient in pending:
        messaging.schedule_final_status(emu, message, recipient)


class StateSaver:
    """Saves ``snapshot()`` to ``path`` at most once per ``interval`` seconds of wall-clock time.

    ``changed()`` saves at once after a quiet spell and otherwise at the end of the interval, so
    a flood of requests costs one write per interval. It keeps its own timer rather than using
    the emulator's scheduler: scheduler delays follow ``time_scale``, ``reset`` drops them, and
    a save there would count as one more state-changing task.
    """

    def __init__(
        self, path: Path, snapshot: Callable[[], dict[str, Any]], interval: float = 0.5
    ) -> None:
        self.path = path
        self.interval = interval
        self._snapshot = snapshot
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._dirty = False
        self._closed = False
        self._timer: threading.Timer | None = None
        self._last_write = -float("inf")

    def changed(self) -> None:
        with self._lock:
            self._dirty = True
            if self._timer is None and not self._closed:
                self._start_timer(self._last_write + self.interval - time.monotonic())

    def flush(self) -> None:
        """Save now if anything changed since the last save."""
        with self._lock:
            if not self._dirty:
                return
        self._save()

    def close(self) -> None:
        """Save once more whatever happened, and stop saving."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self._save()

    def _start_timer(self, delay: float) -> None:
        self._timer = threading.Timer(max(0.0, delay), self._timer_fired)
        self._timer.daemon = True
        self._timer.start()

    def _timer_fired(self) -> None:
        with self._lock:
            self._timer = None
            if self._closed:
                return
            wait = self._last_write + self.interval - time.monotonic()
            if wait > 0:
                self._start_timer(wait)
                return
        self.flush()

    def _save(self) -> None:
        with self._write_lock:
            with self._lock:
                self._dirty = False
                self._last_write = time.monotonic()
            try:
                write_state_file(self.path, self._snapshot())
            except Exception:
                logger.exception("could not save emulator state to %s", self.path)
                with self._lock:
                    self._dirty = True
