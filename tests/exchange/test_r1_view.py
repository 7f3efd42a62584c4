"""The ``/r1/…`` endpoint over HTTP (Django's test client): how the view reads the raw request,
that agency systems need no CSRF token, that no input gives a 500, and the OpenAPI description."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from onestop.exchange import directory, keys
from onestop.exchange.models import DataService
from onestop.exchange.protocol import (
    HEADER_CLIENT,
    HEADER_ERROR,
    HEADER_ID,
    HEADER_REQUEST_HASH,
    HEADER_REQUEST_ID,
    HEADER_SERVICE,
    HEADER_SIGNATURE,
    HTTP_STATUS,
    ErrorType,
    Message,
)
from tests.exchange.conftest import R1_BOOM, R1World, error_body, only_provider_entry, provider_log
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _get(client: Client, world: R1World, message: Message, **extra):
    return client.generic(
        message.method,
        world.url(message),
        data=message.body,
        content_type="application/json",
        headers=world.http_headers(message),
        **extra,
    )


def test_signed_request_over_http_gets_the_registry_answer_and_protocol_headers(client, r1_world):
    message = r1_world.message()

    response = _get(client, r1_world, message)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["subject"] == r1_world.subject
    assert response[HEADER_CLIENT] == "DEV/GOV/AGENCYA/back-office"
    assert response[HEADER_SERVICE] == "DEV/GOV/CIVIL/civil-registry/person-v1"
    assert response[HEADER_ID] == message.x_road_id
    assert response[HEADER_REQUEST_ID]
    assert response[HEADER_REQUEST_HASH] == message.request_hash()
    assert only_provider_entry().status == 200


def test_post_needs_no_csrf_token_and_its_body_reaches_the_registry(r1_world):
    strict = Client(enforce_csrf_checks=True)
    message = r1_world.message(method="POST", body=b'{"certificate": "B-17"}')

    response = _get(strict, r1_world, message)

    assert response.status_code == 200, response.content
    assert response.json()["method"] == "POST"
    assert response.json()["body"] == '{"certificate": "B-17"}'
    assert "sessionid" not in response.cookies


def test_path_with_encoded_parts_is_rebuilt_as_the_client_signed_it(client, r1_world):
    """Without RAW_URI (Django's own servers) the view re-encodes the decoded path part by part,
    which gives back exactly what a client built with ServiceId.encoded_path()."""
    provider = MemberFactory(
        member_code="MIN JUST", subsystem_code="тізілім", agency=r1_world.provider.agency
    )
    service = DataServiceFactory(
        provider=provider, service_code="person v1", handler=r1_world.service.handler
    )
    AccessRightFactory(client=r1_world.client, service=service, purposes=[r1_world.delivery])
    directory.reset()
    message = r1_world.message(service=service, rest="/copy%20one")

    response = _get(client, r1_world, message)

    assert response.status_code == 200, response.content
    assert response.json()["path"] == "/copy one"


@pytest.mark.parametrize("variable", ["RAW_URI", "REQUEST_URI"])
def test_raw_uri_keeps_an_encoded_slash_the_client_signed(client, r1_world, variable):
    message = r1_world.message(rest="/documents/2024%2F17")

    response = _get(client, r1_world, message, **{variable: r1_world.url(message)})

    # Rebuilt from PATH_INFO the path would read /documents/2024/17 and the signature would fail.
    assert response.status_code == 200, response.content
    assert response.json()["path"] == "/documents/2024/17"
    assert only_provider_entry().path == message.path


def test_encoded_slash_in_an_identifier_is_refused(client, r1_world):
    message = r1_world.message()
    message.path = "/r1/DEV/GOV/CIVIL%2Fcivil-registry/person-v1/x"
    message.headers[HEADER_SIGNATURE] = keys.sign_as(r1_world.client.identifier, message.canonical())

    with_raw = _get(client, r1_world, message, RAW_URI=r1_world.url(message))
    without_raw = _get(client, r1_world, message)

    assert with_raw[HEADER_ERROR] == ErrorType.INVALID_SERVICE
    # Without the raw URI, WSGI has decoded %2F and the path reads as person-v1 with a resource path
    # (the documented limit); the signature covers the path the client sent, so it is still refused.
    assert without_raw[HEADER_ERROR] == ErrorType.ACCESS_DENIED
    assert error_body(without_raw.content)["message"].startswith("The signature does not match")
    assert [e.error_type for e in provider_log()] == [ErrorType.INVALID_SERVICE, ErrorType.ACCESS_DENIED]


def test_raw_uri_behind_a_script_prefix_and_in_absolute_form(client, r1_world):
    first, second = r1_world.message(), r1_world.message()  # a signed request is good once

    prefixed = _get(client, r1_world, first, SCRIPT_NAME="/onestop", RAW_URI="/onestop" + r1_world.url(first))
    absolute = _get(client, r1_world, second, RAW_URI="http://testserver" + r1_world.url(second))

    assert prefixed.status_code == 200, prefixed.content
    assert absolute.status_code == 200, absolute.content


def test_utf8_header_values_are_read_as_the_client_signed_them(client, r1_world):
    r1_world.matters[("ӨТІНІШ-1", r1_world.subject)] = r1_world.matters[("APP-A-0001", r1_world.subject)]
    message = r1_world.message(issue="ӨТІНІШ-1")
    headers = r1_world.http_headers(message)
    # A WSGI server hands over header bytes decoded as Latin-1 (PEP 3333).
    headers["X-Road-Issue"] = "ӨТІНІШ-1".encode().decode("latin-1")

    response = client.get(r1_world.url(message), headers=headers)

    assert response.status_code == 200, response.content
    assert only_provider_entry().issue == "ӨТІНІШ-1"


def test_error_reply_over_http_has_header_and_json_body(client, r1_world):
    message = r1_world.message()
    headers = r1_world.http_headers(message)
    del headers[HEADER_CLIENT]

    response = client.get(r1_world.url(message), headers=headers)

    assert response.status_code == 400
    assert response[HEADER_ERROR] == ErrorType.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert error_body(response.content)["message"] == "The X-Road-Client header is required."
    assert response[HEADER_REQUEST_HASH]


def test_failing_registry_is_an_x_road_error_not_a_server_error_page(client, r1_world):
    DataService.objects.filter(pk=r1_world.service.pk).update(handler=R1_BOOM)
    directory.reset()
    message = r1_world.message()

    response = _get(client, r1_world, message)

    assert response.status_code == HTTP_STATUS[ErrorType.SERVICE_FAILED]
    assert response[HEADER_ERROR] == ErrorType.SERVICE_FAILED
    assert error_body(response.content)["type"] == ErrorType.SERVICE_FAILED


def test_body_over_the_size_limit_is_a_bad_request_and_logged(client, r1_world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16
    message = r1_world.message(method="POST", body=b"x" * 100)

    response = _get(client, r1_world, message)

    assert response.status_code == 400
    assert response[HEADER_ERROR] == ErrorType.BAD_REQUEST
    entry = only_provider_entry()
    assert (entry.status, entry.error_type, entry.method) == (400, ErrorType.BAD_REQUEST, "POST")


GARBAGE = [
    ("GET", "/r1/", {}),
    ("GET", "/r1/%", {}),
    ("GET", "/r1/DEV/GOV/%00/civil-registry/person-v1", {}),
    ("GET", "/r1/DEV/GOV/%E2%28%A1/civil-registry/person-v1", {}),
    (
        "GET",
        "/r1/DEV/GOV/CIVIL/civil-registry/person-v1?%%%&subject=%ZZ",
        {HEADER_CLIENT: "DEV/GOV/AGENCYA/back-office"},
    ),
    ("GET", "/r1/" + "A/" * 2000, {}),
    ("GET", "/r1/DEV/GOV/CIVIL/civil-registry/person-v1", {HEADER_CLIENT: "%" * 300}),
    (
        "GET",
        "/r1/DEV/GOV/CIVIL/civil-registry/person-v1",
        {HEADER_CLIENT: "DEV/GOV/AGENCYA/back-office", "X-OneStop-Date": "∞"},
    ),
    (
        "GET",
        "/r1/DEV/GOV/CIVIL/civil-registry/person-v1",
        {HEADER_CLIENT: "DEV/GOV/AGENCYA/back-office", HEADER_SIGNATURE: "!!!"},
    ),
    (
        "GET",
        "/r1/DEV/GOV/CIVIL/civil-registry/person-v1",
        {HEADER_CLIENT: "DEV/GOV/AGENCYA/back-office", "X-OneStop-Purpose": "x" * 500},
    ),
    ("HEAD", "/r1/DEV/GOV/CIVIL/civil-registry/person-v1", {}),
    ("OPTIONS", "/r1/DEV/GOV/CIVIL/civil-registry/person-v1", {}),
    ("BREW", "/r1/DEV/GOV/CIVIL/civil-registry/person-v1/pot", {}),
    ("DELETE", "/r1/DEV/GOV/CIVIL/civil-registry/person-v1", {HEADER_CLIENT: "DEV/GOV/AGENCYA/back-office"}),
]


@pytest.mark.parametrize(("method", "url", "headers"), GARBAGE, ids=[f"{m} {u[:40]}" for m, u, _ in GARBAGE])
def test_no_input_gives_a_server_error(client, r1_world, method, url, headers):
    response = client.generic(method, url, headers=headers)

    assert response.status_code != 500
    assert response[HEADER_ERROR] in {str(t) for t in ErrorType}
    assert len(provider_log()) == 1


def test_schema_describes_the_r1_endpoint(client):
    response = client.get("/api/v1/schema", {"format": "json"})

    schema = json.loads(response.content)
    operation = schema["paths"]["/r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}"][
        "get"
    ]
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert parameters[("header", "X-Road-Client")]["required"] is True
    for name in ("X-Road-Id", "X-Road-UserId", "X-Road-Issue", "X-OneStop-Purpose", "X-OneStop-Signature"):
        assert parameters[("header", name)]["required"] is False
    assert ("query", "subject") in parameters
    assert set(operation["responses"]) == {"200", "400", "403", "404", "502", "503"}
    assert "X-Road-Request-Hash" in operation["responses"]["200"]["headers"]
    assert "X-Road-Error" in operation["responses"]["403"]["headers"]
    error = schema["components"]["schemas"]["XRoadError"]
    assert error["required"] == ["type", "message", "detail"]
    assert "`Server.ServerProxy.AccessDenied`" in error["properties"]["type"]["description"]
