"""The API docs render in Chromium from Parley alone: every request the pages make goes to the
live server (drf-spectacular-sidecar's assets), none to a CDN, and the policy is never tripped."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page: Any) -> tuple[list[str], list[str]]:
    """The URLs that reached a server (responses), and what went wrong. A request the page's
    policy blocks never leaves the browser: it fails with ERR_BLOCKED_BY_CSP, and that is noted
    apart from other failures."""
    requests: list[str] = []
    problems: list[str] = []
    page.on("response", lambda response: requests.append(response.url))
    page.on(
        "requestfailed",
        lambda request: problems.append(f"failed {request.url}: {request.failure}"),
    )
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    return requests, problems


def _foreign(requests: list[str], base: str) -> list[str]:
    origin = urlsplit(base).netloc
    return [
        url
        for url in requests
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin
    ]


def test_swagger_ui_renders_with_no_external_request(browser_page, live_server):
    requests, problems = _watch(browser_page)
    response = browser_page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    title = browser_page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "Parley API" in title.inner_text()
    browser_page.locator(".opblock-summary-path", has_text="/api/v1/usage/").first.wait_for()
    assert _foreign(requests, live_server.url) == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in requests)
    assert problems == []


def test_redoc_renders_with_no_external_request(browser_page, live_server):
    requests, problems = _watch(browser_page)
    response = browser_page.goto("/api/v1/redoc/")
    assert response is not None and response.status == 200
    heading = browser_page.locator("h1", has_text="Parley API")
    heading.first.wait_for()
    browser_page.get_by_text("/api/v1/usage/").first.wait_for(state="attached")
    assert _foreign(requests, live_server.url) == []
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in requests)
    # Redoc's bundle always tries its vendor's logo from a CDN; the page's policy stops it in
    # the browser (and Redoc then leaves the logo out), so nothing goes out.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert problems == [
        f"Loading the image '{logo}' violates the following Content Security Policy directive: "
        "\"img-src 'self' data:\". The action has been blocked.",
        f"failed {logo}: csp",
    ]
