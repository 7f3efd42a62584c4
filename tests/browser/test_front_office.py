"""The front office end to end in a real Chromium: a citizen takes a ticket at the kiosk, the operator
calls it from the desk, the display board shows the call within 2 seconds, the operator serves and
ends the visit, and the manager's live view counts it. Every screen passes axe-core (no serious or
critical violation)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from onestop.core.audit import SystemActor
from onestop.queueing.models import CounterQueue, Device, Ticket, TicketService
from onestop.queueing.services.devices import device_register
from tests.browser.conftest import assert_accessible
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CounterFactory
from tests.factories.people import STAFF_PASSWORD
from tests.factories.queueing import QueueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def centre_setup(centre_a):
    service = ServiceFactory(name="Register a birth", name_en="Register a birth")
    queue = QueueFactory(
        centre=centre_a,
        prefix="A",
        name="Civil registration",
        name_en="Civil registration",
        services=[service],
    )
    counter = CounterFactory(centre=centre_a, number=7, label="Window 7")
    CounterQueue.objects.create(counter=counter, queue=queue, position=0)
    actor = SystemActor("test")
    _, kiosk_token = device_register(
        actor=actor, centre=centre_a, kind=Device.Kind.KIOSK, name="Entrance kiosk"
    )
    _, board_token = device_register(actor=actor, centre=centre_a, kind=Device.Kind.BOARD, name="Hall board")
    return {"centre": centre_a, "queue": queue, "kiosk": kiosk_token, "board": board_token}


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")


def test_ticket_from_kiosk_is_called_at_the_desk_shown_on_the_board_and_served(
    new_page, centre_setup, operator_a, manager_a
):
    code = centre_setup["centre"].code

    # The citizen takes a ticket at the kiosk.
    kiosk = new_page()
    kiosk.goto(f"/centres/{code}/kiosk?token={centre_setup['kiosk']}")
    assert_accessible(kiosk)
    kiosk.get_by_role("link", name="Civil registration").click()
    kiosk.get_by_role("button", name="Take a ticket").first.click()
    expect(kiosk.locator(".kiosk-ticket-number")).to_contain_text("A-001")
    assert_accessible(kiosk)

    # The hall board is on.
    board = new_page(width=1920, height=1080)
    board.goto(f"/centres/{code}/board?token={centre_setup['board']}")
    expect(board.locator("#board-live")).to_be_visible()
    assert_accessible(board)

    # The operator signs in to counter 7.
    desk = new_page()
    _sign_in(desk, "operator_a")
    desk.get_by_role("link", name="Counter desk").click()
    desk.wait_for_url("**/desk/")
    assert_accessible(desk)
    desk.get_by_label("Counter 7").check()
    desk.get_by_role("button", name="Sign in to this counter").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Counter 7")

    # Call next (htmx swaps the console panel) — the board shows the call within 2 seconds.
    desk.evaluate("() => { window.stillTheSamePage = true; }")
    desk.get_by_role("button", name="Call next").click()
    called_at = time.monotonic()
    expect(desk.get_by_role("heading", name="Ticket A-001")).to_be_visible()
    expect(board.locator(".board-now-call .board-number")).to_have_text("A-001", timeout=2000)
    expect(board.locator(".board-now-call .board-counter")).to_have_text("7", timeout=2000)
    assert time.monotonic() - called_at < 2.0
    assert desk.evaluate("() => window.stillTheSamePage === true"), "the console should swap in place"
    assert_accessible(desk)

    # Start, record the service asked for (the ticket was taken for the group), end with an outcome.
    desk.get_by_role("button", name="Start service").click()
    expect(desk.get_by_text("Service time so far")).to_be_visible()
    desk.get_by_label("Add a service to this visit").select_option(label="Register a birth")
    desk.get_by_role("button", name="Add service").click()
    expect(desk.get_by_text("Register a birth added to the visit.")).to_be_visible()
    desk.get_by_label("Outcome: Register a birth").select_option("completed")
    assert_accessible(desk)
    desk.get_by_role("button", name="End the visit").click()
    expect(desk.get_by_text("Visit A-001 ended.")).to_be_visible()
    expect(desk.get_by_role("button", name="Call next")).to_be_visible()

    ticket = Ticket.objects.get(number="A-001")
    assert ticket.status == Ticket.Status.DONE
    assert list(TicketService.objects.filter(ticket=ticket).values_list("outcome", flat=True)) == [
        "completed"
    ]
    assert not desk.console_errors, desk.console_errors
    assert not board.console_errors, board.console_errors

    # The manager's live view counts the visit.
    manager = new_page()
    _sign_in(manager, "manager_a")
    manager.get_by_role("link", name="Live view of Centre A").click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Centre A")
    served = manager.get_by_role("row", name="Served today")
    expect(served).to_contain_text("1")
    assert_accessible(manager)
    assert not manager.console_errors, manager.console_errors


def test_desk_shows_no_one_waiting_and_without_javascript_still_works(
    browser, live_server, centre_setup, operator_a
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        _sign_in(page, "operator_a")
        page.goto("/desk/")
        page.get_by_label("Counter 7").check()
        page.get_by_role("button", name="Sign in to this counter").click()
        page.get_by_role("button", name="Call next").click()
        expect(page.get_by_text("No one is waiting.")).to_be_visible()
        assert page.url.endswith("/desk/")  # POST-redirect-GET
    finally:
        context.close()
