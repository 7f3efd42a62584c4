"""Queues, counter work profiles and operators signing in and out of counters.

Every write is keyword-only, runs in one transaction and records an audit event in it. A centre's
queues and profiles are set by a manager of that centre or an administrator; an operator signs in
only at a counter of their own centre (``WrongCentre`` otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter
from onestop.core.audit import Actor, audit_record
from onestop.core.i18n import Translations, get_translations, set_translations
from onestop.people.models import Role
from onestop.people.scoping import has_role
from onestop.queueing.errors import ServiceNotOffered, WrongCentre
from onestop.queueing.models import CounterQueue, CounterSession, Queue

_QUEUE_OPTIONS = frozenset(
    {"position", "slot_minutes", "appointment_share", "target_wait_minutes", "allows_remote", "is_active"}
)


def _require_manager(actor: Actor, centre: Centre) -> None:
    if actor is None or not hasattr(actor, "get_username"):
        return  # system actors (seeding, demo, tasks) are trusted callers
    if has_role(actor, Role.CENTRE_MANAGER, centre=centre) or has_role(actor, Role.ADMINISTRATOR):
        return
    raise WrongCentre(_("Only a manager of this centre or an administrator may change its queues."))


def require_operator(actor: Actor, centre: Centre | int) -> None:
    """Raise ``WrongCentre`` unless ``actor`` is an operator at ``centre`` (or the centre with that
    id) today."""
    if not has_role(actor, Role.OPERATOR, centre=centre):
        raise WrongCentre()


def queue_summary(queue: Queue) -> dict[str, Any]:
    """The audit view of a queue."""
    summary: dict[str, Any] = {name: getattr(queue, name) for name in sorted(_QUEUE_OPTIONS)}
    summary.update(centre_id=queue.centre_id, prefix=queue.prefix, name=get_translations(queue, "name"))
    return summary


def _check_services(centre: Centre, services: Iterable[Service]) -> list[Service]:
    chosen = list(services)
    offered = set(centre.services.filter(pk__in=[s.pk for s in chosen]).values_list("pk", flat=True))
    missing = [s for s in chosen if s.pk not in offered]
    if missing:
        raise ServiceNotOffered(
            _("%(centre)s does not offer: %(services)s.")
            % {"centre": centre.name, "services": ", ".join(s.name for s in missing)}
        )
    return chosen


def queue_create(
    *,
    actor: Actor,
    centre: Centre,
    prefix: str,
    name: Translations | str,
    services: Iterable[Service] = (),
    **options: Any,
) -> Queue:
    """Open a queue (a ticket prefix) at ``centre`` for ``services`` (all offered by the centre).
    ``options``: position, slot_minutes, appointment_share, target_wait_minutes, allows_remote,
    is_active."""
    unknown = set(options) - _QUEUE_OPTIONS
    if unknown:
        raise TypeError(f"queue_create() got unknown options: {sorted(unknown)}")
    _require_manager(actor, centre)
    with transaction.atomic():
        chosen = _check_services(centre, services)
        queue = Queue(centre=centre, prefix=prefix, **options)
        try:
            set_translations(queue, "name", name)
        except ValueError as exc:
            raise ValidationError({"name": str(exc)}) from exc
        queue.full_clean(validate_unique=False)
        if Queue.objects.filter(centre=centre, prefix=prefix).exists():
            raise ValidationError({"prefix": _("This centre already has a queue with that prefix.")})
        queue.save()
        queue.services.set(chosen)
        audit_record(
            actor=actor,
            action="queue.create",
            target=queue,
            after={**queue_summary(queue), "services": sorted(s.pk for s in chosen)},
        )
    return queue


def queue_update(
    *, actor: Actor, queue: Queue, services: Iterable[Service] | None = None, **changes: Any
) -> Queue:
    """Change a queue's options (see :func:`queue_create`), its name (``name=Translations``) or its
    services."""
    unknown = set(changes) - _QUEUE_OPTIONS - {"name"}
    if unknown:
        raise TypeError(f"queue_update() got unknown fields: {sorted(unknown)}")
    _require_manager(actor, queue.centre)
    with transaction.atomic():
        before = {**queue_summary(queue), "services": sorted(queue.services.values_list("pk", flat=True))}
        for field, value in changes.items():
            if field == "name":
                set_translations(queue, "name", value)
            else:
                setattr(queue, field, value)
        queue.full_clean(validate_unique=False)
        queue.save()
        if services is not None:
            queue.services.set(_check_services(queue.centre, services))
        after = {**queue_summary(queue), "services": sorted(queue.services.values_list("pk", flat=True))}
        audit_record(actor=actor, action="queue.update", target=queue, before=before, after=after)
    return queue


def work_profile_set(*, actor: Actor, counter: Counter, queues: Sequence[Queue]) -> None:
    """Set which queues ``counter`` serves, in order (the first is ``position`` 0)."""
    _require_manager(actor, counter.centre)
    foreign = [q for q in queues if q.centre_id != counter.centre_id]
    if foreign:
        raise WrongCentre(_("A counter can serve only queues of its own centre."))
    if len({q.pk for q in queues}) != len(queues):
        raise ValidationError({"queues": _("A queue appears twice in the work profile.")})
    with transaction.atomic():
        before = list(counter.profile_entries.order_by("position").values_list("queue__prefix", flat=True))
        counter.profile_entries.all().delete()
        CounterQueue.objects.bulk_create(
            CounterQueue(counter=counter, queue=q, position=i) for i, q in enumerate(queues)
        )
        audit_record(
            actor=actor,
            action="counter.work_profile_set",
            target=counter,
            before={"queues": before},
            after={"queues": [q.prefix for q in queues]},
        )


def counter_sign_in(*, actor: Actor, counter: Counter, at: datetime | None = None) -> CounterSession:
    """Open a session of the operator ``actor`` at ``counter``, closing the operator's other open
    session. Another operator still signed in at that counter is signed out (the counter is
    physically taken over; both events are audited)."""
    at = at or timezone.now()
    require_operator(actor, counter.centre)
    if not counter.is_active:
        raise ValidationError(_("This counter is closed."))
    user_pk = getattr(actor, "pk", None)
    assert user_pk is not None  # require_operator() admits only signed-in users
    with transaction.atomic():
        # Lock the counter row so two sign-ins at the same counter queue up instead of colliding on
        # the one-open-session constraint.
        Counter.objects.select_for_update().filter(pk=counter.pk).first()
        for previous in CounterSession.objects.filter(ended_at__isnull=True).filter(
            operator_id=user_pk
        ) | CounterSession.objects.filter(ended_at__isnull=True, counter=counter):
            CounterSession.objects.filter(pk=previous.pk).update(ended_at=at)
            audit_record(
                actor=actor,
                action="counter.sign_out",
                target=previous.counter,
                before={"session": previous.pk, "operator": previous.operator_id},
                reason="superseded by a new sign-in",
            )
        session = CounterSession.objects.create(counter=counter, operator_id=user_pk, started_at=at)
        audit_record(actor=actor, action="counter.sign_in", target=counter, after={"session": session.pk})
    return session


def counter_sign_out(*, actor: Actor, at: datetime | None = None) -> None:
    """Close the operator's open session, if any."""
    at = at or timezone.now()
    user_pk = getattr(actor, "pk", None)
    if user_pk is None:
        return
    with transaction.atomic():
        for session in CounterSession.objects.filter(
            operator_id=user_pk, ended_at__isnull=True
        ).select_related("counter"):
            CounterSession.objects.filter(pk=session.pk).update(ended_at=at)
            audit_record(
                actor=actor, action="counter.sign_out", target=session.counter, after={"session": session.pk}
            )


def open_session_of(user: Any) -> CounterSession | None:
    """The user's open counter session (with its counter and centre), or None."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    return (
        CounterSession.objects.filter(operator_id=user.pk, ended_at__isnull=True)
        .select_related("counter", "counter__centre")
        .first()
    )


__all__ = [
    "counter_sign_in",
    "counter_sign_out",
    "open_session_of",
    "queue_create",
    "queue_summary",
    "queue_update",
    "require_operator",
    "work_profile_set",
]
