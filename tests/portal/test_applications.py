"""The online application (several services, one form each, documents, fee, check, submit, receipt)
and "My applications" (timeline, information requests, results, withdrawal)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onestop.cases.models import Application, Case, EvidenceItem
from onestop.catalog.models import ServiceChannel
from tests.cases.conftest import BackOffice, back_office  # noqa: F401  (fixture)
from tests.factories.cases import CaseFactory, ServiceFormFieldFactory
from tests.factories.catalog import FeeFactory, ServiceChannelFactory, ServiceFactory
from tests.factories.people import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "passport.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def online(back_office: BackOffice):  # noqa: F811
    """Two online services: the back office's (form + one upload + one fetched) and a second one."""
    ServiceChannelFactory(service=back_office.service, kind=ServiceChannel.Kind.ONLINE)
    FeeFactory(service=back_office.service)
    second = ServiceFactory(
        identifier="address-certificate", name="Address certificate", agency=back_office.agency
    )
    ServiceChannelFactory(service=second, kind=ServiceChannel.Kind.ONLINE)
    ServiceFormFieldFactory(service=second, key="purpose", label="Purpose")
    return back_office, second


@pytest.fixture
def citizen_client(client, back_office: BackOffice):  # noqa: F811
    client.force_login(back_office.citizen_user)
    return client


def _start(client, *identifiers: str) -> Application:
    response = client.post(reverse("portal:apply_start"), {"services": list(identifiers)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Application.objects.latest("created_at")


def test_service_page_offers_apply_online_only_with_online_channel(client, online):
    office, second = online
    counter_only = ServiceFactory(identifier="counter-only", agency=office.agency)

    assert "Apply online" in client.get(reverse("portal:service", args=[second.identifier])).content.decode()
    assert (
        "Apply online"
        not in client.get(reverse("portal:service", args=[counter_only.identifier])).content.decode()
    )


def test_anonymous_visitor_is_sent_to_sign_in_before_applying(client, online):
    response = client.get(reverse("portal:apply_start") + "?service=address-certificate")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")


def test_citizen_applies_for_two_services_and_gets_tracking_number_and_receipt(citizen_client, online):
    office, second = online
    application = _start(citizen_client, office.service.identifier, second.identifier)
    address = application.items.get(service=second)
    birth = application.items.get(service=office.service)
    assert [address.pk, birth.pk] == sorted([address.pk, birth.pk])  # chosen services come in name order

    response = citizen_client.post(
        reverse("portal:apply_item", args=[application.pk, address.pk]), {"purpose": "Bank"}
    )
    assert response["Location"] == reverse(
        "portal:apply_item", args=[application.pk, birth.pk]
    )  # no documents
    response = citizen_client.post(
        reverse("portal:apply_item", args=[application.pk, birth.pk]), {"child_name": "Aru Abenova"}
    )
    assert response["Location"] == reverse("portal:apply_documents", args=[application.pk, birth.pk])
    documents_page = citizen_client.get(response["Location"]).content.decode()
    assert "The state will fetch this for you" in documents_page
    assert "Birth record" in documents_page
    upload = EvidenceItem.objects.get(item=birth, status=EvidenceItem.Status.TO_BE_UPLOADED)
    response = citizen_client.post(
        reverse("portal:apply_documents", args=[application.pk, birth.pk]), {f"evidence-{upload.pk}": pdf()}
    )
    check_url = reverse("portal:apply_check", args=[application.pk])
    assert response["Location"] == check_url

    check = citizen_client.get(check_url).content.decode()
    assert "Aru Abenova" in check and "Bank" in check
    assert "Uploaded: passport.pdf" in check
    assert "1,476" in check or "1476" in check  # the fee due

    response = citizen_client.post(check_url)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert response["Location"] == reverse("portal:apply_confirmation", args=[application.pk])
    confirmation = citizen_client.get(response["Location"]).content.decode()
    assert application.tracking_number in confirmation
    assert Case.objects.filter(application=application).count() == 2
    receipt = citizen_client.get(reverse("portal:apply_receipt", args=[application.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt).startswith(b"%PDF")


def test_invalid_answer_shows_error_summary_keeps_input_and_stores_nothing(citizen_client, online):
    office, second = online
    application = _start(citizen_client, office.service.identifier)
    item = application.items.get()

    response = citizen_client.post(
        reverse("portal:apply_item", args=[application.pk, item.pk]),
        {"child_name": "", "reason": "For school"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body
    assert "For school" in body  # nothing the citizen typed is lost
    item.refresh_from_db()
    assert item.answers == {}


def test_forbidden_upload_is_refused_with_clear_message(citizen_client, online):
    office, _second = online
    application = _start(citizen_client, office.service.identifier)
    item = application.items.get()
    upload = EvidenceItem.objects.get(item=item, status=EvidenceItem.Status.TO_BE_UPLOADED)

    response = citizen_client.post(
        reverse("portal:apply_documents", args=[application.pk, item.pk]),
        {f"evidence-{upload.pk}": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf at all")},
    )

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == EvidenceItem.Status.TO_BE_UPLOADED


def test_submitting_without_required_upload_names_what_is_missing(citizen_client, online):
    office, _second = online
    application = _start(citizen_client, office.service.identifier)
    item = application.items.get()
    citizen_client.post(reverse("portal:apply_item", args=[application.pk, item.pk]), {"child_name": "Aru"})

    response = citizen_client.post(reverse("portal:apply_check", args=[application.pk]))

    assert response.status_code == 400
    assert "Identity document" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_draft_survives_closed_browser_and_resumes_at_first_open_step(client, online):
    office, second = online
    client.force_login(office.citizen_user)
    application = _start(client, office.service.identifier, second.identifier)
    birth = application.items.get(service=office.service)
    client.post(reverse("portal:apply_item", args=[application.pk, birth.pk]), {"child_name": "Aru"})
    client.logout()  # the browser is closed: the session is gone

    client.force_login(office.citizen_user)
    mine = client.get(reverse("portal:my_applications")).content.decode()
    assert reverse("portal:apply_resume", args=[application.pk]) in mine
    response = client.get(reverse("portal:apply_resume", args=[application.pk]))
    address = application.items.get(service=second)
    assert response["Location"] == reverse("portal:apply_item", args=[application.pk, address.pk])


def test_citizen_cannot_open_another_citizens_application_or_case(client, online):
    office, _second = online
    other = CitizenFactory(user=UserFactory(username="other"))
    client.force_login(office.citizen_user)
    application = _start(client, office.service.identifier)
    case = CaseFactory(citizen=other, service=office.service)

    client.force_login(other.user)
    assert client.get(reverse("portal:apply_check", args=[application.pk])).status_code == 404
    client.force_login(office.citizen_user)
    assert client.get(reverse("portal:case", args=[case.number])).status_code == 404


def test_citizen_answers_information_request_with_upload(citizen_client, back_office):  # noqa: F811
    case = CaseFactory(citizen=back_office.citizen, service=back_office.service, information_requested=True)

    page = citizen_client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert "The officer needs more information" in page
    response = citizen_client.post(
        reverse("portal:case_answer", args=[case.number]),
        {"answer": "Here it is", "document": pdf("extra.pdf")},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RESUBMITTED
    assert case.documents.filter(original_name="extra.pdf").exists()
    assert "You sent the information asked for" in citizen_client.get(response["Location"]).content.decode()


def test_information_answer_without_text_keeps_request_open(citizen_client, back_office):  # noqa: F811
    case = CaseFactory(citizen=back_office.citizen, service=back_office.service, information_requested=True)

    response = citizen_client.post(reverse("portal:case_answer", args=[case.number]), {"answer": ""})

    assert response.status_code == 400
    assert "Enter your answer to the request" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.INFORMATION_REQUESTED


def test_citizen_withdraws_after_confirmation(citizen_client, back_office):  # noqa: F811
    case = CaseFactory(citizen=back_office.citizen, service=back_office.service)
    url = reverse("portal:case_withdraw", args=[case.number])

    assert "Are you sure" in citizen_client.get(url).content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED  # looking at the question changes nothing
    citizen_client.post(url, {"reason": "Not needed"})
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN


def test_withdrawal_after_decision_is_refused(citizen_client, back_office):  # noqa: F811
    case = CaseFactory(citizen=back_office.citizen, service=back_office.service, decided=True)

    response = citizen_client.post(reverse("portal:case_withdraw", args=[case.number]), {"reason": ""})

    assert response.status_code in {200, 409}
    case.refresh_from_db()
    assert case.status == Case.Status.APPROVED


def test_case_page_shows_deadline_in_plain_words(citizen_client, back_office):  # noqa: F811
    case = CaseFactory(citizen=back_office.citizen, service=back_office.service)

    page = citizen_client.get(reverse("portal:case", args=[case.number])).content.decode()

    assert "The agency must decide by" in page
    assert case.statutory_due_at.strftime("%Y") in page


def test_result_pdf_is_downloadable_only_once_issued(citizen_client, back_office):  # noqa: F811
    case = CaseFactory(citizen=back_office.citizen, service=back_office.service)
    assert citizen_client.get(reverse("portal:case_result", args=[case.number])).status_code == 404
