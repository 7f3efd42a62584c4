"""Booking a visit to a centre, and changing or cancelling it, without signing in.

One question per page (centre → service group → day → time → your details → check your answers →
confirmation with the booking code and a QR code for the kiosk). The answers so far live in the
session, so the back link and a failed submission lose nothing. A booking is managed with its code
plus the national ID. Every page is a plain form that works without JavaScript.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from onestop.centres.models import Centre
from onestop.portal.forms_appointments import (
    CentreForm,
    DateForm,
    DetailsForm,
    ManageForm,
    QueueForm,
    SlotForm,
    bookable_queues,
)
from onestop.queueing import slots
from onestop.queueing.errors import QueueingError
from onestop.queueing.models import Appointment, Queue
from onestop.queueing.services import appointments as booking

BOOKING_KEY = "appointment_booking"
MANAGE_KEY = "appointment_manage"
BOOKED_KEY = "appointment_booked"
GET_POST = ["GET", "HEAD", "POST"]


def _answers(request: HttpRequest) -> dict[str, Any]:
    value = request.session.get(BOOKING_KEY)
    return dict(value) if isinstance(value, dict) else {}


def _save(request: HttpRequest, **changes: Any) -> None:
    request.session[BOOKING_KEY] = {**_answers(request), **changes}


def _centre(answers: dict[str, Any]) -> Centre | None:
    code = answers.get("centre")
    return Centre.objects.filter(code=code, is_active=True).first() if code else None


def _queue(answers: dict[str, Any]) -> Queue | None:
    centre = _centre(answers)
    if centre is None or not answers.get("queue"):
        return None
    return bookable_queues().select_related("centre").filter(centre=centre, prefix=answers["queue"]).first()


def _day(answers: dict[str, Any]) -> date | None:
    return date.fromisoformat(answers["day"]) if answers.get("day") else None


def _starts_at(answers: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(answers["starts_at"]) if answers.get("starts_at") else None


def _page(request: HttpRequest, template: str, back: str, **context: Any) -> HttpResponse:
    return render(request, f"portal/appointments/{template}", {"back_url": back, **context})


def _next_slots(err: QueueingError) -> list[datetime]:
    return [datetime.fromisoformat(s["starts_at"]) for s in err.extra.get("next_slots", [])]


# --- Booking --------------------------------------------------------------------------------------


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/appointments/start.html", {})


@require_http_methods(GET_POST)
def choose_centre(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    if request.method == "POST":
        form = CentreForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["centre"].code
            if code != answers.get("centre"):
                request.session[BOOKING_KEY] = {"centre": code}  # later answers depended on the centre
            return redirect("portal:appointment_queue")
    else:
        form = CentreForm(initial={"centre": answers.get("centre")})
    return _page(
        request,
        "question.html",
        reverse("portal:appointments"),
        form=form,
        field=form["centre"],
        title=_("Which centre do you want to visit?"),
    )


@require_http_methods(GET_POST)
def choose_queue(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    centre = _centre(answers)
    if centre is None:
        return redirect("portal:appointment_centre")
    if request.method == "POST":
        form = QueueForm(request.POST, centre=centre)
        if form.is_valid():
            prefix = form.cleaned_data["queue"].prefix
            if prefix != answers.get("queue"):
                request.session[BOOKING_KEY] = {"centre": centre.code, "queue": prefix}
            return redirect("portal:appointment_date")
    else:
        form = QueueForm(initial={"queue": answers.get("queue")}, centre=centre)
    return _page(
        request,
        "question.html",
        reverse("portal:appointment_centre"),
        form=form,
        field=form["queue"],
        title=_("What is your visit about?"),
        caption=centre.name,
    )


def _date_step(request: HttpRequest, queue: Queue, chosen: date | None) -> tuple[DateForm, bool]:
    days = slots.bookable_days(queue=queue)
    if request.method == "POST":
        form = DateForm(request.POST, days=days)
        return form, form.is_valid()
    return DateForm(initial={"day": chosen.isoformat() if chosen else None}, days=days), False


@require_http_methods(GET_POST)
def choose_date(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    queue = _queue(answers)
    if queue is None:
        return redirect("portal:appointment_queue")
    form, done = _date_step(request, queue, _day(answers))
    if done:
        _save(request, day=form.cleaned_data["day"].isoformat())
        return redirect("portal:appointment_time")
    return _page(
        request,
        "question.html",
        reverse("portal:appointment_queue"),
        form=form,
        field=form["day"],
        title=_("Which day do you want to come?"),
        caption=f"{queue.centre.name} — {queue.name}",
        empty=_("There are no free times in the next weeks. Please try another centre."),
    )


def _time_form(
    request: HttpRequest, queue: Queue, day: date, chosen: datetime | None, **kwargs: Any
) -> SlotForm:
    free = slots.slots_between(queue=queue, first=day, last=day, **kwargs)
    if request.method == "POST":
        return SlotForm(request.POST, slots=free)
    return SlotForm(initial={"starts_at": chosen.isoformat() if chosen else None}, slots=free)


@require_http_methods(GET_POST)
def choose_time(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    queue, day = _queue(answers), _day(answers)
    if queue is None or day is None:
        return redirect("portal:appointment_date")
    form = _time_form(request, queue, day, _starts_at(answers))
    if request.method == "POST" and form.is_valid():
        _save(request, starts_at=form.cleaned_data["starts_at"].isoformat())
        return redirect(
            "portal:appointment_details" if not answers.get("national_id") else "portal:appointment_check"
        )
    return _page(
        request,
        "question.html",
        reverse("portal:appointment_date"),
        form=form,
        field=form["starts_at"],
        title=_("What time do you want to come?"),
        caption=f"{queue.centre.name} — {queue.name}",
        empty=_("This day has just been fully booked. Please choose another day."),
    )


@require_http_methods(GET_POST)
def details(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    if _queue(answers) is None or _starts_at(answers) is None:
        return redirect("portal:appointment_time")
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            try:
                booking.citizen_for_booking(
                    national_id=form.cleaned_data["national_id"], phone=form.cleaned_data["phone"]
                )
            except QueueingError as err:
                form.add_error(None, err.message)
            else:
                _save(request, national_id=form.cleaned_data["national_id"], phone=form.cleaned_data["phone"])
                return redirect("portal:appointment_check")
    else:
        form = DetailsForm(initial={"national_id": answers.get("national_id"), "phone": answers.get("phone")})
    return _page(request, "details.html", reverse("portal:appointment_time"), form=form)


@require_http_methods(GET_POST)
def check(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    queue, starts_at = _queue(answers), _starts_at(answers)
    if queue is None or starts_at is None:
        return redirect("portal:appointment_time")
    if not answers.get("national_id"):
        return redirect("portal:appointment_details")
    problem: QueueingError | None = None
    if request.method == "POST":
        try:
            citizen = booking.citizen_for_booking(national_id=answers["national_id"], phone=answers["phone"])
            appointment = booking.appointment_book(
                actor=request.user, queue=queue, citizen=citizen, starts_at=starts_at
            )
        except QueueingError as err:
            problem = err
        else:
            request.session.pop(BOOKING_KEY, None)
            request.session[BOOKED_KEY] = appointment.code
            return redirect("portal:appointment_confirmation")
    return _page(
        request,
        "check.html",
        reverse("portal:appointment_details"),
        queue=queue,
        starts_at=starts_at,
        answers=answers,
        problem=problem,
        next_slots=_next_slots(problem) if problem else [],
    )


def _qr_data_uri(code: str) -> str:
    # The kiosk's scanner reads the booking code itself, exactly as a person would type it.
    return str(segno.make(code, error="m").svg_data_uri(scale=6, border=2))


@require_safe
def confirmation(request: HttpRequest) -> HttpResponse:
    code = request.session.get(BOOKED_KEY)
    appointment = (
        Appointment.objects.select_related("queue__centre").filter(code=code).first()
        if isinstance(code, str)
        else None
    )
    if appointment is None:
        return redirect("portal:appointments")
    return render(
        request,
        "portal/appointments/confirmation.html",
        {
            "appointment": appointment,
            "code": booking.format_code(appointment.code),
            "qr": _qr_data_uri(appointment.code),
        },
    )


# --- Managing a booking ---------------------------------------------------------------------------


def _managed(request: HttpRequest) -> Appointment | None:
    value = request.session.get(MANAGE_KEY)
    if not isinstance(value, dict):
        return None
    try:
        return booking.find_booking(code=value.get("code", ""), national_id=value.get("national_id", ""))
    except QueueingError:
        return None


def _changeable(appointment: Appointment) -> bool:
    return appointment.status == Appointment.Status.BOOKED and appointment.starts_at > timezone.now()


@require_http_methods(GET_POST)
def manage(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ManageForm(request.POST)
        if form.is_valid():
            try:
                appointment = booking.find_booking(
                    code=form.cleaned_data["code"], national_id=form.cleaned_data["national_id"]
                )
            except QueueingError as err:
                form.add_error(None, err.message)
            else:
                request.session[MANAGE_KEY] = {
                    "code": appointment.code,
                    "national_id": form.cleaned_data["national_id"],
                }
                return redirect("portal:appointment_manage_booking")
    else:
        form = ManageForm()
    return _page(request, "manage.html", reverse("portal:appointments"), form=form)


@require_safe
def manage_booking(request: HttpRequest) -> HttpResponse:
    appointment = _managed(request)
    if appointment is None:
        return redirect("portal:appointment_manage")
    return render(
        request,
        "portal/appointments/booking.html",
        {
            "appointment": appointment,
            "code": booking.format_code(appointment.code),
            "changeable": _changeable(appointment),
            "qr": _qr_data_uri(appointment.code),
        },
    )


def _manage_or_redirect(request: HttpRequest) -> Appointment | HttpResponseRedirect:
    appointment = _managed(request)
    if appointment is None:
        return redirect("portal:appointment_manage")
    if not _changeable(appointment):
        return redirect("portal:appointment_manage_booking")
    return appointment


@require_http_methods(GET_POST)
def manage_date(request: HttpRequest) -> HttpResponse:
    appointment = _manage_or_redirect(request)
    if not isinstance(appointment, Appointment):
        return appointment
    form, done = _date_step(request, appointment.queue, slots.local_day(appointment.starts_at))
    if done:
        value = dict(request.session[MANAGE_KEY])
        request.session[MANAGE_KEY] = {**value, "day": form.cleaned_data["day"].isoformat()}
        return redirect("portal:appointment_manage_time")
    return _page(
        request,
        "question.html",
        reverse("portal:appointment_manage_booking"),
        form=form,
        field=form["day"],
        title=_("Which day do you want to come instead?"),
        caption=f"{appointment.queue.centre.name} — {appointment.queue.name}",
        empty=_("There are no free times in the next weeks."),
    )


@require_http_methods(GET_POST)
def manage_time(request: HttpRequest) -> HttpResponse:
    appointment = _manage_or_redirect(request)
    if not isinstance(appointment, Appointment):
        return appointment
    day_value = request.session[MANAGE_KEY].get("day")
    if not day_value:
        return redirect("portal:appointment_manage_date")
    form = _time_form(request, appointment.queue, date.fromisoformat(day_value), None, exclude=appointment)
    problem: QueueingError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            booking.appointment_reschedule(
                actor=request.user, appointment=appointment, starts_at=form.cleaned_data["starts_at"]
            )
        except QueueingError as err:
            problem = err
            form.add_error("starts_at", err.message)
        else:
            messages.success(request, _("Your booking has been changed. Your booking code stays the same."))
            return redirect("portal:appointment_manage_booking")
    return _page(
        request,
        "question.html",
        reverse("portal:appointment_manage_date"),
        form=form,
        field=form["starts_at"],
        title=_("What time do you want to come instead?"),
        caption=f"{appointment.queue.centre.name} — {appointment.queue.name}",
        empty=_("This day has just been fully booked. Please choose another day."),
        next_slots=_next_slots(problem) if problem else [],
    )


@require_http_methods(GET_POST)
def manage_cancel(request: HttpRequest) -> HttpResponse:
    appointment = _manage_or_redirect(request)
    if not isinstance(appointment, Appointment):
        return appointment
    if request.method == "POST":
        try:
            booking.appointment_cancel(actor=request.user, appointment=appointment)
        except QueueingError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Your booking has been cancelled."))
        return redirect("portal:appointment_manage_booking")
    return _page(
        request,
        "cancel.html",
        reverse("portal:appointment_manage_booking"),
        appointment=appointment,
        code=booking.format_code(appointment.code),
    )
