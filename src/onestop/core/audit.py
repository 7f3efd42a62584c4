"""Recording audit events. Every service calls :func:`audit_record` inside its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from onestop.core.middleware import current_request_id
from onestop.core.models import AuditEvent


class _UserLike(Protocol):
    pk: Any

    def get_username(self) -> str: ...


@dataclass(frozen=True)
class SystemActor:
    """A non-human actor: ``SystemActor("seed")``, ``SystemActor("sla-sweeper")``."""

    label: str
    kind: str = "system"
    id: str = ""


SYSTEM = SystemActor("system")

Actor = _UserLike | SystemActor | None


def _actor_fields(actor: Actor) -> tuple[str, str, str]:
    if actor is None:
        return SYSTEM.kind, SYSTEM.id, SYSTEM.label
    if isinstance(actor, SystemActor):
        return actor.kind, actor.id, actor.label
    if getattr(actor, "pk", None) is None:  # AnonymousUser
        return "anonymous", "", "anonymous"
    return "user", str(actor.pk), actor.get_username()


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Must run inside the caller's transaction, so that the event and the
    change it describes commit (or roll back) together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record() must be called inside the service's transaction.atomic()")
    event = audit_entry(
        actor=actor, action=action, target=target, before=before, after=after, reason=reason, extra=extra
    )
    event.save(force_insert=True)
    return event


def audit_entry(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit event :func:`audit_record` appends, not yet saved: for a caller that writes it in
    the same statement as its change (``core/statements.py``)."""
    kind, actor_id, label = _actor_fields(actor)
    summary: dict[str, Any] = {}
    if before is not None:
        summary["before"] = before
    if after is not None:
        summary["after"] = after
    if reason:
        summary["reason"] = reason
    if extra:
        summary.update(extra)
    return AuditEvent(
        occurred_at=timezone.now(),
        actor_kind=kind,
        actor_id=actor_id,
        actor_label=label[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        summary=summary,
        request_id=current_request_id(),
    )
