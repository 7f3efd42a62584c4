"""Once-only evidence end to end in a real Chromium: at the counter an operator starts a passport
application for the identified visitor; the state fetches the civil registry's person record and the
address registry's registered address through the data exchange (the built-in registries), and the
documents page previews both with their provenance; the operator sends the application and the
officer sees the same evidence on the case page; then the citizen signs in with the demo eID and
finds both accesses in "Who used your data", and downloads them. axe-core finds no serious or
critical violation on those pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from onestop.cases.models import Application, EvidenceItem
from onestop.core.audit import SystemActor
from onestop.queueing.models import CounterQueue, Ticket
from onestop.queueing.services.counters import counter_sign_in
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next, ticket_start
from tests.browser.conftest import assert_accessible
from tests.exchange.worlds import PassportOffice, build_passport_office
from tests.factories.centres import CounterFactory
from tests.factories.people import STAFF_PASSWORD
from tests.factories.queueing import QueueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_passwords_demo_eid_and_media(settings, tmp_path):
    """Autouse, so it runs before the personas hash their staff passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = True
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def at_the_counter(centre_a, operator_a) -> tuple[PassportOffice, Ticket]:
    """The passport office's service at centre A, counter 7 with operator A signed in, serving the
    visitor's ticket; the visitor is identified by national ID at the kiosk."""
    office = build_passport_office(centre=centre_a)
    queue = QueueFactory(
        centre=centre_a, prefix="P", name="Passports", name_en="Passports", services=[office.passport]
    )
    counter = CounterFactory(centre=centre_a, number=7, label="Window 7")
    CounterQueue.objects.create(counter=counter, queue=queue, position=0)
    ticket_issue(
        actor=SystemActor("kiosk"),
        centre=centre_a,
        queue=queue,
        channel=Ticket.Channel.KIOSK,
        services=[office.passport],
        citizen=office.citizen,
    )
    counter_sign_in(actor=operator_a, counter=counter)
    ticket = ticket_call_next(actor=operator_a, counter=counter)
    assert ticket is not None
    ticket_start(actor=operator_a, ticket=ticket)
    return office, ticket


def _sign_in_staff(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")


def _when(provenance: dict) -> str:
    return f"{timezone.localtime(datetime.fromisoformat(provenance['fetched_at'])):%-d %B %Y, %H:%M}"


def test_operator_starts_passport_application_evidence_arrives_with_provenance_and_citizen_sees_the_accesses(
    new_page, at_the_counter
):
    office, ticket = at_the_counter

    # The operator's console shows the identified visitor; they start the passport application.
    desk = new_page()
    _sign_in_staff(desk, "operator_a")
    desk.goto("/desk/")
    expect(desk.get_by_text("Aigerim Seitkali")).to_be_visible()
    desk.get_by_role("checkbox", name="Passport for travel abroad").check()
    desk.get_by_role("button", name="Start an application").click()

    # The service's form, filled in at the counter for the visitor.
    expect(desk.get_by_role("heading", level=1)).to_have_text("Passport for travel abroad")
    desk.get_by_label("Why do you need a new passport?").fill("The old one expires")
    desk.get_by_role("button", name="Save and continue").click()

    # The documents page: both registries' records are already there, with where they came from.
    expect(desk.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(desk.get_by_role("heading", name="The state fetched this for you")).to_be_visible()
    application = Application.objects.get(ticket=ticket)
    item = application.items.get()
    person = EvidenceItem.objects.get(item=item, evidence_type=office.person_evidence)
    address = EvidenceItem.objects.get(item=item, evidence_type=office.address_evidence)
    assert person.status == address.status == EvidenceItem.Status.FETCHED
    person_provenance, address_provenance = person.document.provenance, address.document.provenance

    person_block = desk.locator(f"#evidence-{person.pk}")
    expect(person_block.get_by_role("heading", level=3)).to_have_text("Personal data from the civil registry")
    expect(person_block).to_contain_text(
        f"From Civil Registry Office — Personal data, fetched {_when(person_provenance)}, "
        f"request {person_provenance['request_id']}"
    )
    expect(person_block.get_by_text("Given name", exact=True)).to_be_visible()
    expect(person_block.get_by_text("Aigerim", exact=True)).to_be_visible()
    address_block = desk.locator(f"#evidence-{address.pk}")
    expect(address_block).to_contain_text(
        f"From Address Registry Office — Registered address, fetched {_when(address_provenance)}, "
        f"request {address_provenance['request_id']}"
    )
    expect(address_block.get_by_text("Abay avenue", exact=True)).to_be_visible()
    # Only what no registry holds is asked for: the old passport, optional.
    expect(desk.locator('input[type="file"]')).to_have_count(1)
    assert_accessible(desk)

    # Check the answers (the fetched records named by their source) and send.
    desk.get_by_role("button", name="Save and continue").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your application"
    )
    expect(desk.get_by_text("Fetched from Civil Registry Office — Personal data")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_role("button", name="Accept and send").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Application sent")
    application.refresh_from_db()
    case = application.cases.get()
    assert not desk.console_errors, desk.console_errors

    # The officer finds the same evidence, with its provenance, on the case page.
    officer = new_page()
    _sign_in_staff(officer, case.assignee.username)
    officer.goto(f"/office/cases/{case.number}/")
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"Case {case.number}")
    expect(officer.locator(f"#evidence-{person.pk}")).to_contain_text(
        "From Civil Registry Office — Personal data, fetched"
    )
    expect(officer.locator(f"#evidence-{address.pk}").get_by_text("Abay avenue", exact=True)).to_be_visible()
    assert_accessible(officer)

    # The citizen signs in with the demo eID and sees both accesses in the data tracker.
    citizen = new_page()
    citizen.goto("/account/applications/")
    citizen.get_by_label("National ID number of a demo citizen").fill(office.citizen.national_id)
    citizen.get_by_role("button", name="Sign in with the demo eID").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("My applications")
    citizen.get_by_role("link", name="See who used your data").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Who used your data")
    expect(citizen.get_by_role("heading", name="2 accesses to your data")).to_be_visible()
    rows = citizen.locator("tbody tr")
    expect(rows).to_have_count(2)
    for data in ("Personal data", "Registered address"):
        row = rows.filter(has_text=data)
        expect(row).to_contain_text("Migration Service")
        expect(row).to_contain_text(f"Application or case {application.tracking_number}")
        expect(row).to_contain_text("Data provided")
    expect(citizen.locator("main")).not_to_contain_text("operator_a")
    assert_accessible(citizen)

    # Filtering by an agency that never asked, then clearing the filter.
    citizen.get_by_label("From").fill("2001-01-01")
    citizen.get_by_label("To").fill("2001-01-31")
    citizen.get_by_role("button", name="Show").click()
    expect(citizen.get_by_text("No access to your data matches these filters.")).to_be_visible()
    citizen.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(2)

    # The download has the same rows.
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name="Download this list as a spreadsheet (CSV)").click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    downloaded = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Data"] for row in downloaded) == ["Personal data", "Registered address"]
    assert {row["Agency"] for row in downloaded} == {"Migration Service"}
    assert not citizen.console_errors, citizen.console_errors
