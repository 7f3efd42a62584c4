"""REST API for agencies' own systems: their cases, and the officer's actions on them.

Agency systems authenticate with a token (``Authorization: Token <key>``) issued to a service-account
user holding the officer or agency-head role at that agency; staff may use their session. Every read
is scoped by ``onestop.people.scoping``: a case of another agency is simply not found (404). Writes
go through the case services; a status change the workflow forbids is a 409, bad input a 400 naming
the field, all as problem+json.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.cases import workflow
from onestop.cases.errors import CaseError
from onestop.cases.models import Case, CaseEvent, Decision, EvidenceItem, ReasonCode
from onestop.catalog.models import Service
from onestop.catalog.serializers import ProblemSerializer
from onestop.core.problems import ProblemError
from onestop.people.models import AGENCY_ROLES, Role, User
from onestop.people.scoping import has_role, scope_to_agencies

TAGS = ["back office"]

AUTHENTICATION = [authentication.TokenAuthentication, authentication.SessionAuthentication]


# --- Errors ---------------------------------------------------------------------------------


def _problem(err: CaseError) -> ProblemError:
    extra = dict(err.extra)
    if isinstance(extra.get("errors"), dict):
        # problem+json here lists bad input as [{name, reason}], like DRF validation errors.
        extra["errors"] = [
            {"name": "" if name == "__all__" else str(name), "reason": str(reason)}
            for name, reasons in extra["errors"].items()
            for reason in reasons
        ]
    return ProblemError(
        slug=err.code, title=str(err.title), detail=err.message, status_code=err.status, **extra
    )


def _run(action: Callable[[], Any]) -> Any:
    """Run a service call, turning domain and model validation errors into problem+json."""
    try:
        return action()
    except CaseError as err:
        raise _problem(err) from err
    except DjangoValidationError as err:
        detail = err.message_dict if hasattr(err, "error_dict") else {"non_field_errors": err.messages}
        raise exceptions.ValidationError(detail) from err


def _problems(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Bad input; `errors` names each offending field (problem+json).",
        401: "No valid token or session (problem+json).",
        403: "Your role at this agency does not allow this action (problem+json).",
        404: "No such case among your agency's cases (problem+json).",
        409: "The case's status does not allow this action now, or it changed meanwhile (problem+json).",
    }
    return {code: OpenApiResponse(ProblemSerializer, description=described[code]) for code in codes}


# --- Output ---------------------------------------------------------------------------------


class CaseSummarySerializer(serializers.Serializer[Case]):
    number = serializers.CharField()
    status = serializers.CharField()
    sla_state = serializers.CharField()
    service = serializers.CharField(source="service.identifier")
    agency = serializers.CharField(source="agency.code")
    assignee = serializers.CharField(
        source="assignee.username", allow_null=True, default=None, help_text="Username of the officer."
    )
    submitted_at = serializers.DateTimeField()
    statutory_due_at = serializers.DateTimeField()
    target_due_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Bumped by every status change.")


class CitizenSerializer(serializers.Serializer[Any]):
    national_id = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    patronymic = serializers.CharField()


class DocumentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    origin = serializers.CharField(source="source", help_text="upload, registry or output.")
    evidence_type = serializers.CharField(source="evidence_type.code", allow_null=True, default=None)
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class EvidenceSerializer(serializers.Serializer[EvidenceItem]):
    evidence_type = serializers.CharField(source="evidence_type.code")
    is_required = serializers.BooleanField(source="required")
    status = serializers.CharField()
    document = serializers.IntegerField(source="document_id", allow_null=True)


class EventSerializer(serializers.Serializer[CaseEvent]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    reason = serializers.CharField()
    details = serializers.JSONField(source="data", help_text="E.g. the reason codes of a decision.")


class DeadlinesSerializer(serializers.Serializer[Case]):
    statutory_due_at = serializers.DateTimeField()
    target_due_at = serializers.DateTimeField(allow_null=True)
    at_risk_at = serializers.DateTimeField(allow_null=True)
    clock_stopped_at = serializers.DateTimeField(
        allow_null=True, help_text="Set while the clock is stopped (information requested)."
    )
    escalated_at = serializers.DateTimeField(allow_null=True)
    sla_state = serializers.CharField()


class InformationRequestSerializer(serializers.Serializer[Any]):
    message = serializers.CharField()
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField()


class DecisionSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField()
    reason_codes = serializers.SerializerMethodField(help_text="Published reason codes.")
    note = serializers.CharField()
    decided_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username")

    def get_reason_codes(self, decision: Decision) -> list[str]:
        return [rc.code for rc in decision.reason_codes.all()]


class OutputDocumentSerializer(serializers.Serializer[Any]):
    verification_code = serializers.CharField()
    sha256 = serializers.CharField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseSummarySerializer):
    tracking_number = serializers.CharField(source="application.tracking_number", allow_null=True)
    channel = serializers.CharField(source="application.channel")
    citizen = CitizenSerializer()
    answers = serializers.JSONField(source="item.answers", help_text="Answers to the service's form.")
    evidence = EvidenceSerializer(source="item.evidence", many=True)
    documents = DocumentSerializer(many=True)
    deadlines = DeadlinesSerializer(source="*")
    information_requests = InformationRequestSerializer(many=True)
    decision = DecisionSerializer(allow_null=True, default=None)
    output_document = OutputDocumentSerializer(allow_null=True, default=None)
    events = EventSerializer(many=True)
    allowed_statuses = serializers.SerializerMethodField(
        help_text="Statuses the case may move to next (which actions can succeed)."
    )

    def get_allowed_statuses(self, case: Case) -> list[str]:
        return sorted(workflow.allowed_targets(case.status))


# --- Reads ----------------------------------------------------------------------------------


def _visible_cases(user: Any) -> QuerySet[Case]:
    return scope_to_agencies(Case.objects.all(), user).select_related("service", "agency", "assignee")


def _case_detail_queryset(user: Any) -> QuerySet[Case]:
    return (
        _visible_cases(user)
        .select_related("application", "citizen", "item", "decision__decided_by", "output_document")
        .prefetch_related(
            Prefetch("item__evidence", queryset=EvidenceItem.objects.select_related("evidence_type")),
            "documents__evidence_type",
            "events",
            "information_requests",
            "decision__reason_codes",
        )
    )


def _get_case(user: Any, number: str, *, detail: bool = False) -> Case:
    qs = _case_detail_queryset(user) if detail else _visible_cases(user)
    case = qs.filter(number=number).first()
    if case is None:
        raise exceptions.NotFound(f"No case {number} among your agency's cases.")
    return case


class CaseListFilter(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    sla_state = serializers.ChoiceField(choices=Case.SlaState.choices, required=False)
    service = serializers.SlugField(required=False, help_text="Service identifier.")
    assignee = serializers.CharField(
        required=False, max_length=150, help_text="Username of the officer; `none` for unassigned cases."
    )
    submitted_after = serializers.DateTimeField(
        required=False, help_text="ISO 8601 date-time; cases submitted at or after it."
    )

    def validate_service(self, value: str) -> str:
        if not Service.objects.filter(identifier=value).exists():
            raise serializers.ValidationError("No service with this identifier.")
        return value


class AgencyStaff(permissions.BasePermission):
    """Signed in (token or session); which cases one sees is decided by scoping."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated)


_LIST_PARAMETERS = [
    OpenApiParameter("status", str, enum=Case.Status.values),
    OpenApiParameter("sla_state", str, enum=Case.SlaState.values),
    OpenApiParameter("service", str, description="Service identifier."),
    OpenApiParameter("assignee", str, description="Officer's username, or `none` for unassigned."),
    OpenApiParameter("submitted_after", str, description="ISO 8601 date-time."),
]


class CaseListView(generics.ListAPIView[Case]):
    authentication_classes = AUTHENTICATION
    permission_classes = [AgencyStaff]
    serializer_class = CaseSummarySerializer

    def get_queryset(self) -> QuerySet[Case]:
        params = CaseListFilter(
            data={k: v for k, v in self.request.query_params.items() if k in CaseListFilter._declared_fields}
        )
        params.is_valid(raise_exception=True)
        wanted: dict[str, Any] = params.validated_data
        qs = _visible_cases(self.request.user)
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        if "sla_state" in wanted:
            qs = qs.filter(sla_state=wanted["sla_state"])
        if "service" in wanted:
            qs = qs.filter(service__identifier=wanted["service"])
        if "assignee" in wanted:
            if wanted["assignee"] == "none":
                qs = qs.filter(assignee__isnull=True)
            else:
                qs = qs.filter(assignee__username=wanted["assignee"])
        if "submitted_after" in wanted:
            qs = qs.filter(submitted_at__gte=wanted["submitted_after"])
        return qs.order_by("statutory_due_at", "id")

    @extend_schema(
        operation_id="agency_case_list",
        summary="List your agency's cases",
        description="Most urgent (earliest statutory deadline) first; paginated with `page` and `page_size`.",
        tags=TAGS,
        parameters=_LIST_PARAMETERS,
        responses={200: CaseSummarySerializer(many=True), **_problems(400, 401)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CaseDetailView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [AgencyStaff]

    @extend_schema(
        operation_id="agency_case_detail",
        summary="One case with its answers, evidence, events and deadlines",
        tags=TAGS,
        responses={200: CaseDetailSerializer, **_problems(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(CaseDetailSerializer(_get_case(request.user, number, detail=True)).data)


# --- Actions --------------------------------------------------------------------------------


class ActionInput(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The case version you acted on; if the case has changed since, the answer is 409.",
    )


class RequestInformationInput(ActionInput):
    message = serializers.CharField(max_length=4000, help_text="What the citizen must provide.")


class DecisionInput(ActionInput):
    reason_codes = serializers.ListField(
        child=serializers.SlugField(max_length=40), help_text="Published reason codes of the decision."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    outcome: ClassVar[str] = ReasonCode.Outcome.APPROVAL

    def validate_reason_codes(self, value: list[str]) -> list[ReasonCode]:
        codes = list(dict.fromkeys(value))
        found = {rc.code: rc for rc in ReasonCode.objects.filter(code__in=codes, outcome=self.outcome)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown {self.outcome} reason code(s): {', '.join(unknown)}.")
        return [found[code] for code in codes]


class ApproveInput(DecisionInput):
    outcome = ReasonCode.Outcome.APPROVAL
    reason_codes = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        required=False,
        default=list,
        help_text="Approval reason codes (optional).",
    )


class RejectInput(DecisionInput):
    outcome = ReasonCode.Outcome.REJECTION
    reason_codes = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        min_length=1,
        help_text="At least one rejection reason code; each cites its legal ground.",
    )


class ReassignInput(ActionInput):
    to = serializers.CharField(max_length=150, help_text="Username of the officer to take the case.")
    reason = serializers.CharField(max_length=1000, help_text="Why; recorded in the case history.")

    def validate_to(self, value: str) -> User:
        user = User.objects.filter(username=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError("No active user with this username.")
        return user


def _acting_roles(action: str) -> frozenset[str]:
    return frozenset({Role.AGENCY_HEAD}) if action == "reassign" else AGENCY_ROLES


class CaseActionView(APIView):
    """Base of the action endpoints: load the scoped case, check the role, validate, call the service."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AgencyStaff]
    action: ClassVar[str] = ""
    input_serializer: ClassVar[type[ActionInput]] = ActionInput

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, number: str) -> Response:
        case = _get_case(request.user, number)
        user = request.user
        assert isinstance(user, User)
        if not any(has_role(user, role, agency=case.agency) for role in _acting_roles(self.action)):
            raise exceptions.PermissionDenied(
                "Only the agency head may reassign cases."
                if self.action == "reassign"
                else "Only officers and the head of this agency may act on its cases."
            )
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        if "version" in data and data["version"] != case.version:
            raise ProblemError(
                slug="stale-version",
                title="The case has changed since you read it",
                detail=f"The case is at version {case.version}, not {data['version']}; read it again.",
                status_code=409,
                version=case.version,
            )
        _run(lambda: self.perform(user=user, case=case, data=data))
        return Response(CaseDetailSerializer(_get_case(user, number, detail=True)).data)


def _services() -> Any:
    # Imported at call time: the case services import the workflow and notification machinery, and
    # loading them lazily keeps this module importable for the schema even while they change.
    from onestop.cases.services import assignment, cases

    return cases, assignment


class StartReviewView(CaseActionView):
    action = "start-review"

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        cases, _ = _services()
        cases.case_start_review(actor=user, case=case)


class RequestInformationView(CaseActionView):
    action = "request-information"
    input_serializer = RequestInformationInput

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        cases, _ = _services()
        cases.case_request_information(actor=user, case=case, message=data["message"])


class ApproveView(CaseActionView):
    action = "approve"
    input_serializer = ApproveInput

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        cases, _ = _services()
        cases.case_approve(actor=user, case=case, reason_codes=data["reason_codes"], note=data["note"])


class RejectView(CaseActionView):
    action = "reject"
    input_serializer = RejectInput

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        cases, _ = _services()
        cases.case_reject(actor=user, case=case, reason_codes=data["reason_codes"], note=data["note"])


class IssueResultView(CaseActionView):
    action = "issue-result"

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        cases, _ = _services()
        cases.case_issue_result(actor=user, case=case)


class CloseView(CaseActionView):
    action = "close"

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        cases, _ = _services()
        cases.case_close(actor=user, case=case)


class ReassignView(CaseActionView):
    action = "reassign"
    input_serializer = ReassignInput

    def perform(self, *, user: User, case: Case, data: dict[str, Any]) -> None:
        _, assignment = _services()
        assignment.case_reassign(actor=user, case=case, to=data["to"], reason=data["reason"])


_ACTIONS: list[tuple[type[CaseActionView], str, str]] = [
    (
        StartReviewView,
        "Start reviewing a submitted (or resubmitted) case",
        "409 unless submitted or resubmitted.",
    ),
    (
        RequestInformationView,
        "Ask the citizen for more information",
        "Stops the SLA clock until the citizen answers. 409 unless in review.",
    ),
    (ApproveView, "Approve the case", "409 unless in review."),
    (RejectView, "Reject the case", "At least one rejection reason code. 409 unless in review."),
    (
        IssueResultView,
        "Issue the result document",
        "Renders the output PDF with its verification code. 409 unless approved or rejected.",
    ),
    (CloseView, "Close the case", "409 unless the result has been issued."),
    (
        ReassignView,
        "Give the case to another officer",
        "Agency heads only (403 otherwise); the reason is recorded.",
    ),
]


def _with_schema(view: type[CaseActionView], summary: str, description: str) -> Callable[..., Any]:
    # The schema goes on a per-action ``post`` of its own: the actions share one implementation, and
    # decorating the shared method (or the classes) would give every action the same operation.
    def post(self: CaseActionView, request: Request, number: str) -> Response:
        return CaseActionView.post(self, request, number)

    documented = extend_schema(
        operation_id="agency_case_" + view.action.replace("-", "_"),
        summary=summary,
        description=description,
        tags=TAGS,
        request=view.input_serializer,
        responses={200: CaseDetailSerializer, **_problems(400, 401, 403, 404, 409)},
    )(post)
    documented_view: type[CaseActionView] = type(
        view.__name__, (view,), {"post": documented, "__module__": __name__}
    )
    return documented_view.as_view()


urlpatterns: list[URLPattern] = [
    path("cases", CaseListView.as_view(), name="api-case-list"),
    path("cases/<str:number>", CaseDetailView.as_view(), name="api-case-detail"),
    *(
        path(
            f"cases/<str:number>/{view.action}",
            _with_schema(view, summary, description),
            name=f"api-case-{view.action}",
        )
        for view, summary, description in _ACTIONS
    ),
]
