"""Applications from draft to submission: evidence lists, answers, completeness, fees, routing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from onestop.cases.errors import IllegalTransition, InvalidAnswers, NotAllowed
from onestop.cases.models import Application, Case, CaseEvent, EvidenceItem
from onestop.cases.services import (
    application_add_service,
    application_fee,
    application_remove_service,
    application_save_answers,
    application_start,
    application_submit,
)
from onestop.core.models import AuditEvent
from onestop.notify.models import Notification
from tests.factories.catalog import FeeFactory, ServiceFactory
from tests.factories.people import CitizenFactory, UserFactory

ALMATY = ZoneInfo("Asia/Almaty")


def _start(back_office, *services):
    return application_start(
        actor=back_office.citizen_user,
        citizen=back_office.citizen,
        channel=Application.Channel.ONLINE,
        services=services or (back_office.service,),
    )


def _upload_everything(application):
    # What document_store does for each upload; the file checks are tested with the documents.
    EvidenceItem.objects.filter(
        item__application=application, status=EvidenceItem.Status.TO_BE_UPLOADED
    ).update(status=EvidenceItem.Status.UPLOADED)


def test_adding_a_service_lists_evidence_fetched_by_the_state_and_to_upload(back_office):
    application = _start(back_office)

    statuses = dict(
        EvidenceItem.objects.filter(item__application=application).values_list(
            "evidence_type__code", "status"
        )
    )
    assert statuses == {"birth-record": "to_be_fetched", "identity-document": "to_be_uploaded"}


def test_invalid_answers_are_refused_and_nothing_is_stored(back_office):
    application = _start(back_office)
    item = application.items.get()
    application_save_answers(actor=back_office.citizen_user, item=item, answers={"child_name": "Aru"})

    with pytest.raises(InvalidAnswers) as raised:
        application_save_answers(actor=back_office.citizen_user, item=item, answers={"child_name": ""})

    assert "child_name" in raised.value.errors
    item.refresh_from_db()
    assert item.answers == {"child_name": "Aru"}


def test_submit_names_missing_answers_and_uploads_but_not_fetched_evidence(back_office):
    application = _start(back_office)

    with pytest.raises(InvalidAnswers) as raised:
        application_submit(actor=back_office.citizen_user, application=application)

    prefix = back_office.service.identifier
    assert set(raised.value.errors) == {f"{prefix}.child_name", f"{prefix}.evidence.identity-document"}
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert not Case.objects.exists()


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False)  # a Monday
def test_submit_creates_a_routed_assigned_case_per_service_with_deadlines(back_office):
    other = ServiceFactory(agency=back_office.agency, statutory_time="P1M", statutory_time_unit="calendar")
    application = _start(back_office, back_office.service, other)
    item = application.items.get(service=back_office.service)
    application_save_answers(actor=back_office.citizen_user, item=item, answers={"child_name": "Aru"})
    _upload_everything(application)

    submitted = application_submit(actor=back_office.citizen_user, application=application)

    assert submitted.status == Application.Status.SUBMITTED
    assert submitted.tracking_number and submitted.tracking_number.startswith("OS-260302-")
    cases = list(Case.objects.filter(application=application).order_by("number"))
    assert [c.service for c in cases] == [back_office.service, other]
    assert all(c.agency == back_office.agency for c in cases)
    # Two officers with no work: the two cases go to different officers.
    assert {c.assignee for c in cases} == set(back_office.officers)
    first = cases[0]
    # 5 business days after Monday 2 March: Monday 9 March is International Women's Day, so Tuesday 10.
    assert first.statutory_due_at == datetime(2026, 3, 10, 10, 0, tzinfo=ALMATY)
    assert first.target_due_at == datetime(2026, 3, 5, 10, 0, tzinfo=ALMATY)
    assert first.submitted_at < first.at_risk_at < first.statutory_due_at
    assert cases[1].statutory_due_at == datetime(2026, 4, 2, 10, 0, tzinfo=ALMATY)
    kinds = list(CaseEvent.objects.filter(case=first).values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned"]
    assert AuditEvent.objects.filter(action="application.submit", target_id=str(application.pk)).exists()
    assert Notification.objects.filter(template="application.submitted").count() == 1


def test_submitting_twice_is_refused(back_office):
    application = _start(back_office)
    application_save_answers(
        actor=back_office.citizen_user, item=application.items.get(), answers={"child_name": "A"}
    )
    _upload_everything(application)
    application_submit(actor=back_office.citizen_user, application=application)

    with pytest.raises(IllegalTransition):
        application_submit(actor=back_office.citizen_user, application=application)
    assert Case.objects.count() == 1


def test_fees_are_summed_with_the_citizens_exemption(back_office):
    paid = ServiceFactory(agency=back_office.agency)
    FeeFactory(service=paid, amount=Decimal("1000.00"), exempt=True)  # 100 % off for disability
    FeeFactory(service=back_office.service, amount=Decimal("500.00"))
    application = _start(back_office)
    application_add_service(actor=back_office.citizen_user, application=application, service=paid)
    assert application_fee(application).amount == Decimal("1500.00")

    exempt_item = application.items.get(service=paid)
    application_remove_service(actor=back_office.citizen_user, item=exempt_item)
    application_add_service(
        actor=back_office.citizen_user, application=application, service=paid, exemption="disability"
    )
    fee = application_fee(application)
    assert (fee.amount, fee.currency) == (Decimal("500.00"), "KZT")


def test_another_citizen_cannot_touch_the_application(back_office):
    application = _start(back_office)
    intruder = CitizenFactory(user=UserFactory(username="intruder")).user
    with pytest.raises(NotAllowed):
        application_add_service(actor=intruder, application=application, service=ServiceFactory())
    with pytest.raises(NotAllowed):
        application_submit(actor=intruder, application=application)


def test_operator_may_apply_for_a_citizen_at_the_counter(back_office, operator_a):
    application = application_start(
        actor=operator_a, citizen=back_office.citizen, channel="counter", services=[back_office.service]
    )
    assert application.operator == operator_a
    assert application.items.count() == 1
