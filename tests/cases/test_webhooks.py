"""Webhooks: the signature agencies verify, the outbox rows written with an event, and delivery to a
real HTTP server on 127.0.0.1 — success, retry with back-off, giving up, no double delivery."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from onestop.cases import webhooks
from onestop.cases.models import Application, ApplicationItem, Case, CaseEvent, Webhook, WebhookDelivery
from onestop.cases.webhooks import deliver_due, enqueue_deliveries, sign, verify_signature, webhook_payload
from onestop.core.models import AuditEvent
from tests.factories.catalog import AgencyFactory, ServiceFactory
from tests.factories.people import CitizenFactory

SECRET = "whsec_example"


class Receiver:
    """An agency system: records every request and answers with the next scripted status."""

    def __init__(self, statuses: list[int] | None = None, *, delay: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/onestop"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def make_case(agency: Any, n: int = 1) -> Case:
    now = timezone.now()
    service = ServiceFactory(agency=agency)
    citizen = CitizenFactory()
    application = Application.objects.create(
        citizen=citizen,
        channel="online",
        status="submitted",
        tracking_number=f"T-{agency.code}-{n}",
        created_at=now,
        updated_at=now,
        submitted_at=now,
    )
    item = ApplicationItem.objects.create(application=application, service=service)
    return Case.objects.create(
        application=application,
        item=item,
        number=f"C-{agency.code}-{n}",
        citizen=citizen,
        service=service,
        agency=agency,
        status=Case.Status.APPROVED,
        submitted_at=now,
        statutory_due_at=now + timedelta(days=10),
    )


def make_event(case: Case, kind: str = "approved") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=timezone.now(),
        from_status="in_review",
        to_status="approved",
        actor_kind="user",
        actor_id="1",
        actor_label="officer",
        reason="All documents in order",
        data={"reason_codes": ["complete"]},
    )


def queue_delivery(url: str, *, n: int = 1, agency: Any = None) -> WebhookDelivery:
    agency = agency or AgencyFactory()
    hook = Webhook.objects.get_or_create(agency=agency, url=url, defaults={"secret": SECRET})[0]
    with transaction.atomic():
        (delivery,) = enqueue_deliveries(make_event(make_case(agency, n)))
    assert delivery.webhook == hook
    return delivery


# --- Signing -------------------------------------------------------------------------------


def test_signature_matches_known_vector():
    # Also reproducible with: printf '1700000000.{"id":1,"type":"case.approved"}' | openssl dgst -sha256 -hmac whsec_example
    body = b'{"id":1,"type":"case.approved"}'
    assert sign(SECRET, 1700000000, body) == (
        "sha256=7dd626032b8c10646cb066a27784df53f25a5882c515bd7350131b6f3d447588"
    )


def test_verify_signature_accepts_genuine_and_rejects_forged_requests():
    body = b'{"id":1,"type":"case.approved"}'
    now = datetime.fromtimestamp(1700000010, tz=UTC)
    header = sign(SECRET, 1700000000, body)
    assert verify_signature(SECRET, "1700000000", body, header, now=now)
    assert not verify_signature(SECRET, "1700000000", body + b" ", header, now=now)  # body changed
    assert not verify_signature("other-secret", "1700000000", body, header, now=now)
    assert not verify_signature(SECRET, "1700000001", body, header, now=now)  # timestamp changed
    assert not verify_signature(SECRET, "1700000000", body, header.removeprefix("sha256="), now=now)
    assert not verify_signature(SECRET, "soon", body, header, now=now)
    # A captured request replayed an hour later is refused, unless the receiver opts out.
    later = now + timedelta(hours=1)
    assert not verify_signature(SECRET, "1700000000", body, header, now=later)
    assert verify_signature(SECRET, "1700000000", body, header, now=later, tolerance_seconds=None)


# --- Outbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_event_queues_one_delivery_per_active_webhook_of_its_agency():
    agency, other = AgencyFactory(), AgencyFactory()
    first = Webhook.objects.create(agency=agency, url="http://127.0.0.1:9/a", secret=SECRET)
    second = Webhook.objects.create(agency=agency, url="http://127.0.0.1:9/b", secret=SECRET)
    Webhook.objects.create(agency=agency, url="http://127.0.0.1:9/off", secret=SECRET, is_active=False)
    Webhook.objects.create(agency=other, url="http://127.0.0.1:9/other", secret=SECRET)
    event = make_event(make_case(agency))
    with transaction.atomic():
        deliveries = enqueue_deliveries(event)
    assert {d.webhook_id for d in deliveries} == {first.pk, second.pk}
    assert all(d.status == WebhookDelivery.Status.PENDING and d.attempts == 0 for d in deliveries)
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_payload_names_the_event_and_case_without_the_case_file():
    case = make_case(AgencyFactory(code="tax"))
    event = make_event(case)
    payload = webhook_payload(event)
    assert payload["id"] == event.pk
    assert payload["type"] == "case.approved"
    assert payload["case"] == {
        "number": case.number,
        "status": "approved",
        "service": case.service.identifier,
        "agency": "tax",
        "url": f"/api/v1/cases/{case.number}",
    }
    assert payload["from_status"] == "in_review"
    assert payload["data"] == {"reason_codes": ["complete"]}
    assert case.citizen.national_id not in json.dumps(payload)


# --- Delivery -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivery_posts_signed_json_and_is_marked_delivered(receiver):
    delivery = queue_delivery(receiver.url)
    result = deliver_due()
    assert result.delivered == 1
    (request,) = receiver.requests
    headers = request["headers"]
    assert request["path"] == "/hooks/onestop"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-OneStop-Event"] == "case.approved"
    assert headers["X-OneStop-Delivery"] == str(delivery.pk)
    assert verify_signature(
        SECRET, headers["X-OneStop-Timestamp"], request["body"], headers["X-OneStop-Signature"]
    )
    assert json.loads(request["body"]) == delivery.payload
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 1
    assert delivery.delivered_at is not None
    assert deliver_due().attempted == 0  # nothing sent twice
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_server_error_is_retried_after_back_off_with_the_same_delivery_id(receiver):
    receiver.statuses = [500]
    delivery = queue_delivery(receiver.url)
    now = timezone.now()
    assert deliver_due(at=now).retrying == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == "HTTP 500"
    # First back-off: 30 s with jitter over its upper half.
    assert now + timedelta(seconds=15) <= delivery.next_attempt_at <= now + timedelta(seconds=30)
    assert deliver_due(at=now + timedelta(seconds=10)).attempted == 0  # not yet due
    assert deliver_due(at=now + timedelta(seconds=31)).delivered == 1
    assert [r["headers"]["X-OneStop-Delivery"] for r in receiver.requests] == [str(delivery.pk)] * 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")


def test_back_off_doubles_and_is_capped():
    ceilings = [30, 60, 120, 240]
    for attempts, ceiling in enumerate(ceilings, start=1):
        for _ in range(20):
            wait = webhooks.backoff(attempts).total_seconds()
            assert ceiling / 2 <= wait <= ceiling
    assert webhooks.backoff(50).total_seconds() <= webhooks.BACKOFF_CAP_SECONDS


@pytest.mark.django_db
def test_delivery_is_given_up_after_max_attempts(receiver, settings):
    settings.ONESTOP_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 10
    delivery = queue_delivery(receiver.url)
    at = timezone.now()
    for _ in range(6):
        deliver_due(at=at)
        at += timedelta(days=1)
    assert len(receiver.requests) == 3
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 3
    assert delivery.last_error == "HTTP 500"
    assert AuditEvent.objects.filter(action="webhook_delivery.fail", target_id=str(delivery.pk)).count() == 1


@pytest.mark.django_db
def test_unreachable_receiver_is_a_failed_attempt_not_a_crash(settings):
    settings.ONESTOP_WEBHOOK_TIMEOUT_SECONDS = 1.0
    with Receiver() as closed:
        url = closed.url
    delivery = queue_delivery(url)  # nobody listens there any more
    assert deliver_due().retrying == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "ConnectError" in delivery.last_error


@pytest.mark.django_db
def test_deactivated_webhook_is_not_called(receiver):
    delivery = queue_delivery(receiver.url)
    Webhook.objects.filter(pk=delivery.webhook_id).update(is_active=False)
    assert deliver_due().failed == 1
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED


@pytest.mark.django_db
def test_worker_holding_a_stale_row_does_not_send_it_again(receiver):
    delivery = queue_delivery(receiver.url)
    stale = WebhookDelivery.objects.get(pk=delivery.pk)  # what a second worker read before the claim
    assert deliver_due().delivered == 1
    now = timezone.now()
    assert webhooks._claim(stale, now=now) is False
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_never_send_the_same_delivery():
    with Receiver(delay=0.05) as slow:
        agency = AgencyFactory()
        ids = {queue_delivery(slow.url, n=n, agency=agency).pk for n in range(8)}
        start = threading.Barrier(2)
        results: list[webhooks.DeliveryResult] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                start.wait()
                results.append(deliver_due())
            except BaseException as err:  # reported to the main thread
                errors.append(err)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert errors == []
    sent = [int(r["headers"]["X-OneStop-Delivery"]) for r in slow.requests]
    assert sorted(sent) == sorted(ids)  # each exactly once
    assert sum(r.delivered for r in results) == 8
    assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).count() == 8
