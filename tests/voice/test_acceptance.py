"""The issue's acceptance paths, end to end over real HTTP (emulator, live server, worker)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from voice.models import Call, Recording, Voicemail

from ..conftest import wait_until
from .conftest import finished_call

pytestmark = pytest.mark.django_db(transaction=True)

IVR_FORM = {
    "greeting_kind": "speak",
    "greeting_text": "Welcome to Acme Plumbing.",
    "main_type": "menu",
    "menu_prompt": "Press 1 for the office, 2 to leave a message.",
    "menu_retries": "1",
    "menu_timeout": "5",
    "option_1_type": "forward",
    "option_1_numbers": "+19195550111",
    "option_2_type": "voicemail",
    "voicemail_greeting": "Please leave your message after the tone.",
}


def test_ivr_voicemail_configured_and_tried_in_the_ui(
    line, owner, login, settings, bandwidth, celery_worker
):
    settings.BANDWIDTH_EMULATOR_URL = bandwidth.url
    client = login(owner)
    assert client.post(f"/calls/routes/{line.number.pk}/", IVR_FORM).status_code == 302
    tried = client.post(
        f"/calls/routes/{line.number.pk}/try/",
        {"digits": "2", "speech": "My boiler is leaking, please call."},
    )
    assert tried.status_code == 302 and tried["Location"] == "/calls/"

    def transcribed() -> Voicemail | None:
        voicemail = Voicemail.objects.filter(tenant=line.tenant).first()
        if voicemail is None:
            return None
        recording = Recording.objects.get(pk=voicemail.recording_id)
        return voicemail if recording.transcription_text and recording.media_file else None

    voicemail = wait_until(transcribed, timeout=30)
    assert "main.2" in Call.objects.get(pk=voicemail.call_id).steps
    page = client.get("/calls/voicemail/").content.decode()
    assert "My boiler is leaking, please call." in page
    assert f"/calls/recordings/{voicemail.recording_id}/media/" in page
    audio = client.get(f"/calls/recordings/{voicemail.recording_id}/media/")
    assert audio.status_code == 200 and b"".join(audio.streaming_content)[:4] == b"RIFF"


def test_try_it_without_an_emulator_says_so(line, owner, login, settings):
    settings.BANDWIDTH_EMULATOR_URL = ""
    client = login(owner)
    response = client.post(f"/calls/routes/{line.number.pk}/try/", {"digits": "1"}, follow=True)
    assert "needs the local emulator" in response.content.decode()


def test_click_to_call_through_the_api_and_another_tenant_gets_404(
    line, tenant_api, other_api, celery_worker
):
    response = tenant_api.post(
        "/api/v1/calls/",
        {"from": line.e164, "to": "+19195558800", "agent": "+19195550111"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="acceptance-1",
    )
    assert response.status_code == 202
    pk = response.data["id"]
    wait_until(lambda: tenant_api.get(f"/api/v1/calls/{pk}/").data["status"] == "completed")
    assert other_api.get(f"/api/v1/calls/{pk}/").status_code == 404
    assert other_api.get(f"/api/v1/calls/{pk}/recordings/").status_code == 404


def test_uploaded_greeting_is_played_from_a_private_url(line, owner, login, caller):
    client = login(owner)
    upload = SimpleUploadedFile("hello.wav", b"RIFF....WAVEfmt ", content_type="audio/wav")
    form = {"greeting_kind": "audio", "main_type": "hangup", "greeting_audio": upload}
    assert client.post(f"/calls/routes/{line.number.pk}/", form).status_code == 302
    call = finished_call(caller.call(line.e164))
    played = [d for kind, d in caller.events(call.bandwidth_call_id) if kind == "PlayAudio"]
    assert len(played) == 1 and "/webhooks/bandwidth/voice/audio/" in played[0]
    path = played[0].split("://", 1)[1].split("/", 1)[1]
    assert b"".join(Client().get("/" + path).streaming_content).startswith(b"RIFF")
    assert Client().get("/" + path.rsplit("/", 2)[0] + "/wrong-token/").status_code == 404


def test_call_button_rings_my_phone_then_the_customer(line, owner, login, celery_worker):
    owner.phone = "+19195550111"
    owner.save()
    client = login(owner)
    response = client.post("/calls/dial/", {"to": "+19195558800"})
    assert response.status_code == 302
    call = Call.objects.get(direction="outbound")
    assert response["Location"] == f"/calls/{call.pk}/"
    assert (call.agent_number, call.our_number, call.created_by) == (
        "+19195550111",
        line.e164,
        owner.user,
    )
    wait_until(lambda: Call.objects.get(pk=call.pk).status == Call.Status.COMPLETED)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Completed" in page and "agent answered" in page
