"""The provider's access rules: denied unless the directory says yes, every refusal logged.

Each refusal case of the access-rights matrix builds a request that is right in every way but one,
and checks the reply (status, ``X-Road-Error``, error body) and that exactly one provider log entry
records it with the same status and error type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from onestop.core.audit import SystemActor
from onestop.exchange import directory, keys
from onestop.exchange.models import Member
from onestop.exchange.protocol import (
    HEADER_ERROR,
    HEADER_SIGNATURE,
    HTTP_STATUS,
    ErrorType,
    Message,
    body_hash,
)
from onestop.exchange.provider import provider_handle
from onestop.exchange.services import access_right_revoke, member_update
from tests.exchange.conftest import (
    R1_BOOM,
    R1_ISSUE_A,
    R1_ISSUE_B,
    R1_NOTHING,
    R1World,
    error_body,
    only_provider_entry,
)
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory
from tests.factories.people import valid_national_id

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("test")


def _unknown_client(world: R1World) -> Message:
    stranger = MemberFactory.build(member_code="GHOST", subsystem_code="back-office")
    return world.message(client=stranger)


def _inactive_client(world: R1World) -> Message:
    member_update(actor=ACTOR, member=world.client, is_active=False)
    directory.reset()
    return world.message()


def _tampered_after_signing(world: R1World) -> Message:
    message = world.message()
    message.query = f"subject={valid_national_id(7)[0]}"  # someone else's data, under the old signature
    return message


def _signed_by_another_member(world: R1World) -> Message:
    message = world.message()
    message.headers[HEADER_SIGNATURE] = keys.sign_as("DEV/GOV/IMPOSTOR/back-office", message.canonical())
    return message


def _unsigned(world: R1World) -> Message:
    return world.message(sign=False)


def _stale_date(world: R1World) -> Message:
    return world.message(date=(datetime.now(UTC) - timedelta(seconds=301)).isoformat())


def _future_date(world: R1World) -> Message:
    return world.message(date=(datetime.now(UTC) + timedelta(seconds=301)).isoformat())


def _undated(world: R1World) -> Message:
    return world.message(date="")


def _malformed_date(world: R1World) -> Message:
    return world.message(date="yesterday")


def _date_without_offset(world: R1World) -> Message:
    return world.message(date=datetime.now(UTC).replace(tzinfo=None).isoformat())


def _no_right(world: R1World) -> Message:
    other = DataServiceFactory(
        provider=world.provider, service_code="birth-v1", handler=world.service.handler
    )
    directory.reset()
    return world.message(service=other)


def _revoked_right(world: R1World) -> Message:
    access_right_revoke(actor=ACTOR, right=world.right, reason="the agreement with agency A ended")
    directory.reset()
    return world.message()


def _purpose_not_granted(world: R1World) -> Message:
    return world.message(purpose=world.inspection.code)


def _unknown_purpose(world: R1World) -> Message:
    return world.message(purpose="curiosity")


def _no_issue(world: R1World) -> Message:
    return world.message(issue="")


def _issue_not_open(world: R1World) -> Message:
    return world.message(issue="APP-CLOSED-9")


def _matter_of_another_agency(world: R1World) -> Message:
    return world.message(issue=R1_ISSUE_B)


def _matter_of_another_person(world: R1World) -> Message:
    return world.message(issue=R1_ISSUE_A, subject=valid_national_id(7)[0])


def _client_of_no_agency(world: R1World) -> Message:
    orphan = MemberFactory(member_code="ORPHAN", subsystem_code="back-office", agency=None)
    AccessRightFactory(client=orphan, service=world.service, purposes=[world.delivery])
    directory.reset()
    return world.message(client=orphan)


def _bad_subject(world: R1World) -> Message:
    return world.message(subject="123456789012")


def _missing_subject(world: R1World) -> Message:
    return world.message(subject="")


DENIED = ErrorType.ACCESS_DENIED
BAD = ErrorType.BAD_REQUEST

REFUSALS: list[tuple[str, Callable[[R1World], Message], ErrorType]] = [
    ("unknown client", _unknown_client, DENIED),
    ("inactive client", _inactive_client, DENIED),
    ("bad signature: request changed after signing", _tampered_after_signing, DENIED),
    ("bad signature: another member's key", _signed_by_another_member, DENIED),
    ("missing signature", _unsigned, DENIED),
    ("stale date", _stale_date, DENIED),
    ("date in the future", _future_date, DENIED),
    ("missing date", _undated, DENIED),
    ("malformed date", _malformed_date, DENIED),
    ("date without UTC offset", _date_without_offset, DENIED),
    ("no right", _no_right, DENIED),
    ("revoked right", _revoked_right, DENIED),
    ("purpose not granted", _purpose_not_granted, DENIED),
    ("unknown purpose", _unknown_purpose, DENIED),
    ("no issue named", _no_issue, DENIED),
    ("no open matter", _issue_not_open, DENIED),
    ("matter of another agency", _matter_of_another_agency, DENIED),
    ("matter of another person", _matter_of_another_person, DENIED),
    ("client of no agency", _client_of_no_agency, DENIED),
    ("bad subject", _bad_subject, BAD),
    ("missing subject", _missing_subject, BAD),
]


@pytest.mark.parametrize(("arrange", "error_type"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_each_refusal_is_an_error_reply_and_one_log_entry(r1_world, arrange, error_type):
    message = arrange(r1_world)

    reply = provider_handle(message)

    assert reply.status == HTTP_STATUS[error_type]
    assert reply.headers[HEADER_ERROR] == error_type
    assert error_body(reply.body)["type"] == error_type
    assert "Aigerim" not in reply.body.decode()  # the registry was never asked
    entry = only_provider_entry()
    assert (entry.status, entry.error_type) == (HTTP_STATUS[error_type], str(error_type))
    assert entry.response_hash == body_hash(reply.body)
    assert entry.request_hash == message.request_hash()


def test_matter_refusal_names_what_is_missing(r1_world):
    reply = provider_handle(r1_world.message(issue=R1_ISSUE_B))

    assert (
        "no open application or case of this person handled by the calling agency"
        in (error_body(reply.body)["message"])
    )


def test_refused_call_is_still_recorded_against_the_person_it_asked_about(r1_world):
    """Integrity analytics look for data access without a case: a refusal must name the person."""
    provider_handle(r1_world.message(issue="APP-CLOSED-9"))

    entry = only_provider_entry()
    assert entry.subject == r1_world.subject
    assert entry.issue == "APP-CLOSED-9"


def test_unauthenticated_call_is_logged_without_the_person_or_the_agency_it_claims(r1_world):
    """Anyone can send a request naming someone's national ID and an agency's subsystem: without a
    valid signature it must not land in that person's data tracker under that agency's name."""
    message = r1_world.message(issue="CALL US TO CANCEL")
    del message.headers[HEADER_SIGNATURE]

    reply = provider_handle(message)

    entry = only_provider_entry()
    assert reply.headers[HEADER_ERROR] == ErrorType.ACCESS_DENIED
    assert entry.subject == "" and entry.client_member_id is None


def test_a_signed_request_is_good_once(r1_world):
    message = r1_world.message()

    first = provider_handle(message)
    replayed = provider_handle(message)

    assert first.status == 200
    assert replayed.status == 403 and replayed.headers[HEADER_ERROR] == ErrorType.ACCESS_DENIED
    assert error_body(replayed.body)["message"] == "This signed request was already received."


def test_granted_call_with_open_matter_answers_and_is_logged(r1_world):
    message = r1_world.message(user_id="KZ-STAFF-17")

    reply = provider_handle(message)

    assert reply.status == 200
    assert HEADER_ERROR not in reply.headers
    assert reply.content_type == "application/json"
    entry = only_provider_entry()
    assert entry.status == 200
    assert entry.error_type == ""
    assert entry.logged_by == r1_world.provider.identifier
    assert entry.client == r1_world.client.identifier
    assert entry.service == r1_world.service.identifier
    assert entry.client_member_id == r1_world.client.pk
    assert entry.data_service_id == r1_world.service.pk
    assert (entry.subject, entry.issue, entry.purpose, entry.user_id) == (
        r1_world.subject,
        R1_ISSUE_A,
        "service-delivery",
        "KZ-STAFF-17",
    )
    assert entry.x_road_id == message.x_road_id
    assert entry.method == "GET"
    assert entry.path == message.path
    assert entry.latency_ms > 0
    assert entry.seq is None  # the sealer chains it later; the request path only inserts
    assert entry.request_body is None and entry.response_body is None  # log_bodies is off


def test_purpose_that_is_its_own_legal_ground_needs_no_open_matter(r1_world):
    r1_world.right.purposes.set([r1_world.delivery, r1_world.inspection])
    directory.reset()

    reply = provider_handle(r1_world.message(purpose=r1_world.inspection.code, issue=""))

    assert reply.status == 200
    assert only_provider_entry().purpose == "tax-inspection"


def test_remote_member_signing_with_its_own_key_is_accepted(r1_world):
    remote = MemberFactory(remote=True, member_code="OTHERSTATE", subsystem_code="back-office")
    remote.agency = r1_world.client.agency
    remote.save(update_fields=["agency"])
    AccessRightFactory(client=remote, service=r1_world.service, purposes=[r1_world.delivery])
    directory.reset()

    reply = provider_handle(r1_world.message(client=remote))

    assert reply.status == 200, reply.body


def test_remote_member_without_a_key_is_refused_unless_a_proxy_authenticated_it(r1_world, settings):
    keyless = MemberFactory(remote=True, member_code="KEYLESS", subsystem_code="back-office")
    Member.objects.filter(pk=keyless.pk).update(public_key="", agency=r1_world.client.agency)
    AccessRightFactory(client=keyless, service=r1_world.service, purposes=[r1_world.delivery])
    directory.reset()
    message = r1_world.message(client=keyless, sign=False)

    assert provider_handle(message).headers[HEADER_ERROR] == ErrorType.ACCESS_DENIED
    assert provider_handle(message, authenticated=True).status == 200
    settings.ONESTOP_EXCHANGE_AUTH = "proxy"
    assert provider_handle(message).status == 200


def test_proxy_authentication_does_not_lift_the_access_rules(r1_world, settings):
    settings.ONESTOP_EXCHANGE_AUTH = "proxy"

    reply = provider_handle(r1_world.message(sign=False, issue=R1_ISSUE_B))

    assert reply.headers[HEADER_ERROR] == ErrorType.ACCESS_DENIED


def test_handler_that_raises_is_service_failed_not_a_crash(r1_world, caplog):
    failing = DataServiceFactory(provider=r1_world.provider, service_code="marriage-v1", handler=R1_BOOM)
    AccessRightFactory(client=r1_world.client, service=failing, purposes=[r1_world.delivery])
    directory.reset()

    with caplog.at_level(logging.ERROR, logger="onestop.exchange.provider"):
        reply = provider_handle(r1_world.message(service=failing))

    assert reply.status == 502
    assert reply.headers[HEADER_ERROR] == ErrorType.SERVICE_FAILED
    body = error_body(reply.body)
    assert r1_world.subject not in reply.body.decode()  # the exception text stays in the server log
    assert reply.headers["X-Road-Request-Id"] in body["detail"]
    assert any("registry database unreachable" in (r.exc_text or "") for r in caplog.records)
    entry = only_provider_entry()
    assert (entry.status, entry.error_type) == (502, ErrorType.SERVICE_FAILED)


def test_handler_failing_inside_a_callers_transaction_leaves_it_usable(r1_world):
    """An in-process call made inside a service's transaction: the log row still goes in."""
    from django.db import transaction

    failing = DataServiceFactory(provider=r1_world.provider, service_code="marriage-v1", handler=R1_BOOM)
    AccessRightFactory(client=r1_world.client, service=failing, purposes=[r1_world.delivery])
    directory.reset()

    with transaction.atomic():
        reply = provider_handle(r1_world.message(service=failing))
        assert Member.objects.filter(pk=r1_world.client.pk).exists()

    assert reply.status == 502
    assert only_provider_entry().status == 502


def test_registry_holding_nothing_is_a_plain_404_not_a_protocol_error(r1_world):
    empty = DataServiceFactory(provider=r1_world.provider, service_code="vehicles-v1", handler=R1_NOTHING)
    AccessRightFactory(client=r1_world.client, service=empty, purposes=[r1_world.delivery])
    directory.reset()

    reply = provider_handle(r1_world.message(service=empty))

    assert reply.status == 404
    assert HEADER_ERROR not in reply.headers
    entry = only_provider_entry()
    assert (entry.status, entry.error_type) == (404, "")


def test_bodies_are_logged_only_for_services_that_ask_for_it(r1_world):
    r1_world.service.log_bodies = True
    r1_world.service.save(update_fields=["log_bodies"])
    directory.reset()

    reply = provider_handle(r1_world.message(method="POST", body=b'{"q": 1}'))

    entry = only_provider_entry()
    assert entry.request_body == '{"q": 1}'
    assert entry.response_body == reply.body.decode()


def test_binary_body_is_logged_as_base64(r1_world):
    r1_world.service.log_bodies = True
    r1_world.service.save(update_fields=["log_bodies"])
    directory.reset()

    provider_handle(r1_world.message(method="POST", body=b"\x00\xff binary"))

    assert only_provider_entry().request_body == "base64:AP8gYmluYXJ5"


def test_refusal_quoting_unstorable_text_is_still_logged(r1_world):
    """PostgreSQL text cannot hold NUL: what the request said is kept with it replaced."""
    message = r1_world.message(issue="APP\x00-1")

    reply = provider_handle(message)

    assert reply.headers[HEADER_ERROR] == ErrorType.BAD_REQUEST
    assert only_provider_entry().issue == "APP\N{REPLACEMENT CHARACTER}-1"


def test_exchange_that_cannot_be_logged_releases_no_data(r1_world, monkeypatch, caplog):
    def failing_append(record):
        raise RuntimeError("log table unavailable")

    monkeypatch.setattr("onestop.exchange.provider.exchange_log_append", failing_append)

    reply = provider_handle(r1_world.message())

    assert reply.status == 502
    assert reply.headers[HEADER_ERROR] == ErrorType.SERVICE_FAILED
    assert "Aigerim" not in reply.body.decode()
    assert any("exchange log append failed" in r.getMessage() for r in caplog.records)
