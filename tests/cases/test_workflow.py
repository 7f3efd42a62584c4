"""The case transition table, every legal and every illegal move, and what a transition writes."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from onestop.cases.errors import IllegalTransition
from onestop.cases.models import Case, CaseEvent, Webhook, WebhookDelivery
from onestop.cases.workflow import LEGAL_PAIRS, TRANSITIONS, case_transition
from onestop.core.models import AuditEvent
from onestop.notify.models import Notification
from tests.factories.cases import CaseFactory

S = Case.Status
ALL_PAIRS = list(itertools.product(S.values, S.values))
EXPECTED_LEGAL = {
    (S.SUBMITTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.INFORMATION_REQUESTED),
    (S.INFORMATION_REQUESTED, S.RESUBMITTED),
    (S.RESUBMITTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.APPROVED),
    (S.IN_REVIEW, S.REJECTED),
    (S.APPROVED, S.RESULT_ISSUED),
    (S.REJECTED, S.RESULT_ISSUED),
    (S.RESULT_ISSUED, S.CLOSED),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.IN_REVIEW, S.WITHDRAWN),
    (S.INFORMATION_REQUESTED, S.WITHDRAWN),
    (S.RESUBMITTED, S.WITHDRAWN),
}


def test_transition_table_is_the_documented_workflow():
    assert LEGAL_PAIRS == EXPECTED_LEGAL
    assert set(TRANSITIONS) == set(S.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), sorted(EXPECTED_LEGAL))
def test_legal_transition_writes_event_audit_notification_and_webhook(from_status, to_status):
    case = CaseFactory(status=from_status)
    hook = Webhook.objects.create(agency=case.agency, url="https://agency.example/hook", secret="s")
    Webhook.objects.create(agency=case.agency, url="https://agency.example/off", secret="s", is_active=False)
    at = timezone.now()

    result = case_transition(case=case, to_status=to_status, actor=None, at=at, reason="because")

    case.refresh_from_db()
    assert result.status == case.status == to_status
    assert case.version == 1
    event = CaseEvent.objects.get(case=case)
    assert (event.from_status, event.to_status, event.reason, event.at) == (
        from_status,
        to_status,
        "because",
        at,
    )
    assert AuditEvent.objects.filter(target_id=str(case.pk), action=f"case.{event.kind}").count() == 1
    note = Notification.objects.get(subject_type="cases.case", subject_id=str(case.pk))
    assert note.audience == "citizen" and note.recipient_id == str(case.citizen_id)
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == hook and delivery.event == event
    assert delivery.payload["to_status"] == to_status


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), sorted(set(ALL_PAIRS) - EXPECTED_LEGAL))
def test_illegal_transition_is_refused_and_changes_nothing(from_status, to_status):
    case = CaseFactory(status=from_status)

    with pytest.raises(IllegalTransition) as raised:
        case_transition(case=case, to_status=to_status, actor=None)

    assert raised.value.status == 409
    case.refresh_from_db()
    assert (case.status, case.version) == (from_status, 0)
    assert not CaseEvent.objects.filter(case=case).exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_stale_case_loses_the_compare_and_set():
    case = CaseFactory(status=S.IN_REVIEW)
    stale = Case.objects.get(pk=case.pk)
    case_transition(case=case, to_status=S.APPROVED, actor=None)

    with pytest.raises(IllegalTransition):
        case_transition(case=stale, to_status=S.REJECTED, actor=None)

    case.refresh_from_db()
    assert case.status == S.APPROVED
    assert CaseEvent.objects.filter(case=case).count() == 1
