"""Who works on a case. Cases are assigned automatically and fairly — to the qualified officer of
the agency with the least open work, round-robin among equals, never to someone absent — and
officers cannot pick their own. Only the agency head moves a case to another officer, with a reason
that is kept in the case history and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.errors import IllegalTransition, InvalidAnswers, NotAllowed
from onestop.cases.models import Case, OfficerProfile, Webhook
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


def _restrictions(officers: list[User], service_id: int) -> tuple[set[int], set[int]]:
    """(officers limited to some services, those of them qualified for ``service_id``), in one
    query: an officer whose profile lists no services may handle all of the agency's."""
    rows = OfficerProfile.services.through.objects.filter(officerprofile__officer__in=officers).values_list(
        "officerprofile__officer_id", "service_id"
    )
    restricted: set[int] = set()
    qualified: set[int] = set()
    for officer_id, service in rows:
        restricted.add(officer_id)
        if service == service_id:
            qualified.add(officer_id)
    return restricted, qualified


def _open_loads(officers: list[User]) -> dict[int, int]:
    """Open cases per officer."""
    # COUNT(*), not COUNT(id): every column the query reads is in case_worklist_idx (assignee,
    # status, …), so PostgreSQL answers with an index-only scan instead of visiting one heap page
    # per open case of the agency (270 ms → 10 ms for 25,000 open cases among 1M, once the table
    # is vacuumed). It runs while the agency's assignments are serialised, so its cost caps how
    # many cases per second the agency can receive.
    return dict(
        Case.objects.filter(assignee__in=[o.pk for o in officers], status__in=OPEN_STATUSES)
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("*"))
        .values_list("assignee_id", "n")
    )


def _eligible(
    officers: list[User],
    profiles: dict[int, OfficerProfile],
    restrictions: tuple[set[int], set[int]],
    loads: dict[int, int],
    today: date,
) -> list[tuple[User, OfficerProfile | None, int]]:
    restricted, qualified = restrictions
    eligible: list[tuple[User, OfficerProfile | None, int]] = []
    for officer in officers:
        profile = profiles.get(officer.pk)
        if _is_absent(profile, today):
            continue
        if officer.pk in restricted and officer.pk not in qualified:
            continue
        eligible.append((officer, profile, loads.get(officer.pk, 0)))
    return eligible


def eligible_officers(case: Case, *, today: date) -> list[tuple[User, OfficerProfile | None, int]]:
    """(officer, profile, open cases) for every officer who may take ``case`` today: an officer of
    the case's agency, qualified for its service (a profile with no services means all), present."""
    officers = officers_of_agency(case.agency_id, today=today)
    if not officers:
        return []
    profiles = {p.officer_id: p for p in OfficerProfile.objects.filter(officer__in=officers)}
    return _eligible(
        officers, profiles, _restrictions(officers, case.service_id), _open_loads(officers), today
    )


def _choose(candidates: list[tuple[User, OfficerProfile | None, int]]) -> User:
    # Least open work first; among equals the one assigned longest ago (never assigned: first).
    def key(row: tuple[User, OfficerProfile | None, int]) -> tuple[int, int, datetime, int]:
        officer, profile, load = row
        last = profile.last_assigned_at if profile is not None else None
        return (load, 0 if last is None else 1, last or datetime.min.replace(tzinfo=UTC), officer.pk)

    return min(candidates, key=key)[0]


def _assign(*, case: Case, officer: User, at: datetime, profile: OfficerProfile | None = None) -> None:
    """Give ``case`` to ``officer`` and move their round-robin mark. ``profile``: the officer's
    profile row when the caller already holds it locked (it is then updated without reading it
    again); without it the profile is read, or created for an officer who has none yet."""
    Case.objects.filter(pk=case.pk).update(assignee=officer)
    case.assignee = officer
    if profile is not None and OfficerProfile.objects.filter(pk=profile.pk).update(last_assigned_at=at):
        profile.last_assigned_at = at
    else:
        OfficerProfile.objects.update_or_create(officer=officer, defaults={"last_assigned_at": at})
    notification_queue(
        audience=Notification.Audience.STAFF,
        recipient_id=str(officer.pk),
        template="case.assigned",
        context={"case": case.number},
        language=officer.preferred_language,
        subject=case,
    )


def agencies_with_webhooks(agency_ids: Iterable[int]) -> set[int]:
    """The agencies among ``agency_ids`` with at least one active webhook: read once, before the
    assignment lock, instead of once per case event inside it."""
    return set(
        Webhook.objects.filter(agency_id__in=set(agency_ids), is_active=True).values_list(
            "agency_id", flat=True
        )
    )


def case_assign_automatically(
    *, case: Case, at: datetime | None = None, webhooks: bool | None = None, savepoint: bool = True
) -> User | None:
    """Assign ``case`` to the fairest choice among the officers who may take it; None (the case
    stays in the agency's unassigned backlog) when nobody can.

    The agency's assignments are serialised until the surrounding transaction commits, so a caller
    that assigns inside a larger transaction should do it last. ``webhooks``: whether the agency
    has an active webhook, when the caller has read it already (:func:`agencies_with_webhooks`).
    ``savepoint=False`` for a caller whose transaction is all or nothing anyway (an error here rolls
    it back whole, as with the savepoint), which saves two round trips while the agency waits."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic(savepoint=savepoint):
        # Who may take the case does not change with assignments, so it is read before the lock
        # below (which the memberships, the service lists and the webhooks were never under): the
        # agency's assignments wait for each other only for the load count and the writes.
        officers = officers_of_agency(case.agency_id, today=today)
        if not officers:
            return None
        restrictions = _restrictions(officers, case.service_id)
        if webhooks is None:
            webhooks = bool(agencies_with_webhooks([case.agency_id]))
        # Serialise assignments within the agency: two cases assigned at once must not both go to
        # the officer who was least busy before either of them. The locked rows are the profiles
        # themselves, read after every earlier assignment committed: absences and round-robin
        # marks come from them, and the chosen officer's mark is written without reading it again.
        # In id order: PostgreSQL locks the rows in the order it returns them, and without one
        # the order follows the table's physical layout, which every assignment changes (it
        # updates a profile). Two assigners taking the same rows in different orders deadlocked
        # (seen under the benchmark's 4 threads); in one order, the second simply waits.
        locked = (
            OfficerProfile.objects.select_for_update(of=("self",))
            .filter(officer__memberships__agency=case.agency_id)
            .order_by("pk")
        )
        profiles = {p.officer_id: p for p in locked}
        candidates = _eligible(officers, profiles, restrictions, _open_loads(officers), today)
        if not candidates:
            return None
        officer = _choose(candidates)
        _assign(case=case, officer=officer, at=now, profile=profiles.get(officer.pk))
        case_event_append(
            case=case,
            kind="assigned",
            actor=ASSIGNER,
            at=now,
            data={"assignee": officer.get_username()},
            webhooks=webhooks,
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
    "agencies_with_webhooks",
    "case_assign_automatically",
    "case_reassign",
    "eligible_officers",
    "officers_of_agency",
]
