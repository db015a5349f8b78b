"""JSON endpoints answer in JSON whatever goes wrong: depth and size limits, 404, 405, 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import path

from core.json_endpoints import json_depth
from messaging.models import Message, RawEvent

from ..messaging.conftest import Wired, post_events, received

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()["error"]


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000],
    ids=["deep-array", "deep-object"],
)
@pytest.mark.parametrize("hook", ["messaging", "voice"])
def test_deeply_nested_webhook_bodies_get_400_json(client: Client, wired: Wired, body, hook):
    response = client.post(
        f"/webhooks/bandwidth/{hook}/",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=wired.auth,
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "parse_error" and "32 levels" in error["message"]
    assert RawEvent.objects.count() == 0


def test_a_deeply_nested_api_body_gets_400_json(tenant_api):
    response = tenant_api.post(
        "/api/v1/messages/", data="[" * 5000 + "]" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000_000)
def test_an_oversized_webhook_body_gets_413_json(client: Client, wired: Wired):
    event = received(wired.e164, "+19195550123", "x" * 5_000_000)
    response = post_events(client, wired.auth, [event])
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"
    assert Message.objects.count() == 0 and RawEvent.objects.count() == 0


def test_a_body_within_the_limits_is_still_accepted(client: Client, wired: Wired):
    response = post_events(client, wired.auth, [received(wired.e164, "+19195550123", "[{[{")])
    assert response.status_code == 200 and RawEvent.objects.count() == 1


def test_a_non_numeric_api_id_gets_404_json(tenant_api):
    response = tenant_api.get("/api/v1/numbers/%C2%84/")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_an_unknown_api_path_gets_404_json(tenant_api):
    response = tenant_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and _error(response)["code"] == "not_found"


def test_a_wrong_method_on_a_webhook_gets_405_json_with_allow(client: Client):
    response = client.get("/webhooks/bandwidth/messaging/")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"


def test_the_webhook_challenge_keeps_its_header_and_speaks_json(client: Client, wired: Wired):
    response = post_events(client, None, [received(wired.e164, "+19195550123", "hi")])
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert _error(response)["code"] == "authentication_failed"


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/v1/boom/", _boom), path("boom/", _boom)]


@override_settings(ROOT_URLCONF=__name__)
def test_an_unhandled_error_on_a_json_path_is_500_json_and_html_elsewhere():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500 and _error(response)["code"] == "server_error"
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_ui_pages_keep_html_errors(client: Client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'[{"a": [1, 2]}]', 3),
        (b'{"text": "[[[[{{{{"}', 1),
        (b'{"text": "\\"[[["}', 1),
        (b"1", 0),
    ],
)
def test_depth_counts_brackets_outside_strings_only(body: bytes, depth: int):
    assert json_depth(body, 32) == depth
    json.loads(body)
