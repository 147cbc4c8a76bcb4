"""Browser-test helpers that work under the pages' Content-Security-Policy."""

from __future__ import annotations

from typing import Any


def wait_js(page: Any, expression: str, *, timeout_ms: int = 30_000) -> Any:
    """Poll a JavaScript expression (or `() => ...` function) until it is truthy.

    Playwright's `wait_for_function` compiles its predicate with `eval` inside the
    page, which the platform's CSP (no 'unsafe-eval') refuses; `page.evaluate` goes
    through the DevTools protocol instead, so the polling happens from here."""
    interval = 50
    for _attempt in range(max(1, timeout_ms // interval)):
        value = page.evaluate(expression)
        if value:
            return value
        page.wait_for_timeout(interval)
    raise AssertionError(f"never true within {timeout_ms} ms: {expression}")
