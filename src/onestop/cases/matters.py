"""Purpose binding for the data exchange: which open application or case an ``X-Road-Issue`` names.

The exchange sits below the back office, so it asks the resolver registered here
(:func:`resolve_matter`, plugged in by ``CasesConfig.ready()``) whether a call that claims a purpose
needing an open matter really names one of the person whose data it asks for, and which agencies
handle it (only those may call for it).

What counts as *open*:

* an **application** named by its tracking number: a draft (the citizen or an operator is filling
  it in and the state fetches its evidence now), or a submitted application with at least one case
  that is not final. The agencies are those of its services while it is a draft, and those of its
  non-final cases once submitted: an agency whose case is over has no more reason to look.
* a **case** named by its number while it is not final (neither closed nor withdrawn). A decided
  case whose result is not issued yet is still open: issuing the certificate may need the registry.
"""

from __future__ import annotations

from onestop.cases.models import Application, ApplicationItem, Case
from onestop.cases.workflow import FINAL_STATUSES
from onestop.exchange.purposes import Matter

_FINAL = sorted(FINAL_STATUSES)


def _application_matter(issue: str, subject: str) -> Matter | None:
    # One query on the unique tracking number: per item of the application, the application's
    # status, the agency of its service and its case's status (no case while a draft).
    rows = list(
        ApplicationItem.objects.filter(
            application__tracking_number=issue, application__citizen__national_id=subject
        )
        .order_by()
        .values_list("application__status", "service__agency__code", "case__status")
    )
    if not rows:
        return None
    if rows[0][0] == Application.Status.DRAFT:
        agencies = {agency for _status, agency, _case in rows}
    else:
        agencies = {agency for _status, agency, case in rows if case is not None and case not in _FINAL}
    if not agencies:
        return None
    return Matter(kind="application", reference=issue, subject=subject, agency_codes=frozenset(agencies))


def _case_matter(issue: str, subject: str) -> Matter | None:
    # One query on the unique case number.
    agency = (
        Case.objects.filter(number=issue, citizen__national_id=subject)
        .exclude(status__in=_FINAL)
        .order_by()
        .values_list("agency__code", flat=True)
        .first()
    )
    if agency is None:
        return None
    return Matter(kind="case", reference=issue, subject=subject, agency_codes=frozenset({agency}))


def resolve_matter(issue: str, subject: str) -> Matter | None:
    """The open application or case ``issue`` names (tracking or case number) whose citizen has
    the national ID ``subject``; None if there is none. At most two indexed queries."""
    if not issue or not subject:
        return None
    return _application_matter(issue, subject) or _case_matter(issue, subject)


__all__ = ["resolve_matter"]
