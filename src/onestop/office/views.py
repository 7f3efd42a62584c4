"""The back office at ``/office/``: an officer's worklist, the case page with its actions, and the
agency head's backlog with reassignment.

Only officers and agency heads get in (403 for everyone else), and only to cases of their agencies
(404 for a case elsewhere: its number says nothing to outsiders). Officers act only on the cases
assigned to them — they cannot pick cases — and the agency head reassigns, with a reason. Every
action is a plain POST form that redirects back to the case page (POST-redirect-GET), so it works
without JavaScript. Writes go through onestop.cases.services; a refusal from the workflow (someone
else already decided, the case moved on) is shown on the page with its HTTP status, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from onestop.cases import selectors, workflow
from onestop.cases import services as case_services
from onestop.cases.errors import CaseError
from onestop.cases.models import Case, CaseEvent, Document, EvidenceItem, OutputDocument
from onestop.catalog.models import Agency, Service, ServiceFormField
from onestop.exchange.selectors import fetched_records
from onestop.office.deadlines import Deadline, describe_deadline
from onestop.office.forms import (
    OPEN_STATUSES,
    ApproveForm,
    ReassignForm,
    RejectForm,
    RequestInformationForm,
    WorklistFilterForm,
)
from onestop.people.models import Role, RoleMembership, User
from onestop.people.scoping import agencies_visible_to, has_role, in_force, scope_to_agencies

PAGE_SIZE = 25
LIST_LIMIT = 50
S = Case.Status


def _staff(request: HttpRequest) -> User:
    """The signed-in user if they are an officer or agency head today; 403 for everyone else."""
    user = request.user
    if not isinstance(user, User) or not (has_role(user, Role.OFFICER) or has_role(user, Role.AGENCY_HEAD)):
        raise PermissionDenied(_("Only back-office officers and agency heads use the back office."))
    return user


def _is_head(user: User, agency: Agency) -> bool:
    return has_role(user, Role.AGENCY_HEAD, agency=agency)


def _case(user: User, number: str) -> Case:
    """The case with this number if it belongs to one of the user's agencies; 404 otherwise."""
    cases = Case.objects.select_related(
        "service", "agency", "citizen", "assignee", "application", "item"
    ).filter(number=number)
    case = scope_to_agencies(cases, user).first()
    if case is None:
        raise Http404(_("No such case in your agencies."))
    return case


def _crumbs(*trail: tuple[str, str]) -> list[dict[str, str]]:
    """Breadcrumbs from the staff home page; the last one (without a URL) is the current page."""
    crumbs = [{"label": _("Your work"), "url": reverse("people:home")}]
    crumbs.extend({"label": label, "url": url} for label, url in trail)
    return crumbs


def _deadline(case: Case, due_at: datetime | None, now: datetime) -> Deadline | None:
    if due_at is None:
        return None
    return describe_deadline(
        due_at, now=now, unit=case.service.statutory_time_unit, clock_stopped_at=case.clock_stopped_at
    )


@dataclass(frozen=True)
class Row:
    """One case as a list shows it."""

    case: Case
    deadline: Deadline | None


def _rows(cases: Any, now: datetime) -> list[Row]:
    return [Row(case=case, deadline=_deadline(case, case.statutory_due_at, now)) for case in cases]


# --- worklist --------------------------------------------------------------------------------------


@require_safe
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """The officer's assigned cases, most urgent first, with filters as a GET form."""
    user = _staff(request)
    services = Service.objects.filter(agency__in=agencies_visible_to(user)).order_by("name")
    form = WorklistFilterForm(request.GET or None, services=services)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {
            "status": form.cleaned_data["status"] or None,
            "sla_state": form.cleaned_data["sla"] or None,
            "service": form.cleaned_data["service"],
            "query": form.cleaned_data["q"].strip(),
        }
    # Most urgent first (breached, at risk, then by statutory deadline): the selector's order, which
    # is the order its index is built on (cases.models.WORKLIST_ORDER).
    cases = selectors.worklist(user, **filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": _rows(page.object_list, timezone.now()),
        "querystring": query.urlencode(),
        "filtered": any(value for value in filters.values()),
        "is_head": has_role(user, Role.AGENCY_HEAD),
        "crumbs": _crumbs((_("Your cases"), "")),
    }
    template = "office/_worklist_results.html" if getattr(request, "htmx", False) else "office/worklist.html"
    return render(request, template, context, status=400 if form.errors else 200)


# --- case page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    label: str
    value: str


def _localized(label: Any) -> str:
    """A choice label stored as {"en": …, "ru": …} in the active language, else English."""
    if isinstance(label, dict):
        language = (get_language() or "en").split("-")[0]
        return str(label.get(language) or label.get("en") or next(iter(label.values()), ""))
    return str(label)


def _answers(case: Case) -> list[Answer]:
    """The answers of the application with the labels of the service's form, in form order; answers
    to fields since removed from the form are still shown, under their key."""
    stored: dict[str, Any] = dict(case.item.answers or {})
    answers: list[Answer] = []
    for field in ServiceFormField.objects.filter(service=case.service).order_by("position", "id"):
        if field.key not in stored:
            answers.append(Answer(field.label, ""))
            continue
        value = stored.pop(field.key)
        choice_labels = {
            str(choice.get("value")): _localized(choice.get("label", choice.get("value")))
            for choice in (field.choices or [])
            if isinstance(choice, dict)
        }
        if field.kind == ServiceFormField.Kind.YES_NO:
            text = _("Yes") if value in (True, "true", "yes", "1") else _("No")
        elif isinstance(value, list):
            text = ", ".join(choice_labels.get(str(v), str(v)) for v in value)
        else:
            text = choice_labels.get(str(value), "" if value is None else str(value))
        answers.append(Answer(field.label, text))
    answers.extend(Answer(key, str(value)) for key, value in stored.items())
    return answers


def _event_label(event: CaseEvent) -> str:
    """What happened, in words: the status a transition led to, else the event kind."""
    if event.to_status and event.to_status in Case.Status.values:
        return str(Case.Status(event.to_status).label)
    labels = {
        "assigned": _("Assigned"),
        "reassigned": _("Reassigned"),
        "sla_at_risk": _("Deadline at risk"),
        "sla_breached": _("Deadline passed"),
        "evidence_fetched": _("Evidence fetched from a registry"),
        "evidence_not_held": _("The registry holds no record: the citizen uploads it"),
        "evidence_fetch_refused": _("The registry refused to provide evidence"),
    }
    return str(labels.get(event.kind, event.kind.replace("_", " ").capitalize()))


def _url_or_empty(name: str, *args: Any) -> str:
    """The URL of a download served by the cases app, or "" if that route is not there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _officers(agency: Agency) -> QuerySet[User]:
    """The officers of ``agency`` today, to reassign a case to."""
    memberships = RoleMembership.objects.filter(in_force(), role=Role.OFFICER, agency=agency)
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def _case_context(
    request: HttpRequest,
    user: User,
    case: Case,
    *,
    bound: dict[str, forms.Form] | None = None,
    error: str = "",
) -> dict[str, Any]:
    bound = bound or {}
    now = timezone.now()
    is_assignee = case.assignee_id == user.pk
    can_handle = case_services.may_handle(user, case)
    is_head = _is_head(user, case.agency)
    evidence = list(
        EvidenceItem.objects.filter(item_id=case.item_id).select_related("evidence_type", "document")
    )
    evidence_doc_ids = {item.document_id for item in evidence if item.document_id}
    documents = list(
        Document.objects.filter(Q(case=case) | Q(pk__in=evidence_doc_ids))
        .exclude(source=Document.Source.OUTPUT)
        .select_related("evidence_type")
        .order_by("uploaded_at", "id")
    )
    records = fetched_records(
        item.document
        for item in evidence
        if item.document is not None and item.document.source == Document.Source.REGISTRY
    )
    output = OutputDocument.objects.filter(case=case).first()
    decision = getattr(case, "decision", None) if case.status not in (S.SUBMITTED, S.IN_REVIEW) else None
    status = case.status
    actions = {
        "start_review": status in (S.SUBMITTED, S.RESUBMITTED),
        "request_information": status == S.IN_REVIEW,
        "decide": status == S.IN_REVIEW,
        "issue_result": status in (S.APPROVED, S.REJECTED) and output is None,
        "close": status == S.RESULT_ISSUED,
    }
    context: dict[str, Any] = {
        "crumbs": _crumbs(
            (_("Your cases"), reverse("office:worklist")),
            (_("Case %(number)s") % {"number": case.number}, ""),
        ),
        "case": case,
        "service": case.service,
        "application": case.application,
        "answers": _answers(case),
        "evidence": [(item, records.get(item.document_id)) for item in evidence],
        "evidence_pending": status in workflow.OPEN_STATUSES
        and any(item.status == EvidenceItem.Status.TO_BE_FETCHED for item in evidence),
        "documents": [(document, _url_or_empty("cases:document", document.pk)) for document in documents],
        "information_requests": list(case.information_requests.select_related("requested_by")),
        "events": [(event, _event_label(event)) for event in selectors.case_timeline(case)],
        "decision": decision,
        "decision_reasons": list(decision.reason_codes.all()) if decision is not None else [],
        "output": output,
        "output_url": _url_or_empty("cases:output", output.pk) if output else "",
        "verify_url": _url_or_empty("cases:verify", output.verification_code) if output else "",
        "statutory": _deadline(case, case.statutory_due_at, now),
        "target": _deadline(case, case.target_due_at, now),
        "clock_stopped": case.clock_stopped_at is not None,
        "is_assignee": is_assignee,
        "is_head": is_head,
        "can_handle": can_handle,
        "can_act": can_handle and any(actions.values()),
        "actions": actions if can_handle else dict.fromkeys(actions, False),
        "error": error,
        "bound_forms": [form for form in bound.values() if form.errors],
        "request_form": bound.get("request") or RequestInformationForm(prefix="request"),
        "approve_form": bound.get("approve") or ApproveForm(prefix="approve"),
        "reject_form": bound.get("reject") or RejectForm(prefix="reject"),
    }
    if is_head and status in workflow.OPEN_STATUSES:
        officers = _officers(case.agency)
        if case.assignee_id is not None:
            officers = officers.exclude(pk=case.assignee_id)
        context["reassign_form"] = bound.get("reassign") or ReassignForm(prefix="reassign", officers=officers)
    return context


def _render_case(
    request: HttpRequest,
    user: User,
    case: Case,
    *,
    status: int = 200,
    bound: dict[str, forms.Form] | None = None,
    error: str = "",
) -> HttpResponse:
    context = _case_context(request, user, case, bound=bound, error=error)
    return render(request, "office/case.html", context, status=status)


@require_safe
@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    return _render_case(request, user, _case(user, number))


def _perform(
    request: HttpRequest, user: User, case: Case, action: Callable[[], object], *, done: str
) -> HttpResponse:
    """Run a service call for the assigned officer (or the agency head); a refusal is shown on the
    case page with its status."""
    if not case_services.may_handle(user, case):
        return _render_case(
            request,
            user,
            case,
            status=403,
            error=_("Only the officer the case is assigned to can act on it."),
        )
    try:
        action()
    except CaseError as exc:
        fresh = _case(user, case.number)  # show the case as it is now, e.g. decided by someone else
        return _render_case(request, user, fresh, status=exc.status, error=exc.message)
    messages.success(request, done)
    return redirect("office:case", number=case.number)


def _invalid(request: HttpRequest, user: User, case: Case, name: str, form: forms.Form) -> HttpResponse:
    return _render_case(request, user, case, status=400, bound={name: form})


@require_POST
@login_required
def start_review(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    case = _case(user, number)
    return _perform(
        request,
        user,
        case,
        lambda: case_services.case_start_review(actor=user, case=case),
        done=_("You started the review."),
    )


def _perform_form(
    request: HttpRequest,
    number: str,
    form_class: type[forms.Form],
    prefix: str,
    call: Callable[[User, Case, dict[str, Any]], object],
    *,
    done: str,
) -> HttpResponse:
    """A form-backed action (the form's ``prefix`` names it on the case page): input that does not
    validate is shown there with its field errors (400), nothing lost; the rest as :func:`_perform`."""
    user = _staff(request)
    case = _case(user, number)
    form = form_class(request.POST, prefix=prefix)
    if case_services.may_handle(user, case) and not form.is_valid():
        return _invalid(request, user, case, prefix, form)
    data = form.cleaned_data if form.is_valid() else {}
    return _perform(request, user, case, lambda: call(user, case, data), done=done)


def _decision(data: dict[str, Any]) -> dict[str, Any]:
    return {"reason_codes": list(data.get("reason_codes", [])), "note": data.get("note", "")}


@require_POST
@login_required
def request_information(request: HttpRequest, number: str) -> HttpResponse:
    return _perform_form(
        request,
        number,
        RequestInformationForm,
        "request",
        lambda user, case, data: case_services.case_request_information(
            actor=user, case=case, message=data.get("message", "")
        ),
        done=_("The applicant has been asked for information. The deadline clock is stopped."),
    )


@require_POST
@login_required
def approve(request: HttpRequest, number: str) -> HttpResponse:
    return _perform_form(
        request,
        number,
        ApproveForm,
        "approve",
        lambda user, case, data: case_services.case_approve(actor=user, case=case, **_decision(data)),
        done=_("The case is approved. Issue the result next."),
    )


@require_POST
@login_required
def reject(request: HttpRequest, number: str) -> HttpResponse:
    return _perform_form(
        request,
        number,
        RejectForm,
        "reject",
        lambda user, case, data: case_services.case_reject(actor=user, case=case, **_decision(data)),
        done=_("The case is rejected. Issue the result next."),
    )


@require_POST
@login_required
def fetch_evidence(request: HttpRequest, number: str) -> HttpResponse:
    """Ask the registries again for the case's evidence that is still to be fetched: after an
    administrator fixed the directory (a refused call is not retried on its own) or to skip the
    wait of a back-off."""
    user = _staff(request)
    case = _case(user, number)
    return _perform(
        request,
        user,
        case,
        lambda: case_services.application_fetch_evidence(application=case.application, actor=user),
        done=_("The registries were asked again. The evidence below shows what they answered."),
    )


@require_POST
@login_required
def issue_result(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    case = _case(user, number)
    return _perform(
        request,
        user,
        case,
        lambda: case_services.case_issue_result(actor=user, case=case),
        done=_("The result is issued."),
    )


@require_POST
@login_required
def close(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    case = _case(user, number)
    return _perform(
        request,
        user,
        case,
        lambda: case_services.case_close(actor=user, case=case),
        done=_("The case is closed."),
    )


@require_POST
@login_required
def reassign(request: HttpRequest, number: str) -> HttpResponse:
    """The agency head hands the case to another officer of the agency, with a reason."""
    user = _staff(request)
    case = _case(user, number)
    if not _is_head(user, case.agency):
        return _render_case(
            request, user, case, status=403, error=_("Only the head of the agency can reassign a case.")
        )
    form = ReassignForm(request.POST, prefix="reassign", officers=_officers(case.agency))
    if not form.is_valid():
        return _invalid(request, user, case, "reassign", form)
    to: User = form.cleaned_data["to"]
    try:
        case_services.case_reassign(actor=user, case=case, to=to, reason=form.cleaned_data["reason"])
    except CaseError as exc:
        return _render_case(request, user, _case(user, number), status=exc.status, error=exc.message)
    messages.success(
        request,
        _("The case is now assigned to %(name)s.") % {"name": to.get_full_name() or to.get_username()},
    )
    return redirect("office:case", number=case.number)


# --- agency head -----------------------------------------------------------------------------------


def _headed_agencies(user: User) -> QuerySet[Agency]:
    memberships = RoleMembership.objects.filter(in_force(), user=user, role=Role.AGENCY_HEAD)
    return Agency.objects.filter(pk__in=memberships.values("agency_id")).order_by("name")


@require_safe
@login_required
def agency(request: HttpRequest) -> HttpResponse:
    """The agency head's backlog: open cases by status and deadline state, at risk, breached, and
    cases no officer could be assigned to."""
    user = _staff(request)
    agencies = list(_headed_agencies(user))
    if not agencies:
        raise PermissionDenied(_("Only agency heads see the agency backlog."))
    chosen = next((a for a in agencies if a.code == request.GET.get("agency")), agencies[0])
    active = Case.objects.filter(agency=chosen, status__in=OPEN_STATUSES)
    counts = {
        (row["status"], row["sla_state"]): row["n"]
        for row in active.values("status", "sla_state").annotate(n=Count("id")).order_by()
    }
    sla_states = list(Case.SlaState.choices)
    table = [
        {
            "status": label,
            "cells": [counts.get((value, sla), 0) for sla, _label in sla_states],
            "total": sum(counts.get((value, sla), 0) for sla, _label in sla_states),
        }
        for value, label in Case.Status.choices
        if value in OPEN_STATUSES
    ]
    totals = [sum(counts.get((s, sla), 0) for s in OPEN_STATUSES) for sla, _label in sla_states]
    listed = active.select_related("service", "citizen", "assignee").order_by("statutory_due_at", "id")
    now = timezone.now()
    context = {
        "agencies": agencies,
        "agency": chosen,
        "sla_states": sla_states,
        "table": table,
        "totals": totals,
        "total": sum(totals),
        "breached": _rows(listed.filter(sla_state=Case.SlaState.BREACHED)[:LIST_LIMIT], now),
        "at_risk": _rows(listed.filter(sla_state=Case.SlaState.AT_RISK)[:LIST_LIMIT], now),
        "unassigned": _rows(listed.filter(assignee__isnull=True)[:LIST_LIMIT], now),
        "list_limit": LIST_LIMIT,
        "crumbs": _crumbs((_("Agency backlog"), "")),
    }
    return render(request, "office/agency.html", context)
