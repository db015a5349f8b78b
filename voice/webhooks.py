"""POST /webhooks/bandwidth/voice/: every voice event of every tenant.

Authenticate (Basic: the tenant's callback credentials, or a call's own on its verbs), parse with
bandwidth.callbacks, find the call's route (cached) and dispatch by event type. Synchronous events
get BXML built from the cached compiled route; state travels in the callback URLs' query strings
(``call``, ``step``, ``attempt``, ``idx``, ``kind``); duplicates store nothing new and get the same
reply.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from numbers.routing import route_for
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bandwidth import bxml
from bandwidth.callbacks import (
    CallbackParseError,
    DisconnectEvent,
    TranscriptionAvailableEvent,
    VoiceEvent,
    parse_voice_callback,
)
from carrier.webhook_auth import authenticated_tenant_id, basic_credentials, challenge
from tenants.selectors import is_number_blocked

from . import routes, selectors, services
from .models import Call

BXML_TYPE = "application/xml"


def _bxml(document: bxml.Response) -> HttpResponse:
    return HttpResponse(document.to_bytes(), content_type=BXML_TYPE)


def _empty() -> HttpResponse:
    return HttpResponse(status=204)


def _authenticate(request: HttpRequest) -> uuid.UUID | None:
    tenant_id = authenticated_tenant_id(request)
    if tenant_id is not None:
        return tenant_id
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    return selectors.callback_tenant_for_call(username=credentials[0], password=credentials[1])


def _our_number(event: VoiceEvent) -> str:
    return str(event.to if getattr(event, "direction", "") == "inbound" else event.from_)  # type: ignore[union-attr]


def _int(params: QueryDict, name: str, default: int) -> int:
    value = params.get(name, "")
    return int(value) if value.isdigit() else default


class Context:
    def __init__(self, call: Call, params: QueryDict) -> None:
        self.call = call
        self.params = params
        self.step = params.get("step", "")[:80]
        self._compiled: dict[str, Any] | None = None

    @property
    def compiled(self) -> dict[str, Any] | None:
        if self._compiled is None and self.call.phone_number_id is not None:
            found = selectors.compile_route(phone_number_id=self.call.phone_number_id)
            self._compiled = routes.with_call(found, self.call.pk) if found else None
        return self._compiled


# --- handlers: (tenant, event, context) -> response


def on_answer(event: VoiceEvent, ctx: Context) -> HttpResponse:
    call = ctx.call
    if call.direction != Call.Direction.OUTBOUND or not call.agent_number:
        return _bxml(bxml.Response())
    services.call_agent_answered(call=call, event=event)
    if ctx.compiled is not None and not routes.dialable(ctx.compiled, call.other_party):
        return _bxml(bxml.Response(bxml.SpeakSentence(routes.REFUSED_TEXT), bxml.Hangup()))
    record = bool(ctx.compiled and ctx.compiled["config"]["record_calls"])
    return _bxml(
        routes.click_to_call_response(
            customer=call.other_party, caller_id=call.our_number, call_pk=call.pk, record=record
        )
    )


def on_gather(event: VoiceEvent, ctx: Context) -> HttpResponse:
    if ctx.compiled is None:
        return _bxml(routes.unowned_response())
    digits = str(getattr(event, "digits", "") or "")
    response, note = routes.gather_response(
        ctx.compiled, ctx.step, digits, _int(ctx.params, "attempt", 1), caller_id=None
    )
    services.call_event_note(call=ctx.call, event=event, step=ctx.step, note=note)
    return _bxml(response)


def on_transfer_answer(event: VoiceEvent, ctx: Context) -> HttpResponse:
    services.call_transfer_answered(call=ctx.call, event=event, step=ctx.step)
    return _bxml(bxml.Response())


def on_transfer_complete(event: VoiceEvent, ctx: Context) -> HttpResponse:
    cause = str(getattr(event, "cause", "") or "")
    if ctx.step == "c2c" or ctx.call.direction == Call.Direction.OUTBOUND:
        services.call_transfer_completed(call=ctx.call, event=event, step="c2c", note=cause)
        if cause == routes.ANSWERED_CAUSE:
            return _bxml(bxml.Response(bxml.Hangup()))
        sentence = {
            "busy": "The line is busy.",
            "timeout": "There was no answer.",
            "rejected": "The call was declined.",
        }.get(cause, "The call could not be connected.")
        return _bxml(bxml.Response(bxml.SpeakSentence(f"{sentence} Goodbye."), bxml.Hangup()))
    if ctx.compiled is None:
        return _bxml(bxml.Response(bxml.Hangup()))
    response, note = routes.transfer_complete_response(
        ctx.compiled, ctx.step, cause, _int(ctx.params, "idx", 0), caller_id=None
    )
    services.call_transfer_completed(call=ctx.call, event=event, step=ctx.step, note=note)
    return _bxml(response)


def on_record_complete(event: VoiceEvent, ctx: Context) -> HttpResponse:
    kind = ctx.params.get("kind", "call")
    services.recording_store(call=ctx.call, event=event, kind=kind, step=ctx.step)
    if kind == "voicemail":
        return _bxml(bxml.Response(bxml.SpeakSentence(routes.VOICEMAIL_THANKS), bxml.Hangup()))
    return _bxml(bxml.Response())


def on_recording_available(event: VoiceEvent, ctx: Context) -> HttpResponse:
    kind = "voicemail" if ctx.params.get("kind") == "voicemail" else "call"
    services.recording_store(call=ctx.call, event=event, kind=kind, step=ctx.step)
    return _empty()


def on_transcription_available(event: VoiceEvent, ctx: Context) -> HttpResponse:
    assert isinstance(event, TranscriptionAvailableEvent)
    services.recording_transcription_ready(call=ctx.call, event=event, step=ctx.step)
    return _empty()


def on_disconnect(event: VoiceEvent, ctx: Context) -> HttpResponse:
    assert isinstance(event, DisconnectEvent)
    services.call_finish(call=ctx.call, event=event)
    return _empty()


def on_redirect(event: VoiceEvent, ctx: Context) -> HttpResponse:
    return _bxml(bxml.Response())


HANDLERS: dict[str, Callable[[VoiceEvent, Context], HttpResponse]] = {
    "answer": on_answer,
    "gather": on_gather,
    "transferAnswer": on_transfer_answer,
    "transferComplete": on_transfer_complete,
    "recordComplete": on_record_complete,
    "recordingAvailable": on_recording_available,
    "transcriptionAvailable": on_transcription_available,
    "disconnect": on_disconnect,
    "redirect": on_redirect,
}
SYNCHRONOUS = {"initiate", "answer", "gather", "transferAnswer", "transferComplete", "redirect"}
SYNCHRONOUS |= {"recordComplete"}


def _initiate(tenant_id: uuid.UUID, event: VoiceEvent, params: QueryDict) -> HttpResponse:
    route = route_for(_our_number(event))
    if route is None:
        return _bxml(routes.unowned_response())
    if route.tenant_id != tenant_id:
        return challenge()
    caller = str(getattr(event, "from_", "") or "")
    if caller and is_number_blocked(tenant=tenant_id, number=caller):
        services.call_inbound_start(
            tenant_id=tenant_id,
            phone_number_id=route.phone_number_id,
            event=event,
            step="blocked",
            status=Call.Status.BLOCKED,
        )
        return _bxml(bxml.Response(bxml.Hangup()))
    compiled = selectors.compile_route(phone_number_id=route.phone_number_id)
    if compiled is None:
        return _bxml(routes.unowned_response())
    call = services.call_inbound_start(
        tenant_id=tenant_id,
        phone_number_id=route.phone_number_id,
        event=event,
        step="main" if routes.is_open(compiled) else "after",
    )
    open_now = not call.steps or call.steps[0] == "main"
    return _bxml(routes.initiate_response(routes.with_call(compiled, call.pk), open_now=open_now))


def _find_call(tenant_id: uuid.UUID, event: VoiceEvent, params: QueryDict) -> Call | HttpResponse:
    pk = params.get("call", "")
    if pk.isdigit():
        found = selectors.call_find(tenant_id=tenant_id, pk=int(pk))
        return found if found is not None else challenge()
    call_id = str(getattr(event, "call_id", "") or "")
    found = selectors.call_by_bandwidth_id(tenant_id=tenant_id, bandwidth_call_id=call_id)
    if found is not None:
        return found
    route = route_for(_our_number(event))
    if route is not None and route.tenant_id != tenant_id:
        return challenge()
    if event.event_type in SYNCHRONOUS:
        return _bxml(routes.unowned_response())
    return _empty()


@csrf_exempt
@require_POST
def voice_webhook(request: HttpRequest) -> HttpResponse:
    tenant_id = _authenticate(request)
    if tenant_id is None:
        return challenge()
    try:
        event = parse_voice_callback(request.body)
    except CallbackParseError as exc:
        return HttpResponse(f"Unreadable voice event: {exc}", status=400, content_type="text/plain")
    if event.event_type == "initiate":
        return _initiate(tenant_id, event, request.GET)
    handler = HANDLERS.get(event.event_type)
    if handler is None:
        return _empty()
    found = _find_call(tenant_id, event, request.GET)
    if isinstance(found, HttpResponse):
        return found
    return handler(event, Context(found, request.GET))


@require_GET
def greeting_audio(request: HttpRequest, pk: int, token: str) -> FileResponse:
    """The uploaded greeting, fetched by Bandwidth for <PlayAudio>; the token is the key."""
    route = selectors.greeting_audio_route(pk=pk, token=token)
    if route is None:
        raise Http404
    return FileResponse(route.greeting_audio.open("rb"))
