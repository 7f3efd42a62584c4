"""REST endpoints for appointments: free slots, booking, rescheduling, cancelling, check-in and
joining today's queue remotely.

Citizens do not sign in yet: a booking is made with a national ID and the phone number the register
holds, and managed with its booking code plus that national ID. Check-in is for a kiosk of the centre
(``Authorization: Device <token>``) or a signed-in operator or manager of the centre. Every refusal is
problem+json; the domain errors keep their stable slug (``slot-full``, ``quota-exceeded`` with
``next_slots``, …).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.catalog.models import Service
from onestop.catalog.serializers import ProblemSerializer
from onestop.centres.models import Centre
from onestop.core.audit import Actor
from onestop.core.problems import PROBLEM_CONTENT_TYPE, ProblemError
from onestop.people.models import Role
from onestop.people.scoping import has_role
from onestop.queueing import slots
from onestop.queueing.api_devices import DeviceAuthentication
from onestop.queueing.api_tickets import TicketSerializer
from onestop.queueing.errors import DeviceNotAllowed, QueueingError
from onestop.queueing.models import Appointment, Queue
from onestop.queueing.services import appointments as booking
from onestop.queueing.services.devices import device_actor, device_for_token

TAGS = ["appointments"]


def _problem(err: QueueingError) -> ProblemError:
    return ProblemError(
        slug=err.code, title=str(err.title), detail=err.message, status_code=err.status, **err.extra
    )


def _field_error(name: str, err: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: err.messages})


def _centre(code: str) -> Centre:
    return get_object_or_404(Centre, code=code, is_active=True)


def _queue(centre: Centre, prefix: str) -> Queue:
    return get_object_or_404(
        Queue.objects.select_related("centre"), centre=centre, prefix=prefix, is_active=True
    )


def _services(identifiers: list[str]) -> list[Service]:
    found = {s.identifier: s for s in Service.objects.filter(identifier__in=identifiers)}
    unknown = [i for i in identifiers if i not in found]
    if unknown:
        raise exceptions.ValidationError(
            {"services": [_("Unknown service: %(id)s.") % {"id": i} for i in unknown]}
        )
    return [found[i] for i in identifiers]


def _citizen(national_id: str, phone: str) -> Any:
    try:
        return booking.citizen_for_booking(national_id=national_id, phone=phone)
    except DjangoValidationError as err:
        raise _field_error("national_id", err) from err


# --- Serializers ----------------------------------------------------------------------------


class SlotSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(help_text="Places bookable in advance in this slot.")
    booked = serializers.IntegerField()
    free = serializers.IntegerField(help_text="Places still free; 0 means full.")


class SlotListSerializer(serializers.Serializer[Any]):
    centre = serializers.CharField()
    queue = serializers.CharField(help_text="Ticket prefix of the service group.")
    date = serializers.DateField()
    slots = SlotSerializer(many=True)


class SlotParams(serializers.Serializer[Any]):
    date = serializers.DateField(help_text="Local date, YYYY-MM-DD.")


class NextSlotsProblemSerializer(serializers.Serializer[Any]):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    next_slots = SlotSerializer(many=True, required=False, help_text="The next times that would succeed.")


class _Identity(serializers.Serializer[Any]):
    national_id = serializers.CharField(max_length=40)


class _Person(_Identity):
    phone = serializers.CharField(max_length=32, help_text="The phone number the register holds for you.")
    services = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        default=list,
        help_text="Service identifiers.",
    )


class BookingInput(_Person):
    centre = serializers.CharField(max_length=16, help_text="Centre code.")
    queue = serializers.CharField(max_length=2, help_text="Ticket prefix of the service group.")
    starts_at = serializers.DateTimeField(help_text="Start of a free slot, as listed by the slots endpoint.")


class RescheduleInput(_Identity):
    starts_at = serializers.DateTimeField()


class CheckInInput(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    national_id = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["code"].strip() and not attrs["national_id"].strip():
            raise serializers.ValidationError(_("Give the booking code or the national ID."))
        return attrs


class AppointmentSerializer(serializers.Serializer[Appointment]):
    code = serializers.CharField(help_text="Booking code; keep it to change, cancel or check in.")
    status = serializers.ChoiceField(choices=Appointment.Status.choices)
    centre = serializers.CharField(source="centre.code")
    centre_name = serializers.CharField(source="centre.name")
    queue = serializers.CharField(source="queue.prefix")
    queue_name = serializers.CharField(source="queue.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    services = serializers.SerializerMethodField()

    def get_services(self, obj: Appointment) -> list[str]:
        return [s.identifier for s in obj.services.all()]


def _responses(ok: Any, *codes: int) -> dict[Any, Any]:
    out: dict[Any, Any] = {codes[0]: ok}
    described = {
        400: "Bad input; `errors` names the field (problem+json).",
        401: "No device token or session (problem+json).",
        403: "Not a kiosk or operator of this centre (problem+json).",
        404: "No such centre, queue or booking (problem+json).",
        409: "Refused: slot full, quota reached, not bookable, not due or not possible now; "
        "`next_slots` lists the next times that would succeed (problem+json).",
    }
    for code in codes[1:]:
        out[(code, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            NextSlotsProblemSerializer if code == 409 else ProblemSerializer, description=described[code]
        )
    return out


# --- Views ----------------------------------------------------------------------------------


class _CitizenView(APIView):
    """Open to anyone: the national ID (and phone or booking code) is what identifies the citizen,
    and no session is used, so no CSRF token either."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]


class SlotListView(_CitizenView):
    @extend_schema(
        operation_id="queue_slots",
        tags=TAGS,
        summary="Appointment slots of a service group on a day",
        description="Every bookable slot, full ones included (`free` = 0). Empty on days off, days the "
        "centre is closed, and beyond the booking horizon.",
        parameters=[SlotParams],
        responses=_responses(SlotListSerializer, 200, 400, 404),
    )
    def get(self, request: Request, code: str, prefix: str) -> Response:
        params = SlotParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        queue = _queue(_centre(code), prefix)
        day = params.validated_data["date"]
        data = {
            "centre": code,
            "queue": prefix,
            "date": day,
            "slots": [s.as_dict() for s in slots.available_slots(queue=queue, day=day)],
        }
        return Response(SlotListSerializer(data).data)


class BookView(_CitizenView):
    @extend_schema(
        operation_id="appointment_book",
        tags=TAGS,
        summary="Book an appointment",
        request=BookingInput,
        responses=_responses(AppointmentSerializer, 201, 400, 404, 409),
    )
    def post(self, request: Request) -> Response:
        data = BookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        queue = _queue(_centre(values["centre"]), values["queue"])
        services = _services(values["services"])
        try:
            citizen = _citizen(values["national_id"], values["phone"])
            appointment = booking.appointment_book(
                actor=request.user,
                queue=queue,
                citizen=citizen,
                starts_at=values["starts_at"],
                services=services,
            )
        except QueueingError as err:
            raise _problem(err) from err
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


def _booking(code: str, national_id: str) -> Appointment:
    try:
        return booking.find_booking(code=code, national_id=national_id)
    except QueueingError as err:
        raise _problem(err) from err


class RescheduleView(_CitizenView):
    @extend_schema(
        operation_id="appointment_reschedule",
        tags=TAGS,
        summary="Move a booking to another slot",
        request=RescheduleInput,
        responses=_responses(AppointmentSerializer, 200, 400, 404, 409),
    )
    def post(self, request: Request, code: str) -> Response:
        data = RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = _booking(code, data.validated_data["national_id"])
        try:
            appointment = booking.appointment_reschedule(
                actor=request.user, appointment=appointment, starts_at=data.validated_data["starts_at"]
            )
        except QueueingError as err:
            raise _problem(err) from err
        return Response(AppointmentSerializer(appointment).data)


class CancelView(_CitizenView):
    @extend_schema(
        operation_id="appointment_cancel",
        tags=TAGS,
        summary="Cancel a booking",
        description="Frees the slot. Cancelling a cancelled booking succeeds and changes nothing.",
        request=_Identity,
        responses=_responses(AppointmentSerializer, 200, 400, 404, 409),
    )
    def post(self, request: Request, code: str) -> Response:
        data = _Identity(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = _booking(code, data.validated_data["national_id"])
        try:
            appointment = booking.appointment_cancel(actor=request.user, appointment=appointment)
        except QueueingError as err:
            raise _problem(err) from err
        return Response(AppointmentSerializer(appointment).data)


class CheckInView(APIView):
    authentication_classes = [DeviceAuthentication, SessionAuthentication]
    permission_classes = [permissions.AllowAny]  # checked below: a kiosk or staff of this centre

    def _actor(self, request: Request, centre: Centre) -> Actor:
        token = request.auth
        if isinstance(token, str) and token:
            try:
                return device_actor(device_for_token(token, centre, kind="kiosk"))
            except DeviceNotAllowed as err:
                raise _problem(err) from err
        user = request.user
        if not user.is_authenticated:
            raise exceptions.NotAuthenticated(_("Send 'Authorization: Device <token>' or sign in."))
        if has_role(user, Role.OPERATOR, centre=centre) or has_role(user, Role.CENTRE_MANAGER, centre=centre):
            return user
        raise exceptions.PermissionDenied(
            _("Only a kiosk or the staff of this centre may check bookings in.")
        )

    @extend_schema(
        operation_id="appointment_check_in",
        tags=TAGS,
        summary="Check a booking in and get its ticket",
        description="By booking code or national ID. Checking in twice returns the same ticket. "
        "For a kiosk of the centre (device token) or its operators.",
        request=CheckInInput,
        responses=_responses(TicketSerializer, 200, 400, 401, 403, 404, 409),
    )
    def post(self, request: Request, code: str) -> Response:
        centre = _centre(code)
        actor = self._actor(request, centre)
        data = CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ticket = booking.appointment_check_in(
                actor=actor,
                centre=centre,
                code=data.validated_data["code"].strip(),
                national_id=data.validated_data["national_id"].strip(),
            )
        except DjangoValidationError as err:
            raise _field_error("national_id", err) from err
        except QueueingError as err:
            raise _problem(err) from err
        return Response(TicketSerializer(ticket).data)


class JoinView(_CitizenView):
    @extend_schema(
        operation_id="queue_join_remote",
        tags=TAGS,
        summary="Join today's queue of a service group remotely",
        description="Where the queue allows it and the centre is open now. Joining again while "
        "waiting returns the same ticket.",
        request=_Person,
        responses=_responses(TicketSerializer, 201, 400, 404, 409),
    )
    def post(self, request: Request, code: str, prefix: str) -> Response:
        data = _Person(data=request.data)
        data.is_valid(raise_exception=True)
        queue = _queue(_centre(code), prefix)
        services = _services(data.validated_data["services"])
        try:
            citizen = _citizen(data.validated_data["national_id"], data.validated_data["phone"])
            ticket = booking.queue_join_remote(
                actor=request.user, queue=queue, citizen=citizen, services=services
            )
        except QueueingError as err:
            raise _problem(err) from err
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    path("centres/<str:code>/queues/<str:prefix>/slots", SlotListView.as_view(), name="queue-slots"),
    path("centres/<str:code>/queues/<str:prefix>/join", JoinView.as_view(), name="queue-join"),
    path("centres/<str:code>/check-in", CheckInView.as_view(), name="appointment-check-in"),
    path("appointments", BookView.as_view(), name="appointment-book"),
    path("appointments/<str:code>/reschedule", RescheduleView.as_view(), name="appointment-reschedule"),
    path("appointments/<str:code>/cancel", CancelView.as_view(), name="appointment-cancel"),
]
