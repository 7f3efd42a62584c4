"""Front-office tables: queues and work profiles, tickets and their append-only events, the service
transactions of a visit, counter sessions, appointments and centre devices (kiosks, boards).

Figures (waiting time, service time) are computed from ``TicketEvent`` rows, never from mutable
counters: waiting = first call − issue (or check-in); service = end − start.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter
from onestop.people.models import Citizen, User


class Queue(models.Model):
    """A line of people at one centre for a group of services, e.g. "A — Civil registration"."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="queues")
    prefix = models.CharField(
        _("ticket prefix"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{1,2}$", _("Use one or two capital Latin letters."))],
    )
    name = models.CharField(_("name"), max_length=150)
    services = models.ManyToManyField(Service, verbose_name=_("services"), blank=True, related_name="queues")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    slot_minutes = models.PositiveSmallIntegerField(
        _("appointment slot (minutes)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    appointment_share = models.PositiveSmallIntegerField(
        _("share of capacity bookable in advance (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    target_wait_minutes = models.PositiveSmallIntegerField(_("waiting target (minutes)"), default=15)
    allows_remote = models.BooleanField(_("people may join today's queue remotely"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["centre", "position", "prefix"]
        constraints = [models.UniqueConstraint(fields=["centre", "prefix"], name="queue_unique_prefix")]

    def __str__(self) -> str:
        return f"{self.prefix} — {self.name}"


class CounterQueue(models.Model):
    """One line of a counter's work profile: the counter serves ``queue``, in ``position`` order."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="profile_entries")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="counter_entries")
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["counter", "position"]
        constraints = [models.UniqueConstraint(fields=["counter", "queue"], name="counter_queue_unique")]

    def __str__(self) -> str:
        return f"{self.counter} → {self.queue.prefix} ({self.position})"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Did not come")

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="appointments")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="appointments")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="appointments")
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.BOOKED)
    code = models.CharField(_("booking code"), max_length=12, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["queue", "starts_at", "status"], name="appointment_slot_idx"),
            models.Index(fields=["citizen", "starts_at"], name="appointment_citizen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.starts_at:%Y-%m-%d %H:%M}"


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        PARKED = "parked", _("Parked")
        DONE = "done", _("Served")
        NO_SHOW = "no_show", _("Did not come to the counter")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED_UNSERVED = "closed_unserved", _("Not served before closing")

    class Channel(models.TextChoices):
        KIOSK = "kiosk", _("Kiosk")
        RECEPTION = "reception", _("Reception desk")
        REMOTE = "remote", _("Remote")
        APPOINTMENT = "appointment", _("Appointment")

    # Indexes: a status change rewrites every index of the row (the status is indexed), four times
    # a visit, so the table keeps only those that a query or a delete check uses. The centre and the
    # counter are covered by the composite indexes below; the citizen and the target counter are
    # mostly empty and indexed only where set.
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    service_day = models.DateField(_("day"))  # the centre's local date of issue
    prefix = models.CharField(max_length=2)
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=12)  # "A-042"
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.WAITING)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)  # higher is served first
    priority_group = models.SlugField(_("priority group"), max_length=32, blank=True, db_index=False)
    citizen = models.ForeignKey(
        Citizen, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="ticket"
    )
    issued_at = models.DateTimeField(_("issued at"))
    arrived_at = models.DateTimeField(_("in the queue since"))  # kept on transfer: order of fairness
    checked_in_at = models.DateTimeField(null=True, blank=True)
    first_called_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    target_counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("Set when the ticket was transferred to one counter rather than to a queue."),
    )
    recall_count = models.PositiveSmallIntegerField(default=0)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the public status page

    class Meta:
        ordering = ["service_day", "arrived_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "service_day", "prefix", "sequence"], name="ticket_unique_daily_number"
            )
        ]
        indexes = [
            # Call-next: waiting tickets of a centre's queues in order of arrival.
            models.Index(fields=["centre", "status", "queue", "arrived_at"], name="ticket_call_next_idx"),
            models.Index(fields=["centre", "service_day", "status"], name="ticket_day_idx"),
            models.Index(fields=["counter", "status"], name="ticket_counter_idx"),
            models.Index(fields=["citizen"], name="ticket_citizen_idx", condition=Q(citizen__isnull=False)),
            models.Index(
                fields=["target_counter"],
                name="ticket_target_counter_idx",
                condition=Q(target_counter__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.centre_id}, {self.service_day})"


class TicketService(models.Model):
    """One service transaction of a visit: which service, at which counter, from when to when, outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not yet handled")
        COMPLETED = "completed", _("Completed")
        APPLICATION_TAKEN = "application_taken", _("Application taken")
        REFERRED = "referred", _("Referred elsewhere")
        MISSING_DOCUMENTS = "missing_documents", _("Missing documents")
        REFUSED = "refused", _("Refused by the citizen")
        NOT_HANDLED = "not_handled", _("Not handled")

    # The ticket is covered by the unique constraint; counter and operator are empty until service
    # starts and indexed only where set (the delete checks of counters and users use them).
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="services", db_index=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    operator = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "service"], name="ticket_service_unique")]
        indexes = [
            models.Index(
                fields=["counter"], name="ticket_service_counter_idx", condition=Q(counter__isnull=False)
            ),
            models.Index(
                fields=["operator"], name="ticket_service_operator_idx", condition=Q(operator__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.service_id} {self.outcome}"


class TicketEvent(models.Model):
    """Append-only history of a ticket; every figure of the front office is computed from these."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CHECKED_IN = "checked_in", _("Checked in")
        CALLED = "called", _("Called")
        RECALLED = "recalled", _("Called again")
        STARTED = "started", _("Service started")
        TRANSFERRED = "transferred", _("Transferred")
        PARKED = "parked", _("Parked")
        RETURNED = "returned", _("Returned from parking")
        NO_SHOW = "no_show", _("Did not come")
        ENDED = "ended", _("Service ended")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED_UNSERVED = "closed_unserved", _("Closed at the end of the day")

    # Both covered by the composite indexes below (ticket, at) and (centre, kind, at).
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    centre = models.ForeignKey(  # denormalised for rollups
        Centre, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    counter = models.ForeignKey(Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    data = models.JSONField(
        default=dict, blank=True
    )  # e.g. {"from_queue": "A", "to_queue": "B", "reason": …}

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="ticket_event_ticket_idx"),
            models.Index(fields=["centre", "kind", "at"], name="ticket_event_centre_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%H:%M:%S}"


class DailySequence(models.Model):
    """The last ticket number given out per centre, day and prefix; numbering restarts each day."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    service_day = models.DateField()
    prefix = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "service_day", "prefix"], name="daily_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.service_day} {self.prefix}: {self.last}"


class CounterSession(models.Model):
    """An operator signed in to a counter. At most one open session per counter and per operator."""

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="sessions")
    operator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="counter_sessions")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_session_per_counter",
            ),
            models.UniqueConstraint(
                fields=["operator"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_session_per_operator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator} @ {self.counter}"


class Device(models.Model):
    """A kiosk or display board of a centre. It authenticates with a centre-scoped token (only its
    SHA-256 is stored), not with a staff login."""

    class Kind(models.TextChoices):
        KIOSK = "kiosk", _("Ticket kiosk")
        BOARD = "board", _("Display board")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["centre", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.centre.code} {self.kind} {self.name}"
