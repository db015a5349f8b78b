"""Inbound calls through the emulator's BXML interpreter over real HTTP."""

from __future__ import annotations

import pytest

from voice.models import Call, Recording, Voicemail

from ..conftest import wait_until
from .conftest import (
    AGENT,
    AGENT_2,
    AGENT_3,
    ALWAYS_OPEN,
    BUSY,
    NEVER_OPEN,
    NO_ANSWER,
    finished_call,
    route,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_in_business_hours_the_call_is_forwarded_and_answered(line, set_route, caller):
    set_route(
        line,
        route(
            {"type": "forward", "to": AGENT, "timeout": 20},
            hours=ALWAYS_OPEN,
            after_hours_action={"type": "hangup", "message": "We are closed."},
        ),
    )
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    assert call.status == Call.Status.COMPLETED
    assert call.direction == Call.Direction.INBOUND
    assert call.answered_by_number == AGENT
    assert call.steps[0] == "main"
    assert call.tenant_id == line.tenant.id
    events = caller.events(call_id)
    assert ("SpeakSentence", "Thanks for calling Acme.") in events
    assert ("Transfer", AGENT) in events


def test_after_business_hours_the_after_hours_action_runs(line, set_route, caller):
    set_route(
        line,
        route(
            {"type": "forward", "to": AGENT},
            hours=NEVER_OPEN,
            after_hours_action={"type": "hangup", "message": "We are closed, call tomorrow."},
        ),
    )
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    assert call.steps[0] == "after"
    assert call.status == Call.Status.NO_ANSWER
    events = caller.events(call_id)
    assert ("SpeakSentence", "We are closed, call tomorrow.") in events
    assert not any(kind == "Transfer" for kind, _ in events)


MENU = {
    "type": "menu",
    "prompt": "Press 1 for sales, 2 to leave a message.",
    "options": {
        "1": {"type": "forward", "to": AGENT},
        "2": {"type": "voicemail", "greeting": "Leave your message."},
    },
    "retries": 1,
    "timeout": 3,
    "default": {"type": "hangup", "message": "Goodbye from the menu."},
}


def test_menu_choice_runs_its_branch(line, set_route, caller):
    set_route(line, route(MENU))
    call_id = caller.call(line.e164, digits="1")
    call = finished_call(call_id)
    assert call.status == Call.Status.COMPLETED
    assert call.answered_by_number == AGENT
    assert "main.1" in call.steps
    assert ("Transfer", AGENT) in caller.events(call_id)


def test_menu_wrong_digit_is_retried_then_a_valid_one_is_taken(line, set_route, caller):
    set_route(line, route(MENU))
    call_id = caller.call(line.e164, digits="91")
    call = finished_call(call_id)
    assert call.steps[:3] == ["main", "main retry", "main.1"]
    events = caller.events(call_id)
    assert ("SpeakSentence", "Sorry, that is not a valid choice.") in events
    assert call.status == Call.Status.COMPLETED


def test_menu_timeout_after_the_retries_takes_the_default(line, set_route, caller):
    set_route(line, route(MENU))
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    assert call.steps[:3] == ["main", "main retry", "main.default"]
    events = caller.events(call_id)
    assert ("SpeakSentence", "Sorry, we did not get your choice.") in events
    assert ("SpeakSentence", "Goodbye from the menu.") in events
    assert call.status == Call.Status.NO_ANSWER


def test_simultaneous_ring_group_first_answer_wins(line, set_route, caller, agent):
    agent.phone = AGENT_2
    agent.save()
    set_route(line, route({"type": "ring_all", "numbers": [BUSY, AGENT_2, NO_ANSWER]}))
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    assert call.status == Call.Status.COMPLETED
    assert call.answered_by_number == AGENT_2
    assert call.handled_by == agent.user
    assert ("Transfer", f"{BUSY}, {AGENT_2}, {NO_ANSWER}") in caller.events(call_id)


def test_simultaneous_ring_group_nobody_answers_goes_to_voicemail(line, set_route, caller):
    set_route(line, route({"type": "ring_all", "numbers": [BUSY, NO_ANSWER], "timeout": 5}))
    call_id = caller.call(line.e164, speech="Call me back please.")
    call = finished_call(call_id)
    assert call.status == Call.Status.NO_ANSWER
    assert call.steps[-1] == "voicemail"
    assert any(kind == "Record" for kind, _ in caller.events(call_id))
    assert call.voicemail.recording.bandwidth_recording_id.startswith("r-")


def test_sequential_ring_group_busy_then_no_answer_then_answer(line, set_route, caller):
    set_route(
        line,
        route({"type": "ring_sequence", "numbers": [BUSY, NO_ANSWER, AGENT_3], "timeout": 5}),
    )
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    assert call.status == Call.Status.COMPLETED
    assert call.answered_by_number == AGENT_3
    assert "main next 1" in call.steps and "main next 2" in call.steps
    transfers = [detail for kind, detail in caller.events(call_id) if kind == "Transfer"]
    assert transfers == [BUSY, NO_ANSWER, AGENT_3]


def test_sequential_ring_group_nobody_answers_goes_to_voicemail(line, set_route, caller):
    set_route(line, route({"type": "ring_sequence", "numbers": [BUSY, NO_ANSWER], "timeout": 5}))
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    assert call.status == Call.Status.NO_ANSWER
    transfers = [detail for kind, detail in caller.events(call_id) if kind == "Transfer"]
    assert transfers == [BUSY, NO_ANSWER]
    assert call.steps[-1] == "voicemail"
    assert Voicemail.objects.filter(call=call).exists()


def test_voicemail_keeps_recording_media_and_transcription(line, set_route, caller, celery_worker):
    set_route(line, route(MENU))
    call_id = caller.call(line.e164, digits="2", speech="Hi, it is Dana about my sink.")
    call = finished_call(call_id)
    voicemail = wait_until(lambda: Voicemail.objects.filter(call=call).first())

    def complete() -> Recording | None:
        recording = Recording.objects.get(pk=voicemail.recording_id)
        ready = recording.media_file and recording.transcription_status == "available"
        return recording if ready else None

    recording = wait_until(complete)
    assert recording.transcription_text == "Hi, it is Dana about my sink."
    assert recording.media_file.read(4) == b"RIFF"
    assert recording.duration > 0
    assert recording.tenant_id == line.tenant.id
    assert not voicemail.listened
    assert ("SpeakSentence", "Leave your message.") in caller.events(call_id)


def test_record_calls_announces_and_records(line, set_route, caller, celery_worker):
    set_route(
        line,
        route(
            {"type": "forward", "to": AGENT},
            record_calls=True,
            record_announcement="Calls are recorded for quality.",
        ),
    )
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    events = caller.events(call_id)
    assert events.index(("SpeakSentence", "Calls are recorded for quality.")) < events.index(
        ("StartRecording", "")
    )
    recording = wait_until(
        lambda: Recording.objects.filter(call=call).exclude(media_file="").first()
    )
    assert not Voicemail.objects.filter(recording=recording).exists()


def test_a_hostile_greeting_cannot_inject_bxml(line, set_route, caller):
    hostile = 'Hi</SpeakSentence><Transfer><PhoneNumber>+19005550000</PhoneNumber></Transfer>&amp;"'
    set_route(
        line,
        route({"type": "hangup", "message": ""}) | {"greeting": {"kind": "speak", "text": hostile}},
    )
    call_id = caller.call(line.e164)
    finished_call(call_id)
    events = caller.events(call_id)
    assert ("SpeakSentence", hostile) in events
    assert not any(kind == "Transfer" for kind, _ in events)


def test_default_route_greets_and_takes_a_voicemail(line, caller):
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    events = caller.events(call_id)
    assert ("SpeakSentence", "Thank you for calling Acme Plumbing.") in events
    assert any(kind == "Record" for kind, _ in events)
    assert Voicemail.objects.filter(call=call).exists()


def test_route_changes_reach_the_next_call(line, set_route, caller):
    set_route(line, route({"type": "hangup", "message": "First version."}))
    first = caller.call(line.e164)
    finished_call(first)
    set_route(line, route({"type": "hangup", "message": "Second version."}))
    second = caller.call(line.e164)
    finished_call(second)
    assert ("SpeakSentence", "Second version.") in caller.events(second)
