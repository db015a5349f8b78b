"""Browser hardening: the Content-Security-Policy on every page, the templates that keep to it,
and the cookie, HSTS and header settings a production start-up gets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from messaging.models import Conversation

from .messaging.conftest import Wired, drain, post_events, received

ROOT = Path(__file__).resolve().parents[1]
UI_URLCONFS = (
    "tenants.urls",
    "numbers.urls",
    "messaging.urls",
    "voice.urls",
    "porting.urls",
    "compliance.urls",
    "integrations.urls",
    "usage.urls",
    "notifications.urls",
)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict(response, path: str) -> None:
    assert "Content-Security-Policy" in response, path
    policy = directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], path
    assert policy["default-src"] == ["'self'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["form-action"] == ["'self'"], path
    assert policy["base-uri"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"], path
    assert not {"script-src", "style-src"} & set(policy), path
    assert response["X-Frame-Options"] == "DENY", path


def ui_paths(ids: dict[str, int]) -> list[str]:
    """Every route of the client UI, its integer parameters filled from ``ids`` (else 1)."""
    paths = []
    for module in UI_URLCONFS:
        for pattern in get_resolver(module).url_patterns:
            assert isinstance(pattern, URLPattern) and not isinstance(pattern, URLResolver)
            name = pattern.name
            paths.append(
                "/"
                + re.sub(
                    r"<int:(\w+)>",
                    lambda m, name=name: str(ids.get(f"{name}.{m.group(1)}", 1)),
                    str(pattern.pattern),
                )
            )
    return paths


@pytest.fixture
def conversation(tenant, client) -> Conversation:
    wired = Wired(tenant, "+19195550101")
    post_events(client, wired.auth, [received(wired.e164, "+19195550123", "Open today?")])
    drain()
    return Conversation.objects.get(tenant=tenant)


@pytest.mark.django_db
def test_every_ui_route_answers_with_the_strict_policy(owner, login, conversation):
    client = login(owner)
    number = conversation.phone_number
    contact = conversation.contacts.get()
    ids = {
        "conversation.pk": conversation.pk,
        "conversation-thread.pk": conversation.pk,
        "contact.pk": contact.pk,
        "route-edit.number_id": number.pk,
    }
    answered = {}
    for path in ui_paths(ids):
        response = client.get(path)
        answered[path] = response.status_code
        assert_strict(response, path)
    for page in [
        "/inbox/",
        f"/inbox/{conversation.pk}/",
        "/inbox/new/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/numbers/",
        "/calls/",
        "/calls/voicemail/",
        "/calls/routes/",
        f"/calls/routes/{number.pk}/",
        "/calls/blocklist/",
        "/calls/dialer/",
        "/settings/canned-replies/",
        "/settings/after-hours/",
        "/settings/members/",
        "/settings/tokens/",
        "/porting/",
        "/porting/new/",
        "/trust/",
        "/settings/webhooks/",
        "/usage/",
        "/dashboard/",
    ]:
        assert answered[page] == 200, page


@pytest.mark.django_db
def test_login_lockout_and_admin_pages_answer_with_the_strict_policy(client):
    for path in ["/accounts/login/", "/admin/login/"]:
        assert_strict(client.get(path), path)
    for _ in range(5):
        locked = client.post("/accounts/login/", {"username": "x@example.com", "password": "no"})
    assert locked.status_code == 429
    assert_strict(locked, "lockout page")

    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    for path in ["/admin/", "/admin/tenants/tenant/", "/admin/axes/accessattempt/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response, path)


@pytest.mark.django_db
def test_the_docs_pages_load_nothing_from_another_origin(client):
    """Swagger UI keeps the site's policy as it is; Redoc adds only inline styles (built at run
    time) and a blob: worker. Neither allows another origin."""
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_strict(response, "swagger ui")
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "no inline script"
    assert "https://" not in page
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    redoc = client.get("/api/v1/redoc/")
    assert redoc.status_code == 200
    policy = directives(redoc)
    assert "script-src" not in policy and policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert "https://" not in redoc.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc.content.decode()


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on handler (needs eval)"),
]


def test_templates_hold_no_inline_script_or_style():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(ROOT)}: {what}")
    assert not found


# Production start-up: the settings a deployment gets, read in a fresh process.

PRODUCTION_ENV = {
    "SECRET_KEY": "k7Qv-2xL9pZr!mT4wYb8#nJc6hFd0sGa3eUi5oP1qRt^Wz8&Lm2Nv",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/parley",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "ALLOWED_HOSTS": "parley.example.com",
    "PUBLIC_BASE_URL": "https://parley.example.com",
    "FIELD_ENCRYPTION_KEY": "cGFybGV5LXRlc3QtZmllbGQta2V5LTAwMDAwMDAwMDA=",
    "BANDWIDTH_ACCOUNT_ID": "1",
    "BANDWIDTH_CLIENT_ID": "c",
    "BANDWIDTH_CLIENT_SECRET": "s",
    "COMPLIANCE_PLATFORM_LEGAL_NAME": "Parley Platform Inc.",
    "COMPLIANCE_PLATFORM_EIN": "98-7654321",
    "COMPLIANCE_PLATFORM_STREET": "1 Platform Way",
    "COMPLIANCE_PLATFORM_CITY": "Raleigh",
    "COMPLIANCE_PLATFORM_STATE": "NC",
    "COMPLIANCE_PLATFORM_POSTAL_CODE": "27601",
    "COMPLIANCE_PLATFORM_WEBSITE": "https://parley.example.com",
}

SETTING_NAMES = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SECURE_PROXY_SSL_HEADER",
    "AXES_FAILURE_LIMIT",
    "TRUSTED_PROXY_COUNT",
    "ADMIN_REQUIRE_TWO_FACTOR",
]


def _production(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("BANDWIDTH_", "SECRET", "FIELD", "DEBUG", "LOGIN_", "TRUSTED_", "PARLEY_ADMIN_")
        )
    }
    env.update({"PYTHONPATH": str(ROOT), **PRODUCTION_ENV, **overrides, "PARLEY_ENV": "production"})
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _production_settings(**overrides: str) -> dict[str, object]:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"names = {SETTING_NAMES!r}; "
        "values = {n: getattr(settings, n) for n in names}; "
        "values['AXES_COOLOFF_MINUTES'] = settings.AXES_COOLOFF_TIME.total_seconds() / 60; "
        "print(json.dumps(values))"
    )
    result = _production("-c", code, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_secure_the_cookies_and_headers():
    values = _production_settings()
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "AXES_FAILURE_LIMIT": 5,
        "TRUSTED_PROXY_COUNT": 0,
        "ADMIN_REQUIRE_TWO_FACTOR": True,
        "AXES_COOLOFF_MINUTES": 15.0,
    }


def test_production_settings_follow_the_environment():
    values = _production_settings(
        SECURE_HSTS_SECONDS="63072000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true",
        LOGIN_FAILURE_LIMIT="8",
        LOGIN_LOCKOUT_MINUTES="30",
        TRUSTED_PROXY_COUNT="1",
        PARLEY_ADMIN_REQUIRE_TWO_FACTOR="false",
    )
    assert values["SECURE_HSTS_SECONDS"] == 63_072_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["AXES_FAILURE_LIMIT"] == 8 and values["AXES_COOLOFF_MINUTES"] == 30.0
    assert values["TRUSTED_PROXY_COUNT"] == 1
    assert values["ADMIN_REQUIRE_TWO_FACTOR"] is False


def _deploy_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    return _production("manage.py", "check", "--deploy", "--fail-level", "WARNING", **overrides)


def test_deploy_check_warns_only_that_hsts_preload_is_left_to_the_owner():
    result = _deploy_check()
    assert result.returncode != 0
    warnings = re.findall(r"^\?: \((\S+)\)", result.stderr, re.M)
    assert warnings == ["security.W021"], result.stderr


def test_deploy_check_passes_clean_with_preload_opted_in():
    result = _deploy_check(SECURE_HSTS_PRELOAD="true")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_names_the_platform_brand_settings_left_empty():
    result = _deploy_check(SECURE_HSTS_PRELOAD="true", COMPLIANCE_PLATFORM_EIN="")
    assert result.returncode != 0
    assert re.findall(r"^\?: \((\S+)\)", result.stderr, re.M) == ["compliance.W001"]
    assert "COMPLIANCE_PLATFORM_EIN" in result.stderr
    assert "COMPLIANCE_PLATFORM_LEGAL_NAME" not in result.stderr
