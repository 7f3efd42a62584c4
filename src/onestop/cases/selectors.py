"""Reads of the back office, every one scoped: officers and heads see their agencies' cases
(:mod:`onestop.people.scoping`), citizens only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.cases.errors import NotFound
from onestop.cases.models import Case, CaseEvent
from onestop.cases.workflow import OPEN_STATUSES
from onestop.catalog.models import Agency, Service
from onestop.people.models import Citizen
from onestop.people.scoping import scope_to_agencies

#: What a list of cases shows, fetched with it so a page costs one query.
LIST_RELATED = ("service", "agency", "assignee", "citizen", "application")


def worklist(
    officer: Any,
    *,
    status: str | None = None,
    sla_state: str | None = None,
    service: Service | int | None = None,
    query: str = "",
) -> QuerySet[Case]:
    """The officer's open cases, most urgent first (earliest statutory deadline; a breached or at
    risk case is always also the earliest due). Uses ``case_worklist_idx`` (assignee, status,
    statutory_due_at)."""
    if officer is None or getattr(officer, "pk", None) is None:
        return Case.objects.none()
    statuses = [status] if status else sorted(OPEN_STATUSES)
    qs = Case.objects.filter(assignee_id=officer.pk, status__in=statuses)
    # An officer who lost the agency role keeps no access to cases still assigned to them.
    qs = scope_to_agencies(qs, officer)
    if sla_state:
        qs = qs.filter(sla_state=sla_state)
    if service is not None:
        qs = qs.filter(service=service)
    if query.strip():
        text = query.strip()
        qs = qs.filter(
            Q(number__icontains=text) | Q(citizen__national_id=text) | Q(citizen__family_name__icontains=text)
        )
    return qs.select_related(*LIST_RELATED).order_by("statutory_due_at", "pk")


def agency_backlog(agency: Agency | int, *, status: str | None = None) -> QuerySet[Case]:
    """An agency's open cases, unassigned and assigned, earliest deadline first (``case_agency_idx``).
    The caller checks that the user may see the agency."""
    statuses = [status] if status else sorted(OPEN_STATUSES)
    return (
        Case.objects.filter(agency=agency, status__in=statuses)
        .select_related(*LIST_RELATED)
        .order_by("statutory_due_at", "pk")
    )


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Every case ``user`` may see: staff by agency, a citizen their own."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    staff = scope_to_agencies(Case.objects.all(), user)
    own = Case.objects.filter(citizen__user_id=user.pk)
    return Case.objects.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=own.values("pk")))


def cases_of_citizen(citizen: Citizen) -> QuerySet[Case]:
    """A citizen's cases, newest first (``case_citizen_idx``)."""
    return (
        Case.objects.filter(citizen=citizen)
        .select_related("service", "agency", "application")
        .order_by("-submitted_at", "-pk")
    )


def case_for_officer(user: Any, pk: int | str) -> Case:
    """One case the staff member may see, or ``NotFound`` (also for cases of other agencies: their
    existence is not revealed)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("No such case.")) from None
    qs = scope_to_agencies(Case.objects.filter(pk=key), user)
    case = qs.select_related(*LIST_RELATED).first()
    if case is None or user is None or not getattr(user, "is_authenticated", False):
        raise NotFound(_("No such case."))
    return case


def case_for_citizen(user: Any, pk: int | str) -> Case:
    """One of the signed-in citizen's own cases, or ``NotFound``."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("No such case.")) from None
    if user is None or getattr(user, "pk", None) is None:
        raise NotFound(_("No such case."))
    case = Case.objects.filter(pk=key, citizen__user_id=user.pk).select_related(*LIST_RELATED).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's history, oldest first."""
    return CaseEvent.objects.filter(case=case).order_by("at", "pk")


__all__ = [
    "agency_backlog",
    "case_for_citizen",
    "case_for_officer",
    "case_timeline",
    "cases_of_citizen",
    "cases_visible_to",
    "worklist",
]
