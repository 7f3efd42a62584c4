"""The case page and its actions: what an officer sees, what they may do, and what happens when they
may not (another agency, someone else's case, a case decided meanwhile)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onestop.cases.documents import document_store
from onestop.cases.models import Case, CaseEvent, EvidenceItem
from onestop.cases.services import (
    application_save_answers,
    application_start,
    application_submit,
    case_approve,
    case_start_review,
)
from onestop.core.models import AuditEvent
from onestop.people.models import User
from tests.cases.conftest import BackOffice
from tests.factories.cases import CaseFactory, ReasonCodeFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(back_office: BackOffice) -> Case:
    """A case submitted online through the services: answers, one upload, one piece of evidence the
    state will fetch; assigned automatically to one of the two officers."""
    bo = back_office
    application = application_start(
        actor=bo.citizen_user, citizen=bo.citizen, channel="online", services=[bo.service]
    )
    item = application.items.get()
    application_save_answers(
        actor=bo.citizen_user, item=item, answers={"child_name": "Aruzhan Abenova", "reason": "School"}
    )
    document_store(
        actor=bo.citizen_user,
        application=application,
        uploaded_file=SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf"),
        evidence_type=bo.uploaded_evidence,
    )
    application_submit(actor=bo.citizen_user, application=application)
    return Case.objects.select_related("assignee", "agency").get(application=application)


def _other_officer(bo: BackOffice, case: Case) -> User:
    return bo.officer_2 if case.assignee_id == bo.officer_1.pk else bo.officer_1


def _url(case: Case, name: str = "case") -> str:
    return reverse(f"office:{name}", args=[case.number])


def _status(case: Case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def test_case_page_shows_answers_with_labels_evidence_and_history(client, case):
    assert case.assignee is not None
    client.force_login(case.assignee)
    response = client.get(_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Child&#x27;s full name" in html and "Aruzhan Abenova" in html
    assert "Why you need it" in html and "School" in html
    assert "Pending: to be fetched" in html  # the birth record the state fetches
    assert "passport.pdf" in html
    assert "Start review" in html
    assert "Statutory deadline" in html and "due in 5 business days" in html


def test_officer_of_another_agency_gets_404_for_the_case(client, case, officer_b):
    client.force_login(officer_b)
    assert client.get(_url(case)).status_code == 404
    assert client.post(_url(case, "start_review")).status_code == 404
    assert _status(case) == Case.Status.SUBMITTED


def test_staff_without_agency_role_gets_403(client, case, operator_a):
    client.force_login(operator_a)
    assert client.get(_url(case)).status_code == 403


def test_officer_starts_review(client, case):
    client.force_login(case.assignee)
    response = client.post(_url(case, "start_review"))
    assert response.status_code == 302 and response["Location"] == _url(case)
    assert _status(case) == Case.Status.IN_REVIEW
    page = client.get(_url(case)).content.decode()
    assert "You started the review." in page
    assert "Approve" in page and "Reject" in page and "Ask the applicant for information" in page


def test_officer_cannot_act_on_a_case_assigned_to_someone_else(client, back_office, case):
    client.force_login(_other_officer(back_office, case))
    page = client.get(_url(case)).content.decode()
    assert "Start review" not in page  # sees the case, but no action buttons
    response = client.post(_url(case, "start_review"))
    assert response.status_code == 403
    assert "Only the officer the case is assigned to can act on it." in response.content.decode()
    assert _status(case) == Case.Status.SUBMITTED


def test_request_information_needs_a_message_and_stops_the_clock(client, case):
    case_start_review(actor=case.assignee, case=case)
    client.force_login(case.assignee)
    response = client.post(_url(case, "request_information"), {"request-message": "  "})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert _status(case) == Case.Status.IN_REVIEW

    response = client.post(
        _url(case, "request_information"), {"request-message": "Send a clearer copy of your passport."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.INFORMATION_REQUESTED
    assert case.clock_stopped_at is not None
    page = client.get(_url(case)).content.decode()
    assert "Send a clearer copy of your passport." in page
    assert "The clock is stopped" in page


def test_rejection_without_a_reason_shows_the_error_and_keeps_the_case(client, case):
    ReasonCodeFactory(code="incomplete", label="Incomplete documents")
    case_start_review(actor=case.assignee, case=case)
    client.force_login(case.assignee)
    response = client.post(_url(case, "reject"), {"reject-note": "Missing pages"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one reason for the rejection, with its legal ground." in html
    assert 'href="#id_reject-reason_codes_0"' in html  # the summary links to the first checkbox
    assert "Missing pages" in html  # nothing the officer typed is lost
    assert _status(case) == Case.Status.IN_REVIEW


def test_officer_rejects_citing_the_legal_ground(client, case):
    reason = ReasonCodeFactory(code="incomplete", label="Incomplete documents", legal_ground="Law 5, art. 19")
    case_start_review(actor=case.assignee, case=case)
    client.force_login(case.assignee)
    page = client.get(_url(case)).content.decode()
    assert "Incomplete documents — Law 5, art. 19" in page
    assert "A rejection must cite at least one reason" in page
    response = client.post(_url(case, "reject"), {"reject-reason_codes": [reason.pk], "reject-note": "No"})
    assert response.status_code == 302
    assert _status(case) == Case.Status.REJECTED
    assert list(case.decision.reason_codes.all()) == [reason]


def test_officer_approves_issues_the_result_and_closes(client, case):
    approval = ReasonCodeFactory(code="complete", label="All conditions met", approval=True)
    case_start_review(actor=case.assignee, case=case)
    client.force_login(case.assignee)
    response = client.post(_url(case, "approve"), {"approve-reason_codes": [approval.pk]})
    assert response.status_code == 302
    assert _status(case) == Case.Status.APPROVED

    response = client.post(_url(case, "issue_result"))
    assert response.status_code == 302
    assert _status(case) == Case.Status.RESULT_ISSUED
    case.refresh_from_db()
    page = client.get(_url(case)).content.decode()
    assert case.output_document.verification_code in page
    assert "Close case" in page

    assert client.post(_url(case, "close")).status_code == 302
    assert _status(case) == Case.Status.CLOSED
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"review_started", "approved", "result_issued", "closed"} <= set(kinds)


def test_deciding_a_case_already_decided_shows_a_conflict_not_a_500(client, case):
    reason = ReasonCodeFactory(code="incomplete", label="Incomplete documents")
    case_start_review(actor=case.assignee, case=case)
    client.force_login(case.assignee)
    # Someone else (the agency head) approves while the officer's page is still open.
    head = User.objects.get(username="head")
    case_approve(actor=head, case=Case.objects.get(pk=case.pk))
    response = client.post(_url(case, "reject"), {"reject-reason_codes": [reason.pk]})
    assert response.status_code == 409
    assert "That could not be done" in response.content.decode()
    assert _status(case) == Case.Status.APPROVED


def test_head_reassigns_with_a_reason_and_it_is_audited(client, back_office, case):
    new_officer = _other_officer(back_office, case)
    client.force_login(back_office.head)
    response = client.post(_url(case, "reassign"), {"reassign-to": new_officer.pk, "reassign-reason": ""})
    assert response.status_code == 400
    assert "Give the reason for the reassignment." in response.content.decode()

    response = client.post(
        _url(case, "reassign"), {"reassign-to": new_officer.pk, "reassign-reason": "Sick leave"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee_id == new_officer.pk
    audit = AuditEvent.objects.filter(action="case.reassign").get()
    assert audit.actor_id == str(back_office.head.pk)
    assert audit.target_id == str(case.pk)
    assert audit.summary["reason"] == "Sick leave"
    assert CaseEvent.objects.filter(case=case, kind="reassigned", reason="Sick leave").exists()


def test_officer_cannot_reassign(client, back_office, case):
    client.force_login(case.assignee)
    response = client.post(
        _url(case, "reassign"),
        {"reassign-to": _other_officer(back_office, case).pk, "reassign-reason": "I am busy"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assignee_id != _other_officer(back_office, case).pk


def test_reassigning_to_an_officer_of_another_agency_is_refused(client, back_office, case, officer_b):
    client.force_login(back_office.head)
    response = client.post(_url(case, "reassign"), {"reassign-to": officer_b.pk, "reassign-reason": "x"})
    assert response.status_code == 400
    assert "Choose one of the officers of this agency." in response.content.decode()


def test_fetched_evidence_shows_its_provenance(client, case):
    item = EvidenceItem.objects.get(item=case.item, status=EvidenceItem.Status.TO_BE_FETCHED)
    assert item.evidence_type.exchange_service
    client.force_login(case.assignee)
    assert "The state fetches this from the registry" in client.get(_url(case)).content.decode()


def test_information_requested_case_shows_clock_stopped(client, officer_a, service_a):
    case = CaseFactory(service=service_a, assignee=officer_a, information_requested=True)
    client.force_login(officer_a)
    page = client.get(_url(case)).content.decode()
    assert "(clock stopped)" in page
    assert "Waiting for the applicant." in page
