"""The Usage page in Chromium under the site's policy: the chart is SVG drawn by the server, with
no inline script or style, and the 80% banner shows on every page."""

from __future__ import annotations

import pytest

from usage.models import Metric
from usage.services import usage_limit_set, usage_record

from ..browser.test_content_security_policy import PolicyWatch
from ..conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_usage_page_draws_its_chart_under_the_policy(browser_page, owner, other_tenant):
    usage_limit_set(tenant=owner.tenant, monthly_segments=10, monthly_minutes=None)
    usage_record(tenant=owner.tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=9)
    usage_record(tenant=other_tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=500)
    page = browser_page
    watch = PolicyWatch(page)
    sign_in(page, owner)
    assert "has used 9 of its 10 segments" in page.locator(".usage-warning").inner_text()
    watch.visit("/usage/")
    bars = page.locator("svg .usage-bar")
    assert bars.count() == 60
    tallest = max(float(bars.nth(i).get_attribute("height") or 0) for i in range(30))
    assert tallest == 120
    box = bars.nth(29).bounding_box()
    assert box is not None and box["height"] > 50  # today's bar, drawn with CSS fill
    assert page.locator("#usage-sms_out_segments td").nth(1).inner_text() == "9"
    with page.expect_download() as download:
        page.click("#usage-export")
    assert download.value.suggested_filename.endswith("-day.csv")
    watch.assert_clean("usage page")
