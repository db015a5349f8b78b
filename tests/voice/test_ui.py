"""The calls UI: log, detail, voicemail inbox, route editor, blocklist; two tenants each."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile

from tenants.models import BlockedNumber
from voice import services
from voice.models import Call, CallRoute

from .test_api import _call_with_voicemail, _number

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(tenant):
    number = _number(tenant, "+19195550101")
    call, recording, voicemail = _call_with_voicemail(tenant, number)
    recording.media_file.save("r.wav", ContentFile(b"RIFF0000WAVE"), save=True)
    return number, call, recording, voicemail


@pytest.fixture
def theirs(other_tenant):
    number = _number(other_tenant, "+19195550202")
    call, recording, voicemail = _call_with_voicemail(other_tenant, number, other="+19195557777")
    recording.media_file.save("r.wav", ContentFile(b"RIFF0000WAVE"), save=True)
    return number, call, recording, voicemail


def test_call_log_lists_only_this_tenants_calls_with_filters(owner, login, mine, theirs):
    client = login(owner)
    page = client.get("/calls/").content.decode()
    assert "+19195557000" in page and "+19195557777" not in page
    assert "1 new voicemail" in page
    assert "+19195557000" not in client.get("/calls/?status=completed").content.decode()
    assert "+19195557000" in client.get("/calls/?status=no-answer&q=7000").content.decode()
    assert "+19195557000" not in client.get("/calls/?direction=outbound").content.decode()


def test_call_detail_shows_the_trail_and_other_tenants_get_404(owner, login, mine, theirs):
    client = login(owner)
    _, call, recording, _ = mine
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Please call me." in page and f"/calls/recordings/{recording.pk}/media/" in page
    assert "Event trail" in page
    assert client.get(f"/calls/{theirs[1].pk}/").status_code == 404
    assert client.get(f"/calls/recordings/{recording.pk}/media/").status_code == 200
    assert client.get(f"/calls/recordings/{theirs[2].pk}/media/").status_code == 404


def test_voicemail_inbox_playback_and_mark_listened(owner, login, mine, theirs):
    client = login(owner)
    _, _, _recording, voicemail = mine
    page = client.get("/calls/voicemail/").content.decode()
    assert "Please call me." in page and "<audio" in page
    assert "+19195557777" not in page
    row = client.post(
        f"/calls/voicemail/{voicemail.pk}/listened/", {"listened": "1"}, HTTP_HX_REQUEST="true"
    )
    assert row.status_code == 200 and "mark new" in row.content.decode()
    voicemail.refresh_from_db()
    assert voicemail.listened and voicemail.listened_by == owner.user
    assert "Please call me." not in client.get("/calls/voicemail/?show=new").content.decode()
    other = client.post(f"/calls/voicemail/{theirs[3].pk}/listened/", {"listened": "1"})
    assert other.status_code == 404
    theirs[3].refresh_from_db()
    assert not theirs[3].listened


def test_route_editor_saves_a_menu_and_staff_preview_each_case_in_the_admin(
    owner, login, mine, theirs, client
):
    client = login(owner)
    number = mine[0]
    assert f"/calls/routes/{number.pk}/" in client.get("/calls/routes/").content.decode()
    form = {
        "greeting_kind": "speak",
        "greeting_text": "Welcome to Acme.",
        "greeting_voice": "kate",
        "main_type": "menu",
        "menu_prompt": "Press 1 for sales, 2 for voicemail.",
        "menu_retries": "1",
        "menu_timeout": "5",
        "option_1_type": "forward",
        "option_1_numbers": "+19195550111",
        "option_2_type": "voicemail",
        "menu_default_type": "hangup",
        "hours_enabled": "on",
        "hours_days": ["mon", "tue", "wed", "thu", "fri"],
        "hours_open": "09:00",
        "hours_close": "17:00",
        "after_type": "voicemail",
        "after_text": "We are closed.",
        "voicemail_greeting": "Leave a message.",
        "voicemail_max_duration": "90",
        "missed_call_text": "Sorry we missed you.",
    }
    response = client.post(f"/calls/routes/{number.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    config = CallRoute.objects.get(phone_number=number).config
    assert config["action"]["options"]["1"] == {
        "type": "forward",
        "to": "+19195550111",
        "timeout": 20,
    }
    assert config["hours"]["mon"] == [["09:00", "17:00"]] and config["hours"]["sat"] == []
    assert config["after_hours_action"]["greeting"] == "We are closed."
    page = login(owner).get(f"/calls/routes/{number.pk}/").content.decode()
    assert "Press 1 for sales" in page
    assert "&lt;Gather" not in page and "BXML" not in page, "tenant users never see BXML"
    staff = User.objects.create_superuser("staff@parley.test", "staff@parley.test", "pw")
    client.force_login(staff)
    route = CallRoute.objects.get(phone_number=number)
    page = client.get(f"/admin/voice/callroute/{route.pk}/change/").content.decode()
    for case in [
        "Incoming call, open",
        "Incoming call, after hours",
        "main: caller presses 1",
        "main: wrong digit",
        "main: no choice after every retry",
    ]:
        assert case in page
    assert "&lt;Gather" in page and "Press 1 for sales" in page
    assert "password=" not in page, "previews carry no callback credentials"
    client = login(owner)
    assert client.get(f"/calls/routes/{theirs[0].pk}/").status_code == 404
    assert client.post(f"/calls/routes/{theirs[0].pk}/", form).status_code == 404


def test_route_editor_puts_the_error_next_to_the_field_in_words(owner, login, mine, theirs):
    client = login(owner)
    number = mine[0]
    for typed in ("call bob", ""):
        response = client.post(
            f"/calls/routes/{number.pk}/",
            {"greeting_kind": "none", "main_type": "forward", "main_numbers": typed},
        )
        assert response.status_code == 400
        page = response.content.decode()
        words = "Enter the phone to forward to, like (919) 555-0123."
        assert page.count(words) == 1
        assert 'id="id_main_numbers-error"' in page and 'aria-invalid="true"' in page
        assert "action.to" not in page and "E.164 form" not in page
    assert not CallRoute.objects.filter(phone_number=number).exists()
    ring = client.post(
        f"/calls/routes/{number.pk}/",
        {"greeting_kind": "none", "main_type": "menu", "option_1_type": "ring_all"},
    )
    assert ring.status_code == 400
    assert 'id="id_option_1_numbers-error"' in ring.content.decode()
    assert "Enter the phones to ring" in ring.content.decode()
    assert "action.options" not in ring.content.decode()
    bad = {"greeting_kind": "none", "main_type": "forward", "main_numbers": ""}
    assert client.post(f"/calls/routes/{theirs[0].pk}/", bad).status_code == 404
    bad_json = client.post(
        f"/calls/routes/{number.pk}/",
        {"greeting_kind": "none", "main_type": "hangup", "config_json": "{nope"},
    )
    assert bad_json.status_code == 400 and "not valid" in bad_json.content.decode()


def test_agents_see_but_cannot_change_routes(agent, login, mine):
    client = login(agent)
    number = mine[0]
    assert client.get(f"/calls/routes/{number.pk}/").status_code == 200
    response = client.post(
        f"/calls/routes/{number.pk}/", {"greeting_kind": "none", "main_type": "hangup"}
    )
    assert response.status_code == 403


def test_blocklist_add_remove_and_isolation(owner, other_owner, login):
    client = login(owner)
    assert client.post("/calls/blocklist/", {"number": "+19195550666"}).status_code == 302
    assert client.post("/calls/blocklist/", {"number": "666"}).status_code == 400
    blocked = BlockedNumber.objects.get(number="+19195550666")
    assert "+19195550666" not in login(other_owner).get("/calls/blocklist/").content.decode()
    assert login(other_owner).post(f"/calls/blocklist/{blocked.pk}/remove/").status_code == 404
    assert client.post(f"/calls/blocklist/{blocked.pk}/remove/").status_code == 302
    assert not BlockedNumber.objects.exists()


def test_call_button_refuses_without_an_agent_phone(owner, login, mine, settings):
    client = login(owner)
    response = client.post("/calls/dial/", {"to": "+19195558800", "next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Call.objects.filter(direction="outbound").exists()
    evil = client.post("/calls/dial/", {"to": "+19195558800", "next": "https://evil.example/"})
    assert evil["Location"] == "/calls/"


def test_calls_for_a_contact_selector(tenant, other_tenant, mine, theirs):
    from voice import selectors

    assert list(selectors.calls_for_contact(tenant=tenant, number="+19195557000")) == [mine[1]]
    assert not selectors.calls_for_contact(tenant=tenant, number="+19195557777").exists()


def test_admin_lists_calls_and_routes(admin_client, mine):
    services.call_route_save(
        tenant=mine[0].tenant,
        phone_number=mine[0],
        config={"action": {"type": "hangup", "message": "Bye"}},
    )
    for path in [
        "/admin/voice/call/",
        f"/admin/voice/call/{mine[1].pk}/change/",
        "/admin/voice/recording/",
        "/admin/voice/voicemail/",
        "/admin/voice/callroute/",
        "/admin/tenants/blockednumber/",
    ]:
        assert admin_client.get(path).status_code == 200, path


def test_routing_pages_of_another_tenant_are_invisible(owner, login, mine, theirs, settings):
    client = login(owner)
    page = client.get("/calls/routes/").content.decode()
    assert mine[0].number in page and theirs[0].number not in page
    settings.BANDWIDTH_EMULATOR_URL = "http://127.0.0.1:9"
    assert client.post(f"/calls/routes/{theirs[0].pk}/try/", {"digits": "1"}).status_code == 404


def test_call_button_cannot_use_another_tenants_number(owner, login, mine, theirs):
    owner.phone = "+19195550111"
    owner.save()
    client = login(owner)
    response = client.post(
        "/calls/dial/", {"to": "+19195558800", "from_number": theirs[0].number}, follow=True
    )
    assert "is not one of your active numbers" in response.content.decode()
    assert not Call.objects.filter(direction="outbound").exists()
