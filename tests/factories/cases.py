"""Factories for the back office: applications, cases, reason codes, officer profiles and service
form fields.

``CaseFactory()`` is a submitted case of a fresh service, submitted now, statutory deadline in 14
days; traits: ``overdue=True`` (deadline passed, breached and escalated), ``at_risk=True`` (past the
at-risk moment, deadline still ahead), ``information_requested=True`` (clock stopped, with the open
request), ``decided=True`` (approved, with its Decision). Pass ``assignee=user`` to assign it.
``ApplicationFactory(submitted=True)`` is a submitted application with a tracking number.
:func:`cases_in_bulk` creates many cases in a few statements, for races and benchmarks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from onestop.cases.models import (
    Application,
    ApplicationItem,
    Case,
    Decision,
    InformationRequest,
    OfficerProfile,
    ReasonCode,
)
from onestop.catalog.models import Service, ServiceFormField
from onestop.people.models import Citizen, User
from tests.factories.catalog import ServiceFactory
from tests.factories.people import CitizenFactory, UserFactory


def _now() -> datetime:
    return timezone.now()


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    citizen = factory.SubFactory(CitizenFactory)
    channel = Application.Channel.COUNTER
    status = Application.Status.DRAFT
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)

    class Params:
        submitted = factory.Trait(
            status=Application.Status.SUBMITTED,
            tracking_number=factory.Sequence(lambda n: f"OS-TEST-{n:06d}"),
            submitted_at=factory.LazyAttribute(lambda o: o.created_at),
        )


class ApplicationItemFactory(DjangoModelFactory):
    class Meta:
        model = ApplicationItem

    application = factory.SubFactory(ApplicationFactory)
    service = factory.SubFactory(ServiceFactory)
    answers = factory.LazyFunction(dict)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    service = factory.SubFactory(ServiceFactory)
    citizen = factory.SubFactory(CitizenFactory)
    application = factory.SubFactory(
        ApplicationFactory, submitted=True, citizen=factory.SelfAttribute("..citizen")
    )
    item = factory.SubFactory(
        ApplicationItemFactory,
        application=factory.SelfAttribute("..application"),
        service=factory.SelfAttribute("..service"),
    )
    number = factory.Sequence(lambda n: f"CASE-{n:07d}")
    agency = factory.SelfAttribute("service.agency")
    assignee = None
    status = Case.Status.SUBMITTED
    submitted_at = factory.LazyFunction(_now)
    statutory_due_at = factory.LazyAttribute(lambda o: o.submitted_at + timedelta(days=14))
    target_due_at = None
    at_risk_at = factory.LazyAttribute(
        lambda o: o.submitted_at + (o.statutory_due_at - o.submitted_at) * 0.75
    )
    sla_state = Case.SlaState.ON_TRACK

    class Params:
        overdue = factory.Trait(
            submitted_at=factory.LazyFunction(lambda: _now() - timedelta(days=20)),
            statutory_due_at=factory.LazyFunction(lambda: _now() - timedelta(days=1)),
            sla_state=Case.SlaState.BREACHED,
            escalated_at=factory.LazyFunction(lambda: _now() - timedelta(hours=23)),
        )
        at_risk = factory.Trait(
            submitted_at=factory.LazyFunction(lambda: _now() - timedelta(days=12)),
            statutory_due_at=factory.LazyFunction(lambda: _now() + timedelta(days=2)),
            sla_state=Case.SlaState.AT_RISK,
        )
        information_requested = factory.Trait(
            status=Case.Status.INFORMATION_REQUESTED,
            clock_stopped_at=factory.LazyFunction(_now),
            open_request=factory.RelatedFactory(
                "tests.factories.cases.InformationRequestFactory", factory_related_name="case"
            ),
        )
        decided = factory.Trait(
            status=Case.Status.APPROVED,
            decided_at=factory.LazyFunction(_now),
            decision=factory.RelatedFactory(
                "tests.factories.cases.DecisionFactory", factory_related_name="case"
            ),
        )


class InformationRequestFactory(DjangoModelFactory):
    class Meta:
        model = InformationRequest

    case = factory.SubFactory(
        CaseFactory, information_requested=False, status=Case.Status.INFORMATION_REQUESTED
    )
    message = "Please send a clearer copy of your identity document."
    requested_at = factory.LazyFunction(_now)
    requested_by = factory.LazyAttribute(lambda o: o.case.assignee or UserFactory())


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory, status=Case.Status.APPROVED)
    outcome = Decision.Outcome.APPROVED
    note = ""
    decided_at = factory.LazyFunction(_now)
    decided_by = factory.LazyAttribute(lambda o: o.case.assignee or UserFactory())


class ReasonCodeFactory(DjangoModelFactory):
    class Meta:
        model = ReasonCode
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"reason-{n}")
    outcome = ReasonCode.Outcome.REJECTION
    label = factory.Sequence(lambda n: f"Reason {n}")
    label_en = factory.SelfAttribute("label")
    legal_ground = "Law No. 5, article 19"
    legal_ground_en = factory.SelfAttribute("legal_ground")

    class Params:
        approval = factory.Trait(outcome=ReasonCode.Outcome.APPROVAL, legal_ground="", legal_ground_en="")


class OfficerProfileFactory(DjangoModelFactory):
    class Meta:
        model = OfficerProfile
        django_get_or_create = ("officer",)
        skip_postgeneration_save = True

    officer = factory.SubFactory(UserFactory)
    absent_from = None
    absent_until = None
    last_assigned_at = None

    class Params:
        absent = factory.Trait(
            absent_from=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1)),
            absent_until=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7)),
        )

    @factory.post_generation
    def services(self, create: bool, extracted: list[Service] | None, **kwargs: object) -> None:
        if create and extracted:
            self.services.set(extracted)


class ServiceFormFieldFactory(DjangoModelFactory):
    class Meta:
        model = ServiceFormField

    service = factory.SubFactory(ServiceFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    kind = ServiceFormField.Kind.TEXT
    label = factory.Sequence(lambda n: f"Field {n}")
    label_en = factory.SelfAttribute("label")
    help_text = ""
    required = True
    choices = factory.LazyFunction(list)
    max_length = None
    position = factory.Sequence(lambda n: n)


def cases_in_bulk(
    count: int,
    *,
    service: Service,
    citizen: Citizen,
    assignee: User | None = None,
    status: str = Case.Status.IN_REVIEW,
    submitted_at: datetime | None = None,
    prefix: str = "BULK",
    **fields: Any,
) -> list[Case]:
    """``count`` cases of ``service`` for ``citizen`` (one application and item each), created with
    three bulk INSERTs; ``fields`` are extra Case columns (e.g. ``statutory_due_at``)."""
    at = submitted_at or _now()
    applications = Application.objects.bulk_create(
        [
            Application(
                citizen=citizen,
                channel=Application.Channel.ONLINE,
                status=Application.Status.SUBMITTED,
                tracking_number=f"{prefix}-{i:07d}",
                created_at=at,
                updated_at=at,
                submitted_at=at,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    if applications and applications[0].pk is None:  # backends that do not return ids
        applications = list(
            Application.objects.filter(tracking_number__startswith=f"{prefix}-").order_by("pk")
        )
    items = ApplicationItem.objects.bulk_create(
        [ApplicationItem(application=a, service=service) for a in applications], batch_size=1000
    )
    if items and items[0].pk is None:
        items = list(ApplicationItem.objects.filter(application__in=applications).order_by("application_id"))
    due = fields.pop("statutory_due_at", at + timedelta(days=14))
    risk = fields.pop("at_risk_at", None) or at + (due - at) * 0.75
    Case.objects.bulk_create(
        [
            Case(
                application=a,
                item=item,
                number=f"{prefix}-{i:07d}-1",
                citizen=citizen,
                service=service,
                agency_id=service.agency_id,
                assignee=assignee,
                status=status,
                submitted_at=at,
                statutory_due_at=due,
                at_risk_at=risk,
                **fields,
            )
            for i, (a, item) in enumerate(zip(applications, items, strict=True))
        ],
        batch_size=1000,
    )
    return list(Case.objects.filter(number__startswith=f"{prefix}-").order_by("pk"))
