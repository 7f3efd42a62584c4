"""Webhooks: agencies' systems are told about their cases' events by signed HTTP POSTs.

The workflow writes one ``WebhookDelivery`` outbox row per active webhook of the case's agency in
the transition's own transaction (:func:`enqueue_deliveries`), so an event is announced if and only
if it happened. A periodic task (``cases/webhook_tasks.py``) sends the due rows with
:func:`deliver_due`: each row is claimed by compare-and-set on its ``attempts`` counter, so two
workers never send the same attempt, and the slow HTTP call runs outside any transaction.

Each request carries::

    X-OneStop-Event: case.approved
    X-OneStop-Delivery: <delivery id>          # the same on every retry: deduplicate on it
    X-OneStop-Timestamp: <unix seconds>
    X-OneStop-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret>

A 2xx answer marks the delivery delivered; anything else (or no answer within
``ONESTOP_WEBHOOK_TIMEOUT_SECONDS``) is retried with exponential back-off and jitter, up to
``ONESTOP_WEBHOOK_MAX_ATTEMPTS`` attempts, after which the delivery is failed. Delivery is
at-least-once: a worker that dies between sending and recording retries the attempt later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onestop.cases.models import CaseEvent, Webhook, WebhookDelivery
from onestop.core.audit import Actor, SystemActor, audit_record

logger = logging.getLogger(__name__)

SIGNATURE_PREFIX = "sha256="
#: First retry after about this long; each further one waits twice as long …
BACKOFF_BASE_SECONDS = 30.0
#: … but never longer than this.
BACKOFF_CAP_SECONDS = 6 * 3600.0
#: A claimed row stays invisible to other workers this long past the request timeout; if its worker
#: dies mid-send, the row becomes due again after that.
CLAIM_LEASE_MARGIN_SECONDS = 60.0
#: Receivers should refuse timestamps further than this from their clock (replay protection).
DEFAULT_TOLERANCE_SECONDS = 300

DELIVERER = SystemActor("webhook-deliverer")


# --- Called by the workflow, in the transition's transaction ------------------------------------


def webhook_payload(event: CaseEvent) -> dict[str, Any]:
    """The JSON body announcing ``event``: what happened to which case, not the case file itself
    (the agency's system fetches details from ``/api/v1/cases/<number>`` with its token)."""
    case = event.case
    return {
        "id": event.pk,
        "type": f"case.{event.kind}",
        "occurred_at": event.at.isoformat(),
        "case": {
            "number": case.number,
            "status": event.to_status or case.status,
            "service": case.service.identifier,
            "agency": case.agency.code,
            "url": f"/api/v1/cases/{case.number}",
        },
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
        "data": json.loads(json.dumps(event.data, cls=DjangoJSONEncoder)),
    }


def enqueue_deliveries(event: CaseEvent) -> list[WebhookDelivery]:
    """One pending delivery per active webhook of the event's agency. Call inside the transition's
    transaction: the outbox rows then commit or roll back with the event."""
    webhooks = list(Webhook.objects.filter(agency_id=event.case.agency_id, is_active=True))
    if not webhooks:
        return []
    payload = webhook_payload(event)
    now = timezone.now()
    return WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook=w, event=event, payload=payload, next_attempt_at=now) for w in webhooks]
    )


# --- Signing ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-OneStop-Signature`` header value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    tolerance_seconds: int | None = DEFAULT_TOLERANCE_SECONDS,
    now: datetime | None = None,
) -> bool:
    """Whether ``header`` (the ``X-OneStop-Signature`` value) signs ``body`` at ``timestamp`` (the
    ``X-OneStop-Timestamp`` value) with ``secret``, and the timestamp is within
    ``tolerance_seconds`` of ``now`` (``None``: any age). Compares in constant time."""
    if not header.startswith(SIGNATURE_PREFIX):
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if tolerance_seconds is not None:
        current = (now or timezone.now()).timestamp()
        if abs(current - sent) > tolerance_seconds:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def new_secret() -> str:
    """A fresh random webhook secret (shown once to the agency in the admin)."""
    return secrets.token_urlsafe(32)


# --- Administration -------------------------------------------------------------------------


def _webhook_state(webhook: Webhook) -> dict[str, Any]:
    # The secret is never written to the audit trail.
    return {"agency": webhook.agency_id, "url": webhook.url, "is_active": webhook.is_active}


def webhook_save(*, actor: Actor, webhook: Webhook) -> Webhook:
    """Create or change a webhook (from the admin); an empty secret gets a random one. Audited
    without the secret."""
    with transaction.atomic():
        before = None
        if webhook.pk is not None:
            old = Webhook.objects.select_for_update().filter(pk=webhook.pk).first()
            before = _webhook_state(old) if old is not None else None
        if not webhook.secret:
            webhook.secret = new_secret()
        webhook.full_clean()
        webhook.save()
        audit_record(
            actor=actor,
            action="webhook.create" if before is None else "webhook.update",
            target=webhook,
            before=before,
            after=_webhook_state(webhook),
        )
    return webhook


def webhook_delete(*, actor: Actor, webhook: Webhook) -> None:
    """Remove a webhook and its delivery history. Audited."""
    with transaction.atomic():
        audit_record(actor=actor, action="webhook.delete", target=webhook, before=_webhook_state(webhook))
        webhook.delete()


# --- Delivery -------------------------------------------------------------------------------


def max_attempts() -> int:
    return max(1, int(getattr(settings, "ONESTOP_WEBHOOK_MAX_ATTEMPTS", 8)))


def request_timeout() -> float:
    return float(getattr(settings, "ONESTOP_WEBHOOK_TIMEOUT_SECONDS", 5.0))


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: doubling from
    ``BACKOFF_BASE_SECONDS`` up to ``BACKOFF_CAP_SECONDS``, with jitter over the upper half so that
    deliveries failing together (a receiver down) do not all come back at the same instant."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


@dataclass(frozen=True)
class DeliveryResult:
    """What one pass of :func:`deliver_due` did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def _claim(delivery: WebhookDelivery, *, now: datetime) -> bool:
    """Take the delivery's next attempt for this worker, or learn another one has it.

    Compare-and-set on ``attempts`` (and on the row still being pending and due): only one
    ``UPDATE`` can match, and it pushes ``next_attempt_at`` past the request timeout so the row is
    not due for anyone else while this worker sends.
    """
    lease = timedelta(seconds=request_timeout() + CLAIM_LEASE_MARGIN_SECONDS)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=WebhookDelivery.Status.PENDING,
        attempts=delivery.attempts,
        next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + lease)
    if claimed:
        delivery.attempts += 1
    return bool(claimed)


def _body(payload: Any) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False).encode()


def _send(client: httpx.Client, delivery: WebhookDelivery, *, now: datetime) -> str:
    """POST the delivery; returns "" on a 2xx answer, else why it failed."""
    body = _body(delivery.payload)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OneStop-Webhooks/1",
        "X-OneStop-Event": str(delivery.payload.get("type", "")),
        "X-OneStop-Delivery": str(delivery.pk),
        "X-OneStop-Timestamp": timestamp,
        "X-OneStop-Signature": sign(delivery.webhook.secret, timestamp, body),
    }
    try:
        response = client.post(delivery.webhook.url, content=body, headers=headers)
    except httpx.HTTPError as err:
        return f"{type(err).__name__}: {err}"[:300]
    if 200 <= response.status_code < 300:
        return ""
    return f"HTTP {response.status_code}"


def _give_up(delivery: WebhookDelivery, *, error: str) -> bool:
    with transaction.atomic():
        gave_up = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
        ).update(status=WebhookDelivery.Status.FAILED, last_error=error)
        if gave_up:
            audit_record(
                actor=DELIVERER,
                action="webhook_delivery.fail",
                target=delivery,
                after={"attempts": delivery.attempts, "last_error": error},
            )
    logger.warning(
        "webhook delivery %s to %s given up after %s attempts: %s",
        delivery.pk,
        delivery.webhook.url,
        delivery.attempts,
        error,
    )
    return bool(gave_up)


def _record(delivery: WebhookDelivery, *, error: str, now: datetime) -> str:
    """Store the attempt's outcome; returns "delivered", "retrying" or "failed"."""
    if not error:
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
        ).update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, last_error="")
        return "delivered"
    if delivery.attempts < max_attempts():
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
        ).update(next_attempt_at=now + backoff(delivery.attempts), last_error=error)
        return "retrying"
    _give_up(delivery, error=error)
    return "failed"


def deliver_due(
    *, at: datetime | None = None, batch: int = 100, client: httpx.Client | None = None
) -> DeliveryResult:
    """Send every pending delivery whose time has come (oldest first, at most ``batch``).

    ``at`` fixes the clock (tests); otherwise each attempt is stamped with the time it is made.
    """
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=at or timezone.now()
        )
        .select_related("webhook")
        .order_by("next_attempt_at", "id")[:batch]
    )
    counts = {"delivered": 0, "retrying": 0, "failed": 0, "skipped": 0}
    if not due:
        return DeliveryResult()
    http = client or httpx.Client(timeout=request_timeout(), follow_redirects=False)
    try:
        for delivery in due:
            now = at or timezone.now()
            if not _claim(delivery, now=now):
                counts["skipped"] += 1
                continue
            if not delivery.webhook.is_active:
                # Switched off after the event: do not post to a retired URL.
                _give_up(delivery, error="webhook deactivated")
                counts["failed"] += 1
                continue
            error = _send(http, delivery, now=now)
            counts[_record(delivery, error=error, now=at or timezone.now())] += 1
    finally:
        if client is None:
            http.close()
    return DeliveryResult(**counts)
