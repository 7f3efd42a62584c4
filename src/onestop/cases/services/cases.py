"""What officers and citizens do to a case: start the review, ask for information (the SLA clock
stops) and answer it (the clock resumes), approve or reject with published reason codes, issue the
result, close, withdraw. Each is one transaction through :func:`onestop.cases.workflow.case_transition`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.errors import IllegalTransition, InvalidAnswers, NotAllowed
from onestop.cases.models import Case, Decision, Document, InformationRequest, OutputDocument, ReasonCode
from onestop.cases.services.sla import resumed_deadlines
from onestop.cases.workflow import DECIDED_STATUSES, case_transition, is_legal
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.people.models import CENTRE_ROLES, Role, User
from onestop.people.scoping import has_role, roles_of

S = Case.Status


def may_handle(actor: Actor, case: Case) -> bool:
    """Officers act only on cases assigned to them; the agency head on any case of the agency."""
    if not isinstance(actor, User) or not actor.is_active:
        return False
    if case.assignee_id == actor.pk and has_role(actor, Role.OFFICER, agency=case.agency):
        return True
    return has_role(actor, Role.AGENCY_HEAD, agency=case.agency)


def _require_handler(actor: Actor, case: Case) -> User:
    if not may_handle(actor, case):
        raise NotAllowed(_("Only the officer the case is assigned to, or the agency head, may do this."))
    assert isinstance(actor, User)
    return actor


def _acts_for_citizen(actor: Actor, case: Case) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if not isinstance(actor, User) or not actor.is_active:
        return False
    if case.citizen.user_id == actor.pk:
        return True
    return bool(roles_of(actor) & CENTRE_ROLES)


def _require_legal(case: Case, to_status: str) -> None:
    if not is_legal(case.status, to_status):
        raise IllegalTransition(extra={"from_status": case.status, "to_status": to_status})


def case_start_review(*, actor: Actor, case: Case, at: datetime | None = None) -> Case:
    """The officer opens a submitted (or resubmitted) case for review."""
    _require_handler(actor, case)
    return case_transition(case=case, to_status=S.IN_REVIEW, actor=actor, at=at or timezone.now())


def case_request_information(
    *, actor: Actor, case: Case, message: str, at: datetime | None = None
) -> InformationRequest:
    """Ask the citizen for more; the SLA clock stops until they answer."""
    now = at or timezone.now()
    officer = _require_handler(actor, case)
    message = (message or "").strip()
    if not message:
        raise InvalidAnswers(
            _("Say what information is needed."), errors={"message": [_("This field is required.")]}
        )
    with transaction.atomic():
        case_transition(
            case=case,
            to_status=S.INFORMATION_REQUESTED,
            actor=actor,
            at=now,
            reason=message,
            clock_stopped_at=now,
        )
        request = InformationRequest.objects.create(
            case=case, message=message, requested_at=now, requested_by=officer
        )
    return request


def case_answer_information(
    *,
    actor: Actor,
    case: Case,
    answer: str,
    documents: Sequence[Document] = (),
    at: datetime | None = None,
) -> Case:
    """The citizen (or an operator for them) answers the open request; the clock resumes and every
    deadline moves forward by the business time it stood still."""
    now = at or timezone.now()
    if not _acts_for_citizen(actor, case):
        raise NotAllowed(_("Only the applicant may answer this request."))
    answer = (answer or "").strip()
    if not answer and not documents:
        raise InvalidAnswers(
            _("Write an answer or attach a document."), errors={"answer": [_("This field is required.")]}
        )
    for document in documents:
        if document.application_id != case.application_id:
            raise InvalidAnswers(errors={"documents": [_("A document belongs to another application.")]})
    _require_legal(case, S.RESUBMITTED)
    with transaction.atomic():
        fields = resumed_deadlines(case, case.service, now)
        case_transition(
            case=case,
            to_status=S.RESUBMITTED,
            actor=actor,
            at=now,
            data={"documents": [d.pk for d in documents]},
            fields=fields,
        )
        request = case.information_requests.filter(answered_at__isnull=True).order_by("-requested_at").first()
        if request is not None:
            request.answered_at = now
            request.answer = answer
            request.save(update_fields=["answered_at", "answer"])
        if documents:
            Document.objects.filter(pk__in=[d.pk for d in documents]).update(case=case)
    return case


def _decide(
    *,
    actor: Actor,
    case: Case,
    outcome: str,
    reason_codes: Sequence[ReasonCode],
    note: str,
    at: datetime | None,
) -> Decision:
    now = at or timezone.now()
    officer = _require_handler(actor, case)
    to_status = S.APPROVED if outcome == Decision.Outcome.APPROVED else S.REJECTED
    _require_legal(case, to_status)
    wanted = (
        ReasonCode.Outcome.APPROVAL if outcome == Decision.Outcome.APPROVED else ReasonCode.Outcome.REJECTION
    )
    codes = list(reason_codes)
    if any(code.outcome != wanted for code in codes):
        raise InvalidAnswers(errors={"reason_codes": [_("A reason code does not fit this decision.")]})
    if outcome == Decision.Outcome.REJECTED and not any(code.legal_ground for code in codes):
        raise InvalidAnswers(
            _("A rejection must cite at least one reason with its legal ground."),
            errors={"reason_codes": [_("Choose at least one rejection reason.")]},
        )
    with transaction.atomic():
        # The compare-and-set decides a race: the loser gets IllegalTransition before writing anything.
        case_transition(
            case=case,
            to_status=to_status,
            actor=actor,
            at=now,
            reason=note,
            data={"reason_codes": [c.code for c in codes]},
            decided_at=now,
        )
        decision = Decision.objects.create(
            case=case, outcome=outcome, note=note, decided_at=now, decided_by=officer
        )
        decision.reason_codes.set(codes)
    return decision


def case_approve(
    *,
    actor: Actor,
    case: Case,
    reason_codes: Sequence[ReasonCode] = (),
    note: str = "",
    at: datetime | None = None,
) -> Decision:
    """Approve a case under review (approval reason codes optional)."""
    return _decide(
        actor=actor, case=case, outcome=Decision.Outcome.APPROVED, reason_codes=reason_codes, note=note, at=at
    )


def case_reject(
    *,
    actor: Actor,
    case: Case,
    reason_codes: Sequence[ReasonCode],
    note: str = "",
    at: datetime | None = None,
) -> Decision:
    """Reject a case under review, citing at least one rejection reason with its legal ground."""
    return _decide(
        actor=actor, case=case, outcome=Decision.Outcome.REJECTED, reason_codes=reason_codes, note=note, at=at
    )


def case_issue_result(*, actor: Actor, case: Case, at: datetime | None = None) -> OutputDocument:
    """Render the result document of a decided case and mark the result issued."""
    from onestop.cases.outputs import render_output_pdf  # written by the documents module

    now = at or timezone.now()
    _require_handler(actor, case)
    _require_legal(case, S.RESULT_ISSUED)
    with transaction.atomic():
        case_transition(case=case, to_status=S.RESULT_ISSUED, actor=actor, at=now)
        output = render_output_pdf(case)
        audit_record(actor=actor, action="case.output_render", target=output, after={"case": case.number})
    return output


def case_close(*, actor: Actor, case: Case, at: datetime | None = None) -> Case:
    """Close a case whose result has been issued."""
    now = at or timezone.now()
    _require_handler(actor, case)
    return case_transition(case=case, to_status=S.CLOSED, actor=actor, at=now, closed_at=now)


def case_withdraw(*, actor: Actor, case: Case, reason: str = "", at: datetime | None = None) -> Case:
    """The citizen withdraws a case that has not been decided yet."""
    now = at or timezone.now()
    if not _acts_for_citizen(actor, case):
        raise NotAllowed(_("Only the applicant may withdraw the application."))
    if case.status in DECIDED_STATUSES:
        raise IllegalTransition(_("A decided case can no longer be withdrawn."))
    return case_transition(
        case=case,
        to_status=S.WITHDRAWN,
        actor=actor,
        at=now,
        reason=reason,
        closed_at=now,
        clock_stopped_at=None,
    )


__all__ = [
    "case_answer_information",
    "case_approve",
    "case_close",
    "case_issue_result",
    "case_reject",
    "case_request_information",
    "case_start_review",
    "case_withdraw",
    "may_handle",
]
