"""Once-only evidence: what a registry holds about the citizen is fetched through the data exchange
instead of being asked of them.

Each evidence item whose type names a data service (``EvidenceType.exchange_service``) is fetched
for the application's citizen, as the back-office subsystem of the agency that handles the service,
with the application's tracking number as ``X-Road-Issue`` (purpose binding: cases/matters.py).
The outcome decides the item's status:

* the registry answers: its JSON is stored as a ``Document`` (source *registry*) with provenance
  (which agency and service, when, the exchange's ids and request hash), and the item is *fetched*;
* the registry holds nothing (404): the item is *to be uploaded* by the citizen;
* the registry is unavailable (timeout, network, open circuit): the item stays *to be fetched* and
  :func:`evidence_retry_due` tries again after an exponential back-off (1 minute, doubling, at most
  an hour), so nothing is lost and nothing else waits for it;
* the call is refused (no right, no purpose, no back-office subsystem): it stays *to be fetched*
  with the reason and is not retried: an administrator must fix the directory, then anyone who may
  act on the application fetches it again (:func:`application_fetch_evidence`).

The remote call never runs inside a database transaction (slow I/O outside the lock); every state
change afterwards is a compare-and-set on the item's status in a transaction with its audit record,
so two workers that fetched the same item at once attach one document, not two.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.errors import NotAllowed
from onestop.cases.models import Application, ApplicationItem, Case, Document, EvidenceItem
from onestop.cases.services.applications import application_tracking_number, may_act_for
from onestop.cases.services.cases import may_handle
from onestop.cases.workflow import FINAL_STATUSES, actor_columns, case_event_append
from onestop.catalog.models import Agency
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.exchange import directory
from onestop.exchange.client import (
    ExchangeError,
    ExchangeRefused,
    ExchangeResult,
    ExchangeUnavailable,
    exchange_call,
)
from onestop.exchange.models import DataService
from onestop.exchange.protocol import DEFAULT_PURPOSE
from onestop.people.models import Citizen

logger = logging.getLogger(__name__)

#: The actor of the periodic retries.
RETRIER = SystemActor("evidence-retry")
#: Back-off after a failed fetch: the first retry after a minute, doubling, never more than an hour.
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)
#: How long a retry run holds an item it claimed. Far longer than a fetch can take (timeouts and
#: the client's retries are seconds); a worker that dies mid-fetch only delays the item this long.
CLAIM_LEASE = timedelta(minutes=10)

S = EvidenceItem.Status


def fetch_backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after ``attempts`` failed ones."""
    doublings = min(max(attempts - 1, 0), 12)  # 2**12 minutes is already past the cap
    return min(FIRST_RETRY * (2**doublings), LAST_RETRY)


def exchange_user_id(actor: Actor, citizen: Citizen) -> str:
    """``X-Road-UserId``: the person on whose behalf the registry is asked, with the country code.
    The citizen themselves by national ID; staff by account number (the citizen's data tracker
    shows the agency, never an employee's name); the system (retries, seeding) as such."""
    country = str(settings.ONESTOP_COUNTRY)
    pk = getattr(actor, "pk", None)
    if actor is None or isinstance(actor, SystemActor) or pk is None:
        return f"{country}-SYSTEM"
    if citizen.user_id is not None and pk == citizen.user_id:
        return f"{country}{citizen.national_id}"
    return f"{country}-STAFF-{pk}"


def _case_of(item: ApplicationItem) -> Case | None:
    try:
        return item.case
    except ObjectDoesNotExist:
        return None


def _require_fetcher(actor: Actor, application: Application, cases: list[Case]) -> None:
    """Who may make the state fetch evidence: whoever may act on the application (the citizen, a
    front-office operator, the system) or the staff handling one of its cases."""
    if may_act_for(actor, application.citizen_id):
        return
    if any(may_handle(actor, case) for case in cases):
        return
    raise NotAllowed(_("You may not fetch evidence for this application."))


def _load(pk: int) -> EvidenceItem:
    return EvidenceItem.objects.select_related(
        "evidence_type",
        "item__service__agency",
        "item__application__citizen",
        "item__case",
    ).get(pk=pk)


def _default_text(instance: models.Model, name: str) -> str:
    """A translated field in the deployment's default language (provenance is a record, not a
    page: it does not change with the language of whoever triggered the fetch)."""
    language = settings.LANGUAGE_CODE
    return str(getattr(instance, f"{name}_{language}", "") or getattr(instance, name, "") or "")


def _provenance(result: ExchangeResult) -> dict[str, Any]:
    """Where the answer came from, as the citizen and the officer are shown it."""
    service = (
        DataService.objects.select_related("provider__agency", "owner")
        .filter(identifier=result.service)
        .first()
    )
    agency: Agency | None = None
    service_name = ""
    if service is not None:
        agency = service.provider.agency or service.owner
        service_name = _default_text(service, "name")
    else:
        provider = directory.member(result.provider)
        if provider is not None and provider.agency_id is not None:
            agency = Agency.objects.filter(pk=provider.agency_id).first()
    return {
        "agency": agency.code if agency is not None else "",
        "agency_name": _default_text(agency, "name") if agency is not None else "",
        "member": result.provider,
        "service": result.service,
        "service_name": service_name or result.service,
        "x_road_id": result.x_road_id,
        "request_id": result.request_id,
        "request_hash": result.request_hash,
        "fetched_at": result.started_at.isoformat(),
    }


def _answer_bytes(result: ExchangeResult) -> bytes:
    # The registry's own bytes when they are JSON: their hash is the response hash in the exchange
    # log, so the document can be matched to the logged exchange.
    if result.body:
        try:
            json.loads(result.body)
        except ValueError:
            pass
        else:
            return bytes(result.body)
    return json.dumps(result.data, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


@dataclass
class _Outcome:
    """What one fetch ended in, before it is written."""

    name: str  # fetched | not-held | unavailable | refused | no-client | case-closed
    status: str
    error: str = ""
    retry_after: timedelta | None = None  # when to try again, counted from the end of the call
    count_attempt: bool = True
    event: str = ""  # the CaseEvent kind for a submitted case ("" for none)
    result: ExchangeResult | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _settle(
    *,
    evidence: EvidenceItem,
    actor: Actor,
    now: datetime,
    outcome: _Outcome,
    document: Document | None = None,
) -> bool:
    """Write an outcome: compare-and-set on the item still being *to be fetched*, the document
    link, the case event and the audit record, in one transaction. False if another worker settled
    the item first (then nothing of this attempt is kept)."""
    retry_at = now + outcome.retry_after if outcome.retry_after is not None else None
    columns: dict[str, Any] = {
        "status": outcome.status,
        "next_fetch_at": retry_at,
        "last_fetch_error": outcome.error[:300],
    }
    if outcome.count_attempt:
        columns["fetch_attempts"] = F("fetch_attempts") + 1
    with transaction.atomic():
        if document is not None:
            document.save(force_insert=True)
            columns["document"] = document
        changed = EvidenceItem.objects.filter(pk=evidence.pk, status=S.TO_BE_FETCHED).update(**columns)
        if changed != 1:
            transaction.set_rollback(True)
            return False
        item = evidence.item
        case = _case_of(item)
        result = outcome.result
        data: dict[str, Any] = {"evidence": evidence.evidence_type.code, "outcome": outcome.name}
        if result is not None:
            data.update({"service": result.service, "x_road_id": result.x_road_id})
            if result.request_id:
                data["request_id"] = result.request_id
        if document is not None:
            data["document"] = document.pk
        if outcome.error:
            data["error"] = outcome.error[:300]
        if case is not None and outcome.event:
            case_event_append(case=case, kind=outcome.event, actor=actor, at=now, data=data)
        audit_record(
            actor=actor,
            action="evidence.fetch",
            target=evidence,
            before={"status": S.TO_BE_FETCHED, "attempts": evidence.fetch_attempts},
            after={
                "status": outcome.status,
                "next_fetch_at": retry_at.isoformat() if retry_at else None,
                **data,
                **outcome.details,
            },
        )
    return True


def _store(evidence: EvidenceItem, result: ExchangeResult, actor: Actor, now: datetime) -> Document:
    """Put the registry's answer in storage; the row is saved by :func:`_settle` if it wins."""
    content = _answer_bytes(result)
    local = timezone.localtime(now)
    path = f"cases/{local:%Y}/{local:%m}/{secrets.token_urlsafe(24)}.json"
    stored = default_storage.save(path, ContentFile(content, name=path))
    kind, actor_id, _label = actor_columns(actor)
    item = evidence.item
    return Document(
        application=item.application,
        case=_case_of(item),
        evidence_type=evidence.evidence_type,
        source=Document.Source.REGISTRY,
        file=stored,
        original_name=f"{evidence.evidence_type.code}.json"[:200],
        content_type="application/json",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=now,
        uploaded_by_kind=kind,
        uploaded_by_id=actor_id,
        provenance=_provenance(result),
    )


def _discard(document: Document) -> None:
    """Remove the stored bytes of a document whose row never committed."""
    if document.file.name:
        default_storage.delete(document.file.name)


def _call(evidence: EvidenceItem, actor: Actor) -> _Outcome:
    """Ask the registry (outside any transaction) and say what came of it."""
    item = evidence.item
    application = item.application
    citizen = application.citizen
    case = _case_of(item)
    if case is not None and case.status in FINAL_STATUSES:
        return _Outcome(
            "case-closed",
            S.TO_BE_FETCHED,
            error=_("The case is closed: the evidence is no longer fetched."),
            count_attempt=False,
        )
    agency = item.service.agency
    client = directory.client_of_agency(agency.code)
    if client is None:
        logger.warning(
            "agency %s has no back-office subsystem: evidence %s cannot be fetched", agency.code, evidence.pk
        )
        return _Outcome(
            "no-client",
            S.TO_BE_FETCHED,
            error=_(
                "%(agency)s has no back-office subsystem in the exchange directory, so it cannot "
                "fetch evidence. An administrator must add one."
            )
            % {"agency": agency.name},
            event="evidence_fetch_refused",
        )
    service = evidence.evidence_type.exchange_service
    try:
        result = exchange_call(
            client=client.identifier,
            service=service,
            subject=citizen.national_id,
            user_id=exchange_user_id(actor, citizen),
            issue=application_tracking_number(application),
            purpose=DEFAULT_PURPOSE,
        )
    except ExchangeUnavailable as exc:
        attempts = evidence.fetch_attempts + 1
        return _Outcome(
            "unavailable",
            S.TO_BE_FETCHED,
            error=str(exc.error),
            retry_after=fetch_backoff(attempts),
            details={"error_type": str(exc.error.type)},
        )
    except ExchangeError as exc:
        # Refused (no right, no purpose, bad identifiers): retrying changes nothing until an
        # administrator fixes the directory or the catalogue.
        logger.warning(
            "evidence %s of application %s refused by %s: %s",
            evidence.pk,
            application.pk,
            service,
            exc.error,
        )
        return _Outcome(
            "refused",
            S.TO_BE_FETCHED,
            error=str(exc.error),
            event="evidence_fetch_refused",
            details={"error_type": str(exc.error.type), "refused": isinstance(exc, ExchangeRefused)},
        )
    if result.status == 200:
        return _Outcome("fetched", S.FETCHED, event="evidence_fetched", result=result)
    if result.status == 404:
        return _Outcome(
            "not-held",
            S.TO_BE_UPLOADED,
            error=_("The registry holds no record of this person: the document must be uploaded."),
            event="evidence_not_held",
            result=result,
        )
    if result.status >= 500:
        attempts = evidence.fetch_attempts + 1
        return _Outcome(
            "unavailable",
            S.TO_BE_FETCHED,
            error=_("The registry answered with an error (HTTP %(status)s).") % {"status": result.status},
            retry_after=fetch_backoff(attempts),
            result=result,
        )
    logger.warning(
        "evidence %s of application %s: %s answered HTTP %s",
        evidence.pk,
        application.pk,
        service,
        result.status,
    )
    return _Outcome(
        "refused",
        S.TO_BE_FETCHED,
        error=_("The registry did not accept the question (HTTP %(status)s).") % {"status": result.status},
        event="evidence_fetch_refused",
        result=result,
    )


def evidence_fetch(*, evidence: EvidenceItem, actor: Actor, at: datetime | None = None) -> EvidenceItem:
    """Fetch one *to be fetched* evidence item from its registry for the application's citizen and
    record the outcome (see the module docstring); returns the item as it now stands. An item that
    is no longer to be fetched is returned as it is, without a call."""
    current = _load(evidence.pk)
    if current.status != S.TO_BE_FETCHED:
        return current
    application = current.item.application
    case = _case_of(current.item)
    _require_fetcher(actor, application, [case] if case is not None else [])
    outcome = _call(current, actor)
    # The call took its time: what happens next happens now.
    now = at or timezone.now()
    document: Document | None = None
    if outcome.status == S.FETCHED:
        assert outcome.result is not None
        document = _store(current, outcome.result, actor, now)
    try:
        won = _settle(evidence=current, actor=actor, now=now, outcome=outcome, document=document)
    except BaseException:
        if document is not None:
            _discard(document)
        raise
    if not won and document is not None:
        # Another worker attached its document first; ours would be an orphan nobody can reach.
        _discard(document)
    return _load(current.pk)


def application_fetch_evidence(*, application: Application, actor: Actor) -> list[EvidenceItem]:
    """Fetch every item of ``application`` that is still to be fetched (back-off or not: someone
    asked now); items already fetched or uploaded are skipped. Returns the items tried, as they
    now stand."""
    _require_fetcher(actor, application, list(application.cases.select_related("agency")))
    pending = EvidenceItem.objects.filter(item__application=application, status=S.TO_BE_FETCHED).order_by(
        "pk"
    )
    return [evidence_fetch(evidence=evidence, actor=actor) for evidence in pending]


def evidence_items_for_imported(*, application: Application, actor: Actor) -> int:
    """Give an application imported from history (``case_history_import`` writes none) the registry
    items of its evidence list, *to be fetched*, so the exchange can fill them in. Only what a
    registry holds: whatever the citizen handed in back then is not part of an import; and only for
    services whose case is still open. Idempotent; returns how many items were added."""
    # Items whose case is over get nothing: purpose binding would refuse the fetch anyway.
    items = list(application.items.select_related("service").exclude(case__status__in=FINAL_STATUSES))
    have = set(EvidenceItem.objects.filter(item__in=items).values_list("item_id", "evidence_type_id"))
    new = [
        EvidenceItem(
            item=item, evidence_type=req.evidence_type, required=req.required, status=S.TO_BE_FETCHED
        )
        for item in items
        for req in item.service.evidence_requirements.select_related("evidence_type")
        if req.evidence_type.exchange_service and (item.pk, req.evidence_type_id) not in have
    ]
    if not new:
        return 0
    with transaction.atomic():
        EvidenceItem.objects.bulk_create(new)
        audit_record(
            actor=actor,
            action="evidence.plan_imported",
            target=application,
            after={"items": sorted(e.evidence_type.code for e in new)},
        )
    return len(new)


def _fetch_item_evidence(item_id: int, actor: Actor) -> None:
    """The after-commit hook of :func:`fetch_after_commit`: never lets a failure escape into the
    request that added the service."""
    pending = list(
        EvidenceItem.objects.filter(item_id=item_id, status=S.TO_BE_FETCHED).values_list("pk", flat=True)
    )
    for pk in sorted(pending):
        try:
            evidence_fetch(evidence=EvidenceItem(pk=pk), actor=actor)
        except Exception:
            # The item stays "to be fetched"; an operator or the citizen can fetch it again.
            logger.exception("fetching evidence item %s of application item %s failed", pk, item_id)


def fetch_after_commit(*, item: ApplicationItem, actor: Actor, to_fetch: bool | None = None) -> None:
    """Fetch the new item's registry evidence as soon as the current transaction commits: inline,
    so the next page already shows it, and bounded by each service's timeout and circuit breaker.
    Nothing is scheduled when the item needs no registry. ``to_fetch``: whether the item has
    evidence to be fetched, when the caller knows (it just wrote the rows); None asks the database."""
    if to_fetch is None:
        to_fetch = EvidenceItem.objects.filter(item=item, status=S.TO_BE_FETCHED).exists()
    if not to_fetch:
        return
    item_id = item.pk
    transaction.on_commit(lambda: _fetch_item_evidence(item_id, actor))


def _claim(pk: int, seen: datetime, now: datetime) -> bool:
    """Take an item for this run: move its ``next_fetch_at`` from the value this run read to the
    end of the lease. Exactly one of two runs that read the same value changes the row."""
    return (
        EvidenceItem.objects.filter(pk=pk, status=S.TO_BE_FETCHED, next_fetch_at=seen).update(
            next_fetch_at=now + CLAIM_LEASE
        )
        == 1
    )


def evidence_retry_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Fetch again the items whose back-off is over (``next_fetch_at`` passed; the partial index
    ``evidence_fetch_due_idx``), oldest first, at most ``limit``. Each item is claimed by
    compare-and-set before its call, so two runs never fetch the same item. Returns how many items
    this run tried."""
    moment = now or timezone.now()
    due = list(
        EvidenceItem.objects.filter(status=S.TO_BE_FETCHED, next_fetch_at__lte=moment)
        .order_by("next_fetch_at", "pk")
        .values_list("pk", "next_fetch_at")[:limit]
    )
    tried = 0
    for pk, seen in due:
        assert seen is not None
        if not _claim(pk, seen, moment):
            continue
        tried += 1
        try:
            evidence_fetch(evidence=EvidenceItem(pk=pk), actor=RETRIER, at=now)
        except Exception:
            # One broken item must not stop the others; it is tried again when its lease ends.
            logger.exception("retrying the fetch of evidence item %s failed", pk)
    return tried


__all__ = [
    "CLAIM_LEASE",
    "RETRIER",
    "application_fetch_evidence",
    "evidence_fetch",
    "evidence_retry_due",
    "exchange_user_id",
    "fetch_after_commit",
    "fetch_backoff",
]
