"""A number's own after-hours text: it replaces the tenant's default on that number (switched
off, it means no after-hours text there); set, edited and removed in Settings, for two tenants."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.models import AfterHoursReply, AfterHoursReplySent, Message
from tenants.errors import ParleyError

from .conftest import drain, post_events, received

pytestmark = pytest.mark.django_db

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Monday 05:00 in New York (the tenant's zone): closed under 09:00-17:00.
EARLY_MONDAY = "2026-11-23T10:00:00.000Z"
EARLY_TUESDAY = "2026-11-24T10:00:00.000Z"
CUSTOMER = "+19195550123"
URL = "/settings/after-hours/"
NEW_URL = "/settings/after-hours/numbers/new/"


def _number(tenant, e164: str, name: str = "") -> PhoneNumber:
    return PhoneNumber.objects.create(
        tenant=tenant,
        number=e164,
        friendly_name=name,
        status=PhoneNumber.Status.ACTIVE,
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )


def _form(text: str, opens: str, closes: str, *, enabled: bool = True, **extra) -> dict:
    data = {"text": text, **extra}
    if enabled:
        data["enabled"] = "on"
    for day in EVERY_DAY:
        data.update({f"{day}_open": "on", f"{day}_opens": opens, f"{day}_closes": closes})
    return data


def _text(client, wired, our: str, message_id: str, when: str = EARLY_MONDAY, sender=CUSTOMER):
    event = received(our, sender, "Are you open?", message_id=message_id)
    event["time"] = event["message"]["time"] = when
    assert post_events(client, wired.auth, [event]).status_code == 200
    drain()


def _replies() -> list[tuple[str, str, str]]:
    """Every after-hours text sent: (from our number, to, text)."""
    return [
        (m.from_number, m.to[0], m.text)
        for m in Message.objects.filter(direction="out", tag="parley:after-hours").order_by("id")
    ]


@pytest.fixture
def offices(wired):
    """Number A (wired.e164) follows the default; B and C get their own text; D is plain."""
    return {
        "B": _number(wired.tenant, "+19195550102", "Night desk"),
        "C": _number(wired.tenant, "+19195550103", "Warehouse"),
        "D": _number(wired.tenant, "+19195550104"),
    }


def test_each_number_uses_its_own_text_else_the_default(
    client, wired, offices, other_wired, owner, login
):
    manager = login(owner)
    assert manager.post(URL, _form("We open at 9.", "09:00", "17:00")).status_code == 302
    b, c, d = offices["B"], offices["C"], offices["D"]
    always_open = _form("B is always open.", "00:00", "24:00", phone_number=b.pk)
    assert manager.post(NEW_URL, always_open).status_code == 302
    switched_off = _form("", "09:00", "17:00", enabled=False, phone_number=c.pk)
    assert manager.post(NEW_URL, switched_off).status_code == 302
    assert AfterHoursReply.objects.filter(tenant=wired.tenant).count() == 3

    _text(client, wired, wired.e164, "a-1")
    _text(client, wired, b.number, "b-1")
    _text(client, wired, c.number, "c-1")
    assert _replies() == [(wired.e164, CUSTOMER, "We open at 9.")]
    # D has no text of its own: the default, which this contact already had this closed period.
    _text(client, wired, d.number, "d-1")
    assert len(_replies()) == 1
    # Outside B's hours there are none; C stays silent; the default answers a new period.
    _text(client, wired, b.number, "b-2", when=EARLY_TUESDAY)
    _text(client, wired, c.number, "c-2", when=EARLY_TUESDAY)
    _text(client, wired, wired.e164, "a-2", when=EARLY_TUESDAY)
    assert _replies()[1:] == [(wired.e164, CUSTOMER, "We open at 9.")]

    # The other tenant has no after-hours text at all.
    _text(client, other_wired, other_wired.e164, "o-1")
    assert not Message.objects.filter(tenant=other_wired.tenant, direction="out").exists()


def test_a_numbers_own_window_does_not_swallow_the_defaults(client, wired, offices):
    """The same contact, in the same closed period, texts a number on the default and then a
    number with its own text: each sends its text once."""
    services.after_hours_reply_update(
        tenant=wired.tenant, enabled=True, text="We open at 9.", hours=_hours("09:00", "17:00")
    )
    d = offices["D"]
    services.after_hours_reply_update(
        tenant=wired.tenant,
        phone_number=d,
        enabled=True,
        text="The D office opens at 9.",
        hours=_hours("09:00", "17:00"),
    )
    _text(client, wired, wired.e164, "w-1")
    _text(client, wired, d.number, "w-2")
    _text(client, wired, d.number, "w-3")
    _text(client, wired, wired.e164, "w-4")
    assert _replies() == [
        (wired.e164, CUSTOMER, "We open at 9."),
        (d.number, CUSTOMER, "The D office opens at 9."),
    ]
    sent = AfterHoursReplySent.objects.filter(tenant=wired.tenant)
    assert sorted((row.phone_number_id or 0) for row in sent) == [0, d.pk]
    assert len({row.window for row in sent}) == 1, "the same closed period"


def _hours(opens: str, closes: str) -> dict:
    return {day: [[opens, closes]] for day in EVERY_DAY}


def _config_queries(queries) -> int:
    return sum('FROM "messaging_afterhoursreply"' in q["sql"] for q in queries.captured_queries)


def test_one_query_reads_the_after_hours_config(client, wired, offices):
    with CaptureQueriesContext(connection) as nothing_set:
        _text(client, wired, wired.e164, "q-1")
    assert _config_queries(nothing_set) == 1
    services.after_hours_reply_update(
        tenant=wired.tenant, enabled=True, text="Default.", hours=_hours("09:00", "17:00")
    )
    services.after_hours_reply_update(
        tenant=wired.tenant,
        phone_number=offices["D"],
        enabled=True,
        text="D's own.",
        hours=_hours("09:00", "17:00"),
    )
    with CaptureQueriesContext(connection) as both_set:
        _text(client, wired, offices["D"].number, "q-2")
    assert _config_queries(both_set) == 1
    assert [r[2] for r in _replies()] == ["D's own."]


def test_managers_add_edit_and_remove_a_numbers_text(
    wired, offices, other_wired, owner, agent, login, other_owner
):
    manager = login(owner)
    page = manager.get(URL).content.decode()
    assert "Every number uses the text above." in page and 'id="after-hours-add"' in page
    new = manager.get(NEW_URL).content.decode()
    for number in offices.values():
        assert f'<option value="{number.pk}"' in new
    assert f'<option value="{wired.number.pk}"' in new
    assert f'value="{other_wired.number.pk}"' not in new, "another tenant's number is no choice"

    b = offices["B"]
    theirs = manager.post(
        NEW_URL, _form("Hi", "09:00", "17:00", phone_number=other_wired.number.pk)
    )
    assert theirs.status_code == 400
    assert 'id="phone-number-error"' in theirs.content.decode()
    assert "Choose one of your numbers" in theirs.content.decode()
    unchosen = manager.post(NEW_URL, _form("Hi", "09:00", "17:00"))
    assert unchosen.status_code == 400 and 'id="phone-number-error"' in unchosen.content.decode()
    no_text = manager.post(NEW_URL, _form("", "09:00", "17:00", phone_number=b.pk))
    assert no_text.status_code == 400
    assert "Write the text to send after hours." in no_text.content.decode()
    assert 'id="text-error"' in no_text.content.decode()
    backwards = manager.post(NEW_URL, _form("Hi", "18:00", "09:00", phone_number=b.pk))
    assert backwards.status_code == 400
    assert "The closing time must be after the opening time." in backwards.content.decode()
    assert not AfterHoursReply.objects.exists(), "a refusal writes nothing"

    added = manager.post(
        NEW_URL, _form("Night desk: back at 8.", "08:00", "20:00", phone_number=b.pk)
    )
    assert added.status_code == 302 and added["Location"] == URL
    override = AfterHoursReply.objects.get(phone_number=b)
    assert override.tenant == wired.tenant and override.enabled
    assert override.hours["mon"] == [["08:00", "20:00"]]
    assert not AfterHoursReply.objects.filter(phone_number__isnull=True).exists()
    listed = manager.get(URL).content.decode()
    assert 'data-override="+19195550102"' in listed and "Night desk: back at 8." in listed
    assert f'<option value="{b.pk}"' not in manager.get(NEW_URL).content.decode()

    edit_url = f"/settings/after-hours/numbers/{override.pk}/"
    edit = manager.get(edit_url)
    assert edit.status_code == 200 and 'value="08:00"' in edit.content.decode()
    changed = manager.post(edit_url, _form("", "08:00", "20:00", enabled=False))
    assert changed.status_code == 302
    override.refresh_from_db()
    assert not override.enabled
    assert "No after-hours text on this number" in manager.get(URL).content.decode()

    # The other tenant sees none of it and can touch none of it.
    stranger = login(other_owner)
    assert "Night desk" not in stranger.get(URL).content.decode()
    assert stranger.get(edit_url).status_code == 404
    assert stranger.post(edit_url, {"action": "delete"}).status_code == 404
    assert stranger.post(edit_url, _form("Mine now", "09:00", "17:00")).status_code == 404
    override.refresh_from_db()
    assert override.tenant == wired.tenant and override.text == ""

    # Agents read, never change.
    reader = login(agent)
    assert reader.get(edit_url).status_code == 200
    assert "Night desk" in reader.get(URL).content.decode()
    assert 'id="after-hours-add"' not in reader.get(URL).content.decode()
    assert reader.get(NEW_URL).status_code == 403
    assert reader.post(edit_url, {"action": "delete"}).status_code == 403
    assert reader.post(NEW_URL, _form("x", "09:00", "17:00", phone_number=b.pk)).status_code == 403

    removed = manager.post(edit_url, {"action": "delete"})
    assert removed.status_code == 302
    assert not AfterHoursReply.objects.filter(phone_number=b).exists()
    assert manager.get(edit_url).status_code == 404


def test_the_service_refuses_another_tenants_number_and_keeps_the_default(
    wired, other_wired, offices
):
    with pytest.raises(ParleyError) as theirs:
        services.after_hours_reply_update(
            tenant=wired.tenant,
            phone_number=other_wired.number,
            enabled=True,
            text="x",
            hours=_hours("09:00", "17:00"),
        )
    assert theirs.value.field == "phone_number"
    released = offices["D"]
    released.status = PhoneNumber.Status.RELEASED
    released.save()
    with pytest.raises(ParleyError) as gone:
        services.after_hours_reply_update(
            tenant=wired.tenant, phone_number=released, enabled=False, text="", hours={}
        )
    assert gone.value.field == "phone_number"
    assert not AfterHoursReply.objects.exists()
    default = services.after_hours_reply_update(
        tenant=wired.tenant, enabled=False, text="", hours={}
    )
    with pytest.raises(ParleyError) as kept:
        services.after_hours_reply_delete(tenant=wired.tenant, reply=default)
    assert kept.value.field == "phone_number"
    mine = services.after_hours_reply_update(
        tenant=wired.tenant, phone_number=offices["B"], enabled=False, text="", hours={}
    )
    with pytest.raises(ParleyError):
        services.after_hours_reply_delete(tenant=other_wired.tenant, reply=mine)
    assert AfterHoursReply.objects.count() == 2


def _migrate(targets) -> MigrationExecutor:
    """Checks the rows written so far first: PostgreSQL alters no table with pending checks."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def test_the_migration_keeps_a_tenants_text_as_its_default(client, wired, owner, login):
    before = [("messaging", "0010_contacts_tags_imports_broadcasts")]
    after = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = _migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        old.get_model("messaging", "AfterHoursReply").objects.create(
            tenant_id=wired.tenant.pk,
            enabled=True,
            text="Closed, sorry.",
            hours=_hours("09:00", "17:00"),
        )
    finally:
        _migrate(after)
    kept = AfterHoursReply.objects.get(tenant=wired.tenant)
    assert kept.phone_number is None
    assert "Closed, sorry." in login(owner).get(URL).content.decode()
    _text(client, wired, wired.e164, "m-1")
    assert _replies() == [(wired.e164, CUSTOMER, "Closed, sorry.")]
