"""REST endpoints for tickets: issue (staff of the centre or its kiosk), public status by token, and
the counter actions of a signed-in operator.

Thin views: input through small serializers, writes through ``services.issuing`` and ``services.tickets``; domain errors
(``QueueingError``) and validation errors become problem+json. Call-next on an empty queue is not an
error: 200 with ``ticket: null`` and a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.catalog.models import Service
from onestop.catalog.serializers import ProblemSerializer
from onestop.centres.models import Counter
from onestop.core.audit import Actor
from onestop.core.problems import ProblemError
from onestop.core.serializers import SharedFieldsInput
from onestop.people.models import Role
from onestop.people.scoping import has_role
from onestop.queueing import selectors
from onestop.queueing.api_devices import DeviceAuthentication
from onestop.queueing.errors import QueueingError, WrongCentre
from onestop.queueing.intake import centre_intake, intake_forget
from onestop.queueing.models import Queue, Ticket
from onestop.queueing.services import issuing
from onestop.queueing.services import tickets as ticket_services
from onestop.queueing.services.devices import device_actor, device_for_token

TAGS = ["front office"]


def _problem(err: QueueingError) -> ProblemError:
    return ProblemError(
        slug=err.code, title=str(err.title), detail=err.message, status_code=err.status, **err.extra
    )


def _run(action: Callable[[], Any]) -> Any:
    """Run a service call, turning domain and validation errors into problem+json."""
    try:
        return action()
    except QueueingError as err:
        raise _problem(err) from err
    except DjangoValidationError as err:
        detail = err.message_dict if hasattr(err, "error_dict") else {"non_field_errors": err.messages}
        raise exceptions.ValidationError(detail) from err


def _problems(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Bad input; `errors` or `detail` says what (problem+json).",
        401: "Not signed in (problem+json).",
        403: "Not an operator (or device) of this centre (problem+json).",
        404: "No such centre, counter or ticket (problem+json).",
        409: "The ticket's state does not allow this, or you are not signed in to the counter (problem+json).",
    }
    return {code: OpenApiResponse(ProblemSerializer, description=described[code]) for code in codes}


#: Formats a timestamp as a declared DateTimeField does (unbound: it keeps no state between calls).
_TIMESTAMP = serializers.DateTimeField()


class TicketSerializer(serializers.Serializer[Ticket]):
    id = serializers.IntegerField()
    token = serializers.UUIDField(help_text="Opens the public status page: /api/v1/tickets/<token>.")
    number = serializers.CharField()
    status = serializers.CharField()
    queue = serializers.CharField(source="queue.prefix")
    channel = serializers.CharField()
    issued_at = serializers.DateTimeField()
    counter = serializers.IntegerField(source="counter.number", allow_null=True, default=None)
    recall_count = serializers.IntegerField()

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        """The declared fields above, written out: DRF copies a serializer's field objects for every
        instance, which cost more than the rest of a kiosk press's response. The declarations still
        describe the schema; a test checks that both give the same body."""
        counter = instance.counter if instance.counter_id is not None else None
        return {
            "id": instance.pk,
            "token": str(instance.token),
            "number": instance.number,
            "status": instance.status,
            "queue": instance.queue.prefix,
            "channel": instance.channel,
            "issued_at": _TIMESTAMP.to_representation(instance.issued_at),
            "counter": counter.number if counter is not None else None,
            "recall_count": instance.recall_count,
        }


class IssueTicketInput(SharedFieldsInput[dict[str, Any]]):
    queue = serializers.CharField(max_length=2, help_text="Queue prefix, e.g. A.")
    services = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        help_text="Service identifiers of the visit.",
    )
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, required=False)
    priority_group = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)


class TicketStatusSerializer(serializers.Serializer[dict[str, Any]]):
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    queue = serializers.CharField()
    people_ahead = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField(allow_null=True)
    counter = serializers.IntegerField(allow_null=True)


class CallNextOutput(serializers.Serializer[dict[str, Any]]):
    ticket = TicketSerializer(allow_null=True)
    message = serializers.CharField()


class TransferInput(serializers.Serializer[dict[str, Any]]):
    queue = serializers.CharField(
        max_length=2, required=False, help_text="Prefix of the queue to send it to."
    )
    counter = serializers.IntegerField(
        required=False, min_value=1, help_text="Number of the counter to send it to."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ParkInput(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ReturnInput(serializers.Serializer[dict[str, Any]]):
    counter = serializers.IntegerField(min_value=1, help_text="Counter number the citizen is called back to.")


class EndInput(serializers.Serializer[dict[str, Any]]):
    outcomes = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        default=dict,
        help_text="Service id → outcome (completed, application_taken, referred, missing_documents, refused, "
        "not_handled).",
    )


def _no_open_queue() -> exceptions.ValidationError:
    return exceptions.ValidationError({"queue": [_("This centre has no open queue with that prefix.")]})


class IssueTicketView(APIView):
    authentication_classes = [DeviceAuthentication, *APIView.authentication_classes]
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="ticket_issue",
        summary="Issue a ticket at a centre",
        description="For staff of the centre (session) or a kiosk of the centre (`Authorization: Device <token>`).",
        tags=TAGS,
        request=IssueTicketInput,
        responses={201: TicketSerializer, **_problems(400, 401, 403, 404)},
    )
    def post(self, request: Request, code: str) -> Response:
        data = IssueTicketInput(data=request.data)
        valid = data.is_valid()
        # The centre's queues and services as this process last read them (queueing/intake.py):
        # a kiosk press reads no configuration from the database.
        intake = centre_intake(code)
        if intake is None or not intake.centre.is_active:
            raise exceptions.NotFound()
        centre = intake.centre
        actor: Actor
        token = request.auth
        if isinstance(token, str):
            device = _run(lambda: device_for_token(token, centre, kind="kiosk"))
            actor, channel = device_actor(device), Ticket.Channel.KIOSK
        elif request.user.is_authenticated:
            if not (
                has_role(request.user, Role.OPERATOR, centre=centre)
                or has_role(request.user, Role.CENTRE_MANAGER, centre=centre)
            ):
                raise _problem(WrongCentre())
            actor, channel = request.user, Ticket.Channel.RECEPTION
        else:
            raise exceptions.NotAuthenticated()
        if not valid:  # reported only once the caller is known to be allowed here
            raise exceptions.ValidationError(data.errors)
        values = data.validated_data
        queue = intake.queues.get(values["queue"])
        if queue is None:
            raise _no_open_queue()
        identifiers = list(dict.fromkeys(values["services"]))
        services = [intake.services[i] for i in identifiers if i in intake.services]
        if len(services) < len(identifiers):
            # Not offered here: existing services go on to the service's refusal, which names them.
            others = [i for i in identifiers if i not in intake.services]
            services += list(Service.objects.filter(identifier__in=others))
        unknown = sorted(set(identifiers) - {s.identifier for s in services})
        if unknown:
            raise exceptions.ValidationError({"services": [_("Unknown services: %s.") % ", ".join(unknown)]})
        try:
            ticket = _run(
                lambda: issuing.ticket_issue(
                    actor=actor,
                    centre=centre,
                    queue=queue,
                    channel=values.get("channel") or channel,
                    services=services,
                    priority_group=values["priority_group"],
                )
            )
        except IntegrityError:
            # The queue was deleted (by another process, within its snapshot's lifetime): read the
            # configuration again and say so; anything else is not ours to explain.
            intake_forget()
            fresh = centre_intake(code)
            if fresh is not None and values["queue"] in fresh.queues:
                raise
            raise _no_open_queue() from None
        return Response(TicketSerializer(ticket).data, status=201)


class TicketStatusView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="ticket_status",
        summary="Status of a ticket (public, by its token)",
        tags=TAGS,
        responses={200: TicketStatusSerializer, **_problems(404)},
    )
    def get(self, request: Request, token: str) -> Response:
        ticket = get_object_or_404(Ticket.objects.select_related("queue", "counter"), token=token)
        minutes: int | None = None
        if ticket.status == Ticket.Status.WAITING:
            from onestop.queueing.estimates import estimate_wait

            minutes = round(estimate_wait(ticket).total_seconds() / 60)
        body = {
            "number": ticket.number,
            "status": ticket.status,
            "status_label": ticket.get_status_display(),
            "queue": ticket.queue.prefix,
            "people_ahead": selectors.people_ahead(ticket),
            "estimated_wait_minutes": minutes,
            "counter": ticket.counter.number if ticket.counter else None,
        }
        return Response(TicketStatusSerializer(body).data)


def _counter(code: str, number: int) -> Counter:
    return get_object_or_404(Counter.objects.select_related("centre"), centre__code=code, number=number)


class CallNextView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="counter_call_next",
        summary="Call the next ticket to a counter",
        description="200 with `ticket: null` and a message when no one is waiting.",
        tags=TAGS,
        request=None,
        responses={200: CallNextOutput, **_problems(401, 403, 404, 409)},
    )
    def post(self, request: Request, code: str, number: int) -> Response:
        counter = _counter(code, number)
        ticket = _run(lambda: ticket_services.ticket_call_next(actor=request.user, counter=counter))
        if ticket is None:
            return Response({"ticket": None, "message": _("No one is waiting.")})
        return Response({"ticket": TicketSerializer(ticket).data, "message": _("Called %s.") % ticket.number})


class TicketActionView(APIView):
    """One counter action on a ticket of the operator's centre."""

    permission_classes = [permissions.IsAuthenticated]
    action_name = ""
    input_class: type[serializers.Serializer[Any]] | None = None

    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        raise NotImplementedError

    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        _counter(code, number)
        ticket = get_object_or_404(
            Ticket.objects.select_related("centre", "counter", "queue", "citizen"), pk=pk, centre__code=code
        )
        values: dict[str, Any] = {}
        if self.input_class is not None:
            data = self.input_class(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
        ticket = _run(lambda: self.perform(request, ticket, values))
        ticket.refresh_from_db()
        return Response(TicketSerializer(ticket).data)


def _action(name: str, summary: str, input_class: type[serializers.Serializer[Any]] | None = None) -> Any:
    return extend_schema(
        operation_id=f"ticket_{name.replace('-', '_')}",
        summary=summary,
        tags=TAGS,
        request=input_class,
        responses={200: TicketSerializer, **_problems(400, 401, 403, 404, 409)},
    )


class RecallView(TicketActionView):
    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        return ticket_services.ticket_recall(actor=request.user, ticket=ticket)

    @_action("recall", "Call a ticket again")
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


class StartView(TicketActionView):
    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        return ticket_services.ticket_start(actor=request.user, ticket=ticket)

    @_action("start", "Start serving a called ticket")
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


class TransferView(TicketActionView):
    input_class = TransferInput

    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        to_queue = to_counter = None
        if values.get("queue"):
            to_queue = Queue.objects.filter(centre_id=ticket.centre_id, prefix=values["queue"]).first()
            if to_queue is None:
                raise DjangoValidationError({"queue": _("This centre has no queue with that prefix.")})
        if values.get("counter"):
            to_counter = Counter.objects.filter(centre_id=ticket.centre_id, number=values["counter"]).first()
            if to_counter is None:
                raise DjangoValidationError({"counter": _("This centre has no counter with that number.")})
        return ticket_services.ticket_transfer(
            actor=request.user,
            ticket=ticket,
            to_queue=to_queue,
            to_counter=to_counter,
            reason=values["reason"],
        )

    @_action(
        "transfer", "Transfer a ticket to another queue or counter (keeps its arrival time)", TransferInput
    )
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


class NoShowView(TicketActionView):
    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        return ticket_services.ticket_no_show(actor=request.user, ticket=ticket)

    @_action("no-show", "Close a called ticket whose holder did not come")
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


class ParkView(TicketActionView):
    input_class = ParkInput

    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        return ticket_services.ticket_park(actor=request.user, ticket=ticket, reason=values["reason"])

    @_action("park", "Set a ticket aside", ParkInput)
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


class ReturnView(TicketActionView):
    input_class = ReturnInput

    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        counter = Counter.objects.filter(centre_id=ticket.centre_id, number=values["counter"]).first()
        if counter is None:
            raise DjangoValidationError({"counter": _("This centre has no counter with that number.")})
        return ticket_services.ticket_return(actor=request.user, ticket=ticket, counter=counter)

    @_action("return", "Call a parked ticket back to a counter", ReturnInput)
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


class EndView(TicketActionView):
    input_class = EndInput

    def perform(self, request: Request, ticket: Ticket, values: dict[str, Any]) -> Ticket:
        outcomes: dict[int, str] = {}
        for key, value in values["outcomes"].items():
            if not str(key).isdigit():
                raise DjangoValidationError({"outcomes": _("Keys must be service ids.")})
            outcomes[int(key)] = str(value)
        return ticket_services.ticket_end(actor=request.user, ticket=ticket, outcomes=outcomes)

    @_action("end", "End the service of a visit with an outcome per service", EndInput)
    def post(self, request: Request, code: str, number: int, pk: int) -> Response:
        return super().post(request, code, number, pk)


urlpatterns: list[URLPattern] = [
    path("centres/<str:code>/tickets", IssueTicketView.as_view(), name="ticket-issue"),
    path("tickets/<uuid:token>", TicketStatusView.as_view(), name="ticket-status"),
    path("counters/<str:code>/<int:number>/call-next", CallNextView.as_view(), name="counter-call-next"),
    path(
        "counters/<str:code>/<int:number>/tickets/<int:pk>/recall", RecallView.as_view(), name="ticket-recall"
    ),
    path("counters/<str:code>/<int:number>/tickets/<int:pk>/start", StartView.as_view(), name="ticket-start"),
    path(
        "counters/<str:code>/<int:number>/tickets/<int:pk>/transfer",
        TransferView.as_view(),
        name="ticket-transfer",
    ),
    path(
        "counters/<str:code>/<int:number>/tickets/<int:pk>/no-show",
        NoShowView.as_view(),
        name="ticket-no-show",
    ),
    path("counters/<str:code>/<int:number>/tickets/<int:pk>/park", ParkView.as_view(), name="ticket-park"),
    path(
        "counters/<str:code>/<int:number>/tickets/<int:pk>/return", ReturnView.as_view(), name="ticket-return"
    ),
    path("counters/<str:code>/<int:number>/tickets/<int:pk>/end", EndView.as_view(), name="ticket-end"),
]
