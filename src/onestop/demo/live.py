"""The live demo queue: simulated visitors take tickets and simulated operators call, start and end
visits at the main demo centres, all through the real front-office services, so the display board,
the desk and the manager's view move while someone watches.

Time is compressed: a visit lasts 15–60 seconds rather than 5–20 minutes, so a few minutes of
watching show dozens of calls. The human demo operator's counter (counter 1) is left alone.

Where it acts: at the live centres that are open now; when none of the demo's centres is open (a
demo shown in the evening or at the weekend) it acts at the live centres anyway, because a demo
whose queue only moves during office hours in Kazakhstan looks broken to everyone else.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter, OpeningHours
from onestop.core.audit import SystemActor
from onestop.demo.data.people import DEMO_LOGINS
from onestop.demo.frontoffice import GROUP_BY_PREFIX, HUMAN_COUNTER, LIVE_CENTRES
from onestop.people.models import Role, User
from onestop.queueing.errors import QueueingError
from onestop.queueing.models import Queue, Ticket, TicketService
from onestop.queueing.selectors import current_ticket
from onestop.queueing.services.counters import counter_sign_in, open_session_of
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next, ticket_end, ticket_start

logger = logging.getLogger(__name__)

LIVE_ACTOR = SystemActor("demo-live")
# Stop issuing once this many people wait at a centre, so a long-running demo does not pile up.
MAX_WAITING = 30
WALK_UP_SECONDS = 6
SERVICE_SECONDS = (15, 60)
HUMAN_USERNAMES = frozenset(login.username for login in DEMO_LOGINS)


@dataclass
class LiveStepResult:
    centres: int = 0
    issued: int = 0
    called: int = 0
    started: int = 0
    ended: int = 0
    errors: int = 0

    @property
    def actions(self) -> int:
        return self.issued + self.called + self.started + self.ended


def is_open(centre: Centre, at: datetime) -> bool:
    local = timezone.localtime(at)
    return OpeningHours.objects.filter(
        centre=centre, weekday=local.weekday(), opens__lte=local.time(), closes__gt=local.time()
    ).exists()


def live_centres(at: datetime) -> list[Centre]:
    """The live centres to act at now (see the module docstring for the out-of-hours choice)."""
    centres = list(Centre.objects.filter(code__in=LIVE_CENTRES, is_active=True).order_by("code"))
    open_now = [c for c in centres if is_open(c, at)]
    if open_now:
        return open_now
    any_open = any(
        is_open(c, at) for c in Centre.objects.filter(is_active=True).exclude(code__in=LIVE_CENTRES)
    )
    return [] if any_open else centres


def simulated_operators(centre: Centre) -> list[tuple[User, Counter]]:
    """The centre's demo operator accounts (not the printed human login), each with a counter other
    than the human demo operator's, in a stable order."""
    users = list(
        User.objects.filter(memberships__role=Role.OPERATOR, memberships__centre=centre)
        .exclude(username__in=HUMAN_USERNAMES)
        .distinct()
        .order_by("username")
    )
    counters = list(
        centre.counters.filter(is_active=True, profile_entries__isnull=False)
        .exclude(number=HUMAN_COUNTER)
        .distinct()
        .order_by("number")
    )
    return list(zip(users, counters, strict=False))


def _issue(centre: Centre, rng: random.Random, at: datetime, result: LiveStepResult) -> None:
    queues = list(Queue.objects.filter(centre=centre, is_active=True).order_by("position", "prefix"))
    if not queues:
        return
    waiting = Ticket.objects.filter(centre=centre, status=Ticket.Status.WAITING).count()
    if waiting >= MAX_WAITING:
        return
    # About one newcomer per step, two now and then, in the groups' usual proportions.
    arrivals = rng.choices((0, 1, 2), weights=(0.3, 0.5, 0.2))[0]
    weights = [GROUP_BY_PREFIX[q.prefix].share if q.prefix in GROUP_BY_PREFIX else 0.1 for q in queues]
    for _n in range(arrivals):
        queue = rng.choices(queues, weights=weights)[0]
        offered = list(Service.objects.filter(queues=queue).order_by("-popularity", "pk")[:12])
        services = [rng.choice(offered)] if offered else []
        ticket_issue(
            actor=LIVE_ACTOR,
            centre=centre,
            queue=queue,
            channel=Ticket.Channel.KIOSK,
            services=services,
            at=at,
        )
        result.issued += 1


def _service_seconds(ticket: Ticket) -> int:
    # Stable per ticket, so successive steps agree on when a visit is over.
    low, high = SERVICE_SECONDS
    return low + (ticket.pk * 7919) % (high - low + 1)


def _advance(user: User, counter: Counter, rng: random.Random, at: datetime, result: LiveStepResult) -> None:
    session = open_session_of(user)
    if session is None or session.counter_id != counter.pk:
        counter_sign_in(actor=user, counter=counter, at=at)
    ticket = current_ticket(counter)
    if ticket is None:
        if rng.random() < 0.6:  # operators do not all pounce at once
            called = ticket_call_next(actor=user, counter=counter, at=at)
            result.called += called is not None
        return
    if ticket.status == Ticket.Status.CALLED:
        if ticket.called_at is not None and at - ticket.called_at >= timedelta(seconds=WALK_UP_SECONDS):
            ticket_start(actor=user, ticket=ticket, at=at)
            result.started += 1
        return
    if ticket.started_at is not None and at - ticket.started_at >= timedelta(
        seconds=_service_seconds(ticket)
    ):
        lines = TicketService.objects.filter(ticket=ticket).values_list("service_id", flat=True)
        outcome = (
            TicketService.Outcome.COMPLETED if rng.random() < 0.7 else TicketService.Outcome.APPLICATION_TAKEN
        )
        ticket_end(actor=user, ticket=ticket, outcomes=dict.fromkeys(lines, outcome), at=at)
        result.ended += 1


def live_step(*, at: datetime | None = None, rng: random.Random | None = None) -> LiveStepResult:
    """One step of the live demo. Callers check that the demo is switched on and that the database
    is the demo's (``onestop.demo.tasks``)."""
    at = at or timezone.now()
    rng = rng or random.Random()
    result = LiveStepResult()
    for centre in live_centres(at):
        result.centres += 1
        try:
            _issue(centre, rng, at, result)
        except QueueingError:
            logger.exception("demo live: issuing at %s failed", centre.code)
            result.errors += 1
        for user, counter in simulated_operators(centre):
            try:
                _advance(user, counter, rng, at, result)
            except QueueingError:
                # Someone (the human demo operator, the manager) changed things under us: next step.
                logger.info("demo live: %s at %s skipped a step", user.username, counter, exc_info=True)
                result.errors += 1
    return result
