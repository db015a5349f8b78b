"""Page checks the browser tests share: axe-core (vendored from the npm ``axe-core`` package,
tests/browser/vendor/) and horizontal overflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (injected through the
    DevTools protocol, so the page's CSP stays as it is)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return list(
        page.evaluate(
            """async () => {
                const result = await window.axe.run(document, {resultTypes: ["violations"]});
                return result.violations
                    .filter((v) => v.impact === "serious" || v.impact === "critical")
                    .map((v) => ({id: v.id, impact: v.impact,
                                  targets: v.nodes.map((n) => n.target.join(" "))}));
            }"""
        )
    )


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the viewport (0: no sideways scrolling)."""
    return int(
        page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth"
        )
    )


def assert_accessible(page: Any) -> None:
    violations = serious_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def assert_no_sideways_scroll(page: Any) -> None:
    overflow = horizontal_overflow(page)
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the viewport"
