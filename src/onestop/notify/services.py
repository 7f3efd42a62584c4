"""Writing to the notification outbox. A row is written in the caller's transaction, so a message
goes out exactly when the change it announces commits; sending is a separate job."""

from __future__ import annotations

from typing import Any

from django.db import models

from onestop.notify.models import Notification


def notification_queue(
    *,
    audience: str,
    recipient_id: str,
    template: str,
    context: dict[str, Any],
    language: str = "en",
    subject: models.Model | None = None,
) -> Notification:
    """Queue one notification for a citizen or a staff member.

    Not audited on its own: it is always part of a service that records the change it announces.
    """
    if audience not in Notification.Audience.values:
        raise ValueError(f"unknown audience {audience!r}")
    # One INSERT: atomic by itself, and part of the caller's transaction when there is one (no
    # savepoint around it: that cost two more statements per notification inside a service).
    return Notification.objects.create(
        audience=audience,
        recipient_id=str(recipient_id),
        template=template,
        context=context,
        language=language or "en",
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None and subject.pk is not None else "",
    )
