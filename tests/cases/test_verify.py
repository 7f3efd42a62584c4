"""The public verification page, the application status page and receipt reached by token, the
owner-only result download and the service form questions in the catalogue admin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from onestop.cases.outputs import output_revoke, render_output_pdf
from onestop.core.audit import SystemActor
from onestop.people.models import Role
from tests.factories.cases import ApplicationFactory, CaseFactory
from tests.factories.catalog import AgencyFactory, OutputFactory, ServiceFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def output():
    agency = AgencyFactory(name="Ministry of Justice", name_en="Ministry of Justice")
    certificate = OutputFactory(name_en="Certificate of no criminal record", validity="P1Y")
    service = ServiceFactory(agency=agency, outputs=[certificate])
    citizen = CitizenFactory(given_name="Dana", family_name="Abenova", user=UserFactory())
    return render_output_pdf(CaseFactory(service=service, citizen=citizen, decided=True))


def test_a_valid_document_is_confirmed_with_agency_dates_and_only_initials(client, output):
    response = client.get(reverse("cases:verify", args=[output.verification_code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This document was issued through this service and is valid." in page
    assert "Ministry of Justice" in page and "Certificate of no criminal record" in page
    assert "D. A." in page
    for personal in ("Dana", "Abenova", output.case.citizen.national_id, output.case.number):
        assert personal not in page
    assert response["X-Robots-Tag"] == "noindex"


def test_a_revoked_document_says_so_with_the_date(client, output):
    output_revoke(actor=SystemActor("court"), output=output, reason="Court order 12/2026")
    page = client.get(reverse("cases:verify", args=[output.verification_code])).content.decode()
    assert "This document has been revoked" in page
    assert "is valid." not in page
    assert "Court order" not in page  # the reason may name the person; the verifier needs only the fact


def test_a_code_typed_in_lower_case_with_spaces_finds_the_document(client, output):
    typed = output.verification_code.replace("-", " ").lower()
    response = client.get(reverse("cases:verify_start"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:verify", args=[output.verification_code])


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "nonsense", "ABCD-EFGH-JKL0"])
def test_an_unknown_code_gets_a_plain_not_found_page(client, output, code):
    response = client.get(reverse("cases:verify", args=[code]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "No document has this code" in page
    assert "Ministry of Justice" not in page
    assert '<form method="get" action="/verify/"' in page


def test_a_malformed_code_in_the_form_shows_the_error_summary_and_keeps_the_input(client):
    response = client.get(reverse("cases:verify_start"), {"code": "12-34"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_code"' in page
    assert "A verification code has 12 letters and digits" in page
    assert 'value="12-34"' in page


def test_the_empty_verify_page_asks_for_a_code(client):
    page = client.get(reverse("cases:verify_start")).content.decode()
    assert "Check a document" in page and "There is a problem" not in page


# --- Status page and receipt by token -------------------------------------------------------------


def test_the_status_page_by_token_lists_the_cases_without_personal_data(client):
    case = CaseFactory(citizen=CitizenFactory(given_name="Dana", family_name="Abenova"))
    response = client.get(reverse("cases:application-status", args=[case.application.token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.application.tracking_number in page and case.service.name in page
    assert "Submitted" in page and "D. A." in page
    assert "Abenova" not in page


def test_the_receipt_is_a_pdf_with_the_tracking_number(client):
    case = CaseFactory()
    response = client.get(reverse("cases:receipt", args=[case.application.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert case.application.tracking_number in text


def test_a_draft_or_unknown_token_is_not_found(client):
    draft = ApplicationFactory()
    assert client.get(reverse("cases:application-status", args=[draft.token])).status_code == 404
    assert client.get(reverse("cases:receipt", args=[draft.token])).status_code == 404
    unknown = "6f1c1d3e-0000-4000-8000-000000000000"
    assert client.get(reverse("cases:application-status", args=[unknown])).status_code == 404


# --- Result download ------------------------------------------------------------------------------


def test_the_citizen_downloads_their_result(client, output):
    client.force_login(output.case.citizen.user)
    response = client.get(reverse("cases:output", args=[output.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert f"{output.case.number}.pdf" in response["Content-Disposition"]


def test_someone_else_cannot_download_the_result(client, output):
    client.force_login(RoleMembershipFactory(role=Role.OFFICER).user)
    assert client.get(reverse("cases:output", args=[output.pk])).status_code == 404


# --- Catalogue admin ------------------------------------------------------------------------------


def test_the_service_admin_edits_form_questions_in_every_language(admin_client):
    service = ServiceFactory()
    page = admin_client.get(reverse("admin:catalog_service_change", args=[service.pk])).content.decode()
    assert 'name="form_fields-TOTAL_FORMS"' in page
    for language in ("en", "ru", "kk", "ka"):
        assert f'name="form_fields-__prefix__-label_{language}"' in page


def test_the_code_input_is_described_by_its_hint_and_error(client):
    page = client.get(reverse("cases:verify_start"), {"code": "x"}).content.decode()
    assert 'aria-describedby="id_code-hint id_code-error"' in page
    assert 'id="id_code-hint"' in page and 'id="id_code-error"' in page
