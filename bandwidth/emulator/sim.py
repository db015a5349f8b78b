"""Simulation endpoints under ``/_sim/`` (not Bandwidth's): inbound messages, faults, reset,
and a JSON snapshot of the state. They need no credentials.

- ``POST /_sim/messages/inbound`` JSON ``{"from", "to": str | [str], "text",
  "media": [{"filename", "content_type", "content_base64"}]}`` → 201 ``{"messages": [...]}``
  (one per recipient owned by the account); a form post (from the page at ``/``) redirects to ``/``.
- ``GET|POST|DELETE /_sim/faults``: POST JSON ``{"fail_next": {"count", "status", "retry_after",
  "api"}, "storm": {"seconds", "ratio", "statuses", "retry_after", "api"}, "latency_seconds",
  "duplicate_callbacks", "duplicate_copies"}`` (each optional) adds faults; DELETE clears. A storm
  fails that ratio of requests for that many seconds; each of the next ``duplicate_callbacks``
  callbacks is delivered ``duplicate_copies`` times (default 2).
- ``POST /_sim/portins/{orderId}`` JSON ``{"status": "FOC"|"EXCEPTION"|"COMPLETE"|"CANCELLED",
  "focDate"?, "note"?}`` moves a port-in as Bandwidth's porting desk would (FOC sets the actual FOC
  date, EXCEPTION records the note as the reason, COMPLETE puts the numbers in service) and
  notifies the ``portins`` subscriptions → 200 ``{"orderId", "status"}``.
- ``POST /_sim/reset`` → 204; ``GET /_sim/state`` → the snapshot (``scheduled`` counts the
  delayed work still to run: callbacks, their retries, order completions;
  ``callback_attempts`` and ``callback_failures`` count deliveries and those without a 2xx).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import Routes, empty_response, json_response, request_json
from bandwidth.emulator.messaging import InboundMedia, is_e164, receive_inbound
from bandwidth.emulator.numbers import portins

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="sim")


def _sim_error(description: str, status: int = 400) -> Response:
    return json_response({"error": description}, status)


def _inbound_from_json(body: Any) -> tuple[str, list[str], str, list[InboundMedia]]:
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    from_ = body.get("from")
    to = body.get("to")
    recipients = [to] if isinstance(to, str) else to
    if not is_e164(from_) or not isinstance(recipients, list) or not recipients:
        raise ValueError("'from' and 'to' must be E.164 numbers")
    if not all(is_e164(n) for n in recipients):
        raise ValueError("every 'to' must be an E.164 number")
    media = []
    for index, item in enumerate(body.get("media") or []):
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise ValueError(f"media[{index}] needs base64 'content_base64'") from exc
        media.append(
            InboundMedia(
                filename=str(item.get("filename") or f"media{index}.bin"),
                content_type=str(item.get("content_type") or "application/octet-stream"),
                content=content,
            )
        )
    return str(from_), [str(n) for n in recipients], str(body.get("text") or ""), media


@routes.route("/_sim/messages/inbound", methods=["POST"], auth=False)
def inject_inbound_message(emu: Emulator, request: Request) -> Response:
    from_form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    try:
        if from_form:
            recipients = [n.strip() for n in request.form.get("to", "").split(",") if n.strip()]
            body: Any = {
                "from": request.form.get("from", "").strip(),
                "to": recipients,
                "text": request.form.get("text", ""),
            }
        else:
            body = request_json(request)
        from_, to, text, media = _inbound_from_json(body)
        messages = receive_inbound(emu, from_, to, text, media)
    except ValueError as exc:
        return _sim_error(str(exc))
    if from_form:
        return redirect("/", 303)
    return json_response({"messages": [m.as_message_schema() for m in messages]}, 201)


@routes.route("/_sim/portins/<order_id>", methods=["POST"], auth=False)
def move_portin(emu: Emulator, request: Request, order_id: str) -> Response:
    try:
        body = request_json(request)
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        order = portins.simulate(
            emu,
            order_id,
            str(body.get("status") or "").upper(),
            body.get("focDate"),
            body.get("note"),
        )
    except LookupError:
        return _sim_error(f"no port-in {order_id}", 404)
    except (ValueError, TypeError) as exc:
        return _sim_error(str(exc))
    return json_response({"orderId": order.id, "status": order.status})


@routes.route("/_sim/faults", methods=["GET"], auth=False)
def get_faults(emu: Emulator, request: Request) -> Response:
    return json_response(emu.faults.describe())


@routes.route("/_sim/faults", methods=["POST"], auth=False)
def add_faults(emu: Emulator, request: Request) -> Response:
    try:
        body = request_json(request)
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        fail_next = body.get("fail_next")
        if fail_next is not None:
            status = int(fail_next.get("status", 429))
            if status != 429 and not 500 <= status <= 599:
                raise ValueError("'status' must be 429 or a 5xx")
            emu.faults.fail_next(
                int(fail_next.get("count", 1)),
                status,
                int(fail_next.get("retry_after", 1)),
                fail_next.get("api"),
            )
        storm = body.get("storm")
        if storm is not None:
            statuses = tuple(int(s) for s in storm.get("statuses", (429, 500, 502, 503)))
            if not statuses or any(s != 429 and not 500 <= s <= 599 for s in statuses):
                raise ValueError("'statuses' must be 429 or 5xx")
            emu.faults.start_storm(
                float(storm.get("seconds", 60)),
                float(storm.get("ratio", 0.5)),
                statuses,
                int(storm.get("retry_after", 1)),
                storm.get("api"),
            )
        if "latency_seconds" in body:
            emu.faults.set_latency(float(body["latency_seconds"]))
        if "duplicate_callbacks" in body:
            emu.faults.duplicate_next_callbacks(
                int(body["duplicate_callbacks"]), int(body.get("duplicate_copies", 2))
            )
    except (ValueError, TypeError, AttributeError) as exc:
        return _sim_error(str(exc))
    return json_response(emu.faults.describe())


@routes.route("/_sim/faults", methods=["DELETE"], auth=False)
def clear_faults(emu: Emulator, request: Request) -> Response:
    emu.faults.clear()
    return empty_response(204)


@routes.route("/_sim/reset", methods=["POST"], auth=False)
def reset(emu: Emulator, request: Request) -> Response:
    emu.reset()
    return empty_response(204)


@routes.route("/_sim/state", methods=["GET"], auth=False)
def snapshot(emu: Emulator, request: Request) -> Response:
    return json_response(state_snapshot(emu))


def state_snapshot(emu: Emulator) -> dict[str, Any]:
    state = emu.state
    with state.lock:
        snapshot: dict[str, Any] = {
            "account_id": emu.config.account_id,
            "sites": [asdict(s) for s in state.sites.values()],
            "sip_peers": [asdict(p) for p in state.sip_peers.values()],
            "applications": [_application_snapshot(a) for a in state.applications.values()],
            "in_service_numbers": [asdict(n) for n in state.in_service.values()],
            "orders": [_order_snapshot(o) for o in state.orders.values()],
            "disconnects": [_order_snapshot(o) for o in state.disconnects.values()],
            "subscriptions": [
                {"id": s.id, "order_type": s.order_type, "url": s.url}
                for s in state.subscriptions.values()
            ],
            "messages": [
                {**m.as_message_schema(), "statuses": m.statuses, "error_codes": m.error_codes}
                for m in state.messages.values()
            ],
            "media": [
                {"name": m.name, "content_type": m.content_type, "bytes": len(m.content)}
                for m in state.media.values()
            ],
            "callback_log": [asdict(entry) for entry in state.callback_log],
            "callback_attempts": state.callback_attempts,
            "callback_failures": state.callback_failures,
            "message_queue_refusals": emu.message_limiter.refusals,
            "faults": emu.faults.describe(),
        }
    snapshot["scheduled"] = emu.scheduler.pending()
    if emu.voice is not None and hasattr(emu.voice, "calls_for_display"):
        snapshot["calls"] = emu.voice.calls_for_display()
    return snapshot


def _application_snapshot(application: Any) -> dict[str, Any]:
    """Everything but callback passwords."""
    return {
        "id": application.id,
        "service_type": application.service_type,
        "name": application.name,
        "urls": dict(application.urls),
        "requested_callback_types": list(application.requested_callback_types),
        "callback_users": {
            "inbound": _user(application.inbound_credentials),
            "outbound": _user(application.outbound_credentials),
            "callback": _user(application.callback_credentials),
        },
    }


def _user(credentials: tuple[str, str] | None) -> str | None:
    return credentials[0] if credentials else None


def _order_snapshot(order: Any) -> dict[str, Any]:
    data = asdict(order)
    data.pop("request_xml", None)
    return data
