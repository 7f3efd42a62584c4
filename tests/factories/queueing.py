"""Factories for the front office: queues and work profiles, tickets, appointments, sessions, devices.

``QueueFactory`` makes a queue whose services are offered by its centre (pass ``services=[...]`` or
get one fresh service). ``TicketFactory`` makes a waiting ticket with a proper daily number and its
``issued`` event; traits ``called=True``, ``serving=True``, ``done=True`` put it further along (with
the matching timestamps and counter) — status is set at creation only, as a fixture of history,
never changed afterwards outside the workflow. ``DeviceFactory`` keeps the raw token on
``device.raw_token``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from onestop.queueing.models import (
    Appointment,
    CounterQueue,
    CounterSession,
    DailySequence,
    Device,
    Queue,
    Ticket,
    TicketEvent,
    TicketService,
)
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CentreFactory, CounterFactory
from tests.factories.people import CitizenFactory, UserFactory

_PREFIXES = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


class QueueFactory(DjangoModelFactory):
    class Meta:
        model = Queue
        skip_postgeneration_save = True

    centre = factory.SubFactory(CentreFactory)
    prefix = factory.Sequence(lambda n: _PREFIXES[n % 26] + ("" if n < 26 else _PREFIXES[(n // 26) % 26]))
    name = factory.LazyAttribute(lambda o: f"Queue {o.prefix}")
    name_en = factory.SelfAttribute("name")
    position = 0

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if not create:
            return
        chosen = list(extracted) if extracted is not None else [ServiceFactory()]
        self.centre.services.add(*chosen)
        self.services.set(chosen)


class CounterQueueFactory(DjangoModelFactory):
    class Meta:
        model = CounterQueue

    queue = factory.SubFactory(QueueFactory)
    counter = factory.SubFactory(CounterFactory, centre=factory.SelfAttribute("..queue.centre"))
    position = 0


class CounterSessionFactory(DjangoModelFactory):
    class Meta:
        model = CounterSession

    counter = factory.SubFactory(CounterFactory)
    operator = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(timezone.now)
    ended_at = None


def _next_sequence(centre, day, prefix) -> int:
    row, _ = DailySequence.objects.get_or_create(centre=centre, service_day=day, prefix=prefix)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    queue = factory.SubFactory(QueueFactory)
    centre = factory.SelfAttribute("queue.centre")
    issued_at = factory.LazyFunction(timezone.now)
    arrived_at = factory.SelfAttribute("issued_at")
    service_day = factory.LazyAttribute(lambda o: timezone.localdate(o.issued_at))
    prefix = factory.SelfAttribute("queue.prefix")
    sequence = factory.LazyAttribute(lambda o: _next_sequence(o.centre, o.service_day, o.prefix))
    number = factory.LazyAttribute(lambda o: f"{o.prefix}-{o.sequence:03d}")
    channel = Ticket.Channel.KIOSK
    status = Ticket.Status.WAITING

    class Params:
        called = factory.Trait(
            status=Ticket.Status.CALLED,
            counter=factory.SubFactory(CounterFactory, centre=factory.SelfAttribute("..centre")),
            called_at=factory.LazyAttribute(lambda o: o.issued_at + timedelta(minutes=5)),
            first_called_at=factory.SelfAttribute("called_at"),
        )
        serving = factory.Trait(
            called=True,
            status=Ticket.Status.SERVING,
            started_at=factory.LazyAttribute(lambda o: o.called_at + timedelta(minutes=1)),
        )
        done = factory.Trait(
            serving=True,
            status=Ticket.Status.DONE,
            ended_at=factory.LazyAttribute(lambda o: o.started_at + timedelta(minutes=8)),
        )

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if not create:
            return
        chosen = list(extracted) if extracted is not None else list(self.queue.services.all()[:1])
        TicketService.objects.bulk_create(TicketService(ticket=self, service=s) for s in chosen)

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        """The events a ticket in this status has behind it, so figures computed from events agree."""
        if not create:
            return
        S, K = Ticket.Status, TicketEvent.Kind
        steps = [(K.ISSUED, "", S.WAITING, self.issued_at, None)]
        if self.first_called_at:
            steps.append((K.CALLED, S.WAITING, S.CALLED, self.first_called_at, self.counter))
        if self.started_at:
            steps.append((K.STARTED, S.CALLED, S.SERVING, self.started_at, self.counter))
        if self.ended_at and self.status == S.DONE:
            steps.append((K.ENDED, S.SERVING, S.DONE, self.ended_at, self.counter))
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=self,
                centre_id=self.centre_id,
                kind=kind,
                at=at,
                from_status=src,
                to_status=dst,
                counter=counter,
                actor_label="factory",
            )
            for kind, src, dst, at, counter in steps
        )


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    queue = factory.SubFactory(QueueFactory)
    centre = factory.SelfAttribute("queue.centre")
    citizen = factory.SubFactory(CitizenFactory)
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(second=0, microsecond=0) + timedelta(hours=1)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.queue.slot_minutes))
    status = Appointment.Status.BOOKED
    code = factory.Sequence(lambda n: f"BK{n:06d}")


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    centre = factory.SubFactory(CentreFactory)
    kind = Device.Kind.KIOSK
    name = factory.Sequence(lambda n: f"Device {n}")
    raw_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.raw_token.encode()).hexdigest())
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        raw = kwargs.pop("raw_token", None)
        device = super()._create(model_class, *args, **kwargs)
        device.raw_token = raw
        return device
