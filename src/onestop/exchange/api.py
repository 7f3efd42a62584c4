"""REST API of the exchange log for auditors' tools: search it, read one entry with its seal, and run
the verification.

Auditors and administrators only (a token, ``Authorization: Token <key>``, or the session); everyone
else gets 403, an anonymous caller 401, all as problem+json. The list searches with the same filters
as the auditor's screen (exchange/views.py) and pages by cursor, newest first, so no page counts the
whole log.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import authentication, exceptions, generics, pagination, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.catalog.serializers import ProblemSerializer
from onestop.exchange.models import ExchangeLogEntry
from onestop.exchange.verification import entry_check, exchange_log_check
from onestop.exchange.views import LogFilterForm, Outcome, log_entries, may_audit

TAGS = ["exchange log"]
AUTHENTICATION = [authentication.TokenAuthentication, authentication.SessionAuthentication]


def _problems(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Bad filter or cursor; `errors` names each offending parameter (problem+json).",
        401: "No valid token or session (problem+json).",
        403: "Only auditors and administrators read the exchange log (problem+json).",
        404: "No such entry (problem+json).",
    }
    return {code: OpenApiResponse(ProblemSerializer, description=described[code]) for code in codes}


class Auditors(permissions.BasePermission):
    message = "Only auditors and administrators may read the exchange log."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may_audit(request.user)


# --- Output ------------------------------------------------------------------------------------


class LogEntrySerializer(serializers.Serializer[ExchangeLogEntry]):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    side = serializers.ChoiceField(
        choices=ExchangeLogEntry.Side.choices, help_text="Which side of the exchange logged it."
    )
    logged_by = serializers.CharField(help_text="The subsystem that logged (and signs) the entry.")
    x_road_id = serializers.CharField()
    request_id = serializers.CharField(help_text="X-Road-Request-Id: the provider's id of the message.")
    client = serializers.CharField(help_text="Client subsystem INSTANCE/CLASS/CODE/SUBSYSTEM.")
    service = serializers.CharField(help_text="Data service INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE.")
    user_id = serializers.CharField(help_text="X-Road-UserId: on whose behalf.")
    issue = serializers.CharField(help_text="X-Road-Issue: the case or application that caused the call.")
    purpose = serializers.CharField()
    subject = serializers.CharField(help_text="National ID of the person whose data was asked for.")
    method = serializers.CharField()
    path = serializers.CharField()
    status = serializers.IntegerField(help_text="HTTP status of the answer.")
    error_type = serializers.CharField(help_text="X-Road-Error type; empty when the provider answered.")
    outcome = serializers.SerializerMethodField(help_text="ok, refused or failed (see the filter).")
    latency_ms = serializers.FloatField()
    request_hash = serializers.CharField(help_text="X-Road-Request-Hash (base64 SHA-512).")
    response_hash = serializers.CharField(help_text="Base64 SHA-512 of the response body.")
    seq = serializers.IntegerField(allow_null=True, help_text="Place in the chain; null until sealed.")

    def get_outcome(self, entry: ExchangeLogEntry) -> str:
        return Outcome.of(entry.error_type)


class EntryCheckSerializer(serializers.Serializer[Any]):
    hash_ok = serializers.BooleanField(help_text="The entry's content still gives its hash.")
    links_ok = serializers.BooleanField(help_text="The entry before it ends in this entry's prev_hash.")
    signature_ok = serializers.SerializerMethodField()
    signature_fault = serializers.CharField(help_text="Why the signature fails; empty when it verifies.")
    previous_id = serializers.IntegerField(allow_null=True)

    def get_signature_ok(self, check: Any) -> bool:
        return not check.signature_fault


class LogEntryDetailSerializer(LogEntrySerializer):
    prev_hash = serializers.CharField()
    hash = serializers.CharField(help_text="SHA-256 over prev_hash and the entry's canonical content.")
    signature = serializers.CharField(help_text="Ed25519 signature of the hash by the logging member.")
    key_id = serializers.CharField()
    sealed_at = serializers.DateTimeField(allow_null=True)
    request_body = serializers.CharField(allow_null=True, help_text="Only when the service logs bodies.")
    response_body = serializers.CharField(allow_null=True, help_text="Only when the service logs bodies.")
    check = serializers.SerializerMethodField(help_text="This entry checked on its own; null until sealed.")

    @extend_schema_field(EntryCheckSerializer(allow_null=True))
    def get_check(self, entry: ExchangeLogEntry) -> dict[str, Any] | None:
        check = entry_check(entry)
        return None if check is None else dict(EntryCheckSerializer(check).data)


class FindingSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=["changed", "deleted", "inserted", "reordered", "bad_signature"],
        help_text="What is wrong.",
    )
    seq = serializers.IntegerField(allow_null=True, help_text="Where in the chain.")
    entry_id = serializers.IntegerField(
        allow_null=True, help_text="The entry at fault, when it still exists."
    )
    message = serializers.CharField()
    text = serializers.CharField(help_text="The whole finding in one line.")


class VerifyReportSerializer(serializers.Serializer[Any]):
    ok = serializers.BooleanField()
    rows_checked = serializers.IntegerField(help_text="Sealed entries whose hash and link were checked.")
    signatures_checked = serializers.IntegerField()
    head_seq = serializers.IntegerField(help_text="Where the sealer left the chain.")
    unsealed = serializers.IntegerField(help_text="Entries still waiting to be sealed.")
    seconds = serializers.FloatField()
    rows_per_second = serializers.FloatField()
    problem = FindingSerializer(allow_null=True, help_text="The first finding in chain order.")
    problems = FindingSerializer(many=True)


# --- Views -------------------------------------------------------------------------------------


class LogCursorPagination(pagination.CursorPagination):
    """Newest first by start time; the cursor keeps the place, so no page counts the log."""

    ordering = ("-started_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc


_FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Exchanges started on or after this day."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Exchanges started on or before this day."),
    OpenApiParameter("client", str, description="Client subsystem INSTANCE/CLASS/CODE/SUBSYSTEM."),
    OpenApiParameter(
        "service",
        str,
        description="Data service INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE (the instance may be left out).",
    ),
    OpenApiParameter("subject", str, description="National ID of the person whose data was asked for."),
    OpenApiParameter("x_road_id", str, description="X-Road-Id of the exchange (both sides share it)."),
    OpenApiParameter("issue", str, description="Case or application number (X-Road-Issue)."),
    OpenApiParameter(
        "outcome",
        str,
        enum=list(Outcome.VALUES),
        description="ok: the provider answered (also 'holds nothing', 404); refused: bad request, "
        "unknown service or access denied; failed: the provider broke, timed out or was unreachable.",
    ),
    OpenApiParameter("side", str, enum=ExchangeLogEntry.Side.values, description="Which side logged it."),
]


class LogListView(generics.ListAPIView[ExchangeLogEntry]):
    authentication_classes = AUTHENTICATION
    permission_classes = [Auditors]
    serializer_class = LogEntrySerializer
    pagination_class = LogCursorPagination

    def get_queryset(self) -> Any:
        form = LogFilterForm(
            {
                name: value
                for name, value in self.request.query_params.items()
                if name in LogFilterForm.base_fields
            }
        )
        if not form.is_valid():
            raise exceptions.ValidationError(
                {
                    name: [str(error["message"]) for error in errors]
                    for name, errors in form.errors.get_json_data().items()
                }
            )
        # The pagination orders (and pages) by the same keys log_entries() sorts on.
        return log_entries(form.cleaned_data)

    @extend_schema(
        operation_id="exchange_log_list",
        summary="Search the exchange log",
        description="Newest first; paginated by `cursor` (follow `next`) with `page_size` up to 200.",
        tags=TAGS,
        parameters=_FILTER_PARAMETERS,
        responses={200: LogEntrySerializer(many=True), **_problems(400, 401, 403)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LogEntryView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [Auditors]

    @extend_schema(
        operation_id="exchange_log_detail",
        summary="One exchange log entry with its hashes, seal and (if logged) bodies",
        tags=TAGS,
        responses={200: LogEntryDetailSerializer, **_problems(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        entry = ExchangeLogEntry.objects.filter(pk=pk).first()
        if entry is None:
            raise exceptions.NotFound(f"No exchange log entry {pk}.")
        return Response(LogEntryDetailSerializer(entry).data)


class VerifyView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [Auditors]

    @extend_schema(
        operation_id="exchange_log_verify",
        summary="Verify the exchange log's chain and signatures",
        description=(
            "Re-computes the hash chain and checks every signature; the answer names the first entry "
            "that was changed, deleted, inserted, reordered or whose signature fails (`ok` false). "
            "The run is recorded in the audit trail as `exchange.verify`."
        ),
        tags=TAGS,
        request=None,
        responses={200: VerifyReportSerializer, **_problems(401, 403)},
    )
    def post(self, request: Request) -> Response:
        report = exchange_log_check(actor=request.user)
        return Response(VerifyReportSerializer(report.as_dict()).data)


urlpatterns: list[URLPattern] = [
    path("exchange/log/", LogListView.as_view(), name="api-exchange-log"),
    path("exchange/log/verify/", VerifyView.as_view(), name="api-exchange-log-verify"),
    path("exchange/log/<int:pk>/", LogEntryView.as_view(), name="api-exchange-log-entry"),
]
