"""The citizen-facing catalogue pages: what a citizen relies on is on the page, bad input never
gives a 500, unknown codes give the friendly 404, and list pages cost a bounded number of queries."""

from __future__ import annotations

import re

import pytest

from tests.factories.catalog import AgencyFactory, LifeEventFactory, ServiceFactory
from tests.portal.sample import Catalogue

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text with whitespace collapsed, so assertions read like the page does."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def title_of(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), flags=re.S)
    assert match is not None
    return re.sub(r"\s+", " ", match.group(1)).strip()


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


# --- Home ------------------------------------------------------------------------------------


def test_home_offers_search_life_events_agencies_by_level_and_popular_services(client, catalogue: Catalogue):
    response = client.get("/")
    assert response.status_code == 200
    page = text(response)
    html = response.content.decode()
    assert 'action="/search"' in html and 'name="q"' in html
    assert re.search(r"Having a child Register the birth and claim benefits\. 1 service\b", page)
    assert "Moving home 1 service" in page
    assert "Retiring" not in page  # a life event with nothing to offer is not a dead end on the home page
    # National first, then regional, then local.
    agencies = page[page.index("Browse by agency") :]
    assert re.search(
        r"National Ministry of Justice \(1 service\) Regional Almaty City Akimat \(1 service\) "
        r"Local Medeu District Akimat \(1 service\)",
        agencies,
    )
    assert "Register a birth" in page and "Register your address" in page
    assert page.index("Register a birth") < page.index("Register your address")  # most used first
    assert "Unpublished draft service" not in page


def test_home_query_count_does_not_grow_with_the_catalogue(
    client, catalogue: Catalogue, django_assert_max_num_queries
):
    for n in range(12):
        event = LifeEventFactory(code=f"event-{n}")
        agency = AgencyFactory(code=f"agency-x{n}", level="local")
        ServiceFactory(agency=agency, life_events=[event], channels=["counter", "online"], with_fees=True)
    with django_assert_max_num_queries(9):
        response = client.get("/")
    assert response.status_code == 200


# --- Search ----------------------------------------------------------------------------------


def test_search_finds_services_by_any_word_of_their_name_or_keywords(client, catalogue: Catalogue):
    response = client.get("/search", {"q": "propiska"})
    assert response.status_code == 200
    page = text(response)
    assert "1 service found" in page
    assert "Register your address" in page
    assert "Register a birth" not in page
    assert title_of(response).startswith("Search results for “propiska”")


def test_search_filters_by_agency_life_event_and_channel_through_a_plain_get_form(
    client, catalogue: Catalogue
):
    html = client.get("/search").content.decode()
    assert '<form role="search" action="/search" method="get"' in html
    for name in ("q", "agency", "life_event", "channel"):
        assert f'name="{name}"' in html

    by_agency = text(client.get("/search", {"agency": "justice"}))
    assert "Register a birth" in by_agency and "Register your address" not in by_agency
    by_event = text(client.get("/search", {"life_event": "moving"}))
    assert "Register your address" in by_event and "Register a birth" not in by_event
    counter_only = text(client.get("/search", {"channel": "counter"}))
    assert "Register a birth" in counter_only and "Register your address" not in counter_only
    combined = text(client.get("/search", {"q": "register", "channel": "online", "life_event": "birth"}))
    assert "1 service found" in combined and "Register a birth" in combined


def test_search_keeps_the_chosen_filters_selected(client, catalogue: Catalogue):
    html = client.get("/search", {"agency": "justice", "channel": "online"}).content.decode()
    assert re.search(r'<option value="justice" selected>', html)
    assert re.search(r'<option value="online" selected>', html)


def test_search_without_match_explains_what_to_try(client, catalogue: Catalogue):
    response = client.get("/search", {"q": "helicopter licence", "agency": "justice"})
    assert response.status_code == 200
    page = text(response)
    assert "0 services found" in page
    assert "No services match “helicopter licence”." in page
    assert "check the spelling" in page
    assert "remove the filters" in page
    assert 'href="/search?q=helicopter%20licence"' in response.content.decode()


def test_search_with_unknown_filter_shows_the_error_summary_not_a_crash(client, catalogue: Catalogue):
    response = client.get("/search", {"agency": "no-such-agency", "channel": "telepathy"})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Choose an agency from the list." in page
    assert "Choose a way to apply from the list." in page
    assert 'href="#id_agency"' in response.content.decode()


def test_search_paginates_and_keeps_the_query_in_page_links(client, db):
    agency = AgencyFactory(code="tax")
    for n in range(23):
        ServiceFactory(identifier=f"tax-{n:02d}", name=f"Tax form {n:02d}", agency=agency, popularity=100 - n)
    first = client.get("/search", {"q": "tax"})
    assert "23 services found" in text(first)
    assert "Page 1 of 2" in text(first)
    assert 'href="?q=tax&amp;page=2"' in first.content.decode()
    second = client.get("/search", {"q": "tax", "page": "2"})
    page = text(second)
    assert "Tax form 22" in page and "Tax form 00" not in page
    assert "(page 2 of 2)" in title_of(second)
    # A page number out of range or not a number still answers with a page of results.
    assert client.get("/search", {"q": "tax", "page": "99"}).status_code == 200
    assert client.get("/search", {"q": "tax", "page": "abc"}).status_code == 200


def test_search_answers_htmx_with_the_results_only(client, catalogue: Catalogue):
    response = client.get("/search", {"q": "birth"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert "Register a birth" in html
    assert 'hx-swap-oob="innerHTML"' in html  # the live status is told the new count
    assert "HX-Request" in response["Vary"]


def test_search_answers_htmx_with_invalid_input_by_swapping_in_the_error_summary(
    client, catalogue: Catalogue
):
    response = client.get("/search", {"life_event": "nope"}, headers={"HX-Request": "true"})
    assert response["HX-Retarget"] == "#main"
    assert "There is a problem" in response.content.decode()


def test_search_query_count_does_not_grow_with_results(
    client, catalogue: Catalogue, django_assert_max_num_queries
):
    for n in range(30):
        ServiceFactory(name=f"Licence {n}", channels=["counter", "online"], with_fees=True)
    with django_assert_max_num_queries(12):
        response = client.get("/search", {"q": "licence", "agency": "", "channel": "online"})
    assert "30 services found" in text(response)


# --- Life event, agency, service -------------------------------------------------------------


def test_life_event_page_lists_its_active_services(client, catalogue: Catalogue):
    response = client.get("/life-events/birth/")
    assert response.status_code == 200
    page = text(response)
    assert "Having a child" in title_of(response)
    assert "Register the birth and claim benefits." in page
    assert "1 service for this life event" in page
    assert "Register a birth" in page and "Register your address" not in page
    assert 'href="/search?life_event=birth"' in response.content.decode()


def test_agency_page_shows_contacts_level_parent_and_services(client, catalogue: Catalogue):
    response = client.get("/agencies/justice/")
    page = text(response)
    assert response.status_code == 200
    assert "National" in page
    assert "https://justice.example" in page and "info@justice.example" in page
    assert "Register a birth" in page
    assert "Unpublished draft service" not in page

    local = text(client.get("/agencies/medeu/"))
    assert "Part of Almaty City Akimat" in local
    assert "Local · Almaty" in local
    assert "Medeu District Akimat" in text(client.get("/agencies/almaty-akimat/"))  # agencies under it


def test_service_page_separates_evidence_the_state_fetches_from_what_you_bring(client, catalogue: Catalogue):
    response = client.get("/services/birth-registration/")
    assert response.status_code == 200
    page = text(response)
    fetched = page.index("The state fetches this for you")
    bring = page.index("You bring this")
    assert fetched < page.index("Medical record of the birth") < bring
    assert bring < page.index("Identity document of a parent")
    assert bring < page.index("Joint statement of paternity if it applies to you")


def test_service_page_tells_who_decides_cost_time_channels_outputs_and_law(client, catalogue: Catalogue):
    page = text(client.get("/services/birth-registration/"))
    assert "Who decides Ministry of Justice" in page
    assert "1,476" in page or "1 476" in page  # money, grouped, in the deployment's currency
    assert "People with disabilities: pay nothing" in page
    assert "Large families: pay 50% less" in page
    assert "By law, the agency must decide within 10 business days." in page
    assert "Most applications are decided within 1 calendar day." in page
    assert "Business days do not include weekends and public holidays." in page
    assert "At a service centre counter" in page and "Online" in page
    assert "Birth certificate" in page
    assert "Code on Marriage and Family" in page


def test_service_page_lists_only_the_open_centres_that_offer_it(client, catalogue: Catalogue):
    page = text(client.get("/services/birth-registration/"))
    assert "1 centre offers this service" in page
    assert "Almaty Centre No. 1" in page
    assert catalogue.centre.address in page
    assert "Astana Centre No. 1" not in page
    assert "Closed Centre" not in page


def test_free_service_says_so(client, catalogue: Catalogue):
    page = text(client.get("/services/address-registration/"))
    assert "This service is free." in page


@pytest.mark.parametrize(
    "path",
    [
        "/life-events/no-such-event/",
        "/agencies/no-such-agency/",
        "/services/no-such-service/",
        "/services/secret-draft/",
    ],
)
def test_unknown_or_unpublished_codes_give_the_friendly_not_found_page(client, catalogue: Catalogue, path):
    response = client.get(path)
    assert response.status_code == 404
    page = text(response)
    assert "Page not found" in page
    assert "Go to the list of services" in page


@pytest.mark.parametrize(
    "path",
    ["/", "/search?q=birth", "/life-events/birth/", "/agencies/justice/", "/services/birth-registration/"],
)
def test_every_page_has_one_h1_a_breadcrumb_trail_and_its_own_title(client, catalogue: Catalogue, path):
    response = client.get(path)
    assert h1_count(response) == 1
    if path != "/":
        assert 'aria-label="Breadcrumb"' in response.content.decode()


def test_page_titles_differ_between_pages(client, catalogue: Catalogue):
    paths = [
        "/",
        "/search?q=birth",
        "/life-events/birth/",
        "/agencies/justice/",
        "/services/birth-registration/",
    ]
    titles = [title_of(client.get(path)) for path in paths]
    assert len(set(titles)) == len(titles)


def test_pages_refuse_writes(client, catalogue: Catalogue):
    assert client.post("/search", {"q": "birth"}).status_code == 405
