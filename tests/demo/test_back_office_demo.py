"""The demo's back office: the bulk case-history import keeps its figures consistent with its events,
service forms and reason codes are written through audited services, and the seeded demo gives the
officer, the head and the demo citizen something to work with.

The seeded-demo tests seed once per module (200 citizens, so about 240 cases) inside a transaction
rolled back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from onestop.cases.models import Application, Case, CaseEvent, Decision, InformationRequest, ReasonCode
from onestop.cases.services.history import (
    HistoricApplication,
    HistoricCase,
    HistoricStep,
    case_history_import,
)
from onestop.cases.services.reference import reason_code_create
from onestop.cases.services.sla import case_deadlines
from onestop.cases.workflow import OPEN_STATUSES
from onestop.catalog.models import Service, ServiceFormField
from onestop.catalog.services_forms import FormFieldSpec, service_form_set
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from onestop.demo.data.forms import FORM_SERVICES
from tests.factories.catalog import ServiceFactory
from tests.factories.people import CitizenFactory, UserFactory

ACTOR = SystemActor("test")
ALMATY = ZoneInfo("Asia/Almaty")
S = Case.Status


def at(day: int, hour: int = 10) -> datetime:
    # March 2025: the 3rd is a Monday, no public holidays from the 3rd to the 7th or the 10th to the 14th.
    return datetime(2025, 3, day, hour, tzinfo=ALMATY)


@pytest.fixture
def codes(db):
    approve = reason_code_create(actor=ACTOR, code="ok", outcome="approval", label={"en": "All good"})
    reject = reason_code_create(
        actor=ACTOR,
        code="missing",
        outcome="rejection",
        label={"en": "Documents missing"},
        legal_ground={"en": "Law on Public Services, art. 19(1)(1)"},
    )
    return approve, reject


def _import(rows, now):
    return case_history_import(actor=ACTOR, rows=rows, at=now)


def test_imported_case_ends_in_its_last_step_with_matching_events_and_decision(codes):
    service = ServiceFactory(statutory_time="P5D", statutory_time_unit="business")
    officer, citizen = UserFactory(), CitizenFactory()
    steps = [
        HistoricStep(S.IN_REVIEW, at(3, 12), officer),
        HistoricStep(S.APPROVED, at(4, 15), officer),
        HistoricStep(S.RESULT_ISSUED, at(4, 16), officer),
    ]
    row = HistoricApplication(
        citizen=citizen,
        submitted_at=at(3),
        cases=[HistoricCase(service=service, assignee=officer, steps=steps, reason_codes=[codes[0]])],
    )
    assert _import([row], at(20)) == 1

    case = Case.objects.get()
    assert case.status == S.RESULT_ISSUED
    assert case.decided_at == at(4, 15)
    assert case.agency_id == service.agency_id
    assert case.version == 3
    events = list(case.events.order_by("at", "id"))
    transitions = [(e.from_status, e.to_status) for e in events if e.to_status]
    assert transitions == [("", S.SUBMITTED), (S.SUBMITTED, S.IN_REVIEW), (S.IN_REVIEW, S.APPROVED)] + [
        (S.APPROVED, S.RESULT_ISSUED)
    ]
    assert events[-1].to_status == case.status
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.decided_by, decision.decided_at) == ("approved", officer, at(4, 15))
    assert list(decision.reason_codes.all()) == [codes[0]]
    assert case.sla_state == Case.SlaState.ON_TRACK  # decided on day 2 of 5
    assert Application.objects.get().tracking_number


def test_open_case_past_its_deadline_is_breached_with_the_sweeps_events(codes):
    service = ServiceFactory(statutory_time="P2D", statutory_time_unit="business")
    officer = UserFactory()
    row = HistoricApplication(
        citizen=CitizenFactory(),
        submitted_at=at(3),
        cases=[
            HistoricCase(
                service=service, assignee=officer, steps=[HistoricStep(S.IN_REVIEW, at(3, 11), officer)]
            )
        ],
    )
    _import([row], at(7))

    case = Case.objects.get()
    statutory, _target = case_deadlines(service, at(3))
    assert case.statutory_due_at == statutory
    assert case.sla_state == Case.SlaState.BREACHED
    marks = list(case.events.filter(kind__startswith="sla_").order_by("at").values_list("kind", "at"))
    assert [kind for kind, _at in marks] == ["sla_at_risk", "sla_breached"]
    assert marks[-1][1] == statutory
    assert case.escalated_at == marks[0][1]


def test_time_waiting_for_the_citizen_moves_the_deadline_and_prevents_a_breach(codes):
    service = ServiceFactory(statutory_time="P3D", statutory_time_unit="business")
    officer = UserFactory()
    steps = [
        HistoricStep(S.IN_REVIEW, at(3, 11), officer),
        HistoricStep(S.INFORMATION_REQUESTED, at(3, 12), officer, "Upload a clear scan."),
        HistoricStep(S.RESUBMITTED, at(10, 9), None, "Done."),  # a week later: five business days
        HistoricStep(S.IN_REVIEW, at(10, 11), officer),
    ]
    row = HistoricApplication(
        citizen=CitizenFactory(),
        submitted_at=at(3),
        cases=[HistoricCase(service=service, assignee=officer, steps=steps)],
    )
    _import([row], at(11))

    case = Case.objects.get()
    original, _target = case_deadlines(service, at(3))
    assert case.statutory_due_at > original
    assert case.statutory_due_at > at(11)
    assert case.sla_state != Case.SlaState.BREACHED
    assert case.clock_stopped_at is None
    request = InformationRequest.objects.get(case=case)
    assert (request.message, request.answered_at, request.answer) == (
        "Upload a clear scan.",
        at(10, 9),
        "Done.",
    )


def test_case_still_waiting_for_the_citizen_keeps_its_clock_stopped(codes):
    service = ServiceFactory(statutory_time="P2D", statutory_time_unit="business")
    officer = UserFactory()
    steps = [
        HistoricStep(S.IN_REVIEW, at(3, 11), officer),
        HistoricStep(S.INFORMATION_REQUESTED, at(3, 12), officer, "Upload a clear scan."),
    ]
    row = HistoricApplication(
        citizen=CitizenFactory(),
        submitted_at=at(3),
        cases=[HistoricCase(service=service, assignee=officer, steps=steps)],
    )
    _import([row], at(14))

    case = Case.objects.get()
    assert case.status == S.INFORMATION_REQUESTED
    assert case.clock_stopped_at == at(3, 12)
    assert case.sla_state == Case.SlaState.ON_TRACK


@pytest.mark.parametrize(
    "steps",
    [
        [HistoricStep(S.APPROVED, at(3, 12))],  # skips the review
        [HistoricStep(S.IN_REVIEW, at(3, 9))],  # before the submission
        [
            HistoricStep(S.IN_REVIEW, at(3, 11)),
            HistoricStep(S.REJECTED, at(3, 12)),
        ],  # no rejection code cited
    ],
    ids=["illegal-transition", "out-of-order", "rejection-without-code"],
)
def test_an_impossible_history_is_refused_and_nothing_is_written(codes, steps):
    officer = UserFactory()
    service = ServiceFactory()
    good = HistoricApplication(
        citizen=CitizenFactory(), submitted_at=at(3), cases=[HistoricCase(service=service, assignee=officer)]
    )
    steps = [HistoricStep(s.status, s.at, officer) for s in steps]
    bad = HistoricApplication(
        citizen=CitizenFactory(),
        submitted_at=at(3, 10),
        cases=[HistoricCase(service=service, assignee=officer, steps=steps, reason_codes=[codes[0]])],
    )
    with pytest.raises(ValueError):
        _import([good, bad], at(20))
    assert not Case.objects.exists()
    assert not Application.objects.exists()


def test_import_records_one_audit_event_per_batch_not_per_case(codes):
    officer, service = UserFactory(), ServiceFactory()
    rows = [
        HistoricApplication(
            citizen=CitizenFactory(),
            submitted_at=at(3) + timedelta(minutes=n),
            cases=[HistoricCase(service=service, assignee=officer)],
        )
        for n in range(5)
    ]
    assert case_history_import(actor=ACTOR, rows=rows, at=at(4), batch_size=2) == 5
    audits = AuditEvent.objects.filter(action="case.history_import")
    assert audits.count() == 3
    assert len({c.number for c in Case.objects.all()}) == 5


def test_service_form_set_replaces_the_form_and_is_audited(db):
    service = ServiceFactory()
    service_form_set(
        actor=ACTOR,
        service=service,
        fields=[FormFieldSpec(key="old", kind="text", label={"en": "Old"})],
    )
    fields = service_form_set(
        actor=ACTOR,
        service=service,
        fields=[
            FormFieldSpec(
                key="delivery",
                kind="choice",
                label={"en": "How", "ru": "Как", "kk": "Қалай", "ka": "როგორ"},
                choices=[("centre", {"en": "At the centre"}), ("online", {"en": "Online"})],
            ),
            FormFieldSpec(key="phone", kind="phone", label={"en": "Phone"}, required=False),
        ],
    )
    assert [f.key for f in service.form_fields.order_by("position")] == ["delivery", "phone"]
    delivery = ServiceFormField.objects.get(service=service, key="delivery")
    assert (delivery.label_ru, delivery.label_kk, delivery.label_ka) == ("Как", "Қалай", "როგორ")
    assert [c["value"] for c in delivery.choices] == ["centre", "online"]
    assert len(fields) == 2
    assert AuditEvent.objects.filter(action="service.form_set").count() == 2


@pytest.mark.parametrize(
    "spec",
    [
        FormFieldSpec(key="x", kind="choice", label={"en": "X"}, choices=[("a", {"en": "A"})]),
        FormFieldSpec(key="x", kind="colour", label={"en": "X"}),
        FormFieldSpec(key="x", kind="text", label={"ru": "Икс"}),
    ],
    ids=["one-choice", "unknown-kind", "no-english-label"],
)
def test_service_form_set_refuses_a_bad_field_and_keeps_the_old_form(db, spec):
    service = ServiceFactory()
    service_form_set(
        actor=ACTOR, service=service, fields=[FormFieldSpec(key="kept", kind="text", label={"en": "K"})]
    )
    with pytest.raises(ValidationError):
        service_form_set(actor=ACTOR, service=service, fields=[spec])
    assert list(service.form_fields.values_list("key", flat=True)) == ["kept"]


def test_rejection_reason_without_legal_ground_is_refused(db):
    with pytest.raises(ValidationError):
        reason_code_create(actor=ACTOR, code="nope", outcome="rejection", label={"en": "No"})
    assert not ReasonCode.objects.exists()


# --- the seeded demo ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(VAR_DIR=var_dir):
        out = StringIO()
        call_command("seed_demo", citizens=200, history_days=0, verbosity=0, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


def test_the_most_used_services_have_forms_labelled_in_four_languages(demo):
    with_forms = Service.objects.filter(form_fields__isnull=False).distinct()
    assert with_forms.count() == FORM_SERVICES
    top = set(
        Service.objects.order_by("-popularity", "identifier").values_list("pk", flat=True)[:FORM_SERVICES]
    )
    assert set(with_forms.values_list("pk", flat=True)) == top
    for field in ServiceFormField.objects.all():
        assert field.label_en and field.label_ru and field.label_kk and field.label_ka, field


def test_reason_codes_for_both_outcomes_and_every_rejection_cites_a_law_in_four_languages(demo):
    assert ReasonCode.objects.filter(outcome="approval").exists()
    rejections = ReasonCode.objects.filter(outcome="rejection")
    assert rejections.count() >= 3
    for code in rejections:
        assert code.legal_ground_en and code.legal_ground_ru and code.legal_ground_kk and code.legal_ground_ka


def test_a_year_of_cases_in_every_status_some_at_risk_and_breached(demo):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(S.values)
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    assert open_cases.filter(sla_state=Case.SlaState.BREACHED).exists()
    assert open_cases.filter(sla_state=Case.SlaState.AT_RISK).exists()
    first = Case.objects.order_by("submitted_at").first()
    assert (
        first is not None
        and (Case.objects.latest("submitted_at").submitted_at - first.submitted_at).days > 300
    )
    assert Case.objects.values("agency").distinct().count() >= 10


def test_every_case_status_agrees_with_its_last_transition_event(demo):
    # Later events overwrite earlier ones: each case keeps the target of its last transition.
    last_events = dict(
        CaseEvent.objects.exclude(to_status="").order_by("at", "id").values_list("case_id", "to_status")
    )
    cases = dict(Case.objects.values_list("pk", "status"))
    assert last_events == cases
    decided = Case.objects.filter(status__in=[S.APPROVED, S.REJECTED, S.RESULT_ISSUED, S.CLOSED])
    assert Decision.objects.filter(case__in=decided).count() == decided.count()


def test_demo_officer_and_head_have_open_cases_and_the_demo_citizen_every_status(demo):
    for username in ("officer", "head"):
        mine = Case.objects.filter(assignee__username=username, status__in=OPEN_STATUSES)
        assert mine.exists(), username
        assert {c.agency.code for c in mine} == {"civil-registry"}
    officer_cases = Case.objects.filter(assignee__username="officer", status__in=OPEN_STATUSES)
    assert officer_cases.filter(sla_state=Case.SlaState.BREACHED).exists()
    citizen_id = demo.split("Citizen (demo eID)")[1].split()[0]
    theirs = set(Case.objects.filter(citizen__national_id=citizen_id).values_list("status", flat=True))
    assert theirs == set(S.values)


def test_officers_get_profiles_and_one_is_on_leave(demo):
    from onestop.cases.models import OfficerProfile

    # The head takes some escalated cases personally but is not in the assignment pool.
    officers = set(
        Case.objects.exclude(assignee__username="head").order_by().values_list("assignee", flat=True)
    )
    assert officers <= set(OfficerProfile.objects.values_list("officer", flat=True))
    assert OfficerProfile.objects.filter(absent_from__isnull=False).count() == 1
