"""The back office end to end in a real Chromium: a citizen signs in with the demo eID and applies
online for two services in one application, uploads a document and sends it; the assigned officer
reviews one case, asks for information; the citizen answers with text and a document; the officer
approves and issues the result; the citizen downloads the PDF and checks it at /verify/<code>. Every
page a person reads on the way passes axe-core (no serious or critical violation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from onestop.cases.models import Application, Case, EvidenceItem
from onestop.catalog.models import ServiceChannel
from tests.browser.conftest import assert_accessible
from tests.cases.conftest import BackOffice
from tests.cases.conftest import back_office as back_office  # noqa: F401 (the persona fixture)
from tests.factories.cases import ReasonCodeFactory, ServiceFormFieldFactory
from tests.factories.catalog import ServiceChannelFactory, ServiceFactory
from tests.factories.people import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A tiny but well-formed PDF: the upload check sniffs the magic bytes against the extension.
SMALL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def _fast_passwords_and_demo_eid(settings):
    """Autouse, so it runs before the personas hash their staff passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = True


@pytest.fixture
def online_services(back_office: BackOffice):
    """The persona's service plus a second one of the same agency, both offered online."""
    second = ServiceFactory(
        identifier="marriage-certificate-copy",
        name="Copy of a marriage certificate",
        agency=back_office.agency,
        statutory_time="P10D",
        statutory_time_unit="business",
    )
    ServiceFormFieldFactory(service=second, key="spouse_name", label="Spouse's full name", position=0)
    for service in (back_office.service, second):
        ServiceChannelFactory(service=service, kind=ServiceChannel.Kind.ONLINE)
    ReasonCodeFactory(code="documents-complete", label="All documents are complete", approval=True)
    return back_office.service, second


def _sign_in_staff(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")


def _sign_in_citizen(page, national_id: str, *, then: str) -> None:
    page.goto(then)
    # Signed-out citizens are sent to the sign-in page and brought back afterwards.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to apply and follow your applications")
    page.get_by_label("National ID number of a demo citizen").fill(national_id)
    page.get_by_role("button", name="Sign in with the demo eID").click()


def test_citizen_applies_for_two_services_officer_asks_approves_and_result_verifies(
    new_page, back_office: BackOffice, online_services, tmp_path: Path
):
    first, second = online_services
    citizen = back_office.citizen
    document = tmp_path / "identity.pdf"
    document.write_bytes(SMALL_PDF)
    answer_document = tmp_path / "birth-record-scan.pdf"
    answer_document.write_bytes(SMALL_PDF)

    # The citizen signs in with the demo eID and chooses both services in one application.
    citizen_page = new_page()
    _sign_in_citizen(citizen_page, citizen.national_id, then="/apply/")
    citizen_page.wait_for_url("**/apply/")
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Copy of a birth certificate").check()
    citizen_page.get_by_label("Copy of a marriage certificate").check()
    citizen_page.get_by_role("button", name="Continue").click()

    # The first service's form, then its documents: the registry record is fetched by the state,
    # the identity document is uploaded.
    expect(citizen_page.get_by_role("heading", level=1)).to_have_text("Copy of a birth certificate")
    expect(citizen_page.get_by_text("Service 1 of 2")).to_be_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Child's full name").fill("Aru Abenova")
    citizen_page.get_by_role("button", name="Save and continue").click()
    expect(citizen_page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(citizen_page.get_by_role("heading", name="The state will fetch this for you")).to_be_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Identity document").set_input_files(str(document))
    citizen_page.get_by_role("button", name="Save and continue").click()

    # The second service's form (it needs no documents of its own).
    expect(citizen_page.get_by_role("heading", level=1)).to_have_text("Copy of a marriage certificate")
    expect(citizen_page.get_by_text("Service 2 of 2")).to_be_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Spouse's full name").fill("Timur Abenov")
    citizen_page.get_by_role("button", name="Save and continue").click()

    # Check your answers shows both services, the uploaded file and the fetched record; send.
    expect(citizen_page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your application"
    )
    expect(citizen_page.get_by_text("Aru Abenova")).to_be_visible()
    expect(citizen_page.get_by_text("Timur Abenov")).to_be_visible()
    expect(citizen_page.get_by_text("Uploaded: identity.pdf")).to_be_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_role("button", name="Accept and send").click()
    expect(citizen_page.get_by_role("heading", level=1)).to_have_text("Application sent")
    application = Application.objects.get(citizen=citizen)
    assert application.status == Application.Status.SUBMITTED
    expect(citizen_page.locator("#tracking-number")).to_have_text(application.tracking_number)
    assert_accessible(citizen_page)

    # One case per service, each at the agency and assigned to an officer automatically.
    cases = {case.service_id: case for case in Case.objects.filter(application=application)}
    assert set(cases) == {first.pk, second.pk}
    case = cases[first.pk]
    assert case.agency_id == back_office.agency.pk
    assert case.assignee in back_office.officers
    assert (
        EvidenceItem.objects.get(item=case.item, evidence_type=back_office.uploaded_evidence).status
        == EvidenceItem.Status.UPLOADED
    )

    # The assigned officer finds the case on the worklist and starts the review.
    officer = new_page()
    _sign_in_staff(officer, case.assignee.username)
    officer.goto("/office/")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Your cases")
    assert_accessible(officer)
    officer.get_by_role("link", name=case.number).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"Case {case.number}")
    expect(officer.get_by_text("Aru Abenova")).to_be_visible()
    expect(officer.get_by_text("Pending: to be fetched")).to_be_visible()
    assert_accessible(officer)
    officer.get_by_role("button", name="Start review").click()
    expect(officer.get_by_text("You started the review.")).to_be_visible()

    # The officer asks for information: the clock stops.
    officer.get_by_label("What do you need from the applicant?").fill(
        "Please send a scan of the original birth record."
    )
    officer.get_by_role("button", name="Send the request").click()
    expect(officer.get_by_text("The applicant has been asked for information.")).to_be_visible()
    assert_accessible(officer)
    case.refresh_from_db()
    assert case.status == Case.Status.INFORMATION_REQUESTED
    assert case.clock_stopped_at is not None

    # The citizen, in a new browser, sees that an answer is needed and answers with a document.
    citizen_page = new_page()
    _sign_in_citizen(citizen_page, citizen.national_id, then="/account/applications/")
    expect(citizen_page.get_by_role("heading", level=1)).to_have_text("My applications")
    expect(citizen_page.get_by_text("Your answer is needed")).to_be_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_role("link", name="Copy of a birth certificate").click()
    expect(citizen_page.get_by_role("heading", name="The officer needs more information")).to_be_visible()
    expect(citizen_page.get_by_text("Please send a scan of the original birth record.")).to_be_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Your answer").fill("Here is the scan you asked for.")
    citizen_page.get_by_label("Attach a document").set_input_files(str(answer_document))
    citizen_page.get_by_role("button", name="Send your answer").click()
    expect(citizen_page.get_by_text("Thank you. Your answer was sent to the officer.")).to_be_visible()
    expect(citizen_page.get_by_text("birth-record-scan.pdf")).to_be_visible()
    assert_accessible(citizen_page)
    case.refresh_from_db()
    assert case.status == Case.Status.RESUBMITTED
    assert case.clock_stopped_at is None

    # The officer sees the answer, approves with a reason code and issues the result.
    officer.reload()
    expect(officer.get_by_text("Here is the scan you asked for.")).to_be_visible()
    officer.get_by_role("button", name="Start review").click()  # resubmitted → back in review
    expect(officer.get_by_text("You started the review.")).to_be_visible()
    officer.get_by_label("All documents are complete").check()
    officer.get_by_role("button", name="Approve", exact=True).click()
    expect(officer.get_by_text("The case is approved. Issue the result next.")).to_be_visible()
    officer.get_by_role("button", name="Issue result").click()
    expect(officer.get_by_text("The result is issued.")).to_be_visible()
    assert_accessible(officer)
    case.refresh_from_db()
    assert case.status == Case.Status.RESULT_ISSUED
    code = case.output_document.verification_code

    # The citizen downloads the PDF result.
    citizen_page.goto(f"/account/cases/{case.number}/")
    expect(citizen_page.get_by_role("heading", name="Your result")).to_be_visible()
    assert_accessible(citizen_page)
    with citizen_page.expect_download() as download_info:
        citizen_page.get_by_role("link", name="Download your document (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"{case.number}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    # Anyone can verify it: valid, issued by the agency, with only the holder's initials.
    citizen_page.goto(f"/verify/{code}")
    expect(citizen_page.locator("#verification-result")).to_contain_text("Valid")
    expect(citizen_page.get_by_text(back_office.agency.name)).to_be_visible()
    expect(citizen_page.get_by_text(citizen.initials, exact=True)).to_be_visible()
    assert_accessible(citizen_page)
    body = citizen_page.locator("main").inner_text()
    assert citizen.family_name not in body
    assert citizen.given_name not in body
    assert citizen.national_id not in body

    assert not citizen_page.console_errors, citizen_page.console_errors
    assert not officer.console_errors, officer.console_errors
