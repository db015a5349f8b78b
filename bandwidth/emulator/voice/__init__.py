"""Voice v2 of the emulator: calls, their BXML, recordings and transcriptions, plus the
``/_sim/calls`` endpoints that play the far end of a call.

Simulation endpoints (no auth; JSON in, JSON out):

- ``POST /_sim/calls {"from", "to"[, "digits", "speech"]}`` -> 201 ``{"callId", "callUrl"}``: an
  inbound call to ``to`` (404 when not in service, 409 without a voice application); ``initiate``
  goes to the location's Voice-V2 application.
- ``POST /_sim/calls/{id}/digits {"digits": "2#"}``: the caller presses keys (queued until read).
- ``POST /_sim/calls/{id}/transfer {"action": "answer"|"busy"|"no-answer"|"reject"[, "to"]}``:
  how the next ringing ``<Transfer>`` target (or the one dialled ``to``) responds.
- ``POST /_sim/calls/{id}/speech {"text"[, "duration"]}``: what the caller says into the next
  ``<Record>`` (and its transcript); default a fixed sentence lasting 3 simulated seconds.
- ``POST /_sim/calls/{id}/hangup``: the far end hangs up (a ringing transfer leg rejects).
- ``GET /_sim/calls`` and ``GET /_sim/calls/{id}``: calls with their event trail (and recordings).

Simulated far ends (outbound callees, Transfer and Forward legs) answer after
``far_end_answer_delay`` / ``transfer_answer_delay`` unless the dialled number is reserved:

- ``...0486`` is busy (cause ``busy``, SIP 486),
- ``...0487`` never answers (cause ``timeout`` after ``callTimeout``),
- ``...0488`` rejects the call (cause ``rejected``, SIP 603).

A far end left waiting on silence (``<Pause>``/``<Ring>`` longer than ``far_end_hangup_after``)
or connected in a bridge/forward hangs up after ``far_end_hangup_after`` simulated seconds, so
every call ends. Verb webhooks without ``username``/``password`` use the call's credentials
(create-call ``username``/``password``, else the application's CallbackCreds).
"""

# Importing the handler modules registers their routes.
from bandwidth.emulator.voice import calls, recordings  # noqa: F401
from bandwidth.emulator.voice.api import routes
from bandwidth.emulator.voice.model import wav_bytes
from bandwidth.emulator.voice.sim import sim_routes, start_inbound_call
from bandwidth.emulator.voice.store import VoiceStore

__all__ = ["VoiceStore", "routes", "start_inbound_call", "wav_bytes"]

routes.entries.extend(sim_routes.entries)
