"""Applying for services and following them: the online application and "My applications".

One application may bundle several services. Its pages, one thing per page: choose the services →
one form per service → the documents of that service (what the state fetches, what you upload) →
check your answers with the fee → confirmation with the tracking number and a receipt PDF. Every
step is stored at once in the draft application (a database row, not the session), so a closed
browser loses nothing: "My applications" resumes the draft where it stopped.

The same pages serve a counter operator who started an application for the visitor at their counter
(``/desk/``): the application is then a counter application of the operator's centre, the operator
is the actor, and the pages lead back to the console.

"My applications" lists each application with its cases; a case page shows the status timeline in
plain words with the dates, lets the citizen answer an information request (text and a document),
download the result and withdraw before a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from onestop.cases.documents import document_store
from onestop.cases.errors import CaseError, InvalidAnswers, UploadRejected
from onestop.cases.forms import build_service_form
from onestop.cases.models import Application, ApplicationItem, Case, CaseEvent, Document, EvidenceItem
from onestop.cases.outputs import render_receipt_pdf
from onestop.cases.services import applications as application_services
from onestop.cases.services import cases as case_services
from onestop.exchange.selectors import FetchedRecord, fetched_records
from onestop.people.models import Citizen, Role, User
from onestop.people.scoping import has_role
from onestop.portal.citizen_auth import citizen_of
from onestop.portal.forms_applications import (
    EvidenceUploadForm,
    InformationAnswerForm,
    ServiceChoiceForm,
    WithdrawForm,
)

GET_POST = ["GET", "HEAD", "POST"]
OPEN_STATUSES = {
    Case.Status.SUBMITTED,
    Case.Status.IN_REVIEW,
    Case.Status.INFORMATION_REQUESTED,
    Case.Status.RESUBMITTED,
}


# --- Who is asking ----------------------------------------------------------------------------


def _sign_in_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('portal:sign_in')}?{urlencode({'next': request.get_full_path()})}")


def citizen_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """The view runs for a signed-in citizen (``request.citizen``); anyone else is sent to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        citizen = citizen_of(request.user)
        if citizen is None:
            return _sign_in_redirect(request)
        return view(request, citizen, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class Applicant:
    """Who works on an application: the citizen online, or an operator at the counter."""

    actor: User
    citizen: Citizen
    at_counter: bool


def _application_for(request: HttpRequest, pk: int) -> tuple[Application, Applicant] | HttpResponse:
    """The draft or submitted application ``pk`` if the requester may work on it; otherwise a
    redirect to sign in, or 404 (someone else's application does not exist for you)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return _sign_in_redirect(request)
    application = get_object_or_404(Application.objects.select_related("citizen", "centre"), pk=pk)
    citizen = citizen_of(user)
    if (
        application.channel == Application.Channel.ONLINE
        and citizen is not None
        and application.citizen_id == citizen.pk
    ):
        return application, Applicant(actor=user, citizen=application.citizen, at_counter=False)
    if (
        application.channel == Application.Channel.COUNTER
        and application.centre is not None
        and has_role(user, Role.OPERATOR, centre=application.centre)
    ):
        return application, Applicant(actor=user, citizen=application.citizen, at_counter=True)
    raise Http404("no such application")


def _draft_for(request: HttpRequest, pk: int) -> tuple[Application, Applicant] | HttpResponse:
    found = _application_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    application, _applicant = found
    if application.status != Application.Status.DRAFT:
        return redirect("portal:apply_confirmation", pk=application.pk)
    return found


def _items(application: Application) -> list[ApplicationItem]:
    return list(
        application.items.select_related("service", "service__agency").prefetch_related(
            Prefetch("evidence", queryset=EvidenceItem.objects.select_related("evidence_type", "document"))
        )
    )


def _item_of(application: Application, item_pk: int) -> ApplicationItem:
    return get_object_or_404(application.items.select_related("service"), pk=item_pk)


def _uploads(item: ApplicationItem) -> list[EvidenceItem]:
    return [
        ev
        for ev in item.evidence.all()
        if ev.status != EvidenceItem.Status.TO_BE_FETCHED and ev.status != EvidenceItem.Status.FETCHED
    ]


def _with_records(evidence: list[EvidenceItem]) -> list[tuple[EvidenceItem, FetchedRecord | None]]:
    """Each evidence item with the provenance and readable answer of what was fetched for it."""
    records = fetched_records(
        ev.document
        for ev in evidence
        if ev.document is not None and ev.document.source == Document.Source.REGISTRY
    )
    return [(ev, records.get(ev.document_id)) for ev in evidence]


def _has_form(item: ApplicationItem) -> bool:
    return item.service.form_fields.exists()


def _first_open_step(application: Application) -> str:
    """Where a resumed draft continues: the first service form not yet answered, then the first
    service whose required uploads are missing, else "check your answers"."""
    items = _items(application)
    for item in items:
        if not item.answers and _has_form(item):
            return reverse("portal:apply_item", args=[application.pk, item.pk])
    for item in items:
        if any(ev.required and ev.status == EvidenceItem.Status.TO_BE_UPLOADED for ev in item.evidence.all()):
            return reverse("portal:apply_documents", args=[application.pk, item.pk])
    return reverse("portal:apply_check", args=[application.pk])


def _step_after_form(application: Application, item: ApplicationItem) -> str:
    if _uploads(item) or item.evidence.exists():
        return reverse("portal:apply_documents", args=[application.pk, item.pk])
    return _step_after_documents(application, item)


def _step_after_documents(application: Application, item: ApplicationItem) -> str:
    later = application.items.filter(pk__gt=item.pk).order_by("pk").first()
    if later is not None:
        return reverse("portal:apply_item", args=[application.pk, later.pk])
    return reverse("portal:apply_check", args=[application.pk])


def _page(request: HttpRequest, template: str, applicant: Applicant | None, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render(
        request,
        f"portal/apply/{template}",
        {"applicant": applicant, "at_counter": bool(applicant and applicant.at_counter), **context},
        status=status,
    )


def _errors_on(form: Any, exc: InvalidAnswers) -> None:
    for key, errors in exc.errors.items():
        form.add_error(key if key in form.fields else None, errors)
    if not exc.errors:
        form.add_error(None, exc.message)


# --- Starting ---------------------------------------------------------------------------------


@require_http_methods(GET_POST)
@citizen_required
def apply_start(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    """Choose one or several services; a draft application is created with them."""
    assert isinstance(request.user, User)
    if request.method == "POST":
        form = ServiceChoiceForm(request.POST)
        if form.is_valid():
            try:
                application = application_services.application_start(
                    actor=request.user,
                    citizen=citizen,
                    channel=Application.Channel.ONLINE,
                    services=list(form.cleaned_data["services"]),
                )
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(_first_open_step(application))
    else:
        chosen = [value for value in request.GET.getlist("service") if value]
        form = ServiceChoiceForm(initial={"services": chosen})
    return _page(
        request,
        "start.html",
        None,
        form=form,
        drafts=list(Application.objects.filter(citizen=citizen, status=Application.Status.DRAFT)[:5]),
        status=400 if form.errors else 200,
    )


@require_safe
def apply_resume(request: HttpRequest, pk: int) -> HttpResponse:
    found = _draft_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    return redirect(_first_open_step(found[0]))


# --- One service: its form, then its documents --------------------------------------------------


@require_http_methods(GET_POST)
def apply_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    found = _draft_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    application, applicant = found
    item = _item_of(application, item_pk)
    if request.method == "POST":
        form = build_service_form(item.service, data=request.POST)
        if form.is_valid():
            try:
                application_services.application_save_answers(
                    actor=applicant.actor, item=item, answers=form.answers()
                )
            except InvalidAnswers as exc:
                _errors_on(form, exc)
            else:
                return redirect(_step_after_form(application, item))
    else:
        form = build_service_form(item.service, initial=item.answers or None)
    items = list(application.items.select_related("service"))
    position = [i.pk for i in items].index(item.pk) + 1
    return _page(
        request,
        "item.html",
        applicant,
        application=application,
        item=item,
        form=form,
        position=position,
        count=len(items),
        back_url=_back_from_item(application, items, item),
        status=400 if form.errors else 200,
    )


def _back_from_item(application: Application, items: list[ApplicationItem], item: ApplicationItem) -> str:
    earlier = [i for i in items if i.pk < item.pk]
    if earlier:
        return reverse("portal:apply_documents", args=[application.pk, earlier[-1].pk])
    return reverse("portal:apply_start") if application.channel == Application.Channel.ONLINE else ""


@require_http_methods(GET_POST)
def apply_documents(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    found = _draft_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    application, applicant = found
    item = _item_of(application, item_pk)
    evidence = list(item.evidence.select_related("evidence_type", "document"))
    uploads = [
        ev
        for ev in evidence
        if ev.status in {EvidenceItem.Status.TO_BE_UPLOADED, EvidenceItem.Status.UPLOADED}
    ]
    fetched = [ev for ev in evidence if ev not in uploads]
    if request.method == "POST":
        form = EvidenceUploadForm(request.POST, request.FILES, evidence=uploads)
        if form.is_valid():
            for ev in uploads:
                uploaded = form.cleaned_data.get(form.key(ev))
                if not uploaded:
                    continue
                try:
                    document_store(
                        actor=applicant.actor,
                        application=application,
                        uploaded_file=uploaded,
                        evidence_type=ev.evidence_type,
                    )
                except UploadRejected as exc:
                    form.add_error(form.key(ev), exc.message)
            if not form.errors:
                return redirect(_step_after_documents(application, item))
            evidence = list(item.evidence.select_related("evidence_type", "document"))
            uploads = [
                ev
                for ev in evidence
                if ev.status in {EvidenceItem.Status.TO_BE_UPLOADED, EvidenceItem.Status.UPLOADED}
            ]
    else:
        form = EvidenceUploadForm(evidence=uploads)
    return _page(
        request,
        "documents.html",
        applicant,
        application=application,
        item=item,
        form=form,
        rows=[(ev, form[form.key(ev)]) for ev in uploads if form.key(ev) in form.fields],
        fetched=_with_records(fetched),
        pending=any(ev.status == EvidenceItem.Status.TO_BE_FETCHED for ev in fetched),
        back_url=reverse("portal:apply_item", args=[application.pk, item.pk]),
        status=400 if form.errors else 200,
    )


# --- Check, submit, confirmation ------------------------------------------------------------------


def _answer_rows(item: ApplicationItem) -> list[tuple[str, str]]:
    form = build_service_form(item.service, initial=item.answers or None)
    rows = []
    for name, field in form.fields.items():
        value = item.answers.get(name)
        if value in (None, "", []):
            shown = _("Not answered")
        elif isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        else:
            choices = dict(getattr(field, "choices", []) or [])
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(str(choices.get(v, v)) for v in values)
        rows.append((str(field.label), shown))
    return rows


@require_http_methods(GET_POST)
def apply_check(request: HttpRequest, pk: int) -> HttpResponse:
    found = _draft_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    application, applicant = found
    problems: list[str] = []
    if request.method == "POST":
        try:
            application_services.application_submit(actor=applicant.actor, application=application)
        except InvalidAnswers as exc:
            problems = [m for messages_ in exc.errors.values() for m in messages_] or [exc.message]
        except CaseError as exc:
            problems = [exc.message]
        else:
            return redirect("portal:apply_confirmation", pk=application.pk)
    items = _items(application)
    records = {ev.pk: record for ev, record in _with_records([ev for i in items for ev in i.evidence.all()])}
    return _page(
        request,
        "check.html",
        applicant,
        application=application,
        sections=[
            (item, _answer_rows(item), [(ev, records[ev.pk]) for ev in item.evidence.all()]) for item in items
        ],
        fee=application_services.application_fee(application),
        problems=problems,
        back_url=reverse("portal:apply_documents", args=[application.pk, items[-1].pk]) if items else "",
        status=400 if problems else 200,
    )


@require_safe
def apply_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    found = _application_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    application, applicant = found
    if application.status == Application.Status.DRAFT:
        return redirect(_first_open_step(application))
    return _page(
        request,
        "confirmation.html",
        applicant,
        application=application,
        cases=list(application.cases.select_related("service", "agency").order_by("pk")),
    )


@require_safe
def apply_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    found = _application_for(request, pk)
    if isinstance(found, HttpResponse):
        return found
    application, _applicant = found
    if application.status == Application.Status.DRAFT:
        raise Http404("a draft has no receipt")
    response = HttpResponse(render_receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{application.tracking_number}.pdf"'
    return response


# --- My applications --------------------------------------------------------------------------

CITIZEN_WORDS: dict[str, str] = {
    Case.Status.SUBMITTED: gettext_noop("We received your application"),
    Case.Status.IN_REVIEW: gettext_noop("An officer started to review your application"),
    Case.Status.INFORMATION_REQUESTED: gettext_noop("The officer asked you for more information"),
    Case.Status.RESUBMITTED: gettext_noop("You sent the information asked for"),
    Case.Status.APPROVED: gettext_noop("Your application was approved"),
    Case.Status.REJECTED: gettext_noop("Your application was refused"),
    Case.Status.RESULT_ISSUED: gettext_noop("Your result is ready to download"),
    Case.Status.CLOSED: gettext_noop("The case was closed"),
    Case.Status.WITHDRAWN: gettext_noop("You withdrew the application"),
}


def _words(status: str) -> str:
    # Translated at request time: the dict holds the English source strings (marked for extraction).
    return _(CITIZEN_WORDS.get(status, status))


@require_safe
@citizen_required
def my_applications(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    applications = list(
        Application.objects.filter(citizen=citizen)
        .prefetch_related(
            Prefetch("items", queryset=ApplicationItem.objects.select_related("service")),
            Prefetch("cases", queryset=Case.objects.select_related("service", "agency").order_by("pk")),
        )
        .order_by("-created_at")
    )
    return render(
        request,
        "portal/account/applications.html",
        {
            "citizen": citizen,
            "drafts": [a for a in applications if a.status == Application.Status.DRAFT],
            "submitted": [a for a in applications if a.status != Application.Status.DRAFT],
            "open_statuses": OPEN_STATUSES,
        },
    )


def _case_of(citizen: Citizen, number: str) -> Case:
    return get_object_or_404(
        Case.objects.select_related("service", "agency", "application").filter(citizen=citizen), number=number
    )


def _case_page(
    request: HttpRequest, citizen: Citizen, case: Case, *, answer_form: InformationAnswerForm | None = None
) -> HttpResponse:
    events = [
        (event, _words(event.to_status))
        for event in CaseEvent.objects.filter(case=case).exclude(to_status="").order_by("at", "id")
    ]
    open_request = case.information_requests.filter(answered_at__isnull=True).first()
    output = (
        getattr(case, "output_document", None)
        if case.status in {Case.Status.RESULT_ISSUED, Case.Status.CLOSED}
        else None
    )
    return render(
        request,
        "portal/account/case.html",
        {
            "case": case,
            "status_words": _words(case.status),
            "events": events,
            "open_request": open_request if case.status == Case.Status.INFORMATION_REQUESTED else None,
            "answer_form": answer_form or InformationAnswerForm(),
            "can_withdraw": case.status in OPEN_STATUSES,
            "is_open": case.status in OPEN_STATUSES,
            "output": output,
            "documents": list(case.documents.all()),
            "now": timezone.now(),
        },
        status=400 if answer_form is not None and answer_form.errors else 200,
    )


@require_safe
@citizen_required
def case_detail(request: HttpRequest, citizen: Citizen, number: str) -> HttpResponse:
    return _case_page(request, citizen, _case_of(citizen, number))


@require_POST
@citizen_required
def case_answer(request: HttpRequest, citizen: Citizen, number: str) -> HttpResponse:
    """Answer the open information request: text and, if given, a document."""
    assert isinstance(request.user, User)
    case = _case_of(citizen, number)
    form = InformationAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            documents = []
            if form.cleaned_data["document"]:
                documents.append(
                    document_store(
                        actor=request.user,
                        application=case.application,
                        uploaded_file=form.cleaned_data["document"],
                        case=case,
                    )
                )
            case_services.case_answer_information(
                actor=request.user, case=case, answer=form.cleaned_data["answer"], documents=documents
            )
        except UploadRejected as exc:
            form.add_error("document", exc.message)
        except CaseError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you. Your answer was sent to the officer."))
            return redirect("portal:case", number=case.number)
    return _case_page(request, citizen, case, answer_form=form)


@require_http_methods(GET_POST)
@citizen_required
def case_withdraw(request: HttpRequest, citizen: Citizen, number: str) -> HttpResponse:
    """Withdraw before a decision, after a confirmation page."""
    assert isinstance(request.user, User)
    case = _case_of(citizen, number)
    form = WithdrawForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            case_services.case_withdraw(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except CaseError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("You withdrew your application for %(service)s.") % {"service": case.service.name}
            )
            return redirect("portal:case", number=case.number)
    return render(
        request,
        "portal/account/withdraw.html",
        {"case": case, "form": form, "error": error, "can_withdraw": case.status in OPEN_STATUSES},
        status=409 if error else 200,
    )


@require_safe
@citizen_required
def case_result(request: HttpRequest, citizen: Citizen, number: str) -> FileResponse:
    case = _case_of(citizen, number)
    output = getattr(case, "output_document", None)
    if output is None or case.status not in {Case.Status.RESULT_ISSUED, Case.Status.CLOSED}:
        raise Http404("no result yet")
    if output.revoked_at is not None:
        raise PermissionDenied(_("This document was revoked."))
    return FileResponse(
        output.file.open("rb"),
        as_attachment=True,
        filename=f"{case.number}.pdf",
        content_type="application/pdf",
    )
