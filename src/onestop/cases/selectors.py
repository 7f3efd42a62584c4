"""Reads of the back office, every one scoped: officers and heads see their agencies' cases
(:mod:`onestop.people.scoping`), citizens only their own."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.lookups import In
from django.utils.translation import gettext as _
from modeltranslation.translator import translator

from onestop.cases.errors import NotFound
from onestop.cases.models import WORKLIST_ORDER, Case, CaseEvent
from onestop.cases.workflow import OPEN_STATUSES
from onestop.catalog.models import Agency, Service
from onestop.people.models import Citizen, RoleMembership, User
from onestop.people.scoping import agency_ids_visible_to, scope_to_agencies

#: What a list of cases shows, fetched with it so a page costs one query.
LIST_RELATED = ("service", "agency", "assignee", "citizen", "application")
#: What the worklist shows (office/_case_table.html: service name, applicant's initials); the
#: assignee is the officer, set on every row without a join (see :func:`worklist`).
WORKLIST_RELATED = ("service", "citizen")


@cache
def worklist_fields() -> tuple[str, ...]:
    """The columns a worklist row loads: what office/_case_table.html and the deadline in words
    read. The rest (the service's descriptions in four languages, the citizen's contact details,
    audit columns) stays in the database: a page of 50 converts a third of the values it did.
    The service name is read in the active language with English as the fallback, so every
    translation column of it comes along."""
    service_names = sorted(f.name for f in translator.get_options_for_model(Service).all_fields["name"])
    return (
        *("number", "status", "sla_state", "submitted_at", "statutory_due_at", "clock_stopped_at"),
        *("assignee", "service", "citizen"),
        *(f"service__{name}" for name in ("name", *service_names, "statutory_time_unit")),
        *("citizen__given_name", "citizen__family_name"),
    )


class InArray(In):
    """``column IN (subquery)``, written ``column = ANY(ARRAY(subquery))`` on PostgreSQL.

    Same rows, different plan: PostgreSQL turns ``IN (subquery)`` into a semi-join and, not knowing
    that an officer's cases all belong to the officer's agency, estimates that the join keeps one
    row per agency in the table; believing the officer has a handful of open cases, it fetches all
    of them (thousands, in fact) and sorts them for a page of 50.
    ``= ANY(ARRAY(…))`` runs the subquery once (an InitPlan) and checks each row against its
    result, so the planner walks ``case_worklist_open_idx`` in order and stops after 50 rows.
    """

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", [*lhs_params, *rhs_params]


def worklist(
    officer: Any,
    *,
    status: str | None = None,
    sla_state: str | None = None,
    service: Service | int | None = None,
    query: str = "",
) -> QuerySet[Case]:
    """The officer's open cases, most urgent first: breached, then at risk, then the earliest
    statutory deadline (:data:`~onestop.cases.models.WORKLIST_ORDER`).

    On PostgreSQL a page is read from ``case_worklist_open_idx`` in that order. Each row's
    ``assignee`` is ``officer`` itself (no join, no query), its service and citizen come with it;
    only :func:`worklist_fields` are loaded (another field costs a query per row: add it there).
    """
    if not isinstance(officer, User) or officer.pk is None:
        return Case.objects.none()
    statuses = [status] if status else sorted(OPEN_STATUSES)
    # Through the reverse relation, so Django sets ``case.assignee`` to ``officer`` on every row.
    qs = officer.assigned_cases.filter(status__in=statuses)
    # An officer who lost the agency role keeps no access to cases still assigned to them. One plain
    # query says whether that leaves anything (a national role sees every agency); the filter itself
    # is then a subquery of the officer's memberships, written = ANY(ARRAY(…)) on PostgreSQL (see
    # InArray): a list of constants instead makes the planner expect a handful of rows and sort all
    # of the officer's open cases, where the subquery lets it walk case_worklist_open_idx and stop
    # after a page.
    agencies = agency_ids_visible_to(officer)
    if agencies is not None:
        if not agencies:
            return Case.objects.none()
        # The agencies just checked (memberships in force), as the subquery the planner needs.
        memberships = (
            RoleMembership.objects.filter(user_id=officer.pk, agency_id__in=sorted(agencies))
            .order_by()
            .values("agency_id")
        )
        qs = qs.filter(InArray(F("agency"), memberships))
    if sla_state:
        qs = qs.filter(sla_state=sla_state)
    if service is not None:
        qs = qs.filter(service=service)
    if query.strip():
        text = query.strip()
        qs = qs.filter(
            Q(number__icontains=text) | Q(citizen__national_id=text) | Q(citizen__family_name__icontains=text)
        )
    return qs.select_related(*WORKLIST_RELATED).only(*worklist_fields()).order_by(*WORKLIST_ORDER)


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
