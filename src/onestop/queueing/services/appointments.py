"""Appointments: booking a slot, rescheduling, cancelling, checking in, and joining a queue remotely.

Every write locks the citizen row, then the queue row (always in that order, so two services never
deadlock), and re-counts the slot and the citizen's quota under those locks: of two people booking
the last place of a slot at once, exactly one gets it. On SQLite the IMMEDIATE transaction already
serialises writers and ``select_for_update`` is a no-op.

A booking holds a place while it is ``booked`` or ``checked_in``; cancelling or moving it frees the
place at once. Status changes are compare-and-set updates (``UPDATE … WHERE status=<from>``), so a
double check-in from two kiosks yields one ticket, returned to both.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.catalog.models import Service
from onestop.centres.models import Centre
from onestop.core.audit import Actor, audit_record
from onestop.core.national_ids import validate_national_id
from onestop.people.models import Citizen
from onestop.queueing import slots
from onestop.queueing.errors import (
    IllegalTransition,
    QueueingError,
    QuotaExceeded,
    ServiceNotOffered,
    SlotFull,
    UnknownBooking,
    WrongCentre,
)
from onestop.queueing.models import Appointment, Queue, Ticket
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import appointment_grace

Status = Appointment.Status
# Unambiguous on a kiosk keyboard and when read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
LIVE_TICKET_STATUSES = (Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.PARKED)


class SlotNotBookable(QueueingError):
    """The requested time is not a slot of the queue (closed, a day off, in the past, too far ahead)."""

    code = "slot-not-bookable"
    status = 409
    default_message = gettext_lazy("That time cannot be booked.")
    title = gettext_lazy("Time not bookable")


class AppointmentNotDue(QueueingError):
    """Check-in on another day than the booking's, or after its time has passed."""

    code = "appointment-not-due"
    status = 409
    default_message = gettext_lazy("This booking cannot be checked in now.")
    title = gettext_lazy("Booking not due")


class RemoteJoinNotAllowed(QueueingError):
    """The queue does not take remote joins, or its centre is closed now."""

    code = "remote-join-not-allowed"
    status = 409
    default_message = gettext_lazy("This queue cannot be joined remotely now.")
    title = gettext_lazy("Remote joining not possible")


def normalise_code(value: str) -> str:
    """Booking codes are typed at kiosks and read over the phone: ignore case, spaces and hyphens."""
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def format_code(code: str) -> str:
    """``K7QPM2XD`` → ``K7QP-M2XD``, easier to read and to copy."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Appointment.objects.filter(code=code).exists():
            return code


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment, timezone.get_default_timezone()), "DATETIME_FORMAT")


def _summary(appointment: Appointment) -> dict[str, Any]:
    return {
        "code": appointment.code,
        "queue_id": appointment.queue_id,
        "starts_at": appointment.starts_at.isoformat(),
        "status": appointment.status,
    }


def _check_services(queue: Queue, services: Iterable[Service]) -> list[Service]:
    chosen = list(services)
    if not chosen:
        return chosen
    ids = [s.pk for s in chosen]
    in_queue = set(queue.services.filter(pk__in=ids).values_list("pk", flat=True))
    at_centre = set(queue.centre.services.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [s for s in chosen if s.pk not in in_queue or s.pk not in at_centre]
    if missing:
        raise ServiceNotOffered(
            _("%(queue)s at %(centre)s does not take: %(services)s.")
            % {
                "queue": queue.name,
                "centre": queue.centre.name,
                "services": ", ".join(s.name for s in missing),
            }
        )
    return chosen


def _quota_window() -> timedelta:
    return timedelta(days=settings.ONESTOP_BOOKING_QUOTA_DAYS)


def _holding(citizen: Citizen, *, exclude: Appointment | None) -> list[datetime]:
    rows = Appointment.objects.filter(citizen=citizen, status__in=slots.HOLDING_STATUSES)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows.values_list("starts_at", flat=True))


def _within_quota(held: Sequence[datetime], starts_at: datetime) -> bool:
    """At most ONESTOP_BOOKING_QUOTA bookings whose times lie less than QUOTA_DAYS apart."""
    window = _quota_window()
    near = sum(1 for other in held if abs(other - starts_at) < window)
    return near < settings.ONESTOP_BOOKING_QUOTA


def _locked(queue: Queue, citizen: Citizen) -> tuple[Queue, Citizen]:
    # Citizen first, then queue: every service here takes them in this order. NO KEY: the rows'
    # keys do not change, so a kiosk's new ticket (whose foreign-key check takes a key-share lock
    # on its queue) need not wait for a booking to finish.
    citizen = Citizen.objects.select_for_update(no_key=True).get(pk=citizen.pk)
    queue = (
        Queue.objects.select_for_update(no_key=True, of=("self",)).select_related("centre").get(pk=queue.pk)
    )
    return queue, citizen


def _claim_slot(
    *, queue: Queue, citizen: Citizen, starts_at: datetime, at: datetime, exclude: Appointment | None = None
) -> slots.Slot:
    """Check, under the caller's locks, that ``starts_at`` is a free slot within the citizen's quota;
    raise the matching error (with the next free slots that would succeed) otherwise."""
    held = _holding(citizen, exclude=exclude)

    def acceptable(slot: slots.Slot) -> bool:
        return _within_quota(held, slot.starts_at)

    def alternatives(after: datetime) -> dict[str, Any]:
        found = slots.next_free_slots(queue=queue, after=after, at=at, accept=acceptable, exclude=exclude)
        return {"next_slots": [slot.as_dict() for slot in found]}

    slot = slots.slot_at(queue=queue, starts_at=starts_at, at=at, exclude=exclude)
    if slot is None:
        raise SlotNotBookable(
            _("%(when)s is not a time that can be booked for this queue.") % {"when": _when(starts_at)},
            extra=alternatives(max(starts_at, at)),
        )
    if not _within_quota(held, starts_at):
        raise QuotaExceeded(
            _(
                "You can hold %(quota)d booking(s) within %(days)d days, and you already have one "
                "close to %(when)s. Choose a later time or cancel your other booking first."
            )
            % {
                "quota": settings.ONESTOP_BOOKING_QUOTA,
                "days": settings.ONESTOP_BOOKING_QUOTA_DAYS,
                "when": _when(starts_at),
            },
            extra=alternatives(starts_at),
        )
    if not slot.is_free:
        raise SlotFull(
            _("%(when)s has just been fully booked. Choose another time.") % {"when": _when(starts_at)},
            extra=alternatives(starts_at),
        )
    return slot


def appointment_book(
    *,
    actor: Actor,
    queue: Queue,
    citizen: Citizen,
    starts_at: datetime,
    services: Iterable[Service] = (),
    at: datetime | None = None,
) -> Appointment:
    """Book the slot of ``queue`` starting at ``starts_at`` for ``citizen``.

    Raises ``SlotNotBookable`` (no such slot), ``QuotaExceeded`` (ONESTOP_BOOKING_QUOTA per
    ONESTOP_BOOKING_QUOTA_DAYS) or ``SlotFull``, each with ``extra["next_slots"]``; and
    ``ServiceNotOffered`` for a service the queue or centre does not take."""
    at = at or timezone.now()
    chosen = _check_services(queue, services)
    with transaction.atomic():
        queue, citizen = _locked(queue, citizen)
        slot = _claim_slot(queue=queue, citizen=citizen, starts_at=starts_at, at=at)
        appointment = Appointment.objects.create(
            centre_id=queue.centre_id,
            queue=queue,
            citizen=citizen,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            code=_new_code(),
        )
        if chosen:
            appointment.services.set(chosen)
        audit_record(actor=actor, action="appointment.book", target=appointment, after=_summary(appointment))
    return appointment


def _relock(appointment: Appointment) -> tuple[Appointment, Queue]:
    _, citizen = _locked(appointment.queue, appointment.citizen)
    # Only the appointment's row (its queue and citizen are locked above), and NO KEY, as there.
    fresh = (
        Appointment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("queue__centre")
        .get(pk=appointment.pk)
    )
    fresh.citizen = citizen
    return fresh, fresh.queue


def appointment_reschedule(
    *, actor: Actor, appointment: Appointment, starts_at: datetime, at: datetime | None = None
) -> Appointment:
    """Move a booking that has not started yet to another free slot of the same queue; the old place
    is free again at once. Same checks and errors as :func:`appointment_book`."""
    at = at or timezone.now()
    with transaction.atomic():
        fresh, queue = _relock(appointment)
        if fresh.status != Status.BOOKED or fresh.starts_at <= at:
            raise IllegalTransition(_("This booking can no longer be changed."))
        if fresh.starts_at == starts_at:
            return fresh
        before = _summary(fresh)
        slot = _claim_slot(queue=queue, citizen=fresh.citizen, starts_at=starts_at, at=at, exclude=fresh)
        changed = Appointment.objects.filter(pk=fresh.pk, status=Status.BOOKED).update(
            starts_at=slot.starts_at, ends_at=slot.ends_at
        )
        if changed != 1:  # pragma: no cover - the row is locked; kept as the compare-and-set guard
            raise IllegalTransition(_("This booking can no longer be changed."))
        fresh.refresh_from_db()
        audit_record(
            actor=actor, action="appointment.reschedule", target=fresh, before=before, after=_summary(fresh)
        )
    return fresh


def appointment_cancel(*, actor: Actor, appointment: Appointment, at: datetime | None = None) -> Appointment:
    """Cancel a booking and free its place. Cancelling a cancelled booking changes nothing; a booking
    already checked in (or missed) cannot be cancelled (``IllegalTransition``)."""
    at = at or timezone.now()
    with transaction.atomic():
        changed = Appointment.objects.filter(pk=appointment.pk, status=Status.BOOKED).update(
            status=Status.CANCELLED
        )
        fresh = Appointment.objects.select_related("queue__centre", "citizen").get(pk=appointment.pk)
        if changed != 1:
            if fresh.status == Status.CANCELLED:
                return fresh
            raise IllegalTransition(_("This booking can no longer be cancelled."))
        audit_record(
            actor=actor,
            action="appointment.cancel",
            target=fresh,
            before={"status": Status.BOOKED},
            after={"status": Status.CANCELLED},
            extra={"at": at.isoformat()},
        )
    return fresh


def find_booking(*, code: str, national_id: str) -> Appointment:
    """The booking with this code held by this national ID, as a citizen manages it without signing
    in. Both must match; a wrong pair is ``UnknownBooking`` without saying which part was wrong."""
    normalised = normalise_code(code)
    try:
        nid = validate_national_id(national_id)
    except ValidationError:  # a malformed ID matches no booking; forms report its format themselves
        raise UnknownBooking() from None
    appointment = (
        Appointment.objects.select_related("queue__centre", "citizen", "centre")
        .filter(code=normalised, citizen__national_id=nid)
        .first()
    )
    if appointment is None:
        raise UnknownBooking()
    return appointment


class CitizenNotMatched(QueueingError):
    """No citizen in the register has this national ID with this phone number."""

    code = "citizen-not-matched"
    status = 404
    default_message = gettext_lazy(
        "We could not match this national ID and phone number. Check both, or book at a centre."
    )
    title = gettext_lazy("Citizen not found")


def _phone_digits(value: str) -> str:
    # Compare the subscriber part only: "+7 701 …", "8 701 …" and "701 …" are the same number.
    return re.sub(r"\D", "", value)[-10:]


def citizen_for_booking(*, national_id: str, phone: str) -> Citizen:
    """The registered citizen a booking made without signing in is for: the national ID (validated,
    ``ValidationError`` with the validator's message) and, where the register holds a phone number,
    that number must match. Unknown ID or another number: ``CitizenNotMatched``, saying neither which
    nor whose, so the form cannot be used to probe the register."""
    nid = validate_national_id(national_id)
    citizen = Citizen.objects.filter(national_id=nid).first()
    if citizen is None or (citizen.phone and _phone_digits(citizen.phone) != _phone_digits(phone)):
        raise CitizenNotMatched()
    return citizen


def _booking_to_check_in(*, centre: Centre, code: str, national_id: str, at: datetime) -> Appointment:
    rows = Appointment.objects.select_related("queue__centre", "citizen")
    if code:
        appointment = rows.filter(code=normalise_code(code)).first()
        if appointment is None:
            raise UnknownBooking()
        if appointment.centre_id != centre.pk:
            raise WrongCentre(
                _("This booking is for %(centre)s.") % {"centre": appointment.queue.centre.name}
            )
        return appointment
    if not national_id:
        raise UnknownBooking(_("Give a booking code or a national ID."))
    nid = validate_national_id(national_id)
    today = slots.local_day(at)
    candidates = [
        a
        for a in rows.filter(centre=centre, citizen__national_id=nid, status__in=slots.HOLDING_STATUSES)
        if slots.local_day(a.starts_at) == today
    ]
    if not candidates:
        raise UnknownBooking(_("No booking for today at this centre matches that national ID."))
    # A booking already checked in wins (idempotent); otherwise the earliest still due.
    for appointment in candidates:
        if appointment.status == Status.CHECKED_IN:
            return appointment
    return candidates[0]


def appointment_check_in(
    *, actor: Actor, centre: Centre, code: str = "", national_id: str = "", at: datetime | None = None
) -> Ticket:
    """Check a booking in at ``centre`` (kiosk or reception), by booking code or national ID, and
    issue its ticket (channel "appointment": call-next serves it first once it is due).

    Idempotent: a second check-in of the same booking returns the same ticket. Raises
    ``UnknownBooking``, ``WrongCentre`` (the booking is for another centre), ``AppointmentNotDue``
    (another day, or more than ONESTOP_QUEUE_APPOINTMENT_GRACE_MINUTES after the slot ended),
    ``IllegalTransition`` (cancelled) and ``django.core.exceptions.ValidationError`` for a malformed
    national ID (with the validator's message)."""
    at = at or timezone.now()
    with transaction.atomic():
        appointment = _booking_to_check_in(centre=centre, code=code, national_id=national_id, at=at)
        if appointment.status == Status.CHECKED_IN:
            return Ticket.objects.select_related("queue", "centre").get(appointment=appointment)
        if appointment.status != Status.BOOKED:
            raise IllegalTransition(_("This booking was cancelled or missed; take a ticket instead."))
        day = slots.local_day(appointment.starts_at)
        if day != slots.local_day(at):
            raise AppointmentNotDue(
                _("This booking is for %(day)s.") % {"day": formats.date_format(day, "DATE_FORMAT")}
            )
        if at > appointment.ends_at + appointment_grace():
            raise AppointmentNotDue(_("Your booked time has passed. Please take a ticket at the kiosk."))
        changed = Appointment.objects.filter(pk=appointment.pk, status=Status.BOOKED).update(
            status=Status.CHECKED_IN
        )
        if changed != 1:
            # Another kiosk checked it in first; its ticket is committed (row lock) or this fails loudly.
            return Ticket.objects.select_related("queue", "centre").get(appointment=appointment)
        ticket = ticket_issue(
            actor=actor,
            centre=centre,
            queue=appointment.queue,
            channel=Ticket.Channel.APPOINTMENT,
            services=list(appointment.services.all()),
            citizen=appointment.citizen,
            appointment=appointment,
            at=at,
        )
        audit_record(
            actor=actor,
            action="appointment.check_in",
            target=appointment,
            before={"status": Status.BOOKED},
            after={"status": Status.CHECKED_IN, "ticket": ticket.number},
        )
    return ticket


def queue_join_remote(
    *,
    actor: Actor,
    queue: Queue,
    citizen: Citizen,
    services: Iterable[Service] = (),
    at: datetime | None = None,
) -> Ticket:
    """Put ``citizen`` in today's ``queue`` from afar (channel "remote"), where the queue allows it and
    the centre is open now. A citizen already waiting in that queue gets their ticket back rather than
    a second place in the line."""
    at = at or timezone.now()
    chosen = _check_services(queue, services)
    with transaction.atomic():
        queue, citizen = _locked(queue, citizen)
        if not (queue.allows_remote and queue.is_active):
            raise RemoteJoinNotAllowed(_("This queue cannot be joined remotely. Please come to the centre."))
        if not slots.centre_open_at(queue, at):
            raise RemoteJoinNotAllowed(_("The centre is closed now; you can join its queue when it opens."))
        existing = (
            Ticket.objects.select_related("queue", "centre")
            .filter(
                queue=queue,
                citizen=citizen,
                service_day=slots.local_day(at),
                status__in=LIVE_TICKET_STATUSES,
            )
            .first()
        )
        if existing is not None:
            return existing
        ticket = ticket_issue(
            actor=actor,
            centre=queue.centre,
            queue=queue,
            channel=Ticket.Channel.REMOTE,
            services=chosen,
            citizen=citizen,
            at=at,
        )
        audit_record(actor=actor, action="queue.join_remote", target=ticket, after={"queue": queue.prefix})
    return ticket
