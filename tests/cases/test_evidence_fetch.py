"""Once-only evidence: when services are added to an application, the evidence registries hold is
fetched through the data exchange for that citizen, with the application as its purpose, and
attached with provenance; what no registry holds is left to upload; a registry that is down leaves
the item pending for the retry task; a refusal is not retried."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage

from onestop.cases.errors import InvalidAnswers, NotAllowed
from onestop.cases.models import Application, Case, CaseEvent, Document, EvidenceItem
from onestop.cases.services import (
    application_add_service,
    application_fetch_evidence,
    application_start,
    application_submit,
    application_tracking_number,
    evidence_fetch,
    evidence_items_for_imported,
    evidence_retry_due,
)
from onestop.cases.services import evidence as evidence_services
from onestop.cases.services.evidence import exchange_user_id, fetch_backoff
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from onestop.exchange.models import AccessRight, ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.services import access_right_revoke
from tests.cases.conftest import ONCE_DOWN
from tests.factories.cases import ApplicationFactory, ApplicationItemFactory
from tests.factories.catalog import AgencyFactory, ServiceEvidenceFactory, ServiceFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def _start(world, actor, *services, capture, channel=Application.Channel.COUNTER):
    """Start an application and run what happens after its commit (the inline fetch)."""
    with capture(execute=True):
        return application_start(
            actor=actor,
            citizen=world.citizen,
            channel=channel,
            services=services or (world.passport, world.residence),
        )


def _evidence(application, evidence_type):
    return EvidenceItem.objects.select_related("document").get(
        item__application=application, evidence_type=evidence_type
    )


def _provider_log():
    return list(ExchangeLogEntry.objects.filter(side="provider").order_by("id"))


# --- the once-only flow ----------------------------------------------------------------------------


def test_starting_an_application_fetches_civil_and_address_evidence_with_provenance(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)

    civil = _evidence(application, once_only.civil_evidence)
    address = _evidence(application, once_only.address_evidence)
    assert (civil.status, address.status) == (EvidenceItem.Status.FETCHED, EvidenceItem.Status.FETCHED)
    assert civil.fetch_attempts == 1 and civil.next_fetch_at is None and civil.last_fetch_error == ""
    for item, data in ((civil, once_only.civil_data), (address, once_only.address_data)):
        document = item.document
        assert document is not None
        assert document.source == Document.Source.REGISTRY
        assert document.application == application and document.case is None
        assert document.evidence_type == item.evidence_type
        assert document.content_type == "application/json"
        assert document.original_name == f"{item.evidence_type.code}.json"
        with default_storage.open(document.file.name) as stored:
            content = stored.read()
        assert json.loads(content) == data
        assert document.size == len(content)
        assert document.sha256 == hashlib.sha256(content).hexdigest()

    provenance = civil.document.provenance
    assert provenance["agency"] == "civil-registry-office"
    assert provenance["agency_name"] == "Civil Registry Office"
    assert provenance["member"] == once_only.civil_member.identifier
    assert provenance["service"] == once_only.civil_service.identifier
    assert provenance["service_name"] == "Person record"
    assert datetime.fromisoformat(provenance["fetched_at"]) <= datetime.now(UTC)
    assert address.document.provenance["agency"] == "address-bureau"
    assert address.document.provenance["service"] == once_only.address_service.identifier

    # The provider logged both exchanges: this application as the issue, the citizen as the
    # subject, the operator (by account, not by name) on whose behalf, for service delivery.
    entries = _provider_log()
    assert [e.service for e in entries] == [
        once_only.civil_service.identifier,
        once_only.address_service.identifier,
    ]
    assert application.tracking_number
    for entry in entries:
        assert entry.status == 200 and entry.error_type == ""
        assert entry.issue == application.tracking_number
        assert entry.purpose == "service-delivery"
        assert entry.subject == once_only.citizen.national_id
        assert entry.client == once_only.back_office_member.identifier
        assert entry.user_id == f"KZ-STAFF-{operator_a.pk}"
    civil_entry = entries[0]
    # The provenance points at exactly that exchange, and the stored bytes are the logged answer.
    assert provenance["x_road_id"] == civil_entry.x_road_id
    assert provenance["request_id"] == civil_entry.request_id
    assert provenance["request_hash"] == civil_entry.request_hash
    with default_storage.open(civil.document.file.name) as stored:
        assert base64.b64encode(hashlib.sha512(stored.read()).digest()).decode() == civil_entry.response_hash

    audits = AuditEvent.objects.filter(action="evidence.fetch").order_by("id")
    assert [a.summary["after"]["status"] for a in audits] == ["fetched", "fetched"]
    assert audits[0].target_id == str(civil.pk)


def test_a_citizen_applying_online_is_named_by_national_id_as_the_user(
    once_only, django_capture_on_commit_callbacks
):
    application = _start(
        once_only,
        once_only.citizen_user,
        once_only.passport,
        capture=django_capture_on_commit_callbacks,
        channel=Application.Channel.ONLINE,
    )

    assert _evidence(application, once_only.civil_evidence).status == EvidenceItem.Status.FETCHED
    (entry,) = _provider_log()
    assert entry.user_id == f"KZ{once_only.citizen.national_id}"


def test_the_user_id_names_the_citizen_staff_by_account_or_the_system(once_only, operator_a):
    citizen = once_only.citizen
    assert exchange_user_id(once_only.citizen_user, citizen) == f"KZ{citizen.national_id}"
    assert exchange_user_id(operator_a, citizen) == f"KZ-STAFF-{operator_a.pk}"
    assert exchange_user_id(SystemActor("evidence-retry"), citizen) == "KZ-SYSTEM"
    assert exchange_user_id(None, citizen) == "KZ-SYSTEM"


def test_a_service_added_to_a_draft_later_fetches_its_evidence_too(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    application = _start(
        once_only, operator_a, once_only.passport, capture=django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        application_add_service(actor=operator_a, application=application, service=once_only.residence)

    assert _evidence(application, once_only.address_evidence).status == EvidenceItem.Status.FETCHED
    assert [e.issue for e in _provider_log()] == [application.tracking_number] * 2


def test_a_service_that_needs_no_registry_schedules_no_fetch(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    plain = ServiceFactory(agency=once_only.agency)

    with django_capture_on_commit_callbacks() as callbacks:
        application = application_start(
            actor=operator_a,
            citizen=once_only.citizen,
            channel=Application.Channel.COUNTER,
            services=[plain],
        )

    assert callbacks == []
    assert not EvidenceItem.objects.filter(item__application=application).exists()


def test_a_failure_while_fetching_never_breaks_adding_a_service(
    once_only, operator_a, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("storage is full")

    monkeypatch.setattr(evidence_services, "evidence_fetch", broken)

    with caplog.at_level(logging.ERROR, logger="onestop.cases.services.evidence"):
        application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)

    assert application.items.count() == 2
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceItem.Status.TO_BE_FETCHED}
    assert caplog.text.count("RuntimeError: storage is full") == 2  # each item tried on its own


# --- what the registry says decides the item's status -----------------------------------------------


def test_a_registry_that_holds_nothing_leaves_the_document_to_upload(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    once_only.remove_record("test-address")

    application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)

    address = _evidence(application, once_only.address_evidence)
    assert address.status == EvidenceItem.Status.TO_BE_UPLOADED
    assert address.document is None and address.next_fetch_at is None
    assert "no record" in address.last_fetch_error
    assert _evidence(application, once_only.civil_evidence).status == EvidenceItem.Status.FETCHED
    assert [e.status for e in _provider_log()] == [200, 404]
    # Now the citizen must upload it: submission says so.
    with pytest.raises(InvalidAnswers) as raised:
        application_submit(actor=operator_a, application=application)
    assert "residence-certificate.evidence.registered-address" in raised.value.errors


def test_a_refused_fetch_is_kept_pending_with_the_reason_and_not_retried(
    once_only, operator_a, administrator, django_capture_on_commit_callbacks, caplog
):
    right = AccessRight.objects.get(service=once_only.address_service)
    access_right_revoke(actor=administrator, right=right, reason="Contract with the bureau ended")

    with caplog.at_level(logging.WARNING, logger="onestop.cases.services.evidence"):
        application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)

    address = _evidence(application, once_only.address_evidence)
    assert address.status == EvidenceItem.Status.TO_BE_FETCHED
    assert address.next_fetch_at is None
    assert address.fetch_attempts == 1
    assert ErrorType.ACCESS_DENIED in address.last_fetch_error
    assert "refused" in caplog.text
    refused = [e for e in _provider_log() if e.status != 200]
    assert [e.error_type for e in refused] == [ErrorType.ACCESS_DENIED]
    # No back-off, so the retry task never picks it up.
    assert evidence_retry_due(now=datetime.now(UTC) + timedelta(days=2)) == 0
    assert len(_provider_log()) == 2


def test_an_agency_without_a_back_office_subsystem_leaves_the_item_pending_without_retry(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    other_agency = AgencyFactory(code="land-office", name="Land Office")
    land = ServiceFactory(agency=other_agency)
    ServiceEvidenceFactory(service=land, evidence_type=once_only.civil_evidence)

    application = _start(once_only, operator_a, land, capture=django_capture_on_commit_callbacks)

    item = _evidence(application, once_only.civil_evidence)
    assert item.status == EvidenceItem.Status.TO_BE_FETCHED
    assert item.next_fetch_at is None
    assert "Land Office has no back-office subsystem" in item.last_fetch_error
    assert _provider_log() == []
    assert evidence_retry_due(now=datetime.now(UTC) + timedelta(days=2)) == 0


def test_fetch_backoff_starts_at_a_minute_doubles_and_stops_at_an_hour():
    assert [fetch_backoff(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert fetch_backoff(7) == timedelta(hours=1)
    assert fetch_backoff(30000) == timedelta(hours=1)


def test_an_unavailable_registry_leaves_the_item_pending_and_the_retry_task_fetches_it_later(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    ONCE_DOWN.add("test-civil")
    with time_machine.travel(START, tick=False):
        application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)

    civil = _evidence(application, once_only.civil_evidence)
    assert civil.status == EvidenceItem.Status.TO_BE_FETCHED
    assert civil.fetch_attempts == 1
    assert civil.next_fetch_at == START + timedelta(minutes=1)
    assert ErrorType.SERVICE_FAILED in civil.last_fetch_error
    assert _evidence(application, once_only.address_evidence).status == EvidenceItem.Status.FETCHED

    # Nothing waits for it: the application is submitted with the item still pending.
    with time_machine.travel(START + timedelta(seconds=20), tick=False):
        submitted = application_submit(actor=operator_a, application=application)
    assert submitted.status == Application.Status.SUBMITTED
    case = Case.objects.get(application=application, service=once_only.passport)

    # Not due yet; then due but the registry is still down: the back-off doubles.
    assert evidence_retry_due(now=START + timedelta(seconds=30)) == 0
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        assert evidence_retry_due() == 1
    civil.refresh_from_db()
    assert civil.fetch_attempts == 2
    assert civil.next_fetch_at == START + timedelta(minutes=3)

    ONCE_DOWN.clear()
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        assert evidence_retry_due() == 1

    civil = _evidence(application, once_only.civil_evidence)
    assert civil.status == EvidenceItem.Status.FETCHED
    assert civil.next_fetch_at is None and civil.last_fetch_error == ""
    assert civil.document.case == case
    retry_entry = _provider_log()[-1]
    assert retry_entry.status == 200 and retry_entry.user_id == "KZ-SYSTEM"
    assert retry_entry.issue == application.tracking_number
    # The officer sees it in the case's history.
    event = CaseEvent.objects.get(case=case, kind="evidence_fetched")
    assert event.data["evidence"] == "civil-record"
    assert event.data["document"] == civil.document.pk
    assert event.actor_label == "evidence-retry"
    assert evidence_retry_due(now=START + timedelta(days=1)) == 0


def test_fetching_again_skips_what_is_already_fetched_or_uploaded(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    ONCE_DOWN.add("test-civil")
    application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)
    ONCE_DOWN.clear()

    tried = application_fetch_evidence(application=application, actor=operator_a)

    assert [e.evidence_type for e in tried] == [once_only.civil_evidence]
    assert tried[0].status == EvidenceItem.Status.FETCHED
    assert Document.objects.filter(application=application).count() == 2
    assert len(_provider_log()) == 3
    # An item that is no longer to be fetched is returned as it is, without a call.
    again = evidence_fetch(evidence=tried[0], actor=operator_a)
    assert again.document_id == tried[0].document_id
    assert len(_provider_log()) == 3


def test_an_outsider_may_not_make_the_state_fetch_evidence(once_only, operator_a, outsider):
    application = application_start(
        actor=operator_a, citizen=once_only.citizen, channel=Application.Channel.COUNTER
    )
    with pytest.raises(NotAllowed):
        application_fetch_evidence(application=application, actor=outsider)
    item = ApplicationItemFactory(application=application, service=once_only.passport)
    evidence = EvidenceItem.objects.create(
        item=item, evidence_type=once_only.civil_evidence, status=EvidenceItem.Status.TO_BE_FETCHED
    )
    with pytest.raises(NotAllowed):
        evidence_fetch(evidence=evidence, actor=UserFactory())
    assert _provider_log() == []


def test_the_evidence_of_a_withdrawn_case_is_no_longer_fetched(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    ONCE_DOWN.add("test-civil")
    application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)
    application_submit(actor=operator_a, application=application)
    Case.objects.filter(application=application).update(status=Case.Status.WITHDRAWN)
    ONCE_DOWN.clear()
    calls = len(_provider_log())

    (item,) = application_fetch_evidence(application=application, actor=operator_a)

    assert item.status == EvidenceItem.Status.TO_BE_FETCHED and item.next_fetch_at is None
    assert "closed" in item.last_fetch_error
    assert len(_provider_log()) == calls


def test_an_imported_application_gets_its_registry_evidence_only_for_its_open_cases(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    """History imports write applications without an evidence list: planning it afterwards adds the
    registry items of the services whose case is still open, once, and the exchange fills them."""
    ONCE_DOWN.update({"test-civil", "test-address"})
    application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)
    application_submit(actor=operator_a, application=application)
    ONCE_DOWN.clear()
    EvidenceItem.objects.filter(item__application=application).delete()  # as an import leaves it
    Case.objects.filter(application=application, service=once_only.residence).update(
        status=Case.Status.CLOSED
    )
    system = SystemActor("history-import")

    added = evidence_items_for_imported(application=application, actor=system)
    again = evidence_items_for_imported(application=application, actor=system)
    (item,) = application_fetch_evidence(application=application, actor=system)

    assert (added, again) == (1, 0)
    assert item.evidence_type == once_only.civil_evidence
    assert item.status == EvidenceItem.Status.FETCHED and item.document is not None
    assert (
        AuditEvent.objects.filter(action="evidence.plan_imported", target_id=str(application.pk)).count() == 1
    )


# --- tracking numbers from the start ------------------------------------------------------------


def test_a_draft_has_its_tracking_number_from_the_start_and_keeps_it_when_submitted(
    once_only, operator_a, django_capture_on_commit_callbacks
):
    application = _start(once_only, operator_a, capture=django_capture_on_commit_callbacks)
    number = application.tracking_number
    assert application.status == Application.Status.DRAFT
    assert number and number.startswith("OS-")
    assert AuditEvent.objects.get(action="application.start").summary["after"]["tracking_number"] == number

    submitted = application_submit(actor=operator_a, application=application)

    assert submitted.tracking_number == number
    assert sorted(Case.objects.filter(application=application).values_list("number", flat=True)) == [
        f"{number}-1",
        f"{number}-2",
    ]


def test_a_draft_from_before_numbers_at_start_gets_one_when_its_evidence_is_fetched(once_only, operator_a):
    application = ApplicationFactory(citizen=once_only.citizen)
    assert application.tracking_number is None
    item = ApplicationItemFactory(application=application, service=once_only.passport)
    evidence = EvidenceItem.objects.create(
        item=item, evidence_type=once_only.civil_evidence, status=EvidenceItem.Status.TO_BE_FETCHED
    )

    fetched = evidence_fetch(evidence=evidence, actor=operator_a)

    application.refresh_from_db()
    assert application.tracking_number and application.tracking_number.startswith("OS-")
    assert fetched.status == EvidenceItem.Status.FETCHED
    assert _provider_log()[0].issue == application.tracking_number
    assert application_tracking_number(application) == application.tracking_number
    assert AuditEvent.objects.filter(action="application.number", target_id=str(application.pk)).count() == 1


def test_the_officer_asks_the_registries_again_from_the_case_page(
    once_only, operator_a, client, django_capture_on_commit_callbacks
):
    """A refused or delayed fetch does not leave the case stuck: its officer asks again."""
    from django.urls import reverse

    from onestop.people.models import Role
    from tests.factories.people import RoleMembershipFactory

    officer = RoleMembershipFactory(role=Role.OFFICER, agency=once_only.agency).user
    ONCE_DOWN.add("test-civil")
    application = _start(
        once_only, operator_a, once_only.passport, capture=django_capture_on_commit_callbacks
    )
    application_submit(actor=operator_a, application=application)
    ONCE_DOWN.clear()
    case = Case.objects.get(application=application)
    assert case.assignee == officer
    client.force_login(officer)

    page = client.get(reverse("office:case", args=[case.number]))
    response = client.post(reverse("office:fetch_evidence", args=[case.number]))

    assert "Ask the registries again" in page.content.decode()
    assert response.status_code == 302
    assert _evidence(application, once_only.civil_evidence).status == EvidenceItem.Status.FETCHED


def test_an_officer_of_another_agency_cannot_make_the_registries_be_asked(
    once_only, operator_a, officer_b, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    ONCE_DOWN.add("test-civil")
    application = _start(
        once_only, operator_a, once_only.passport, capture=django_capture_on_commit_callbacks
    )
    application_submit(actor=operator_a, application=application)
    ONCE_DOWN.clear()
    case = Case.objects.get(application=application)
    calls = len(_provider_log())
    client.force_login(officer_b)

    response = client.post(reverse("office:fetch_evidence", args=[case.number]))

    assert response.status_code in (403, 404)
    assert len(_provider_log()) == calls
