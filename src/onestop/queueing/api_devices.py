"""REST endpoint for display boards of other makes: the board data of a centre, for a device token.

``GET /api/v1/centres/<code>/board`` with ``Authorization: Device <token>``; served from the same
per-centre cache as the HTML board, so it adds no database load of its own.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.core.problems import ProblemError
from onestop.queueing.board import BoardSnapshot, board_snapshot
from onestop.queueing.errors import DeviceNotAllowed
from onestop.queueing.services.devices import device_for_token_at


class DeviceAuthentication(BaseAuthentication):
    """``Authorization: Device <token>``: the token is checked against the centre in the URL by the
    view, so this only reads it (``request.auth``)."""

    keyword = "Device"

    def authenticate(self, request: Request) -> tuple[None, str] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Device <token>'.")
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The device token is not valid text.") from exc
        return None, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "onestop.queueing.api_devices.DeviceAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <token>`: the token printed by `onestop device register`.",
        }


class BoardCallSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField(help_text="Identifies the call: a new id means a new call or a recall.")
    number = serializers.CharField(help_text="Ticket number, e.g. A-042.")
    counter = serializers.IntegerField(allow_null=True, help_text="Counter number to go to.")
    at = serializers.DateTimeField()
    recall = serializers.BooleanField(help_text="True when the ticket is called again.")


class BoardQueueSerializer(serializers.Serializer[dict[str, Any]]):
    prefix = serializers.CharField()
    names = serializers.DictField(child=serializers.CharField(), help_text="Language code → name.")
    waiting = serializers.IntegerField()


class BoardSerializer(serializers.Serializer[BoardSnapshot]):
    centre = serializers.CharField()
    generated_at = serializers.DateTimeField(help_text="When the data was read; at most a second old.")
    calls = BoardCallSerializer(many=True, help_text="The last calls of the day, newest first.")
    queues = BoardQueueSerializer(many=True, help_text="People waiting per service group.")


class BoardDataView(APIView):
    authentication_classes = [DeviceAuthentication]
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="centre_board",
        summary="Display board data of a centre",
        description="The last calls and waiting counts per service group. For a kiosk or board "
        "device of this centre only. Poll it at most once a second.",
        tags=["front office"],
        responses={
            200: BoardSerializer,
            401: OpenApiResponse(description="No device token (problem+json)."),
            403: OpenApiResponse(
                description="The token is unknown, revoked or of another centre (problem+json)."
            ),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        token = request.auth
        if not isinstance(token, str) or not token:
            raise exceptions.NotAuthenticated("Send 'Authorization: Device <token>'.")
        try:
            device = device_for_token_at(token, code)
        except DeviceNotAllowed as err:
            raise ProblemError(
                slug=err.code, title=str(err.title), detail=err.message, status_code=err.status, **err.extra
            ) from err
        return Response(BoardSerializer(board_snapshot(device.centre)).data)


urlpatterns: list[URLPattern] = [
    path("centres/<str:code>/board", BoardDataView.as_view(), name="centre-board"),
]
