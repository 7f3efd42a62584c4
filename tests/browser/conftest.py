"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against pytest-django's
live server, and an axe-core check that fails on serious or critical accessibility violations."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "src/onestop/core/static/vendor/axe-core/axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls must not be
    # refused by Django's async-safety guard because of it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (cookies, viewport) that are closed after the test. Every page
    records console errors, so a Content-Security-Policy violation fails the test that caused it."""
    contexts = []

    def open_page(*, language: str | None = None, width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url, locale="en-GB"
        )
        if language:
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def axe_violations(page) -> list[str]:
    """Run axe-core on the page and describe each serious or critical violation with its nodes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate() goes through the DevTools protocol, so the page's CSP (script-src 'self') does not
        # block the injected library, and the page keeps its real policy while it is checked.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(
                f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']} — {targets}"
            )
    return found


def assert_accessible(page) -> None:
    problems = axe_violations(page)
    assert not problems, "axe found serious/critical violations:\n" + "\n".join(problems)
