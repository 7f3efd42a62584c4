"""A citizen uses the catalogue in a real Chromium: browses, searches, switches to Kazakh, reads a
service page; every page passes axe-core (no serious or critical violation) in English and Kazakh,
and fits a narrow phone screen without horizontal scrolling."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, axe_violations
from tests.portal.sample import build_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/search?q=register",
    "/life-events/birth/",
    "/agencies/justice/",
    "/services/birth-registration/",
]


def test_citizen_browses_searches_switches_to_kazakh_and_reads_a_service(new_page):
    build_catalogue()
    page = new_page()
    page.goto("/")
    assert page.locator("h1").inner_text() == "Find a public service"
    page.screenshot(path="/tmp/portal-home.png", full_page=True, caret="initial")

    # Browse a life event.
    page.get_by_role("link", name="Having a child").click()
    page.wait_for_url("**/life-events/birth/")
    assert page.locator("h1").inner_text() == "Having a child"
    assert page.get_by_role("link", name="Register a birth").is_visible()

    # Search from the home page, then narrow the results in place (htmx) by a filter.
    page.get_by_role("link", name="Home").click()
    page.get_by_label("Search for a service").fill("register")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=register")
    assert page.get_by_role("heading", name="2 services found").is_visible()
    page.screenshot(path="/tmp/portal-search.png", full_page=True, caret="initial")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.get_by_label("How to apply").select_option("counter")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="1 service found").wait_for()
    assert page.evaluate("() => window.stillTheSamePage === true"), "the results should swap in place"
    assert "channel=counter" in page.url  # the URL is pushed, so the result can be bookmarked and shared
    assert "Register your address" not in page.locator("#search-results").inner_text()

    # Switch to Kazakh: the same search, with Kazakh interface text and Kazakh service names.
    page.locator("button[lang=kk]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "channel=counter" in page.url
    assert page.locator("h1").inner_text() == "Қызметті іздеу"
    page.get_by_role("link", name="Баланың тууын тіркеу").click()

    # The service page, in Kazakh.
    page.wait_for_url("**/services/birth-registration/")
    assert page.locator("h1").inner_text() == "Баланың тууын тіркеу"
    fetched = page.locator(".evidence-fetched")
    assert fetched.get_by_role("heading").inner_text() == "Мемлекет мұны сіз үшін өзі алады"
    assert "Medical record of the birth" in fetched.inner_text()  # no Kazakh name: English fallback
    supplied = page.locator(".evidence-supplied")
    assert supplied.get_by_role("heading").inner_text() == "Мұны өзіңіз әкелесіз"
    assert "Identity document of a parent" in supplied.inner_text()
    fees = page.locator("table.fees").inner_text()
    assert re.search(r"1\s?476", fees), fees
    assert "10 жұмыс күні" in page.locator("#time + p").inner_text()
    assert not page.console_errors, page.console_errors  # e.g. something the CSP blocked
    page.screenshot(path="/tmp/portal-service.png", full_page=True, caret="initial")


@pytest.mark.parametrize("language", ["en", "kk"])
def test_catalogue_pages_have_no_serious_accessibility_violations(new_page, language):
    build_catalogue()
    page = new_page(language=language)
    problems = []
    for path in PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        problems += axe_violations(page)
    assert not problems, "axe found serious/critical violations:\n" + "\n".join(problems)
    assert not page.console_errors, page.console_errors


def test_search_error_summary_is_accessible_and_takes_focus(new_page):
    build_catalogue()
    page = new_page()
    page.goto("/search?agency=no-such-agency")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert_accessible(page)


@pytest.mark.parametrize(
    ("path", "language"),
    # Kazakh and Georgian have the longest words of the four languages.
    [(path, "kk") for path in PAGES] + [("/", "ka"), ("/services/birth-registration/", "ka")],
)
def test_pages_fit_a_narrow_phone_screen_without_horizontal_scrolling(new_page, path, language):
    build_catalogue()
    page = new_page(language=language, width=320, height=640)
    page.goto(path)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"
    if path == "/services/birth-registration/":
        page.screenshot(path=f"/tmp/portal-service-mobile-{language}.png", full_page=True, caret="initial")
