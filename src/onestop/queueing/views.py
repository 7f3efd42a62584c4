"""The front-office screens that need no staff login: the ticket kiosk and the display board of a
centre (both authenticated as *devices*), and the public live status page of a ticket.

A device is opened once with ``?token=<raw token>`` (printed by ``onestop device register``): the
token moves into a long-lived HttpOnly, SameSite=Strict cookie scoped to that device's path and the
address is cleaned. An ``Authorization: Device <token>`` header works as well.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache, wraps
from typing import Any
from uuid import UUID

import segno
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from onestop.catalog.models import LifeEvent, Service
from onestop.centres.models import Centre
from onestop.queueing.board import BoardSnapshot, board_panel, board_snapshot
from onestop.queueing.errors import DeviceNotAllowed, QueueingError, ServiceNotOffered
from onestop.queueing.estimates import estimate_wait
from onestop.queueing.models import Device, Queue, Ticket
from onestop.queueing.selectors import people_ahead
from onestop.queueing.services.appointments import appointment_check_in
from onestop.queueing.services.devices import device_actor, device_for_token_at
from onestop.queueing.services.issuing import priority_groups, ticket_issue

DeviceView = Callable[..., HttpResponse]

COOKIE_MAX_AGE = 10 * 365 * 24 * 3600  # a kiosk is set up once and left alone for years
KIOSK_RETURN_SECONDS = 30  # a shown ticket, before the kiosk is ready for the next person
KIOSK_IDLE_SECONDS = 90  # any other screen left half-way
BOARD_LANGUAGE_SECONDS = 6

PRIORITY_LABELS = {
    "disability": gettext_lazy("I have a disability"),
    "elderly": gettext_lazy("I am over 65"),
    "pregnant": gettext_lazy("I am pregnant"),
    "veteran": gettext_lazy("I am a veteran"),
    "with_infant": gettext_lazy("I am with a baby"),
}


# --- Device authentication ---------------------------------------------------------------------


def cookie_name(kind: str) -> str:
    return f"onestop_{kind}"


def _device_path(code: str, kind: str) -> str:
    return reverse("queueing:kiosk" if kind == Device.Kind.KIOSK else "queueing:board", args=[code])


def _presented_token(request: HttpRequest, kind: str) -> tuple[str, bool]:
    """The token the device presents, and whether it came in the address (to be moved to a cookie)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")  # not request.headers: it copies every header
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "device" and value.strip():
        return value.strip(), False
    if from_query := request.GET.get("token", "").strip():
        return from_query, True
    return request.COOKIES.get(cookie_name(kind), ""), False


def _device_refused(request: HttpRequest, code: str, kind: str, message: str = "") -> HttpResponse:
    context = {
        "code": code,
        "kind": kind,
        "kind_label": Device.Kind(kind).label,
        "message": message,
        "command": f'onestop device register {code} {kind} "…"',
    }
    return render(request, "queueing/device_refused.html", context, status=403)


def device_required(kind: str) -> Callable[[DeviceView], DeviceView]:
    """Let only an active ``kind`` device of the centre in the URL through; the view gets it as its
    second argument. Anything else gets a 403 page that tells staff how to register the device."""

    def decorator(view: DeviceView) -> DeviceView:
        @wraps(view)
        def wrapper(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
            token, from_query = _presented_token(request, kind)
            if not token:
                return _device_refused(request, code, kind)
            try:
                device = device_for_token_at(token, code, kind=kind)
            except DeviceNotAllowed as err:
                return _device_refused(request, code, kind, err.message)
            if from_query:
                # Keep the token out of the address bar, the history and access logs from now on.
                params = request.GET.copy()
                params.pop("token", None)
                response = redirect(request.path + (f"?{params.urlencode()}" if params else ""))
                response.set_cookie(
                    cookie_name(kind),
                    token,
                    max_age=COOKIE_MAX_AGE,
                    path=_device_path(code, kind),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Strict",
                )
                return response
            return view(request, device, *args, **kwargs)

        return wrapper

    return decorator


# --- Kiosk -------------------------------------------------------------------------------------


def _kiosk_language(request: HttpRequest) -> str:
    """A kiosk serves one stranger after another: its language is chosen per visit, in the address,
    and falls back to the deployment's default when the kiosk returns to its start screen."""
    wanted = request.GET.get("lang") or request.POST.get("lang") or ""
    codes = [code for code, _name in settings.LANGUAGES]
    language = wanted if wanted in codes else settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _kiosk_url(name: str, code: str, language: str, *args: Any) -> str:
    return reverse(name, args=[code, *args]) + "?" + urlencode({"lang": language})


def _kiosk_context(device: Device, language: str, **extra: Any) -> dict[str, Any]:
    code = device.centre.code
    languages = [(lang, translation.get_language_info(lang)["name_local"]) for lang, _n in settings.LANGUAGES]
    return {
        "centre": device.centre,
        "code": code,
        "language": language,
        "languages": languages,
        "start_url": _kiosk_url("queueing:kiosk", code, language),
        "idle_url": reverse("queueing:kiosk", args=[code]),
        "idle_seconds": KIOSK_IDLE_SECONDS,
        **extra,
    }


def _kiosk_refusal(
    request: HttpRequest, device: Device, language: str, message: str, *, status: int = 400
) -> HttpResponse:
    context = _kiosk_context(device, language, message=message)
    return render(request, "queueing/kiosk/refused.html", context, status=status)


def _offered_services(centre: Centre) -> Any:
    """Active services this centre offers and one of its open queues handles."""
    handled = Queue.objects.filter(centre=centre, is_active=True, services=OuterRef("pk"))
    return Service.objects.filter(centres=centre, status=Service.Status.ACTIVE).filter(Exists(handled))


@never_cache
@device_required(Device.Kind.KIOSK)
def kiosk(request: HttpRequest, device: Device) -> HttpResponse:
    """Start screen: language, service groups, life situations, appointment check-in."""
    language = _kiosk_language(request)
    centre = device.centre
    queues = list(Queue.objects.filter(centre=centre, is_active=True).order_by("position", "prefix"))
    life_events = list(
        LifeEvent.objects.filter(services__in=_offered_services(centre))
        .distinct()
        .order_by("position", "code")
    )
    context = _kiosk_context(device, language, queues=queues, life_events=life_events, is_start=True)
    return render(request, "queueing/kiosk/start.html", context)


@never_cache
@device_required(Device.Kind.KIOSK)
def kiosk_life_event(request: HttpRequest, device: Device, slug: str) -> HttpResponse:
    """The services of one life situation that this centre offers."""
    language = _kiosk_language(request)
    life_event = LifeEvent.objects.filter(code=slug).first()
    if life_event is None:
        return _kiosk_refusal(request, device, language, _("There is no such life situation."), status=404)
    services = list(
        _offered_services(device.centre).filter(life_events=life_event).order_by("-popularity", "identifier")
    )
    context = _kiosk_context(device, language, life_event=life_event, services=services)
    return render(request, "queueing/kiosk/life_event.html", context)


def _choice_context(device: Device, language: str, queue: Queue, service: Service | None) -> dict[str, Any]:
    groups = [
        (group, PRIORITY_LABELS.get(group, group.replace("_", " ").capitalize()))
        for group in priority_groups()
    ]
    return _kiosk_context(
        device,
        language,
        queue=queue,
        service=service,
        priority_groups=groups,
        issue_url=reverse("queueing:kiosk-issue", args=[device.centre.code]),
    )


@never_cache
@device_required(Device.Kind.KIOSK)
def kiosk_queue(request: HttpRequest, device: Device, prefix: str) -> HttpResponse:
    """Confirm a service group, optionally with a priority group, and take the ticket."""
    language = _kiosk_language(request)
    queue = Queue.objects.filter(centre=device.centre, prefix=prefix, is_active=True).first()
    if queue is None:
        return _kiosk_refusal(
            request, device, language, _("This centre has no such service group."), status=404
        )
    return render(request, "queueing/kiosk/choose.html", _choice_context(device, language, queue, None))


@never_cache
@device_required(Device.Kind.KIOSK)
def kiosk_service(request: HttpRequest, device: Device, identifier: str) -> HttpResponse:
    """Confirm one service (chosen through a life situation) and take a ticket in its queue."""
    language = _kiosk_language(request)
    service = Service.objects.filter(identifier=identifier, status=Service.Status.ACTIVE).first()
    if service is None:
        return _kiosk_refusal(request, device, language, _("There is no such service."), status=404)
    queue = _queue_for(device.centre, service)
    if queue is None:
        return _kiosk_refusal(request, device, language, _not_offered(device.centre, service))
    return render(request, "queueing/kiosk/choose.html", _choice_context(device, language, queue, service))


def _queue_for(centre: Centre, service: Service) -> Queue | None:
    if not centre.services.filter(pk=service.pk).exists():
        return None
    return (
        Queue.objects.filter(centre=centre, is_active=True, services=service)
        .order_by("position", "prefix")
        .first()
    )


def _not_offered(centre: Centre, service: Service) -> str:
    return _(
        "%(centre)s does not offer “%(service)s”. Please ask at the reception desk where you can get it."
    ) % {
        "centre": centre.name,
        "service": service.name,
    }


@require_POST
@device_required(Device.Kind.KIOSK)
def kiosk_issue(request: HttpRequest, device: Device) -> HttpResponse:
    """Issue the ticket, then show it on its own page (so a reload never issues a second one)."""
    language = _kiosk_language(request)
    centre = device.centre
    prefix = request.POST.get("queue", "")
    identifier = request.POST.get("service", "")
    services: list[Service] = []
    if identifier:
        service = Service.objects.filter(identifier=identifier, status=Service.Status.ACTIVE).first()
        if service is None:
            return _kiosk_refusal(request, device, language, _("There is no such service."), status=404)
        services = [service]
        queue = Queue.objects.filter(centre=centre, prefix=prefix, is_active=True).first() if prefix else None
        queue = queue or _queue_for(centre, service)
        if queue is None:
            return _kiosk_refusal(request, device, language, _not_offered(centre, service))
    else:
        queue = Queue.objects.filter(centre=centre, prefix=prefix, is_active=True).first()
        if queue is None:
            return _kiosk_refusal(
                request, device, language, _("This centre has no such service group."), status=404
            )
    try:
        ticket = ticket_issue(
            actor=device_actor(device),
            centre=centre,
            queue=queue,
            channel=Ticket.Channel.KIOSK,
            services=services,
            priority_group=request.POST.get("priority_group", ""),
        )
    except ServiceNotOffered as err:
        return _kiosk_refusal(request, device, language, err.message)
    except QueueingError as err:
        return _kiosk_refusal(request, device, language, err.message, status=err.status)
    return redirect(_kiosk_url("queueing:kiosk-ticket", centre.code, language, ticket.token))


def _wait_minutes(wait: timedelta) -> int:
    return max(0, math.ceil(wait.total_seconds() / 60))


def _qr_data_uri(url: str) -> str:
    # An inline data URI: no second request, and the CSP allows data: images.
    qr = segno.make(url, error="m")
    return str(qr.svg_data_uri(scale=8, border=2, dark="#000000", light="#ffffff"))


def _status_url(request: HttpRequest, ticket: Ticket) -> str:
    return request.build_absolute_uri(reverse("queueing:ticket-status", args=[ticket.token]))


@never_cache
@device_required(Device.Kind.KIOSK)
def kiosk_ticket(request: HttpRequest, device: Device, token: UUID) -> HttpResponse:
    """The ticket just issued (or checked in): number, group, people ahead, estimated wait, QR code."""
    language = _kiosk_language(request)
    ticket = get_object_or_404(Ticket.objects.select_related("queue"), token=token, centre=device.centre)
    status_url = _status_url(request, ticket)
    context = _kiosk_context(
        device,
        language,
        ticket=ticket,
        ahead=people_ahead(ticket),
        wait_minutes=_wait_minutes(estimate_wait(ticket)),
        status_url=status_url,
        qr=_qr_data_uri(status_url),
        services=[ts.service for ts in ticket.services.select_related("service")],
        return_seconds=KIOSK_RETURN_SECONDS,
    )
    return render(request, "queueing/kiosk/ticket.html", context)


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Booking code"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("As in your confirmation, for example K7P-2QX."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    national_id = forms.CharField(
        label=gettext_lazy("Or your national ID number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("code") and not cleaned.get("national_id"):
            self.add_error("code", _("Enter your booking code or your national ID number."))
        return cleaned


@never_cache
@require_http_methods(["GET", "POST"])
@device_required(Device.Kind.KIOSK)
def kiosk_check_in(request: HttpRequest, device: Device) -> HttpResponse:
    """Check in for a booked appointment by booking code or national ID."""
    language = _kiosk_language(request)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = appointment_check_in(
                actor=device_actor(device),
                centre=device.centre,
                code=form.cleaned_data["code"].strip(),
                national_id=form.cleaned_data["national_id"].strip(),
            )
        except ValidationError as err:
            form.add_error("national_id", err.messages)
        except QueueingError as err:
            form.add_error(None, err.message)
        else:
            return redirect(_kiosk_url("queueing:kiosk-ticket", device.centre.code, language, ticket.token))
    context = _kiosk_context(
        device, language, form=form, action=reverse("queueing:kiosk-check-in", args=[device.centre.code])
    )
    return render(request, "queueing/kiosk/check_in.html", context, status=400 if form.errors else 200)


# --- Board -------------------------------------------------------------------------------------

_BOARD_LABELS = {
    "now_calling": gettext_lazy("Now calling"),
    "last_calls": gettext_lazy("Last calls"),
    "ticket": gettext_lazy("Ticket"),
    "counter": gettext_lazy("Counter"),
    "waiting": gettext_lazy("Waiting"),
    "queue": gettext_lazy("Service group"),
    "updated": gettext_lazy("Updated"),
    "no_calls": gettext_lazy("No one has been called yet today."),
    "again": gettext_lazy("again"),
}


@lru_cache(maxsize=1)
def _board_labels() -> dict[str, list[tuple[str, str]]]:
    """Every board label in every interface language: the board rotates through them."""
    labels: dict[str, list[tuple[str, str]]] = {key: [] for key in _BOARD_LABELS}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for key, text in _BOARD_LABELS.items():
                labels[key].append((language, str(text)))
    return labels


# What ``@never_cache`` sets, for the view polled every second: built once instead of on every poll.
_NEVER_CACHE_CONTROL = "max-age=0, no-cache, no-store, must-revalidate, private"


@lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return http_date(second)


def _never_cache_polled(view: DeviceView) -> DeviceView:
    """The headers of ``@never_cache`` (``Expires`` now, ``Cache-Control`` as above), set directly."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["Expires"] = _http_date(int(time.time()))
        response.headers["Cache-Control"] = _NEVER_CACHE_CONTROL
        return response

    return wrapper


def _board_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _board_context(device: Device, snapshot: BoardSnapshot, language: str) -> dict[str, Any]:
    calls = snapshot["calls"]
    return {
        "centre": device.centre,
        "code": device.centre.code,
        "snapshot": snapshot,
        "newest": calls[0] if calls else None,
        "earlier": calls[1:],
        "labels": _board_labels(),
        "current_language": language,
        "language_codes": " ".join(code for code, _name in settings.LANGUAGES),
        "rotate_seconds": BOARD_LANGUAGE_SECONDS,
    }


@never_cache
@device_required(Device.Kind.BOARD)
def board(request: HttpRequest, device: Device) -> HttpResponse:
    """The display board: last calls, waiting counts, updated every second."""
    context = _board_context(device, board_snapshot(device.centre), _board_language())
    return render(request, "queueing/board.html", context)


@_never_cache_polled
@device_required(Device.Kind.BOARD)
def board_live(request: HttpRequest, device: Device) -> HttpResponse:
    """The part of the board that htmx fetches every second. Every board of a centre shows the same
    snapshot (cached for a second), so the panel is rendered once per snapshot and language, and a
    poll in between only reads it from the cache. The panel depends on nothing else of the request:
    it is rendered without it (no context processors), as it is shared by every board."""
    language = _board_language()

    def render_panel(snapshot: BoardSnapshot) -> str:
        return render_to_string("queueing/board.html#live", _board_context(device, snapshot, language))

    return HttpResponse(board_panel(device.centre, language, render_panel))


# --- Ticket status (public) --------------------------------------------------------------------

STATUS_WORDS = {
    Ticket.Status.WAITING: gettext_lazy("You are in the queue."),
    Ticket.Status.CALLED: gettext_lazy("It is your turn: please go to counter %(counter)s now."),
    Ticket.Status.SERVING: gettext_lazy("You are being served at counter %(counter)s."),
    Ticket.Status.PARKED: gettext_lazy("Your visit is paused. Please wait: you will be called again."),
    Ticket.Status.DONE: gettext_lazy("Your visit is finished. Thank you."),
    Ticket.Status.NO_SHOW: gettext_lazy("You were called but did not come. Please take a new ticket."),
    Ticket.Status.CANCELLED: gettext_lazy("This ticket was cancelled."),
    Ticket.Status.CLOSED_UNSERVED: gettext_lazy("The centre closed before your turn. We are sorry."),
}
STATUS_POLL_SECONDS = 10
_LIVE_STATUSES = {Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.SERVING, Ticket.Status.PARKED}


def _status_context(ticket: Ticket) -> dict[str, Any]:
    counter = ticket.counter.number if ticket.counter_id and ticket.counter else ""
    waiting = ticket.status == Ticket.Status.WAITING
    return {
        "ticket": ticket,
        "status_words": str(STATUS_WORDS[Ticket.Status(ticket.status)]) % {"counter": counter},
        "is_live": ticket.status in _LIVE_STATUSES,
        "is_waiting": waiting,
        "ahead": people_ahead(ticket) if waiting else 0,
        "wait_minutes": _wait_minutes(estimate_wait(ticket)) if waiting else 0,
        "poll_seconds": STATUS_POLL_SECONDS,
    }


def _public_ticket(token: UUID) -> Ticket:
    ticket = Ticket.objects.select_related("queue", "centre", "counter").filter(token=token).first()
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


@never_cache
def ticket_status(request: HttpRequest, token: UUID) -> HttpResponse:
    """The live status of a ticket, reached from the QR code on it. Anyone with the link may see it:
    the token is unguessable and the page shows no personal data."""
    return render(request, "queueing/ticket_status.html", _status_context(_public_ticket(token)))


@never_cache
def ticket_status_live(request: HttpRequest, token: UUID) -> HttpResponse:
    """The part of the status page that htmx refreshes."""
    return render(request, "queueing/ticket_status.html#live", _status_context(_public_ticket(token)))
