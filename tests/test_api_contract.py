"""The API's contract, strict: query parameters, pagination, bodies, error responses in the
schema, the request id, the rate limit headers."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from core.request_id import RequestIdFilter
from messaging.models import Conversation
from tenants.models import ApiToken
from tenants.throttling import ApiTokenRateThrottle

from .tenants.test_api import assert_error

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/messages/",
    "/api/v1/conversations/",
    "/api/v1/contacts/",
    "/api/v1/calls/",
    "/api/v1/voicemails/",
    "/api/v1/numbers/",
    "/api/v1/number-orders/",
    "/api/v1/opt-outs/",
    "/api/v1/tokens/",
    "/api/v1/members/",
]


@pytest.fixture
def schema(client: Client) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    import yaml

    return yaml.safe_load(response.content)


@pytest.mark.parametrize("value", ["null", "-1", "0", "abc", "201", "1.5", " 5"])
def test_a_bad_page_size_is_400_naming_it(tenant_api, value):
    for path in LISTS:
        error = assert_error(tenant_api.get(path, {"page_size": value}), 400, "invalid")
        assert set(error["fields"]) == {"page_size"}, path


def test_a_good_page_size_is_used(tenant_api, tenant, make_token):
    for _ in range(3):
        make_token(tenant)
    body = tenant_api.get("/api/v1/tokens/", {"page_size": "2"}).json()
    assert len(body["results"]) == 2 and body["next"]


def test_a_cursor_not_made_by_the_api_is_400_not_404(tenant_api):
    for path in LISTS:
        error = assert_error(
            tenant_api.get(path, {"cursor": "bm90LWEtY3Vyc29y"}), 400, "invalid_cursor"
        )
        assert set(error["fields"]) == {"cursor"}, path


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("/api/v1/messages/", "direction", "sideways"),
        ("/api/v1/messages/", "status", "lost"),
        ("/api/v1/messages/", "conversation", "abc"),
        ("/api/v1/messages/", "since", "yesterday"),
        ("/api/v1/messages/", "number", "12"),
        ("/api/v1/conversations/", "view", "everything"),
        ("/api/v1/calls/", "direction", "in"),
        ("/api/v1/calls/", "status", "done"),
        ("/api/v1/numbers/available/", "quantity", "many"),
        ("/api/v1/usage/", "granularity", "week"),
        ("/api/v1/usage/", "from", "2026-13-01"),
    ],
)
def test_an_invalid_filter_value_is_400_naming_the_parameter(tenant_api, path, parameter, value):
    response = tenant_api.get(path, {parameter: value})
    assert response.status_code == 400, response.content
    assert parameter in response.json()["error"]["fields"]


@pytest.mark.parametrize("path", [*LISTS, "/api/v1/tenant/", "/api/v1/usage/"])
def test_an_unknown_query_parameter_is_400(tenant_api, path):
    error = assert_error(tenant_api.get(path, {"colour": "blue"}), 400, "unknown_parameter")
    assert set(error["fields"]) == {"colour"}


def test_filters_still_filter(tenant_api, tenant):
    assert tenant_api.get("/api/v1/messages/", {"direction": "in"}).json()["results"] == []
    assert tenant_api.get("/api/v1/calls/", {"status": "completed"}).status_code == 200
    assert tenant_api.get("/api/v1/conversations/", {"view": "open", "q": "x"}).status_code == 200


def test_patching_a_conversation_with_an_empty_status_is_400(tenant_api, tenant):
    from numbers.models import PhoneNumber

    number = PhoneNumber.objects.create(
        tenant=tenant, number="+19195550101", status=PhoneNumber.Status.ACTIVE
    )
    conversation = Conversation.objects.create(
        tenant=tenant,
        phone_number=number,
        participants=["+19195550123"],
        participants_key="+19195550123",
    )
    url = f"/api/v1/conversations/{conversation.pk}/"
    error = assert_error(
        tenant_api.patch(url, {"status": ""}, format="json"), 400, "validation_error"
    )
    assert set(error["fields"]) == {"status"}
    assert tenant_api.patch(url, {"status": "closed"}, format="json").json()["status"] == "closed"


def test_a_form_token_create_refuses_an_empty_expiry_and_control_characters(tenant_api, tenant):
    empty = tenant_api.post("/api/v1/tokens/", {"name": "ci", "scopes": "read", "expires_at": ""})
    assert set(assert_error(empty, 400, "validation_error")["fields"]) == {"expires_at"}
    for name in ["tab\tname", "bell\x07", "line\nbreak", "esc\x1b[31m"]:
        refused = tenant_api.post("/api/v1/tokens/", {"name": name, "scopes": "read"})
        assert set(assert_error(refused, 400, "invalid_characters")["fields"]) == {"name"}
    refused = tenant_api.post("/api/v1/tokens/", {"name": "nul\x00", "scopes": "read"})
    assert set(assert_error(refused, 400, "validation_error")["fields"]) == {"name"}
    assert ApiToken.objects.filter(tenant=tenant).count() == 1  # the caller's own
    made = tenant_api.post("/api/v1/tokens/", {"name": "Zoë's CI", "scopes": "read"})
    assert made.status_code == 201 and made.json()["expires_at"] is None


def test_the_schema_says_what_the_api_does(schema):
    components = schema["components"]["schemas"]
    message = components["Message"]
    assert "from" in message["properties"] and "from_number" not in message["properties"]
    assert "from" in message["required"]
    assert components["PhoneNumberUpdateRequest"]["required"] == ["friendly_name"]
    assert components["VoicemailUpdateRequest"]["required"] == ["listened"]
    messages = schema["paths"]["/api/v1/messages/"]["get"]
    params = {p["name"]: p for p in messages["parameters"] if p["in"] == "query"}
    assert set(params) == {
        "conversation",
        "number",
        "direction",
        "status",
        "since",
        "until",
        "cursor",
        "page_size",
    }
    assert params["direction"]["schema"]["enum"] == ["in", "out"]
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert params["since"]["schema"]["format"] == "date-time"


def test_every_operation_documents_its_errors_in_the_shared_shape(schema):
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 37
    for method, path, operation in operations:
        responses = operation["responses"]
        expected = {"400", "401", "403", "429"} | ({"404"} if "{" in path else set())
        if method in ("post", "put", "patch", "delete"):
            expected |= {"409", "413", "415"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (method, path, code)
        assert "X-Request-Id" in responses[min(responses)]["headers"]
    assert "402" in schema["paths"]["/api/v1/messages/"]["post"]["responses"]
    assert "402" in schema["paths"]["/api/v1/calls/"]["post"]["responses"]
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["properties"]) == {"code", "message", "fields"}


def test_every_field_has_a_type(schema):
    untyped = []

    def walk(name: str, node: object, where: str) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.get("properties", {}).items():
            if not {"type", "$ref", "allOf", "oneOf", "anyOf"} & set(value):
                untyped.append(f"{name}{where}.{key}")
            walk(name, value, f"{where}.{key}")
        for key in ("items", "additionalProperties"):
            walk(name, node.get(key), f"{where}[]")

    for name, component in schema["components"]["schemas"].items():
        walk(name, component, "")
    assert untyped == []


def test_a_request_id_is_on_every_response_and_echoed_when_sane(tenant_api, client):
    sent = tenant_api.get("/api/v1/tenant/", HTTP_X_REQUEST_ID="req-123.abc")
    assert sent["X-Request-Id"] == "req-123.abc"
    made = tenant_api.get("/api/v1/tenant/")
    assert len(made["X-Request-Id"]) == 32
    assert len(client.get("/api/v1/nope/")["X-Request-Id"]) == 32
    assert len(client.get("/accounts/login/")["X-Request-Id"]) == 32
    insane = tenant_api.get("/api/v1/tenant/", HTTP_X_REQUEST_ID="x" * 300)
    assert insane["X-Request-Id"] != "x" * 300
    spaced = tenant_api.get("/api/v1/tenant/", HTTP_X_REQUEST_ID="a b\r\nInjected: 1")
    assert " " not in spaced["X-Request-Id"]


def test_the_request_id_is_in_the_log_lines(client, tenant_api):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-42")
        tenant_api.get("/api/v1/messages/", {"status": "lost"}, HTTP_X_REQUEST_ID="trace-43")
    finally:
        logger.removeHandler(handler)
    assert [r.request_id for r in records] == ["trace-42", "trace-43"]
    assert "[trace-42]" in logging.Formatter("%(levelname)s [%(request_id)s] %(message)s").format(
        records[0]
    )


def test_rate_limit_headers_and_429_with_retry_after(tenant, make_token, api, monkeypatch):
    monkeypatch.setattr(ApiTokenRateThrottle, "THROTTLE_RATES", {"api_token": "3/min"})
    client = api(make_token(tenant))
    seen = []
    for _ in range(3):
        response = client.get("/api/v1/tenant/")
        assert response.status_code == 200
        seen.append(response["RateLimit-Remaining"])
        assert response["RateLimit-Limit"] == "3"
        assert 0 < int(response["RateLimit-Reset"]) <= 60
    assert seen == ["2", "1", "0"]
    refused = client.get("/api/v1/tenant/")
    assert_error(refused, 429, "throttled")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0" and refused["RateLimit-Limit"] == "3"
    other = api(make_token(tenant)).get("/api/v1/tenant/")
    assert other.status_code == 200 and other["RateLimit-Remaining"] == "2"


@pytest.mark.parametrize("pk", ["99999999999999999999999", "0", "-1", "abc"])
def test_an_impossible_id_is_404_not_500(tenant_api, pk):
    for path in ["messages", "conversations", "contacts", "calls", "voicemails", "tokens"]:
        response = tenant_api.get(f"/api/v1/{path}/{pk}/")
        assert response.status_code == 404, (path, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
