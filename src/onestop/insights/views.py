"""The centre manager's live view at ``/insights/centres/<code>/`` and the list of centres at
``/insights/``.

The figures come from ``onestop.queueing.selectors.centre_day_figures`` (computed from ticket
events) and are shown as accessible tables; htmx re-fetches the figures partial every 5 seconds.
Managers of the centre and administrators also set each counter's work profile here (through
``work_profile_set``, which audits the change). Coordinators see the figures only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from onestop.centres.models import Centre, Counter
from onestop.insights.forms import WorkProfileForm
from onestop.people.models import Role, RoleMembership, User
from onestop.people.scoping import centres_visible_to, has_role, in_force
from onestop.queueing import selectors
from onestop.queueing.errors import QueueingError, WrongCentre
from onestop.queueing.models import CounterQueue, CounterSession, Queue, Ticket
from onestop.queueing.services.counters import work_profile_set

REFRESH_SECONDS = 5


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def may_view_centre(user: User, centre: Centre) -> bool:
    """Whether ``user`` may see the live view of ``centre``: its managers, coordinators and
    administrators."""
    return (
        has_role(user, Role.CENTRE_MANAGER, centre=centre)
        or has_role(user, Role.COORDINATOR)
        or has_role(user, Role.ADMINISTRATOR)
    )


def may_edit_profiles(user: User, centre: Centre) -> bool:
    """Whether ``user`` may change the counters' work profiles at ``centre`` (the same rule as the
    service, checked here only to decide whether to show the forms)."""
    return has_role(user, Role.CENTRE_MANAGER, centre=centre) or has_role(user, Role.ADMINISTRATOR)


def live_centres(user: User) -> QuerySet[Centre]:
    """The centres whose live view the user may open."""
    visible = centres_visible_to(user)
    if has_role(user, Role.COORDINATOR) or has_role(user, Role.ADMINISTRATOR):
        return visible
    managed = RoleMembership.objects.filter(in_force(), user=user, role=Role.CENTRE_MANAGER)
    return visible.filter(pk__in=managed.values("centre_id"))


def _centre_for(request: HttpRequest, code: str) -> tuple[User, Centre]:
    user = _user(request)
    centre = get_object_or_404(Centre, code=code)
    if not may_view_centre(user, centre):
        raise PermissionDenied(_("You may see only the centres you manage."))
    return user, centre


def _minutes(value: Any) -> str:
    """A duration figure for a table cell: timedelta or seconds → "12.5 min"; nothing → "—"."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return _("%(minutes).1f min") % {"minutes": seconds / 60}


def _counter_states(centre: Centre) -> list[dict[str, Any]]:
    """Each active counter: open or closed, and if open, idle or serving (and whom)."""
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(counter__centre=centre, ended_at__isnull=True).select_related(
            "operator"
        )
    }
    busy = {
        t.counter_id: t
        for t in Ticket.objects.filter(
            centre=centre, status__in=(Ticket.Status.CALLED, Ticket.Status.SERVING), counter__isnull=False
        )
    }
    rows = []
    for counter in Counter.objects.filter(centre=centre, is_active=True).order_by("number"):
        session = sessions.get(counter.pk)
        ticket = busy.get(counter.pk)
        if session is None:
            state = _("Closed")
        elif ticket is None:
            state = _("Idle")
        else:
            state = _("Serving %(number)s") % {"number": ticket.number}
        rows.append(
            {
                "counter": counter,
                "state": state,
                "open": session is not None,
                "serving": session is not None and ticket is not None,
                "operator": (session.operator.get_full_name() or session.operator.get_username())
                if session
                else "",
            }
        )
    return rows


def _figures_context(centre: Centre) -> dict[str, Any]:
    now = timezone.now()
    figures = selectors.centre_day_figures(centre, timezone.localdate(now), at=now)
    counters = _counter_states(centre)
    waiting: dict[str, int] = figures["waiting_per_queue"]
    queue_rows = [
        (queue, waiting.get(queue.prefix, 0)) for queue in Queue.objects.filter(centre=centre, is_active=True)
    ]
    share = figures["within_target_share"]
    return {
        "centre": centre,
        "figures": figures,
        "generated_at": now,
        "queue_rows": queue_rows,
        "waiting_total": figures["waiting"],
        "longest_wait": _minutes(figures["longest_current_wait"]),
        "issued": figures["issued"],
        "served": figures["served"],
        "no_show": figures["no_show"],
        "closed_unserved": figures["closed_unserved"],
        "mean_wait": _minutes(figures["mean_wait_seconds"]),
        "p90_wait": _minutes(figures["p90_wait_seconds"]),
        "mean_service": _minutes(figures["mean_service_seconds"]),
        "p90_service": _minutes(figures["p90_service_seconds"]),
        "share_within_target": "—" if share is None else f"{share * 100:.0f} %",
        "counters": counters,
        "counters_open": sum(1 for c in counters if c["open"]),
        "counters_serving": sum(1 for c in counters if c["serving"]),
        "counters_idle": sum(1 for c in counters if c["open"] and not c["serving"]),
        "refresh_seconds": REFRESH_SECONDS,
    }


def _profile_forms(centre: Centre, bound: WorkProfileForm | None = None) -> list[WorkProfileForm]:
    queues = list(Queue.objects.filter(centre=centre, is_active=True))
    entries: dict[int, dict[int, int]] = {}
    for entry in CounterQueue.objects.filter(counter__centre=centre):
        entries.setdefault(entry.counter_id, {})[entry.queue_id] = entry.position
    forms = []
    for counter in Counter.objects.filter(centre=centre, is_active=True).order_by("number"):
        if bound is not None and bound.counter.pk == counter.pk:
            forms.append(bound)
            continue
        # Positions are stored from 0 but may have gaps; show them as 1st, 2nd, … in their order.
        ranked = sorted(entries.get(counter.pk, {}).items(), key=lambda item: item[1])
        current = {queue_id: rank for rank, (queue_id, _) in enumerate(ranked)}
        forms.append(WorkProfileForm(counter=counter, queues=queues, current=current))
    return forms


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    centres = list(live_centres(user).order_by("name"))
    if not centres and not (has_role(user, Role.COORDINATOR) or has_role(user, Role.ADMINISTRATOR)):
        raise PermissionDenied(_("Only centre managers, coordinators and administrators see the live views."))
    return render(request, "insights/index.html", {"centres": centres})


@require_safe
@login_required
def centre_live(request: HttpRequest, code: str) -> HttpResponse:
    user, centre = _centre_for(request, code)
    context = _figures_context(centre)
    if may_edit_profiles(user, centre):
        context["profile_forms"] = _profile_forms(centre)
    return render(request, "insights/centre.html", context)


@require_safe
@login_required
def centre_figures(request: HttpRequest, code: str) -> HttpResponse:
    """The figures alone, for htmx to swap in every few seconds."""
    _, centre = _centre_for(request, code)
    return render(request, "insights/_figures.html", _figures_context(centre))


@require_POST
@login_required
def counter_profile(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user, centre = _centre_for(request, code)
    if not may_edit_profiles(user, centre):
        raise PermissionDenied(
            _("Only a manager of this centre or an administrator may change work profiles.")
        )
    counter = get_object_or_404(Counter, centre=centre, number=number)
    queues = list(Queue.objects.filter(centre=centre, is_active=True))
    form = WorkProfileForm(request.POST, counter=counter, queues=queues, current={})
    if form.is_valid():
        try:
            work_profile_set(actor=user, counter=counter, queues=form.ordered_queues())
        except WrongCentre as exc:
            raise PermissionDenied(exc.message) from exc
        except QueueingError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("Work profile of counter %(number)s saved.") % {"number": counter.number}
            )
            return redirect("insights:centre", code=centre.code)
    context = _figures_context(centre)
    context["profile_forms"] = _profile_forms(centre, bound=form)
    context["bound_form"] = form
    return render(request, "insights/centre.html", context)
