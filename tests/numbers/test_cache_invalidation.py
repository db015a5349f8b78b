"""Every way a number, its tenant, its route or its callback credentials change reaches the next
webhook at once, however warm the caches (shared routing and credential caches, the webhook memo,
voice's compiled routes) were.

The model-signal receivers that also drop these caches are only a second line: this module runs
with them disconnected, so each test proves that its path (a service, the admin, a QuerySet's
``update()`` or ``delete()``) invalidates by itself.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from numbers import routing
from numbers.models import PhoneNumber
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.test import Client

from bandwidth.bxml import SpeakSentence, parse_bxml
from bandwidth.emulator.app import RunningEmulator
from carrier import webhook_auth
from carrier.models import Provisioning
from messaging import memo
from messaging.models import RawEvent
from tenants.models import Tenant
from tenants.tokens import keyed_digest
from voice import routes
from voice.models import Call, CallRoute

from .conftest import buy, search, wait_for_status

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+19195557000"
SECOND_LINE = [
    (post_save, PhoneNumber, "numbers.routing.save"),
    (post_delete, PhoneNumber, "numbers.routing.delete"),
    (post_save, Provisioning, "carrier.webhook_auth"),
    (post_delete, Provisioning, "carrier.webhook_auth.d"),
    (post_save, PhoneNumber, "voice.compiled.PhoneNumber"),
    (post_delete, PhoneNumber, "voice.compiled.PhoneNumber.delete"),
    (post_save, CallRoute, "voice.compiled.CallRoute"),
    (post_delete, CallRoute, "voice.compiled.CallRoute.delete"),
    (post_save, Tenant, "voice.compiled.Tenant"),
]


@pytest.fixture(autouse=True)
def _only_explicit_invalidation() -> Iterator[None]:
    memo.clear()
    for signal, sender, uid in SECOND_LINE:
        assert signal.disconnect(sender=sender, dispatch_uid=uid), uid
    try:
        yield
    finally:
        routing.connect_signals()
        webhook_auth.connect_signals()
        apps.get_app_config("voice").ready()


@pytest.fixture
def staff() -> Client:
    user = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client = Client()
    client.force_login(user)
    return client


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def callback_auth(emulator: RunningEmulator, tenant: Tenant) -> str:
    """The credentials Bandwidth sends on the tenant's callbacks, as provisioning set them."""
    name = f"parley-{tenant.slug}-messaging"
    app = next(a for a in emulator.emulator.state.applications.values() if a.name == name)
    assert app.inbound_credentials is not None
    return basic(*app.inbound_credentials)


def text_to(our: str, auth: str) -> Any:
    """Posts an inbound text to ``our``: the tenant id it was stored for, ``"unrouted"``, or the
    HTTP status when it was refused (nothing stored then)."""
    message_id = uuid.uuid4().hex
    event = {
        "type": "message-received",
        "time": "2026-11-23T10:00:00.000Z",
        "description": "Incoming message received",
        "to": our,
        "message": {
            "id": message_id,
            "time": "2026-11-23T10:00:00.000Z",
            "to": [our],
            "from": CUSTOMER,
            "text": "hello",
            "applicationId": "app",
            "media": [],
            "owner": our,
            "direction": "in",
            "segmentCount": 1,
        },
    }
    response = Client().post(
        "/webhooks/bandwidth/messaging/",
        json.dumps([event]),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    stored = RawEvent.objects.filter(message_id=message_id).first()
    if response.status_code != 200:
        assert stored is None
        if response.status_code == 401:
            assert response["WWW-Authenticate"].startswith("Basic")
        return response.status_code
    assert stored is not None
    return stored.tenant_id if stored.tenant_id else stored.outcome


def call_to(our: str, auth: str) -> tuple[Any, str]:
    """An inbound call to ``our``: the tenant its Call row belongs to and what Parley says first."""
    call_id = f"c-{uuid.uuid4().hex[:12]}"
    event = {
        "eventType": "initiate",
        "eventTime": "2026-11-23T10:00:00.000Z",
        "accountId": "9900000",
        "applicationId": str(uuid.uuid4()),
        "from": CUSTOMER,
        "to": our,
        "direction": "inbound",
        "callId": call_id,
        "callUrl": f"https://voice.example/calls/{call_id}",
        "startTime": "2026-11-23T10:00:00.000Z",
    }
    response = Client().post(
        "/webhooks/bandwidth/voice/",
        json.dumps(event),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    if response.status_code != 200:
        return response.status_code, ""
    spoken = [v.text for v in parse_bxml(response.content).verbs if isinstance(v, SpeakSentence)]
    call = Call.objects.filter(bandwidth_call_id=call_id).first()
    return (call.tenant_id if call else None), (spoken[0] if spoken else "")


def active_number(tenant: Tenant, e164: str) -> PhoneNumber:
    provisioning = Provisioning.objects.get(tenant=tenant)
    return PhoneNumber.objects.create(
        tenant=tenant,
        number=e164,
        status=PhoneNumber.Status.ACTIVE,
        capabilities=["sms", "mms", "voice"],
        site_id=provisioning.site_id,
        peer_id=provisioning.peer_id,
    )


def route_body(text: str) -> dict[str, Any]:
    return {"config": {"greeting": {"kind": "speak", "text": text}, "action": {"type": "hangup"}}}


def test_moving_a_number_to_another_tenant_in_the_admin(ready, tenant, other_tenant, staff):
    mine, theirs = callback_auth(ready, tenant), callback_auth(ready, other_tenant)
    number = active_number(tenant, "+19195550101")
    assert text_to(number.number, mine) == tenant.id
    assert call_to(number.number, mine)[0] == tenant.id

    form = {
        "tenant": str(other_tenant.pk),
        "number": number.number,
        "kind": "local",
        "friendly_name": "",
        "capabilities": '["sms", "mms", "voice"]',
        "status": "active",
        "status_reason": "",
        "city": "",
        "state": "",
        "rate_center": "",
        "site_id": "",
        "peer_id": "",
        "order": "",
        "release_order": "",
    }
    response = staff.post(f"/admin/numbers/phonenumber/{number.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert text_to(number.number, mine) == 401
    assert text_to(number.number, theirs) == other_tenant.id
    assert call_to(number.number, theirs)[0] == other_tenant.id

    # Staff correct the number itself: the old one stops routing, the new one starts.
    response = staff.post(
        f"/admin/numbers/phonenumber/{number.pk}/change/", {**form, "number": "+19195550109"}
    )
    assert response.status_code == 302
    assert text_to("+19195550101", theirs) == "unrouted"
    assert text_to("+19195550109", theirs) == other_tenant.id


def test_a_released_number_stops_routing_at_once(ready, tenant, tenant_api, celery_worker):
    mine = callback_auth(ready, tenant)
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    wait_for_status(pk, "active")
    assert text_to(number, mine) == tenant.id

    assert tenant_api.delete(f"/api/v1/numbers/{pk}/").status_code == 202

    assert text_to(number, mine) == "unrouted"
    assert call_to(number, mine)[0] is None


def test_an_order_that_completes_routes_a_number_cached_as_unowned(
    ready, tenant, tenant_api, celery_worker
):
    mine = callback_auth(ready, tenant)
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    assert text_to(number, mine) == "unrouted"  # ordering: cached as nobody's

    wait_for_status(pk, "active")  # Bandwidth's order notification, over HTTP

    assert text_to(number, mine) == tenant.id
    assert call_to(number, mine)[0] == tenant.id


def test_a_route_change_answers_the_next_call(ready, tenant, tenant_api):
    mine = callback_auth(ready, tenant)
    number = active_number(tenant, "+19195550101")
    url = f"/api/v1/numbers/{number.pk}/route/"
    assert tenant_api.put(url, route_body("Welcome to Acme."), format="json").status_code == 200
    assert call_to(number.number, mine) == (tenant.id, "Welcome to Acme.")

    assert tenant_api.put(url, route_body("We moved."), format="json").status_code == 200

    assert call_to(number.number, mine) == (tenant.id, "We moved.")


def test_suspending_a_tenant_keeps_its_webhooks_and_a_renamed_tenant_is_greeted_anew(
    ready, tenant, staff
):
    mine = callback_auth(ready, tenant)
    number = active_number(tenant, "+19195550101")
    assert text_to(number.number, mine) == tenant.id
    assert call_to(number.number, mine) == (tenant.id, "Thank you for calling Acme Plumbing.")

    staff.post("/admin/tenants/tenant/", {"action": "suspend", "_selected_action": [tenant.pk]})

    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.SUSPENDED
    assert text_to(number.number, mine) == tenant.id
    assert call_to(number.number, mine) == (tenant.id, "Thank you for calling Acme Plumbing.")

    Tenant.objects.filter(pk=tenant.pk).update(name="Acme Heating")
    assert call_to(number.number, mine) == (tenant.id, "Thank you for calling Acme Heating.")


def test_rotated_callback_credentials_take_effect_at_once(ready, tenant, staff):
    old = callback_auth(ready, tenant)
    number = active_number(tenant, "+19195550101")
    assert text_to(number.number, old) == tenant.id
    assert call_to(number.number, old)[0] == tenant.id

    staff.post(
        "/admin/tenants/tenant/",
        {"action": "rotate_callback_credentials", "_selected_action": [tenant.pk]},
    )

    new = callback_auth(ready, tenant)
    assert new != old
    assert text_to(number.number, old) == 401
    assert call_to(number.number, old)[0] == 401
    assert text_to(number.number, new) == tenant.id
    assert call_to(number.number, new)[0] == tenant.id


def test_queryset_updates_as_an_admin_action_makes_them(ready, tenant, other_tenant):
    mine, theirs = callback_auth(ready, tenant), callback_auth(ready, other_tenant)
    number = active_number(tenant, "+19195550101")
    assert text_to(number.number, mine) == tenant.id
    assert call_to(number.number, mine) == (tenant.id, "Thank you for calling Acme Plumbing.")

    PhoneNumber.objects.filter(pk=number.pk).update(tenant=other_tenant)
    assert text_to(number.number, mine) == 401
    assert call_to(number.number, theirs) == (
        other_tenant.id,
        "Thank you for calling Globex Dental.",
    )

    PhoneNumber.objects.filter(pk=number.pk).update(tenant=tenant)
    CallRoute.objects.create(
        tenant=tenant,
        phone_number=number,
        config=routes.validate_config(route_body("Hi.")["config"]),
    )
    assert call_to(number.number, mine)[0] == tenant.id  # the compiled route is cached again
    bulk = routes.validate_config(route_body("Updated in bulk.")["config"])
    CallRoute.objects.filter(phone_number=number).update(config=bulk)
    assert call_to(number.number, mine)[1] == "Updated in bulk."

    PhoneNumber.objects.filter(pk=number.pk).update(status=PhoneNumber.Status.RELEASED)
    assert text_to(number.number, mine) == "unrouted"

    password = "a-new-password-set-in-bulk"
    Provisioning.objects.filter(tenant=tenant).update(
        callback_password_hash=keyed_digest(password, purpose=webhook_auth.PURPOSE)
    )
    assert text_to(number.number, mine) == 401
    assert text_to(number.number, basic(f"t-{tenant.id.hex}", password)) == "unrouted"


def test_deleting_numbers_and_tenants_in_the_admin(ready, tenant, other_tenant, staff):
    mine, theirs = callback_auth(ready, tenant), callback_auth(ready, other_tenant)
    kept = active_number(tenant, "+19195550101")
    dropped = active_number(tenant, "+19195550102")
    for number in (kept, dropped):
        assert text_to(number.number, mine) == tenant.id

    staff.post(
        "/admin/numbers/phonenumber/",
        {"action": "delete_selected", "_selected_action": [dropped.pk], "post": "yes"},
    )
    assert not PhoneNumber.objects.filter(pk=dropped.pk).exists()
    assert text_to(dropped.number, mine) == "unrouted"
    assert text_to(kept.number, mine) == tenant.id

    staff.post(
        "/admin/tenants/tenant/",
        {"action": "delete_selected", "_selected_action": [tenant.pk], "post": "yes"},
    )
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert text_to(kept.number, mine) == 401
    assert text_to(kept.number, theirs) == "unrouted"
