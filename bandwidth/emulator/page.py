"""``GET /``: a small human-readable view of the emulator, with a form to text a Parley number."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import Routes
from bandwidth.emulator.messaging import RESERVED_FAILURES

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="page")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 2rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
form { margin-bottom: 2rem; }
label { display: block; margin: 0.3rem 0; }
.muted { color: #777; }
"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return '<p class="muted">None yet.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _numbers_section(emu: Emulator) -> str:
    state = emu.state
    with state.lock:
        rows = []
        for number in state.in_service.values():
            peer = state.sip_peers.get(number.peer_id)
            messaging = (
                state.applications.get(peer.messaging_application_id or "") if peer else None
            )
            voice = state.applications.get(peer.voice_application_id or "") if peer else None
            rows.append(
                [
                    number.e164,
                    number.site_id,
                    number.peer_id,
                    messaging.name if messaging else "—",
                    voice.name if voice else "—",
                ]
            )
    return _table(["Number", "Site", "Location", "Messaging app", "Voice app"], rows)


def _messages_section(emu: Emulator, limit: int = 50) -> str:
    with emu.state.lock:
        messages = list(emu.state.messages.values())[-limit:]
    rows = [
        [
            m.time,
            "in" if m.direction == "in" else "out",
            m.from_,
            ", ".join(m.to),
            m.text[:160],
            len(m.media),
            ", ".join(f"{tn}: {status}" for tn, status in m.statuses.items()),
        ]
        for m in reversed(messages)
    ]
    return _table(["Time", "Dir", "From", "To", "Text", "Media", "Status"], rows)


def _calls_section(emu: Emulator) -> str:
    if emu.voice is None or not hasattr(emu.voice, "calls_for_display"):
        return '<p class="muted">Voice emulation is not loaded.</p>'
    rows = []
    for call in emu.voice.calls_for_display():
        events = "; ".join(
            f"{e.get('time', '')} {e.get('kind', '')} {e.get('detail', '')}".strip()
            for e in call.get("events", [])
        )
        rows.append(
            [
                call.get("call_id", ""),
                call.get("direction", ""),
                call.get("from", ""),
                call.get("to", ""),
                call.get("state", ""),
                events,
            ]
        )
    return _table(["Call", "Dir", "From", "To", "State", "Events"], rows)


def _callbacks_section(emu: Emulator, limit: int = 100) -> str:
    with emu.state.lock:
        entries = emu.state.callback_log[-limit:]
    rows = [
        [e.time, e.kind, e.method, e.url, e.attempt, e.status or e.error or ""]
        for e in reversed(entries)
    ]
    return _table(["Time", "Event", "Method", "URL", "Attempt", "Result"], rows)


def _inbound_form(emu: Emulator) -> str:
    with emu.state.lock:
        numbers = sorted(emu.state.in_service)
    options = "".join(f'<option value="{escape(n)}">' for n in numbers)
    return f"""
<form method="post" action="/_sim/messages/inbound">
  <label>From (the customer) <input name="from" value="+15555550123" required></label>
  <label>To (a number in service; several separated by commas for a group)
    <input name="to" list="numbers" required><datalist id="numbers">{options}</datalist></label>
  <label>Text <input name="text" size="60" required></label>
  <button type="submit">Send inbound SMS</button>
</form>"""


@routes.route("/", methods=["GET"], auth=False)
def index(emu: Emulator, request: Request) -> Response:
    config = emu.config
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bandwidth emulator</title>
<style>{STYLE}</style></head><body>
<h1>Bandwidth emulator</h1>
<p>Account <b>{escape(config.account_id)}</b> at {escape(config.origin)}.
Messaging <code>/api/v2/users/{escape(config.account_id)}/…</code>,
Voice <code>/api/v2/accounts/{escape(config.account_id)}/…</code>,
Numbers <code>/api/accounts/{escape(config.account_id)}/…</code>,
OAuth2 <code>/api/v1/oauth2/token</code>. State as JSON: <a href="/_sim/state">/_sim/state</a>.</p>
<h2>Text a number</h2>{_inbound_form(emu)}
<h2>Test numbers</h2>
<ul>
<li>Texts to <code>+1919555CCCC</code> fail with error code <code>CCCC</code> when it is one of
{escape(", ".join(str(code) for code in sorted(RESERVED_FAILURES)))}
(for example <code>+19195554720</code> invalid destination,
<code>+19195554775</code> opted out).</li>
<li>Ordering a number that ends in <code>0666</code> fails (error 5076); ordering a number
already in service fails with 5005.</li>
</ul>
<h2>Numbers in service</h2>{_numbers_section(emu)}
<h2>Messages</h2>{_messages_section(emu)}
<h2>Calls</h2>{_calls_section(emu)}
<h2>Callbacks sent</h2>{_callbacks_section(emu)}
</body></html>"""
    return Response(html, content_type="text/html; charset=utf-8")
