"""The counter console at ``/desk/``: an operator signs in to a counter of their centre, then calls,
recalls, serves, transfers, parks and ends tickets, and identifies the visitor by national ID.

Every action is a plain POST form that redirects back to the console (POST-redirect-GET), so it
works without JavaScript. When htmx sends the form, the same view answers with the console panel
alone, which htmx swaps in place. Writes go through the queueing services; an operator may act only
at their own centre (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from onestop.cases.errors import CaseError
from onestop.cases.models import Application
from onestop.cases.services import applications as application_services
from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter
from onestop.desk.forms import (
    AddServiceForm,
    CounterChoiceForm,
    EndForm,
    NationalIdForm,
    ParkForm,
    TransferForm,
)
from onestop.people.models import Role, RoleMembership, User
from onestop.people.scoping import has_role, in_force
from onestop.queueing import selectors
from onestop.queueing.errors import QueueingError, WrongCentre
from onestop.queueing.models import Appointment, CounterSession, Queue, Ticket, TicketService
from onestop.queueing.services import counters as counter_services
from onestop.queueing.services import tickets as ticket_services

CONSOLE_TEMPLATE = "desk/console.html"
PANEL_TEMPLATE = "desk/_panel.html"


def _operator(request: HttpRequest) -> User:
    """The signed-in user, if they are an operator somewhere today; 403 for everyone else."""
    user = request.user
    if not isinstance(user, User) or not has_role(user, Role.OPERATOR):
        raise PermissionDenied(_("Only counter operators use the desk."))
    return user


def _operator_centres(user: User) -> QuerySet[Centre]:
    """The centres whose counters the user may sit at: those where they are an operator today."""
    memberships = RoleMembership.objects.filter(in_force(), user=user, role=Role.OPERATOR)
    return Centre.objects.filter(pk__in=memberships.values("centre_id"))


def _session(user: User) -> CounterSession | None:
    session = counter_services.open_session_of(user)
    # A session at a centre where the user is no longer an operator gives no rights.
    if session is not None and not has_role(user, Role.OPERATOR, centre=session.counter.centre):
        return None
    return session


def _no_show_after() -> int:
    return int(getattr(settings, "ONESTOP_QUEUE_NO_SHOW_AFTER_RECALLS", 2))


def _describe(delta: timedelta | None) -> str:
    """A duration as an operator reads it at a glance: "7 min 05 s", "1 h 02 min"."""
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}


def _waiting_since(ticket: Ticket) -> datetime:
    return ticket.checked_in_at or ticket.issued_at


def _console_context(
    request: HttpRequest,
    user: User,
    session: CounterSession,
    *,
    bound: dict[str, forms.Form] | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    """Everything the console panel shows. ``bound`` holds forms re-shown with the operator's input
    and their errors; the others start empty."""
    bound = bound or {}
    now = timezone.now()
    counter = session.counter
    centre = counter.centre
    ticket = selectors.current_ticket(counter)
    counts = selectors.waiting_counts(centre)
    profile = list(
        Queue.objects.filter(counter_entries__counter=counter).order_by("counter_entries__position")
    )
    context: dict[str, Any] = {
        "session": session,
        "counter": counter,
        "centre": centre,
        "ticket": ticket,
        "notice": notice,
        "error": error,
        "bound_forms": [form for form in bound.values() if form.errors],
        "now": now,
        "profile": [(queue, counts.get(queue.pk, 0)) for queue in profile],
        "waiting_total": sum(counts.get(queue.pk, 0) for queue in profile),
        "parked": list(
            Ticket.objects.filter(centre=centre, status=Ticket.Status.PARKED)
            .select_related("queue")
            .order_by("arrived_at")
        ),
        "no_show_after": _no_show_after(),
    }
    if ticket is None:
        return context
    lines = list(TicketService.objects.filter(ticket=ticket).select_related("service", "counter"))
    waited = (ticket.first_called_at or now) - _waiting_since(ticket)
    context.update(
        {
            "lines": lines,
            "waited": _describe(waited),
            "served_for": _describe(now - ticket.started_at) if ticket.started_at else "",
            "serving": ticket.status == Ticket.Status.SERVING,
            "called": ticket.status == Ticket.Status.CALLED,
            "no_show_allowed": ticket.recall_count >= _no_show_after(),
            "transfer_form": bound.get("transfer") or TransferForm(centre=centre, counter=counter),
            "park_form": bound.get("park") or ParkForm(),
            "identify_form": bound.get("identify") or NationalIdForm(),
            "add_service_form": bound.get("add_service") or AddServiceForm(centre=centre, ticket=ticket),
            "end_form": bound.get("end") or EndForm(ticket_services=lines),
        }
    )
    citizen = ticket.citizen
    if citizen is not None:
        context["citizen"] = citizen
        context["appointments"] = list(
            Appointment.objects.filter(
                citizen=citizen, status=Appointment.Status.BOOKED, ends_at__gte=now
            ).select_related("centre", "queue")[:10]
        )
        context["applications"] = list(
            Application.objects.filter(ticket=ticket)
            .prefetch_related("items__service")
            .order_by("created_at")
        )
        context["start_application_form"] = bound.get("start_application") or StartApplicationForm(
            centre=centre
        )
        context["visits"] = [
            visit for visit in selectors.visits_of(citizen, limit=11) if visit.pk != ticket.pk
        ][:10]
    return context


def _respond(
    request: HttpRequest,
    user: User,
    session: CounterSession,
    *,
    notice: str = "",
    error: str = "",
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """Answer a console action: the panel for htmx, otherwise a redirect to the console (the outcome
    travels as a message) — or, when a form has errors, the whole page with the form re-shown."""
    if getattr(request, "htmx", False) or bound:
        context = _console_context(request, user, session, bound=bound, notice=notice, error=error)
        template = PANEL_TEMPLATE if getattr(request, "htmx", False) else CONSOLE_TEMPLATE
        return render(request, template, context)
    if notice:
        messages.success(request, notice)
    if error:
        messages.error(request, error)
    return redirect("desk:console")


@require_safe
@login_required
def console(request: HttpRequest) -> HttpResponse:
    """The console if the operator is signed in to a counter, otherwise the counter chooser."""
    user = _operator(request)
    session = _session(user)
    if session is None:
        form = CounterChoiceForm(centres=_operator_centres(user))
        return render(request, "desk/choose_counter.html", {"form": form})
    return render(request, CONSOLE_TEMPLATE, _console_context(request, user, session))


@require_POST
@login_required
def sign_in(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    counter_id = request.POST.get("counter", "")
    # An operator who names a counter of a centre where they are not an operator is refused outright
    # (403), not merely shown a form error: it is an attempt to act at another centre.
    if counter_id.isdigit():
        counter = Counter.objects.filter(pk=int(counter_id)).select_related("centre").first()
        if counter is not None and not has_role(user, Role.OPERATOR, centre=counter.centre):
            raise PermissionDenied(_("You are not an operator at this centre."))
    form = CounterChoiceForm(request.POST, centres=_operator_centres(user))
    if not form.is_valid():
        return render(request, "desk/choose_counter.html", {"form": form})
    try:
        counter_services.counter_sign_in(actor=user, counter=form.cleaned_data["counter"])
    except WrongCentre as exc:
        raise PermissionDenied(exc.message) from exc
    except QueueingError as exc:
        form.add_error(None, exc.message)
        return render(request, "desk/choose_counter.html", {"form": form})
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return render(request, "desk/choose_counter.html", {"form": form})
    return redirect("desk:console")


@require_POST
@login_required
def sign_out(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    counter_services.counter_sign_out(actor=user)
    messages.success(request, _("You have signed out of the counter."))
    return redirect("desk:console")


def _signed_in(request: HttpRequest) -> tuple[User, CounterSession] | HttpResponse:
    user = _operator(request)
    session = _session(user)
    if session is None:
        messages.error(request, _("Sign in to a counter first."))
        return redirect("desk:console")
    return user, session


def _ticket_of(session: CounterSession, pk: int) -> Ticket:
    ticket = get_object_or_404(Ticket.objects.select_related("centre", "queue", "citizen"), pk=pk)
    if ticket.centre_id != session.counter.centre_id:
        raise PermissionDenied(_("This ticket belongs to another centre."))
    return ticket


def _run(
    request: HttpRequest, user: User, session: CounterSession, action: Callable[[], str]
) -> HttpResponse:
    """Run a service call; show its notice, or the domain error's message (a 403 for the wrong
    centre). Bad requests never become a 500."""
    try:
        notice = action()
    except WrongCentre as exc:
        raise PermissionDenied(exc.message) from exc
    except QueueingError as exc:
        return _respond(request, user, session, error=exc.message)
    return _respond(request, user, session, notice=notice)


@require_POST
@login_required
def call_next(request: HttpRequest) -> HttpResponse:
    state = _signed_in(request)
    if isinstance(state, HttpResponse):
        return state
    user, session = state

    def action() -> str:
        ticket = ticket_services.ticket_call_next(actor=user, counter=session.counter)
        if ticket is None:
            return _("No one is waiting.")
        return _("Called %(number)s.") % {"number": ticket.number}

    return _run(request, user, session, action)


def _ticket_action(
    name: str,
    do: Callable[[User, CounterSession, Ticket], str],
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST view for a form-less action on one ticket of the operator's centre."""

    @require_POST
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        state = _signed_in(request)
        if isinstance(state, HttpResponse):
            return state
        user, session = state
        ticket = _ticket_of(session, pk)
        return _run(request, user, session, lambda: do(user, session, ticket))

    view.__name__ = name
    return view


def _recall(user: User, session: CounterSession, ticket: Ticket) -> str:
    ticket_services.ticket_recall(actor=user, ticket=ticket)
    return _("Called %(number)s again.") % {"number": ticket.number}


def _start(user: User, session: CounterSession, ticket: Ticket) -> str:
    ticket_services.ticket_start(actor=user, ticket=ticket)
    return _("Service of %(number)s started.") % {"number": ticket.number}


def _no_show(user: User, session: CounterSession, ticket: Ticket) -> str:
    ticket_services.ticket_no_show(actor=user, ticket=ticket)
    return _("%(number)s marked as not come.") % {"number": ticket.number}


def _return(user: User, session: CounterSession, ticket: Ticket) -> str:
    ticket_services.ticket_return(actor=user, ticket=ticket, counter=session.counter)
    return _("%(number)s is back at your counter.") % {"number": ticket.number}


recall = _ticket_action("recall", _recall)
start = _ticket_action("start", _start)
no_show = _ticket_action("no_show", _no_show)
return_parked = _ticket_action("return_parked", _return)


def _form_action(
    request: HttpRequest,
    pk: int,
    key: str,
    make_form: Callable[[CounterSession, Ticket], forms.Form],
    do: Callable[[User, CounterSession, Ticket, forms.Form], str],
) -> HttpResponse:
    """A POST action on one ticket with a form: errors re-show the console with the form bound."""
    state = _signed_in(request)
    if isinstance(state, HttpResponse):
        return state
    user, session = state
    ticket = _ticket_of(session, pk)
    form = make_form(session, ticket)
    if not form.is_valid():
        return _respond(request, user, session, bound={key: form})
    try:
        notice = do(user, session, ticket, form)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _respond(request, user, session, bound={key: form})
    except WrongCentre as exc:
        raise PermissionDenied(exc.message) from exc
    except QueueingError as exc:
        form.add_error(None, exc.message)
        return _respond(request, user, session, bound={key: form})
    return _respond(request, user, session, notice=notice)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names when the form has
    that field, otherwise at the top of the error summary."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
@login_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: CounterSession, ticket: Ticket) -> forms.Form:
        return TransferForm(request.POST, centre=session.counter.centre, counter=session.counter)

    def do(user: User, session: CounterSession, ticket: Ticket, form: forms.Form) -> str:
        data = form.cleaned_data
        ticket_services.ticket_transfer(
            actor=user,
            ticket=ticket,
            to_queue=data["to_queue"],
            to_counter=data["to_counter"],
            reason=data["reason"],
        )
        target = data["to_queue"] or data["to_counter"]
        return _("%(number)s transferred to %(target)s.") % {"number": ticket.number, "target": target}

    return _form_action(request, pk, "transfer", make, do)


@require_POST
@login_required
def park(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: CounterSession, ticket: Ticket) -> forms.Form:
        return ParkForm(request.POST)

    def do(user: User, session: CounterSession, ticket: Ticket, form: forms.Form) -> str:
        ticket_services.ticket_park(actor=user, ticket=ticket, reason=form.cleaned_data["reason"])
        return _("%(number)s parked.") % {"number": ticket.number}

    return _form_action(request, pk, "park", make, do)


@require_POST
@login_required
def identify(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: CounterSession, ticket: Ticket) -> forms.Form:
        return NationalIdForm(request.POST)

    def do(user: User, session: CounterSession, ticket: Ticket, form: forms.Form) -> str:
        try:
            citizen = ticket_services.ticket_identify_citizen(
                actor=user, ticket=ticket, national_id=form.cleaned_data["national_id"]
            )
        except ValidationError as exc:
            # The validator's own words (length, characters, date, checksum) go next to the field.
            raise ValidationError({"national_id": exc.messages}) from exc
        return _("Visitor identified: %(name)s.") % {"name": f"{citizen.given_name} {citizen.family_name}"}

    return _form_action(request, pk, "identify", make, do)


@require_POST
@login_required
def add_service(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: CounterSession, ticket: Ticket) -> forms.Form:
        return AddServiceForm(request.POST, centre=session.counter.centre, ticket=ticket)

    def do(user: User, session: CounterSession, ticket: Ticket, form: forms.Form) -> str:
        service = form.cleaned_data["service"]
        ticket_services.ticket_add_service(actor=user, ticket=ticket, service=service)
        return _("%(service)s added to the visit.") % {"service": service.name}

    return _form_action(request, pk, "add_service", make, do)


@require_POST
@login_required
def end(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: CounterSession, ticket: Ticket) -> forms.Form:
        lines = list(TicketService.objects.filter(ticket=ticket).select_related("service"))
        return EndForm(request.POST, ticket_services=lines)

    def do(user: User, session: CounterSession, ticket: Ticket, form: forms.Form) -> str:
        assert isinstance(form, EndForm)
        ticket_services.ticket_end(actor=user, ticket=ticket, outcomes=form.outcomes())
        return _("Visit %(number)s ended.") % {"number": ticket.number}

    return _form_action(request, pk, "end", make, do)


class StartApplicationForm(forms.Form):
    """The services of one application the operator starts for the identified visitor."""

    prefix = "apply"

    services: forms.ModelMultipleChoiceField[Service] = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Start an application for"),
        help_text=gettext_lazy("Choose one or several services: they go in one application."),
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one service for the application."),
            "invalid_choice": gettext_lazy("Choose services this centre offers."),
        },
    )

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        # What the centre offers, and what its queues serve (a queue may serve a service before the
        # catalogue lists the centre).
        field.queryset = (
            Service.objects.filter(Q(centres=centre) | Q(queues__centre=centre), status=Service.Status.ACTIVE)
            .distinct()
            .order_by("name")
        )


@require_POST
@login_required
def start_application(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an application for the visitor identified at this ticket, then fill it in on the same
    application pages as citizens use online (in the operator's context)."""
    state = _signed_in(request)
    if isinstance(state, HttpResponse):
        return state
    user, session = state
    ticket = _ticket_of(session, pk)
    if ticket.citizen is None:
        return _respond(
            request, user, session, error=_("Identify the visitor before starting an application.")
        )
    form = StartApplicationForm(request.POST, centre=session.counter.centre)
    if not form.is_valid():
        return _respond(request, user, session, bound={"start_application": form})
    try:
        application = application_services.application_start(
            actor=user,
            citizen=ticket.citizen,
            channel=Application.Channel.COUNTER,
            services=list(form.cleaned_data["services"]),
            centre=session.counter.centre,
            ticket=ticket,
        )
    except CaseError as exc:
        form.add_error(None, exc.message)
        return _respond(request, user, session, bound={"start_application": form})
    url = reverse("portal:apply_resume", args=[application.pk])
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url  # leave the console for the application pages
        return response
    return redirect(url)
