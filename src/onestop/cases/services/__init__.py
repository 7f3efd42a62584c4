"""Write services of the back office (applications, evidence fetched from registries, case
workflow, assignment, SLA). Import from here: ``from onestop.cases.services import case_approve``."""

from onestop.cases.services.applications import (
    application_add_service,
    application_fee,
    application_remove_service,
    application_save_answers,
    application_start,
    application_submit,
    application_tracking_number,
    item_fee,
    may_act_for,
)
from onestop.cases.services.assignment import (
    case_assign_automatically,
    case_reassign,
    eligible_officers,
    officers_of_agency,
)
from onestop.cases.services.cases import (
    case_answer_information,
    case_approve,
    case_close,
    case_issue_result,
    case_reject,
    case_request_information,
    case_start_review,
    case_withdraw,
    may_handle,
)
from onestop.cases.services.evidence import (
    application_fetch_evidence,
    evidence_fetch,
    evidence_items_for_imported,
    evidence_retry_due,
)
from onestop.cases.services.sla import SweepResult, case_deadlines, sla_sweep

__all__ = [
    "SweepResult",
    "application_add_service",
    "application_fee",
    "application_fetch_evidence",
    "application_remove_service",
    "application_save_answers",
    "application_start",
    "application_submit",
    "application_tracking_number",
    "case_answer_information",
    "case_approve",
    "case_assign_automatically",
    "case_close",
    "case_deadlines",
    "case_issue_result",
    "case_reassign",
    "case_reject",
    "case_request_information",
    "case_start_review",
    "case_withdraw",
    "eligible_officers",
    "evidence_fetch",
    "evidence_items_for_imported",
    "evidence_retry_due",
    "item_fee",
    "may_act_for",
    "may_handle",
    "officers_of_agency",
    "sla_sweep",
]
