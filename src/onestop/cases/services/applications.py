"""Applications: a citizen (or an operator at the counter for them) bundles one or more services,
answers each service's form, supplies the evidence the state cannot fetch itself and submits once.

The draft gets its tracking number when it is started: it is the citizen's reference from the first
moment and the ``X-Road-Issue`` of every registry fetch made for it (purpose binding). Evidence a
registry holds is fetched right after a service is added (cases/services/evidence.py). Submission
sums the fees (with exemptions) and turns every service into a Case at its competent agency, with
its deadlines, assigned automatically."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.errors import IllegalTransition, InvalidAnswers, NotAllowed
from onestop.cases.models import Application, ApplicationItem, Case, EvidenceItem
from onestop.cases.services.assignment import agencies_with_webhooks, case_assign_automatically
from onestop.cases.services.sla import at_risk_moment, case_deadlines
from onestop.cases.workflow import case_event_append
from onestop.catalog.models import Fee, Service
from onestop.centres.models import Centre
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.core.money import Money
from onestop.notify.models import Notification
from onestop.notify.services import notification_queue
from onestop.people.models import CENTRE_ROLES, Citizen, User
from onestop.people.scoping import roles_of
from onestop.queueing.models import Ticket

# No 0/O or 1/I: tracking numbers are read out over the phone and typed from paper receipts.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_tracking_number(at: datetime) -> str:
    for _attempt in range(10):
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
        number = f"OS-{timezone.localtime(at):%y%m%d}-{suffix}"
        if not Application.objects.filter(tracking_number=number).exists():
            return number
    raise RuntimeError("could not draw a free tracking number")


def application_tracking_number(application: Application, *, at: datetime | None = None) -> str:
    """The application's tracking number, drawing one for a draft started before drafts got theirs
    at start (compare-and-set, so two callers end up with the same number)."""
    if application.tracking_number:
        return application.tracking_number
    number = _new_tracking_number(at or timezone.now())
    with transaction.atomic():
        if Application.objects.filter(pk=application.pk, tracking_number__isnull=True).update(
            tracking_number=number
        ):
            audit_record(
                actor=SystemActor("tracking-number"),
                action="application.number",
                target=application,
                after={"tracking_number": number},
            )
    application.refresh_from_db(fields=["tracking_number"])
    assert application.tracking_number is not None
    return application.tracking_number


def may_act_for(actor: Actor, citizen_id: int) -> bool:
    """Whether ``actor`` may fill in and submit applications of the citizen: the citizen
    themselves, a front-office operator at a counter, or the system (seeding, demo)."""
    if actor is None or isinstance(actor, SystemActor):
        return True
    if getattr(actor, "pk", None) is None:
        return False
    if Citizen.objects.filter(pk=citizen_id, user_id=actor.pk).exists():
        return True
    return bool(roles_of(actor) & CENTRE_ROLES)


def _require(actor: Actor, application: Application) -> None:
    if not may_act_for(actor, application.citizen_id):
        raise NotAllowed(_("You may not act on this application."))


def _require_draft(application: Application) -> None:
    if application.status != Application.Status.DRAFT:
        raise IllegalTransition(_("This application has already been submitted."))


def item_fee(service: Service, exemption: str = "") -> Money:
    """The fee of one service, after the exemption of the citizen's beneficiary group (if any)."""
    currency = str(getattr(settings, "ONESTOP_CURRENCY", "KZT"))
    total = Money.zero(currency)
    for fee in Fee.objects.filter(service=service).prefetch_related("exemptions"):
        amount = Money(fee.amount, fee.currency)
        if total.amount == 0 and total.currency != amount.currency:
            total = Money.zero(amount.currency)
        discount = next(
            (e.discount_percent for e in fee.exemptions.all() if exemption and e.group == exemption), 0
        )
        total = total + amount * (Decimal(100 - discount) / Decimal(100))
    return total.rounded()


def application_fee(application: Application) -> Money:
    """What the whole application costs: the sum of its items' fees."""
    currency = application.fee_currency or str(getattr(settings, "ONESTOP_CURRENCY", "KZT"))
    total = Money.zero(currency)
    for item in application.items.all():
        if item.fee_amount:
            total = total + Money(item.fee_amount, item.fee_currency or currency)
    return total


def application_start(
    *,
    actor: Actor,
    citizen: Citizen,
    channel: str,
    services: Sequence[Service] = (),
    centre: Centre | None = None,
    ticket: Ticket | None = None,
    at: datetime | None = None,
) -> Application:
    """Open a draft application for ``citizen`` with the given services. The draft has its tracking
    number from now on; the evidence registries hold is fetched once the draft commits."""
    now = at or timezone.now()
    if not may_act_for(actor, citizen.pk):
        raise NotAllowed(_("You may not start an application for this person."))
    if channel not in Application.Channel.values:
        raise InvalidAnswers(errors={"channel": [_("Choose a valid channel.")]})
    operator = actor if isinstance(actor, User) and actor.pk != citizen.user_id else None
    with transaction.atomic():
        application = Application.objects.create(
            citizen=citizen,
            channel=channel,
            centre=centre,
            ticket=ticket,
            operator=operator,
            tracking_number=_new_tracking_number(now),
            created_at=now,
            updated_at=now,
        )
        audit_record(
            actor=actor,
            action="application.start",
            target=application,
            after={"channel": channel, "citizen": citizen.pk, "tracking_number": application.tracking_number},
        )
        for service in services:
            application_add_service(actor=actor, application=application, service=service)
    return application


def application_add_service(
    *, actor: Actor, application: Application, service: Service, exemption: str = ""
) -> ApplicationItem:
    """Add ``service`` to a draft application with its evidence list: what a registry holds is
    fetched by the state (right after the commit, inline, so the next page shows it; a registry
    that is down leaves the item pending for the retry task), the rest the citizen uploads."""
    _require(actor, application)
    _require_draft(application)
    if service.status != Service.Status.ACTIVE:
        raise InvalidAnswers(errors={"service": [_("This service is not offered.")]})
    if application.items.filter(service=service).exists():
        raise InvalidAnswers(errors={"service": [_("This service is already in the application.")]})
    fee = item_fee(service, exemption)
    with transaction.atomic():
        item = ApplicationItem.objects.create(
            application=application,
            service=service,
            fee_amount=fee.amount,
            fee_currency=fee.currency,
            exemption=exemption,
        )
        evidence = EvidenceItem.objects.bulk_create(
            EvidenceItem(
                item=item,
                evidence_type=req.evidence_type,
                required=req.required,
                status=(
                    EvidenceItem.Status.TO_BE_FETCHED
                    if req.evidence_type.exchange_service
                    else EvidenceItem.Status.TO_BE_UPLOADED
                ),
            )
            for req in service.evidence_requirements.select_related("evidence_type")
        )
        audit_record(
            actor=actor,
            action="application.add_service",
            target=application,
            after={"service": service.identifier, "exemption": exemption},
        )
        # Imported here: the evidence module builds on this one (tracking numbers).
        from onestop.cases.services.evidence import fetch_after_commit

        # The new rows say whether a registry is involved: no need to ask the database again.
        fetch_after_commit(
            item=item,
            actor=actor,
            to_fetch=any(e.status == EvidenceItem.Status.TO_BE_FETCHED for e in evidence),
        )
    return item


def application_remove_service(*, actor: Actor, item: ApplicationItem) -> None:
    """Take a service out of a draft application (with its answers and evidence list)."""
    application = item.application
    _require(actor, application)
    _require_draft(application)
    with transaction.atomic():
        service_id = item.service_id
        item.delete()
        audit_record(
            actor=actor,
            action="application.remove_service",
            target=application,
            before={"service": service_id},
        )


def application_save_answers(
    *, actor: Actor, item: ApplicationItem, answers: Mapping[str, Any]
) -> ApplicationItem:
    """Validate and store the answers to one service's form; nothing is stored when invalid
    (``InvalidAnswers`` with an entry per field)."""
    from onestop.cases.forms import validate_answers  # written by the documents module

    _require(actor, item.application)
    _require_draft(item.application)
    cleaned = validate_answers(item.service, answers)
    with transaction.atomic():
        before = dict(item.answers)
        item.answers = cleaned
        item.save(update_fields=["answers"])
        audit_record(
            actor=actor,
            action="application.save_answers",
            target=item.application,
            before={"service": item.service_id, "keys": sorted(before)},
            after={"service": item.service_id, "keys": sorted(cleaned)},
        )
    return item


def _missing(application: Application, items: Sequence[ApplicationItem]) -> dict[str, list[str]]:
    """What keeps ``application`` (with its ``items``, services loaded) from being submitted: field
    key → messages, in the order of the items, each item's answers before its uploads."""
    from onestop.cases.forms import validate_answers  # written by the documents module

    errors: dict[str, list[str]] = {}
    if not items:
        errors["services"] = [_("Choose at least one service.")]
        return errors
    # One query for the missing uploads of every item, not one per item.
    uploads: dict[int, list[EvidenceItem]] = {item.pk: [] for item in items}
    for evidence in EvidenceItem.objects.select_related("evidence_type").filter(
        item__in=items, required=True, status=EvidenceItem.Status.TO_BE_UPLOADED
    ):
        uploads[evidence.item_id].append(evidence)
    for item in items:
        prefix = item.service.identifier
        try:
            validate_answers(item.service, item.answers)
        except InvalidAnswers as exc:
            for key, messages in exc.errors.items():
                errors[f"{prefix}.{key}"] = messages
        for evidence in uploads[item.pk]:
            errors[f"{prefix}.evidence.{evidence.evidence_type.code}"] = [
                _("Upload %(name)s.") % {"name": evidence.evidence_type.name}
            ]
    return errors


def _case_number(tracking: str, index: int) -> str:
    return f"{tracking}-{index}"


def application_submit(*, actor: Actor, application: Application, at: datetime | None = None) -> Application:
    """Submit a complete draft: every required answer given and every required upload present
    (evidence the state fetches does not hold it up), else ``InvalidAnswers`` naming what is
    missing. Creates one Case per service, routed, timed and assigned."""
    now = at or timezone.now()
    _require(actor, application)
    with transaction.atomic():
        # Lock the draft so a double click cannot submit it twice (only the draft's row: the
        # citizen comes along for the notification without being locked).
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("citizen")
            .get(pk=application.pk)
        )
        _require_draft(locked)
        items = list(locked.items.select_related("service"))
        errors = _missing(locked, items)
        if errors:
            raise InvalidAnswers(_("The application is not complete yet."), errors=errors)
        # Drafts have had their number since they were started; one from before that gets it now.
        tracking = locked.tracking_number or _new_tracking_number(now)
        fee = Money.zero(items[0].fee_currency or str(getattr(settings, "ONESTOP_CURRENCY", "KZT")))
        for item in items:
            if item.fee_amount:
                fee = fee + Money(item.fee_amount, item.fee_currency or fee.currency)
        locked.status = Application.Status.SUBMITTED
        locked.tracking_number = tracking
        locked.submitted_at = now
        locked.updated_at = now
        locked.fee_total = fee.amount
        locked.fee_currency = fee.currency
        locked.save(
            update_fields=[
                "status",
                "tracking_number",
                "submitted_at",
                "updated_at",
                "fee_total",
                "fee_currency",
            ]
        )
        # Whether each agency has active webhooks, read once for all the events below.
        hooked = agencies_with_webhooks(item.service.agency_id for item in items)
        cases = []
        for index, item in enumerate(items, start=1):
            statutory, target = case_deadlines(item.service, now)
            case = Case.objects.create(
                application=locked,
                item=item,
                number=_case_number(tracking, index),
                citizen_id=locked.citizen_id,
                service=item.service,
                agency_id=item.service.agency_id,
                submitted_at=now,
                statutory_due_at=statutory,
                target_due_at=target,
                at_risk_at=at_risk_moment(now, statutory),
            )
            case_event_append(
                case=case,
                kind="submitted",
                actor=actor,
                at=now,
                to_status=Case.Status.SUBMITTED,
                data={"channel": locked.channel},
                webhooks=case.agency_id in hooked,
            )
            cases.append(case)
        audit_record(
            actor=actor,
            action="application.submit",
            target=locked,
            before={"status": Application.Status.DRAFT},
            after={"status": locked.status, "tracking_number": tracking, "cases": [c.number for c in cases]},
        )
        citizen = locked.citizen
        notification_queue(
            audience=Notification.Audience.CITIZEN,
            recipient_id=str(citizen.pk),
            template="application.submitted",
            context={"tracking_number": tracking, "cases": [c.number for c in cases]},
            language=citizen.preferred_language,
            subject=locked,
        )
        # Assignment comes last: it makes the agency's other assignments wait until this
        # transaction commits, so nothing else should run after it. In agency order: each agency's
        # lock is held to the commit, so two applications naming the same agencies in opposite
        # orders would otherwise wait for each other (a deadlock PostgreSQL breaks by failing one).
        for case in sorted(cases, key=lambda c: (c.agency_id, c.pk)):
            case_assign_automatically(case=case, at=now, webhooks=case.agency_id in hooked, savepoint=False)
    _take_columns(application, locked)
    return application


def _take_columns(application: Application, row: Application) -> None:
    """Give the caller's ``application`` the columns of ``row`` (the same application as this
    transaction last wrote it): what ``refresh_from_db()`` would read, without the query."""
    for field in Application._meta.concrete_fields:
        value = getattr(row, field.attname)
        # A foreign key that changed would leave the old related object cached.
        if (
            isinstance(field, ForeignKey)
            and getattr(application, field.attname) != value
            and field.is_cached(application)
        ):
            field.delete_cached_value(application)
        setattr(application, field.attname, value)
    # As refresh_from_db(): related lists read before (items, cases) are read again when used.
    application.__dict__.pop("_prefetched_objects_cache", None)


__all__ = [
    "application_add_service",
    "application_fee",
    "application_remove_service",
    "application_save_answers",
    "application_start",
    "application_submit",
    "application_tracking_number",
    "item_fee",
    "may_act_for",
]
