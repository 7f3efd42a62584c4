"""The submission path as the benchmark drives it (start, add a service, upload, submit), with the
guarantees its shortcuts must keep: what submit returns is the row as stored, missing uploads of
every service are named in order from one query, webhooks get the submission's events, an upload
fulfils the evidence of every service of its application, and the load count reads only what the
worklist index holds."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestop.cases.documents import document_store
from onestop.cases.errors import InvalidAnswers
from onestop.cases.models import Application, Case, CaseEvent, EvidenceItem, Webhook, WebhookDelivery
from onestop.cases.services import (
    application_add_service,
    application_save_answers,
    application_start,
    application_submit,
    case_assign_automatically,
)
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from tests.factories.cases import CaseFactory
from tests.factories.catalog import EvidenceTypeFactory, ServiceEvidenceFactory, ServiceFactory

PDF_BYTES = b"%PDF-1.7\n" + b"0" * 2048 + b"\n%%EOF\n"
SECRET = "s" * 32


def _draft(back_office, *services):
    return application_start(
        actor=back_office.citizen_user,
        citizen=back_office.citizen,
        channel=Application.Channel.ONLINE,
        services=services or (back_office.service,),
    )


def _complete(back_office, application):
    item = application.items.get(service=back_office.service)
    application_save_answers(actor=back_office.citizen_user, item=item, answers={"child_name": "Aru"})
    for evidence in EvidenceItem.objects.filter(
        item__application=application, status=EvidenceItem.Status.TO_BE_UPLOADED
    ).select_related("evidence_type"):
        document_store(
            actor=back_office.citizen_user,
            application=application,
            uploaded_file=SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf"),
            evidence_type=evidence.evidence_type,
        )


def test_submit_returns_the_application_as_stored_and_forgets_related_lists_read_before(back_office):
    application = _draft(back_office)
    _complete(back_office, application)
    application = Application.objects.prefetch_related("cases").get(pk=application.pk)
    assert list(application.cases.all()) == []

    returned = application_submit(actor=back_office.citizen_user, application=application)

    assert returned is application
    stored = Application.objects.get(pk=application.pk)
    for field in Application._meta.concrete_fields:
        assert getattr(returned, field.attname) == getattr(stored, field.attname), field.name
    assert returned.status == Application.Status.SUBMITTED
    # The case list read before submitting is not served stale afterwards.
    assert [c.service_id for c in application.cases.all()] == [back_office.service.pk]


def test_missing_uploads_of_every_service_are_named_in_order_from_one_query(back_office):
    other = ServiceFactory(agency=back_office.agency, identifier="marriage-certificate-copy")
    ServiceEvidenceFactory(service=other, evidence_type=EvidenceTypeFactory(code="marriage-record"))
    application = _draft(back_office, back_office.service, other)

    with CaptureQueriesContext(connection) as queries, pytest.raises(InvalidAnswers) as caught:
        application_submit(actor=back_office.citizen_user, application=application)

    assert list(caught.value.errors) == [
        "birth-certificate-copy.child_name",
        "birth-certificate-copy.evidence.identity-document",
        "marriage-certificate-copy.evidence.marriage-record",
    ]
    evidence_reads = [q for q in queries.captured_queries if 'FROM "cases_evidenceitem"' in q["sql"]]
    assert len(evidence_reads) == 1
    assert not Case.objects.exists()


def test_an_upload_fulfils_that_evidence_for_every_service_of_the_application(back_office):
    other = ServiceFactory(agency=back_office.agency)
    ServiceEvidenceFactory(service=other, evidence_type=back_office.uploaded_evidence)
    application = _draft(back_office, back_office.service, other)
    unrelated = _draft(back_office)

    document = document_store(
        actor=back_office.citizen_user,
        application=application,
        uploaded_file=SimpleUploadedFile("id.pdf", PDF_BYTES, content_type="application/pdf"),
        evidence_type=back_office.uploaded_evidence,
    )

    mine = EvidenceItem.objects.filter(
        item__application=application, evidence_type=back_office.uploaded_evidence
    )
    assert {(e.status, e.document_id) for e in mine} == {(EvidenceItem.Status.UPLOADED, document.pk)}
    assert mine.count() == 2
    theirs = EvidenceItem.objects.get(
        item__application=unrelated, evidence_type=back_office.uploaded_evidence
    )
    assert (theirs.status, theirs.document_id) == (EvidenceItem.Status.TO_BE_UPLOADED, None)


@pytest.mark.parametrize("active", [True, False])
def test_the_submission_events_reach_the_agencys_active_webhooks(back_office, active):
    hook = Webhook.objects.create(
        agency=back_office.agency, url="http://127.0.0.1:9/hook", secret=SECRET, is_active=active
    )
    application = _draft(back_office)
    _complete(back_office, application)

    application_submit(actor=back_office.citizen_user, application=application)

    case = Case.objects.get(application=application)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned"]
    delivered = sorted(WebhookDelivery.objects.filter(webhook=hook).values_list("event__kind", flat=True))
    assert delivered == (["assigned", "submitted"] if active else [])


def test_adding_a_service_without_registry_evidence_schedules_no_fetch(
    back_office, django_capture_on_commit_callbacks
):
    plain = ServiceFactory(agency=back_office.agency)
    ServiceEvidenceFactory(service=plain, evidence_type=back_office.uploaded_evidence)
    application = _draft(back_office)
    with django_capture_on_commit_callbacks() as callbacks:
        application_add_service(actor=back_office.citizen_user, application=application, service=plain)
    assert callbacks == []
    registry = ServiceFactory(agency=back_office.agency, with_evidence=True)
    with django_capture_on_commit_callbacks() as callbacks:
        application_add_service(actor=back_office.citizen_user, application=application, service=registry)
    # A service with registry evidence has it fetched once the item commits (tested in full in
    # test_evidence_fetch.py); here only that the hook is there.
    assert len(callbacks) == 1


def test_the_load_count_reads_only_columns_of_the_worklist_index(back_office):
    # COUNT(*) over (assignee, status): PostgreSQL can answer it from case_worklist_idx alone; a
    # COUNT of the id would visit a heap page per open case of the agency.
    CaseFactory(service=back_office.service, citizen=back_office.citizen, assignee=back_office.officer_1)
    case = CaseFactory(service=back_office.service, citizen=back_office.citizen)
    with CaptureQueriesContext(connection) as queries:
        assert case_assign_automatically(case=case) == back_office.officer_2
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert "COUNT(*)" in counts[0]
    assert AuditEvent.objects.filter(action="case.assign", target_id=str(case.pk)).exists()


def test_a_system_actor_submits_what_the_benchmark_submits(back_office):
    # The benchmark's path: a system actor, a service with three uploads and no form, one
    # document_store per upload, then submit; the case is assigned and every write audited.
    scans = [EvidenceTypeFactory(code=f"bench-scan-{n}") for n in range(3)]
    service = ServiceFactory(agency=back_office.agency)
    for scan in scans:
        ServiceEvidenceFactory(service=service, evidence_type=scan)
    actor = SystemActor("bench")
    application = application_start(actor=actor, citizen=back_office.citizen, channel="online")
    application_add_service(actor=actor, application=application, service=service)
    for scan in scans:
        document_store(
            actor=actor,
            application=application,
            uploaded_file=SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf"),
            evidence_type=scan,
        )
    application_submit(actor=actor, application=application)

    case = Case.objects.get(application=application)
    assert case.assignee in back_office.officers
    actions = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions == sorted(
        ["application.start", "application.add_service", "application.submit", "case.assign"]
        + ["document.store"] * 3
    )
