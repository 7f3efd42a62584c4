"""Who works on a case. Cases are assigned automatically and fairly — to the qualified officer of
the agency with the least open work, round-robin among equals, never to someone absent — and
officers cannot pick their own. Only the agency head moves a case to another officer, with a reason
that is kept in the case history and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.errors import IllegalTransition, InvalidAnswers, NotAllowed
from onestop.cases.models import Case, OfficerProfile
from onestop.cases.workflow import OPEN_STATUSES, case_event_append
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.notify.models import Notification
from onestop.notify.services import notification_queue
from onestop.people.models import Role, RoleMembership, User
from onestop.people.scoping import has_role, in_force

ASSIGNER = SystemActor("case-assigner")


def officers_of_agency(agency_id: int, *, today: date | None = None) -> list[User]:
    """Active users holding the officer role in the agency today."""
    ids = RoleMembership.objects.filter(in_force(today), role=Role.OFFICER, agency_id=agency_id).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _is_absent(profile: OfficerProfile | None, today: date) -> bool:
    if profile is None or (profile.absent_from is None and profile.absent_until is None):
        return False
    starts = profile.absent_from or date.min
    ends = profile.absent_until or date.max
    return starts <= today <= ends


def eligible_officers(case: Case, *, today: date) -> list[tuple[User, OfficerProfile | None, int]]:
    """(officer, profile, open cases) for every officer who may take ``case`` today: an officer of
    the case's agency, qualified for its service (a profile with no services means all), present."""
    officers = officers_of_agency(case.agency_id, today=today)
    if not officers:
        return []
    profiles: dict[int, OfficerProfile] = {
        p.officer_id: p for p in OfficerProfile.objects.filter(officer__in=officers)
    }
    through = OfficerProfile.services.through.objects.filter(officerprofile__officer__in=officers)
    restricted = set(through.values_list("officerprofile__officer_id", flat=True))
    qualified = set(
        through.filter(service_id=case.service_id).values_list("officerprofile__officer_id", flat=True)
    )
    loads = dict(
        Case.objects.filter(assignee__in=officers, status__in=OPEN_STATUSES)
        .values_list("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    eligible: list[tuple[User, OfficerProfile | None, int]] = []
    for officer in officers:
        profile = profiles.get(officer.pk)
        if _is_absent(profile, today):
            continue
        if officer.pk in restricted and officer.pk not in qualified:
            continue
        eligible.append((officer, profile, loads.get(officer.pk, 0)))
    return eligible


def _choose(candidates: list[tuple[User, OfficerProfile | None, int]]) -> User:
    # Least open work first; among equals the one assigned longest ago (never assigned: first).
    def key(row: tuple[User, OfficerProfile | None, int]) -> tuple[int, int, datetime, int]:
        officer, profile, load = row
        last = profile.last_assigned_at if profile is not None else None
        return (load, 0 if last is None else 1, last or datetime.min.replace(tzinfo=UTC), officer.pk)

    return min(candidates, key=key)[0]


def _assign(*, case: Case, officer: User, at: datetime) -> None:
    Case.objects.filter(pk=case.pk).update(assignee=officer)
    case.assignee = officer
    OfficerProfile.objects.update_or_create(officer=officer, defaults={"last_assigned_at": at})
    notification_queue(
        audience=Notification.Audience.STAFF,
        recipient_id=str(officer.pk),
        template="case.assigned",
        context={"case": case.number},
        language=officer.preferred_language,
        subject=case,
    )


def case_assign_automatically(*, case: Case, at: datetime | None = None) -> User | None:
    """Assign ``case`` to the fairest choice among the officers who may take it; None (the case
    stays in the agency's unassigned backlog) when nobody can."""
    now = at or timezone.now()
    with transaction.atomic():
        # Serialise assignments within the agency: two cases assigned at once must not both go to
        # the officer who was least busy before either of them.
        list(
            OfficerProfile.objects.select_for_update(of=("self",)).filter(
                officer__memberships__agency=case.agency_id
            )
        )
        candidates = eligible_officers(case, today=timezone.localdate(now))
        if not candidates:
            return None
        officer = _choose(candidates)
        _assign(case=case, officer=officer, at=now)
        case_event_append(
            case=case,
            kind="assigned",
            actor=ASSIGNER,
            at=now,
            data={"assignee": officer.get_username()},
        )
        audit_record(actor=ASSIGNER, action="case.assign", target=case, after={"assignee": officer.pk})
    return officer


def case_reassign(*, actor: Actor, case: Case, to: User, reason: str, at: datetime | None = None) -> Case:
    """Move ``case`` to the officer ``to``. Only the head of the case's agency may, with a reason."""
    now = at or timezone.now()
    reason = (reason or "").strip()
    if not has_role(actor, Role.AGENCY_HEAD, agency=case.agency):
        raise NotAllowed(_("Only the head of the agency may reassign its cases."))
    if not reason:
        raise InvalidAnswers(
            _("Give a reason for the reassignment."), errors={"reason": [_("This field is required.")]}
        )
    if case.status not in OPEN_STATUSES:
        raise IllegalTransition(_("A decided or withdrawn case cannot be reassigned."))
    if not any(o.pk == to.pk for o in officers_of_agency(case.agency_id, today=timezone.localdate(now))):
        raise InvalidAnswers(
            _("The case can only go to an officer of its agency."),
            errors={"to": [_("Not an officer of this agency.")]},
        )
    with transaction.atomic():
        before = case.assignee_id
        _assign(case=case, officer=to, at=now)
        case_event_append(
            case=case,
            kind="reassigned",
            actor=actor,
            at=now,
            reason=reason,
            data={"from": before, "to": to.pk},
        )
        audit_record(
            actor=actor,
            action="case.reassign",
            target=case,
            before={"assignee": before},
            after={"assignee": to.pk},
            reason=reason,
        )
    return case


__all__ = [
    "ASSIGNER",
    "case_assign_automatically",
    "case_reassign",
    "eligible_officers",
    "officers_of_agency",
]
