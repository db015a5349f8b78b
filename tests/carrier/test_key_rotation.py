"""Rotating keys without locking anyone out: SECRET_KEY with SECRET_KEY_FALLBACKS (API tokens,
webhook passwords, per-call voice callback passwords) and FIELD_ENCRYPTION_KEYS with the
rotate_field_keys command (tenants' Bandwidth client secrets)."""

from __future__ import annotations

import base64
import json
import uuid
from io import StringIO
from numbers.models import PhoneNumber
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from carrier import services as carrier_services
from carrier.clients import credentials_for
from carrier.models import BandwidthAccount, Provisioning
from carrier.webhook_auth import generate_tenant_credentials
from core import secret_box
from messaging import memo
from messaging.models import RawEvent
from tenants.models import Tenant
from voice import routes
from voice.models import Call

pytestmark = pytest.mark.django_db(transaction=True)

KEY_A = "parley-test-secret-key-A-" + "a" * 40
KEY_B = "parley-test-secret-key-B-" + "b" * 40


def restart(settings: Any, key: str, fallbacks: list[str]) -> None:
    """What a deploy with new settings does: new keys, and empty per-process memos."""
    settings.SECRET_KEY = key
    settings.SECRET_KEY_FALLBACKS = fallbacks
    memo.clear()


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_api_tokens_work_under_a_fallback_key_and_new_ones_use_the_current_key(
    settings, tenant, other_tenant, make_token, api
):
    restart(settings, KEY_A, [])
    mine, theirs = make_token(tenant), make_token(other_tenant)

    restart(settings, KEY_B, [KEY_A])
    assert api(mine).get("/api/v1/tenant/").json()["slug"] == "acme"
    assert api(theirs).get("/api/v1/tenant/").json()["slug"] == "globex"
    fresh = make_token(tenant)

    restart(settings, KEY_B, [])
    assert api(mine).get("/api/v1/tenant/").status_code == 401
    assert api(theirs).get("/api/v1/tenant/").status_code == 401
    assert api(fresh).get("/api/v1/tenant/").json()["slug"] == "acme"

    restart(settings, KEY_A, [])
    assert api(fresh).get("/api/v1/tenant/").status_code == 401


def _wire(tenant: Tenant, e164: str) -> tuple[str, PhoneNumber]:
    creds = generate_tenant_credentials(tenant.id)
    Provisioning.objects.create(
        tenant=tenant,
        status=Provisioning.Status.READY,
        callback_username=creds.username,
        callback_password_hash=creds.password_hash,
    )
    number = PhoneNumber.objects.create(tenant=tenant, number=e164, status="active")
    return basic(creds.username, creds.password), number


def _text(auth: str, our: str) -> tuple[int, Any]:
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
            "from": "+19195557000",
            "text": "hello",
            "applicationId": "app",
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
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Basic")
    stored = RawEvent.objects.filter(message_id=message_id).first()
    return response.status_code, stored.tenant_id if stored else None


def _voice(auth: str, body: dict[str, Any], query: str = "") -> Any:
    return Client().post(
        "/webhooks/bandwidth/voice/" + query,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )


def _voice_event(event_type: str, to: str, call_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": "2026-11-23T10:00:00.000Z",
        "accountId": "9900000",
        "applicationId": str(uuid.uuid4()),
        "from": "+19195557000",
        "to": to,
        "direction": "inbound",
        "callId": call_id,
        "callUrl": f"https://voice.example/calls/{call_id}",
        "startTime": "2026-11-23T10:00:00.000Z",
        **extra,
    }


def test_webhook_passwords_work_under_a_fallback_key(settings, tenant, other_tenant):
    restart(settings, KEY_A, [])
    mine, number = _wire(tenant, "+19195550101")
    theirs, their_number = _wire(other_tenant, "+19195550202")
    started = _voice(mine, _voice_event("initiate", number.number, "c-1"))
    assert started.status_code == 200
    call = Call.objects.get(bandwidth_call_id="c-1")
    per_call = basic(*routes.callback_credentials(call.pk))

    restart(settings, KEY_B, [KEY_A])
    assert _text(mine, number.number) == (200, tenant.id)
    assert _text(theirs, their_number.number) == (200, other_tenant.id)
    assert _text(theirs, number.number)[0] == 401
    gather = _voice_event("redirect", number.number, "c-1")
    assert _voice(per_call, gather, f"?call={call.pk}&step=main").status_code == 200

    restart(settings, KEY_B, [])
    assert _text(mine, number.number) == (401, None)
    assert _text(theirs, their_number.number) == (401, None)
    assert _voice(per_call, gather, f"?call={call.pk}&step=main").status_code == 401


@pytest.fixture
def staff() -> Client:
    user = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client = Client()
    client.force_login(user)
    return client


def _connection_ok(staff: Client, account: BandwidthAccount) -> bool:
    """The admin's "Test the connection" action: decrypts the secret and signs in to Bandwidth."""
    staff.post(
        "/admin/carrier/bandwidthaccount/",
        {"action": "test_connection", "_selected_action": [str(account.pk)]},
    )
    account.refresh_from_db()
    return bool(account.last_test_ok)


def _rotate() -> str:
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    return out.getvalue()


def test_field_keys_rotate_without_losing_a_secret(settings, bandwidth, staff):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    config = bandwidth.emulator.config
    account = BandwidthAccount.objects.create(
        name="Acme's own", kind="tenant", account_id=config.account_id, client_id=config.client_id
    )
    carrier_services.bandwidth_account_set_secret(
        account=account, client_secret=config.client_secret
    )
    written_under_a = BandwidthAccount.objects.get(pk=account.pk).client_secret_encrypted
    assert _connection_ok(staff, account)

    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    assert _connection_ok(staff, account)
    lines = _rotate().strip().splitlines()
    assert lines[0] == (
        "carrier.BandwidthAccount.client_secret_encrypted: 1 re-encrypted, "
        "0 already under the newest key, 0 unreadable"
    )
    assert (
        "porting.PortInRequest.pin_encrypted: 0 re-encrypted, "
        "0 already under the newest key, 0 unreadable"
    ) in lines
    rotated = BandwidthAccount.objects.get(pk=account.pk).client_secret_encrypted
    assert rotated != written_under_a and config.client_secret not in rotated

    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    account.refresh_from_db()
    assert credentials_for(account).client_secret == config.client_secret
    assert _connection_ok(staff, account)
    assert "0 re-encrypted, 1 already under the newest key" in _rotate()

    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    assert not _connection_ok(staff, account)  # key A no longer reads it: it really was rotated


def test_the_single_key_variable_is_still_read_after_the_list(settings, tenant):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_ENCRYPTION_KEY = old_key
    written = secret_box.encrypt("tenant-secret")

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert secret_box.decrypt(written) == "tenant-secret"
    assert secret_box.decrypt(secret_box.encrypt("next")) == "next"
    settings.FIELD_ENCRYPTION_KEY = ""
    assert secret_box.decrypt(secret_box.encrypt("next")) == "next"  # new values use the list


def test_a_value_no_key_reads_is_reported_and_left_alone(settings):
    lost, kept = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.FIELD_ENCRYPTION_KEYS = [lost]
    orphan = BandwidthAccount.objects.create(name="Lost", kind="tenant", account_id="1")
    carrier_services.bandwidth_account_set_secret(account=orphan, client_secret="s-1")
    settings.FIELD_ENCRYPTION_KEYS = [kept]
    readable = BandwidthAccount.objects.create(name="Kept", kind="tenant", account_id="2")
    carrier_services.bandwidth_account_set_secret(account=readable, client_secret="s-2")
    before = BandwidthAccount.objects.get(pk=orphan.pk).client_secret_encrypted

    with pytest.raises(CommandError, match=f"client_secret_encrypted pk {orphan.pk}"):
        _rotate()

    assert BandwidthAccount.objects.get(pk=orphan.pk).client_secret_encrypted == before
    assert secret_box.decrypt(BandwidthAccount.objects.get(pk=readable.pk).client_secret_encrypted)
