"""Conformance of the provider with the X-Road message protocol for REST (r1), as summarised in
ARCHITECTURE.md: path encoding, required and optional headers, the request hash, error replies.

Most tests call :func:`provider_handle` directly with the raw, percent-encoded path a client sends;
tests/exchange/test_r1_view.py checks the same through HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest

from onestop.exchange import directory, keys
from onestop.exchange.models import DataService, Member
from onestop.exchange.protocol import (
    HEADER_CLIENT,
    HEADER_ERROR,
    HEADER_ID,
    HEADER_REQUEST_HASH,
    HEADER_REQUEST_ID,
    HEADER_SERVICE,
    HEADER_SIGNATURE,
    HTTP_STATUS,
    MAX_HEADER,
    ErrorType,
    Message,
)
from onestop.exchange.provider import provider_handle
from tests.exchange.conftest import R1World, error_body, only_provider_entry, provider_log
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory

pytestmark = pytest.mark.django_db

PROTOCOL_HEADERS = (HEADER_SERVICE, HEADER_ID, HEADER_REQUEST_ID, HEADER_REQUEST_HASH)


def _resign(world: R1World, message: Message, member: Member | None = None) -> Message:
    """Sign again after a test changed the message (the refusal must be about the change, not the
    signature)."""
    signer = member or world.client
    message.headers[HEADER_SIGNATURE] = keys.sign_as(signer.identifier, message.canonical())
    return message


def _data(reply) -> dict:
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


# --- success: the response headers ------------------------------------------------------------------


def test_reply_carries_client_service_ids_and_request_hash(r1_world):
    message = r1_world.message()

    reply = provider_handle(message)

    assert reply.status == 200
    assert reply.headers[HEADER_CLIENT] == "DEV/GOV/AGENCYA/back-office"
    assert reply.headers[HEADER_SERVICE] == "DEV/GOV/CIVIL/civil-registry/person-v1"
    assert reply.headers[HEADER_ID] == message.x_road_id
    assert uuid.UUID(reply.headers[HEADER_REQUEST_ID]).version == 4
    assert reply.headers[HEADER_REQUEST_ID] != message.x_road_id


def test_request_hash_is_base64_sha512_over_the_canonical_request(r1_world):
    message = r1_world.message(user_id="KZ900101300123", method="POST", body=b'{"a": 1}')

    reply = provider_handle(message)

    # Recomputed from the fields as a client would, with no object shared with the provider.
    again = Message(
        method="post",
        path=message.path,
        query=message.query,
        client=message.client,
        x_road_id=message.x_road_id,
        user_id="KZ900101300123",
        issue=message.issue,
        purpose=message.purpose,
        date=message.date,
        body=b'{"a": 1}',
    )
    expected = base64.b64encode(hashlib.sha512(again.canonical()).digest()).decode()
    assert reply.headers[HEADER_REQUEST_HASH] == expected == again.request_hash()
    assert only_provider_entry().request_hash == expected


@pytest.mark.parametrize("field", ["query", "issue", "purpose", "user_id", "x_road_id", "body", "method"])
def test_request_hash_changes_with_every_part_of_the_request(field):
    base = Message(
        method="GET", path="/r1/DEV/GOV/A/b/c-v1", query="subject=1", client="DEV/GOV/X/y", x_road_id="1"
    )
    changed = Message(**{**base.__dict__, field: b"other" if field == "body" else "other"})

    assert changed.request_hash() != base.request_hash()


def test_request_ids_are_new_for_every_request(r1_world):
    first = provider_handle(r1_world.message())
    second = provider_handle(r1_world.message())

    assert first.headers[HEADER_REQUEST_ID] != second.headers[HEADER_REQUEST_ID]
    assert first.headers[HEADER_ID] != second.headers[HEADER_ID]


def test_x_road_id_is_generated_when_absent(r1_world):
    message = r1_world.message(x_road_id="")

    reply = provider_handle(message)

    assert reply.status == 200
    generated = reply.headers[HEADER_ID]
    assert uuid.UUID(generated)
    assert only_provider_entry().x_road_id == generated
    # The hash proves what the client sent, which had no id.
    assert reply.headers[HEADER_REQUEST_HASH] == message.request_hash()


@pytest.mark.parametrize("user_id", ["KZ900101300123", "GE01001012345", "KZ-STAFF-17"])
def test_user_id_with_country_code_is_honoured_and_logged(r1_world, user_id):
    reply = provider_handle(r1_world.message(user_id=user_id))

    assert reply.status == 200
    assert only_provider_entry().user_id == user_id


def test_issue_and_purpose_are_logged(r1_world):
    provider_handle(r1_world.message())

    entry = only_provider_entry()
    assert (entry.issue, entry.purpose) == ("APP-A-0001", "service-delivery")


# --- path encoding ------------------------------------------------------------------------------------


def test_each_identifier_part_is_percent_encoded_on_its_own(r1_world):
    provider = MemberFactory(
        member_class="GOV", member_code="MIN JUST Ü", subsystem_code="реестр", agency=r1_world.provider.agency
    )
    service = DataServiceFactory(
        provider=provider, service_code="person v1", handler=r1_world.service.handler
    )
    AccessRightFactory(client=r1_world.client, service=service, purposes=[r1_world.delivery])
    directory.reset()
    message = r1_world.message(service=service)
    assert message.path == (
        "/r1/DEV/GOV/MIN%20JUST%20%C3%9C/%D1%80%D0%B5%D0%B5%D1%81%D1%82%D1%80/person%20v1"
    )

    reply = provider_handle(message)

    assert reply.status == 200, reply.body
    assert reply.headers[HEADER_SERVICE] == message.path.removeprefix("/r1/")
    assert only_provider_entry().service == "DEV/GOV/MIN JUST Ü/реестр/person v1"


def test_client_header_parts_are_percent_decoded(r1_world):
    client = MemberFactory(
        member_code="AGENCY A", subsystem_code="back office", agency=r1_world.client.agency
    )
    AccessRightFactory(client=client, service=r1_world.service, purposes=[r1_world.delivery])
    directory.reset()
    message = r1_world.message(client=client)
    assert message.client == "DEV/GOV/AGENCY%20A/back%20office"

    reply = provider_handle(message)

    assert reply.status == 200, reply.body
    assert reply.headers[HEADER_CLIENT] == "DEV/GOV/AGENCY%20A/back%20office"
    assert only_provider_entry().client == "DEV/GOV/AGENCY A/back office"


def test_encoded_slash_inside_an_identifier_part_does_not_split_it(r1_world):
    """``%2F`` keeps a part whole; X-Road forbids '/' in identifiers, so it is refused as malformed
    rather than read as another (existing) service."""
    message = r1_world.message()
    message.path = "/r1/DEV/GOV/CIVIL%2Fcivil-registry/person-v1/x"
    _resign(r1_world, message)

    reply = provider_handle(message)

    assert reply.headers[HEADER_ERROR] == ErrorType.INVALID_SERVICE
    assert "member code" in error_body(reply.body)["detail"]


def test_resource_path_after_the_service_code_reaches_the_handler_decoded(r1_world):
    message = r1_world.message(rest="/certificates/2024%20copy%2Fa", params={"lang": "kk"})

    data = _data(provider_handle(message))

    assert data["path"] == "/certificates/2024 copy/a"
    assert data["params"] == {"lang": "kk"}
    assert data["subject"] == r1_world.subject


def test_method_and_body_reach_the_handler(r1_world):
    data = _data(provider_handle(r1_world.message(method="POST", body='{"q": "Ә"}'.encode())))

    assert data["method"] == "POST"
    assert data["body"] == '{"q": "Ә"}'


def test_subject_is_normalised_before_the_registry_sees_it(r1_world):
    spaced = f"{r1_world.subject[:6]} {r1_world.subject[6:]}"

    data = _data(provider_handle(r1_world.message(subject=spaced)))

    assert data["subject"] == r1_world.subject
    assert only_provider_entry().subject == r1_world.subject


def test_service_without_personal_data_needs_no_subject(r1_world):
    public = DataServiceFactory(
        provider=r1_world.provider,
        service_code="fees-v1",
        handler=r1_world.service.handler,
        personal_data=False,
    )
    AccessRightFactory(client=r1_world.client, service=public, purposes=[r1_world.inspection])
    directory.reset()

    data = _data(
        provider_handle(r1_world.message(service=public, subject="", issue="", purpose="tax-inspection"))
    )

    assert data["subject"] == ""


# --- error replies: every type the provider emits -------------------------------------------------------


def _malformed_path(world: R1World) -> Message:
    message = world.message()
    message.path = "/r1/DEV/GOV/CIVIL"
    return _resign(world, message)


def _not_r1(world: R1World) -> Message:
    message = world.message()
    message.path = "/r2/DEV/GOV/CIVIL/civil-registry/person-v1"
    return _resign(world, message)


def _bad_percent_encoding_in_path(world: R1World) -> Message:
    message = world.message()
    message.path = "/r1/DEV/GOV/%FF/civil-registry/person-v1"
    return _resign(world, message)


def _other_instance(world: R1World) -> Message:
    message = world.message()
    message.path = "/r1/EE/GOV/CIVIL/civil-registry/person-v1"
    return _resign(world, message)


def _unknown_service_code(world: R1World) -> Message:
    message = world.message()
    message.path = "/r1/DEV/GOV/CIVIL/civil-registry/person-v9"
    return _resign(world, message)


def _remote_only_service(world: R1World) -> Message:
    remote = DataServiceFactory(
        provider=world.provider, service_code="remote-v1", handler="", endpoint_url="https://ss.example/"
    )
    directory.reset()
    return world.message(service=remote)


def _uninstalled_handler(world: R1World) -> Message:
    DataService.objects.filter(pk=world.service.pk).update(handler="no-such.handler")
    directory.reset()
    return world.message()


def _disabled_service(world: R1World) -> Message:
    DataService.objects.filter(pk=world.service.pk).update(is_active=False)
    directory.reset()
    return world.message()


def _disabled_provider(world: R1World) -> Message:
    Member.objects.filter(pk=world.provider.pk).update(is_active=False)
    directory.reset()
    return world.message()


def _no_client_header(world: R1World) -> Message:
    message = world.message(sign=False)
    message.client = ""
    return message


def _client_with_three_parts(world: R1World) -> Message:
    message = world.message(sign=False)
    message.client = "DEV/GOV/AGENCYA"
    return message


def _client_with_forbidden_character(world: R1World) -> Message:
    message = world.message(sign=False)
    message.client = "DEV/GOV/AGENCY%3BA/back-office"
    return message


def _long(header: str):
    def arrange(world: R1World) -> Message:
        message = world.message(**{header: "A" + "1" * MAX_HEADER})
        return message

    return arrange


def _user_id(value: str):
    def arrange(world: R1World) -> Message:
        return world.message(user_id=value)

    return arrange


def _duplicate_subject(world: R1World) -> Message:
    return world.message(query=f"subject={world.subject}&subject=900101300123")


def _undecodable_query(world: R1World) -> Message:
    return world.message(query=f"subject={world.subject}&name=%FF")


def _undecodable_resource_path(world: R1World) -> Message:
    return world.message(rest="/docs/%FF")


def _client_unknown(world: R1World) -> Message:
    return world.message(client=MemberFactory.build(member_code="NOBODY"))


def _handler_raises(world: R1World) -> Message:
    from tests.exchange.conftest import R1_BOOM

    DataService.objects.filter(pk=world.service.pk).update(handler=R1_BOOM)
    directory.reset()
    return world.message()


ERRORS = [
    ("path with too few parts", _malformed_path, ErrorType.INVALID_SERVICE),
    ("path outside /r1/", _not_r1, ErrorType.INVALID_SERVICE),
    ("path part not UTF-8", _bad_percent_encoding_in_path, ErrorType.INVALID_SERVICE),
    ("another instance", _other_instance, ErrorType.UNKNOWN_SERVICE),
    ("unknown service code", _unknown_service_code, ErrorType.UNKNOWN_SERVICE),
    ("service only reachable remotely", _remote_only_service, ErrorType.UNKNOWN_SERVICE),
    ("handler not installed", _uninstalled_handler, ErrorType.UNKNOWN_SERVICE),
    ("service disabled", _disabled_service, ErrorType.SERVICE_DISABLED),
    ("provider disabled", _disabled_provider, ErrorType.SERVICE_DISABLED),
    ("X-Road-Client missing", _no_client_header, ErrorType.BAD_REQUEST),
    ("X-Road-Client with three parts", _client_with_three_parts, ErrorType.INVALID_CLIENT),
    ("X-Road-Client with ';'", _client_with_forbidden_character, ErrorType.INVALID_CLIENT),
    ("X-Road-Id too long", _long("x_road_id"), ErrorType.BAD_REQUEST),
    ("X-Road-UserId too long", _long("user_id"), ErrorType.BAD_REQUEST),
    ("X-Road-Issue too long", _long("issue"), ErrorType.BAD_REQUEST),
    ("X-Road-UserId without country", _user_id("900101300123"), ErrorType.BAD_REQUEST),
    ("X-Road-UserId lower-case country", _user_id("kz900101300123"), ErrorType.BAD_REQUEST),
    ("X-Road-UserId country only", _user_id("KZ"), ErrorType.BAD_REQUEST),
    ("X-Road-UserId with a space", _user_id("KZ 900101300123"), ErrorType.BAD_REQUEST),
    ("X-Road-UserId with a newline", _user_id("KZ9001\n01300123"), ErrorType.BAD_REQUEST),
    ("subject given twice", _duplicate_subject, ErrorType.BAD_REQUEST),
    ("query not UTF-8", _undecodable_query, ErrorType.BAD_REQUEST),
    ("resource path not UTF-8", _undecodable_resource_path, ErrorType.BAD_REQUEST),
    ("unknown client", _client_unknown, ErrorType.ACCESS_DENIED),
    ("handler raises", _handler_raises, ErrorType.SERVICE_FAILED),
]


@pytest.mark.parametrize(("arrange", "error_type"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_every_error_reply_has_the_error_header_body_status_and_protocol_headers(
    r1_world, arrange, error_type
):
    message = arrange(r1_world)

    reply = provider_handle(message)

    assert reply.status == HTTP_STATUS[error_type]
    assert reply.content_type == "application/json"
    assert reply.headers[HEADER_ERROR] == error_type
    assert error_body(reply.body)["type"] == error_type
    for name in PROTOCOL_HEADERS:
        assert reply.headers[name], name
    assert reply.headers[HEADER_REQUEST_HASH] == message.request_hash()
    for value in reply.headers.values():
        assert value.isprintable() and value.isascii(), value
    entry = only_provider_entry()
    assert (entry.status, entry.error_type) == (HTTP_STATUS[error_type], str(error_type))


def test_client_header_is_echoed_only_once_it_is_understood(r1_world):
    good = provider_handle(r1_world.message(issue="APP-CLOSED"))
    malformed = provider_handle(_client_with_three_parts(r1_world))

    assert good.headers[HEADER_CLIENT] == "DEV/GOV/AGENCYA/back-office"
    assert HEADER_CLIENT not in malformed.headers


def test_refusal_of_an_unparseable_path_is_logged_under_the_paths_subsystem(r1_world):
    provider_handle(_malformed_path(r1_world))

    entry = only_provider_entry()
    assert entry.logged_by == "DEV/GOV/CIVIL"
    assert entry.data_service_id is None


def test_unknown_service_is_logged_under_the_subsystem_the_path_names(r1_world):
    provider_handle(_unknown_service_code(r1_world))

    assert only_provider_entry().logged_by == "DEV/GOV/CIVIL/civil-registry"


def test_checks_run_in_protocol_order(r1_world):
    """A request wrong in several ways is told about the first: the path, then the client header,
    then who the client is, then its right."""
    message = _malformed_path(r1_world)
    message.client = ""
    assert provider_handle(message).headers[HEADER_ERROR] == ErrorType.INVALID_SERVICE

    message = r1_world.message(user_id="bad", sign=False)
    message.client = "DEV/GOV"
    assert provider_handle(message).headers[HEADER_ERROR] == ErrorType.INVALID_CLIENT

    message = r1_world.message(subject="123", purpose="curiosity", sign=False)
    assert error_body(provider_handle(message).body)["message"] == "The request is not signed."

    assert len(provider_log()) == 3


def test_unprintable_x_road_id_is_replaced_in_the_reply(r1_world):
    message = r1_world.message(x_road_id="abc\r\nSet-Cookie: x=1")

    reply = provider_handle(message)

    assert reply.headers[HEADER_ERROR] == ErrorType.BAD_REQUEST
    assert uuid.UUID(reply.headers[HEADER_ID])
