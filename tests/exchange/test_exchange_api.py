"""The exchange log's REST API: auditors and administrators only (problem+json otherwise), the same
filters as the screen, cursor pages, one entry with its seal, and the audited verification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from onestop.core.models import AuditEvent
from onestop.exchange.models import ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.sealing import exchange_log_seal
from tests.exchange.test_log_sealing import SEED, append_entry

LOG = "/api/v1/exchange/log/"
VERIFY = "/api/v1/exchange/log/verify/"
DANA = "900101300126"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.ONESTOP_SIGNING_KEY = SEED


def _api(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_anonymous_callers_get_401_as_problem_json():
    response = _api().get(LOG)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:onestop:problem:not-authenticated"


@pytest.mark.parametrize("persona", ["officer_a", "operator_a", "coordinator", "outsider"])
def test_everyone_but_auditors_and_administrators_gets_403(request, persona):
    entry = append_entry()
    api = _api(request.getfixturevalue(persona))

    for response in (api.get(LOG), api.get(f"{LOG}{entry.pk}/"), api.post(VERIFY)):
        assert response.status_code == 403
        assert response.json()["type"] == "urn:onestop:problem:forbidden"
    assert not AuditEvent.objects.filter(action="exchange.verify").exists()


@pytest.mark.parametrize("persona", ["auditor", "administrator"])
def test_the_list_has_the_entries_newest_first_in_cursor_pages(request, persona):
    start = timezone.now()
    entries = [append_entry(started_at=start + timedelta(seconds=i)) for i in range(5)]
    exchange_log_seal()
    api = _api(request.getfixturevalue(persona))

    first = api.get(LOG, {"page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == [entries[4].pk, entries[3].pk]
    assert "count" not in first  # pages never count the whole log
    seen = [row["id"] for row in first["results"]]
    following = first["next"]
    while following:
        page = api.get(following).json()
        seen += [row["id"] for row in page["results"]]
        following = page["next"]

    assert seen == [e.pk for e in reversed(entries)]
    row = first["results"][0]
    assert row["outcome"] == "ok"
    assert row["seq"] == 5
    assert {"x_road_id", "client", "service", "subject", "issue", "request_hash", "latency_ms"} <= set(row)


def test_the_list_filters_like_the_screen(auditor):
    ok = append_entry(subject=DANA, issue="APP-1")
    refused = append_entry(subject=DANA, status=403, error_type=str(ErrorType.ACCESS_DENIED))
    append_entry()
    api = _api(auditor)

    def listed(**params) -> list[int]:
        response = api.get(LOG, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(listed(subject=DANA)) == {ok.pk, refused.pk}
    assert listed(subject=DANA, outcome="refused") == [refused.pk]
    assert listed(issue="APP-1") == [ok.pk]
    assert listed(x_road_id=refused.x_road_id) == [refused.pk]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"client": "DEV/GOV"}, "client"),
        ({"subject": "123"}, "subject"),
        ({"outcome": "maybe"}, "outcome"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(auditor, params, name):
    append_entry()

    response = _api(auditor).get(LOG, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:onestop:problem:validation-error"
    assert name in [error["name"] for error in body["errors"]]


def test_one_entry_comes_with_its_seal_and_its_own_check(auditor):
    entry = append_entry(response_body='{"found": true}')
    exchange_log_seal()
    entry.refresh_from_db()

    body = _api(auditor).get(f"{LOG}{entry.pk}/").json()

    assert body["id"] == entry.pk
    assert (body["seq"], body["hash"], body["signature"], body["key_id"]) == (
        1,
        entry.hash,
        entry.signature,
        entry.key_id,
    )
    assert body["response_body"] == '{"found": true}'
    assert body["check"] == {
        "hash_ok": True,
        "links_ok": True,
        "signature_ok": True,
        "signature_fault": "",
        "previous_id": None,
    }


def test_an_unsealed_entry_has_no_check_yet(auditor):
    entry = append_entry()

    body = _api(auditor).get(f"{LOG}{entry.pk}/").json()

    assert body["seq"] is None and body["check"] is None


def test_an_unknown_entry_is_404_problem_json(auditor):
    response = _api(auditor).get(f"{LOG}987654/")

    assert response.status_code == 404
    assert response.json()["type"] == "urn:onestop:problem:not-found"


def test_verify_reports_an_intact_log_and_is_audited(auditor):
    append_entry()
    append_entry()
    exchange_log_seal()

    response = _api(auditor).post(VERIFY)

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert (body["rows_checked"], body["signatures_checked"], body["head_seq"]) == (2, 2, 2)
    assert body["problem"] is None and body["problems"] == []
    assert body["rows_per_second"] >= 0
    assert AuditEvent.objects.get(action="exchange.verify").actor_id == str(auditor.pk)


def test_verify_names_the_first_problem(administrator):
    entries = [append_entry() for _ in range(3)]
    exchange_log_seal()
    ExchangeLogEntry.objects.filter(pk=entries[1].pk).delete()

    body = _api(administrator).post(VERIFY).json()

    assert body["ok"] is False
    assert body["problem"]["kind"] == "deleted"
    assert body["problem"]["seq"] == 2
    assert body["problem"]["entry_id"] == entries[2].pk
    assert "deleted at" in body["problem"]["text"]


def test_a_session_user_must_send_the_csrf_token_to_verify(auditor):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(auditor)

    assert api.get(LOG).status_code == 200
    assert api.post(VERIFY).status_code == 403
