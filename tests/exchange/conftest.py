"""Shared fixtures of the exchange tests. Other test modules may add their own here: keep names
prefixed by what they serve.

Provider side (``r1_*``): a provider subsystem of agency B serving a personal-data test service,
a back-office subsystem of agency A with a right on it, two purposes (one that needs an open
matter, one that is its own legal ground), a test matter resolver and test registry handlers, all
registered for the test only.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from onestop.exchange import directory, keys, purposes, registries
from onestop.exchange import directory as _exchange_directory_module
from onestop.exchange.models import AccessRight, DataService, ExchangeLogEntry, Member, Purpose
from onestop.exchange.protocol import (
    DEFAULT_PURPOSE,
    HEADER_CLIENT,
    HEADER_DATE,
    HEADER_ID,
    HEADER_ISSUE,
    HEADER_PURPOSE,
    HEADER_SIGNATURE,
    HEADER_USER_ID,
    Message,
)
from onestop.exchange.purposes import Matter
from tests.exchange.worlds import Directory, PassportOffice, build_passport_office
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory, PurposeFactory
from tests.factories.people import valid_national_id

R1_ECHO = "test.provider-echo"
R1_BOOM = "test.provider-boom"
R1_NOTHING = "test.provider-nothing"
R1_ISSUE_A = "APP-A-0001"  # an open application handled by agency A (the client's agency)
R1_ISSUE_B = "APP-B-0001"  # an open application of the same person, handled by agency B only


def _echo(request: registries.RegistryRequest) -> registries.RegistryResponse:
    return registries.RegistryResponse(
        200,
        {
            "subject": request.subject,
            "method": request.method,
            "path": request.path,
            "params": request.params,
            "body": request.body.decode("utf-8", errors="replace"),
            "name": "Aigerim Seitkali",
        },
    )


def _boom(request: registries.RegistryRequest) -> registries.RegistryResponse:
    raise RuntimeError(f"registry database unreachable while asking about {request.subject}")


def _nothing(request: registries.RegistryRequest) -> registries.RegistryResponse:
    return registries.RegistryResponse(404, {"detail": "no record"})


@pytest.fixture
def r1_handlers() -> Iterator[None]:
    """The test registry functions: echo (answers with what it was asked), boom (raises), nothing
    (holds no record). Removed again afterwards."""
    handlers = {R1_ECHO: _echo, R1_BOOM: _boom, R1_NOTHING: _nothing}
    before = {name: registries._handlers.get(name) for name in handlers}
    for name, fn in handlers.items():
        registries.register(name)(fn)
    yield
    for name, old in before.items():
        if old is None:
            registries._handlers.pop(name, None)
        else:
            registries._handlers[name] = old


@dataclass
class R1World:
    provider: Member
    client: Member
    service: DataService
    right: AccessRight
    delivery: Purpose  # needs an open matter
    inspection: Purpose  # a legal ground of its own
    subject: str
    matters: dict[tuple[str, str], Matter] = field(default_factory=dict)

    def message(
        self,
        *,
        client: Member | None = None,
        service: DataService | None = None,
        subject: str | None = None,
        params: dict[str, str] | None = None,
        query: str | None = None,
        rest: str = "",
        method: str = "GET",
        body: bytes = b"",
        x_road_id: str | None = None,
        user_id: str = "",
        issue: str = R1_ISSUE_A,
        purpose: str = DEFAULT_PURPOSE,
        date: str | None = None,
        sign: bool = True,
    ) -> Message:
        """A request as a well-behaved client builds it: dated now and signed by the client's key
        (a hosted member's derived key, or a remote member's own ``_private_key``)."""
        caller = client or self.client
        target = service or self.service
        if query is None:
            pairs = {"subject": self.subject if subject is None else subject, **(params or {})}
            query = urlencode({k: v for k, v in pairs.items() if v != ""}, quote_via=quote)
        message = Message(
            method=method,
            path=target.service_id.encoded_path() + rest,
            query=query,
            client=caller.subsystem_id.encoded(),
            x_road_id=str(uuid.uuid4()) if x_road_id is None else x_road_id,
            user_id=user_id,
            issue=issue,
            purpose=purpose,
            date=datetime.now(UTC).isoformat() if date is None else date,
            body=body,
        )
        if sign:
            message.headers[HEADER_SIGNATURE] = sign_message(caller, message)
        return message

    def http_headers(self, message: Message) -> dict[str, str]:
        """The message's headers as an HTTP client sends them (for Django's test client)."""
        headers = {
            HEADER_CLIENT: message.client,
            HEADER_ID: message.x_road_id,
            HEADER_USER_ID: message.user_id,
            HEADER_ISSUE: message.issue,
            HEADER_PURPOSE: message.purpose,
            HEADER_DATE: message.date,
            **message.headers,
        }
        return {name: value for name, value in headers.items() if value}

    def url(self, message: Message) -> str:
        return message.path + (f"?{message.query}" if message.query else "")


def sign_message(member: Member, message: Message) -> str:
    private = getattr(member, "_private_key", None)
    if private is not None:
        return base64.b64encode(private.sign(message.canonical())).decode("ascii")
    return keys.sign_as(member.identifier, message.canonical())


@pytest.fixture
def r1_world(agency_a, agency_b, r1_handlers) -> Iterator[R1World]:
    """A provider of agency B serving ``person-v1`` (personal data, echo handler), agency A's
    back office with a right for ``service-delivery``, a citizen with one open application at each
    agency, and a fresh directory snapshot."""
    provider = MemberFactory(
        member_class="GOV", member_code="CIVIL", subsystem_code="civil-registry", agency=agency_b
    )
    client = MemberFactory(
        member_class="GOV", member_code="AGENCYA", subsystem_code="back-office", agency=agency_a
    )
    service = DataServiceFactory(provider=provider, service_code="person-v1", handler=R1_ECHO)
    delivery = PurposeFactory(code=DEFAULT_PURPOSE, needs_open_matter=True)
    inspection = PurposeFactory(
        code="tax-inspection",
        name="Tax inspection",
        legal_basis="Tax Code, art. 150",
        needs_open_matter=False,
    )
    right = AccessRightFactory(client=client, service=service, purposes=[delivery])
    subject = valid_national_id(4242)[0]
    world = R1World(provider, client, service, right, delivery, inspection, subject)
    world.matters = {
        (R1_ISSUE_A, subject): Matter("application", R1_ISSUE_A, subject, frozenset({agency_a.code})),
        (R1_ISSUE_B, subject): Matter("application", R1_ISSUE_B, subject, frozenset({agency_b.code})),
    }

    def resolver(issue: str, who: str) -> Matter | None:
        return world.matters.get((issue, who))

    purposes.register_matter_resolver(resolver)
    directory.reset()
    yield world
    purposes._resolvers.remove(resolver)


def provider_log() -> list[ExchangeLogEntry]:
    return list(ExchangeLogEntry.objects.filter(side="provider").order_by("id"))


def only_provider_entry() -> ExchangeLogEntry:
    entries = provider_log()
    assert len(entries) == 1, [(e.status, e.error_type) for e in entries]
    return entries[0]


def error_body(content: bytes) -> dict[str, Any]:
    """The X-Road error body, checked for its shape: exactly type, message and detail, all text."""
    body = json.loads(content)
    assert set(body) == {"type", "message", "detail"}
    assert all(isinstance(value, str) for value in body.values())
    assert body["message"]
    return body


# --- Worlds for the reader-facing tests (tests/exchange/worlds.py) -------------------------------


@pytest.fixture
def exchange_directory() -> Directory:
    built = Directory()
    _exchange_directory_module.reset()
    return built


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def passport_office(media, settings) -> PassportOffice:
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    return build_passport_office()
