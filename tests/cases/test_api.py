"""The agency systems' REST API: token and session auth, scoped lists and details, and the actions
that move a case — with 404 for other agencies' cases, 409 for illegal transitions and 400 naming
the bad field, all as problem+json."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from onestop.cases.models import Case, CaseEvent, Decision, Webhook, WebhookDelivery
from onestop.people.models import Role
from tests.factories.cases import CaseFactory, ReasonCodeFactory
from tests.factories.catalog import ServiceFactory
from tests.factories.people import RoleMembershipFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def token_client(back_office) -> APIClient:
    """The agency's own system: a service account with the officer role, using a token."""
    account = RoleMembershipFactory(
        user__username="justice-system", role=Role.OFFICER, agency=back_office.agency
    ).user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=account).key}")
    client.user = account  # type: ignore[attr-defined]
    return client


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def case(back_office) -> Case:
    return CaseFactory(service=back_office.service, assignee=back_office.officer_1)


@pytest.fixture
def foreign_case(db) -> Case:
    return CaseFactory(number="CASE-FOREIGN")


def test_agency_system_lists_only_its_agencys_cases_with_a_token(token_client, case, foreign_case):
    response = token_client.get("/api/v1/cases")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [case.number]
    row = response.json()["results"][0]
    assert row["status"] == "submitted"
    assert row["service"] == "birth-certificate-copy"
    assert row["agency"] == "justice"
    assert row["assignee"] == "officer_1"


def test_request_without_credentials_is_401_problem(db):
    response = APIClient().get("/api/v1/cases")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_wrong_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/cases").status_code == 401


def test_staff_session_works_too(back_office, case):
    client = APIClient()
    client.force_login(back_office.head)  # a real session cookie, not force_authenticate
    assert client.get("/api/v1/cases").json()["count"] == 1


def test_user_without_agency_role_sees_no_cases(case, outsider):
    response = client_for(outsider).get("/api/v1/cases")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_list_filters(back_office, token_client):
    now = timezone.now()
    other_service = ServiceFactory(agency=back_office.agency, identifier="marriage-record")
    old = CaseFactory(service=back_office.service, submitted_at=now - timedelta(days=30))
    at_risk = CaseFactory(service=back_office.service, at_risk=True, assignee=back_office.officer_2)
    in_review = CaseFactory(
        service=other_service, status=Case.Status.IN_REVIEW, assignee=back_office.officer_1
    )

    def numbers(**params: str) -> set[str]:
        response = token_client.get("/api/v1/cases", params)
        assert response.status_code == 200, response.json()
        return {row["number"] for row in response.json()["results"]}

    assert numbers() == {old.number, at_risk.number, in_review.number}
    assert numbers(status="in_review") == {in_review.number}
    assert numbers(sla_state="at_risk") == {at_risk.number}
    assert numbers(service="marriage-record") == {in_review.number}
    assert numbers(assignee="officer_2") == {at_risk.number}
    assert numbers(assignee="none") == {old.number}
    assert numbers(submitted_after=(now - timedelta(days=20)).isoformat()) == {
        at_risk.number,
        in_review.number,
    }


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "lost"),
        ("sla_state", "late"),
        ("submitted_after", "last tuesday"),
        ("service", "no-such-service"),
    ],
)
def test_bad_filter_is_400_naming_the_parameter(token_client, param, value):
    response = token_client.get("/api/v1/cases", {param: value})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [e["name"] for e in response.json()["errors"]] == [param]


def test_list_is_paginated_most_urgent_first(back_office, token_client):
    now = timezone.now()
    for days in (9, 3, 6):
        CaseFactory(
            service=back_office.service,
            number=f"CASE-DUE-{days}",
            statutory_due_at=now + timedelta(days=days),
        )
    response = token_client.get("/api/v1/cases", {"page_size": 2})
    body = response.json()
    assert body["count"] == 3
    assert [row["number"] for row in body["results"]] == ["CASE-DUE-3", "CASE-DUE-6"]
    assert token_client.get(body["next"]).json()["results"][0]["number"] == "CASE-DUE-9"


def test_list_query_count_does_not_grow_with_cases(back_office, token_client, django_assert_max_num_queries):
    for _ in range(15):
        CaseFactory(service=back_office.service, assignee=back_office.officer_1)
    # auth (token + user) , memberships for scoping, count, page
    with django_assert_max_num_queries(8):
        assert token_client.get("/api/v1/cases").status_code == 200


def test_detail_has_answers_evidence_events_and_deadlines(back_office, token_client, case):
    case.item.answers = {"child_name": "Aruzhan Abenova"}
    case.item.save()
    CaseEvent.objects.create(case=case, kind="assigned", at=timezone.now(), actor_label="system")
    response = token_client.get(f"/api/v1/cases/{case.number}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert body["answers"] == {"child_name": "Aruzhan Abenova"}
    assert body["citizen"]["national_id"] == case.citizen.national_id
    assert body["deadlines"]["statutory_due_at"] is not None
    assert body["deadlines"]["sla_state"] == "on_track"
    assert [e["kind"] for e in body["events"]] == ["assigned"]
    assert body["decision"] is None
    assert body["output_document"] is None
    assert body["allowed_statuses"] == ["in_review", "withdrawn"]
    assert isinstance(body["evidence"], list)


def test_other_agencys_case_is_404(token_client, foreign_case):
    response = token_client.get(f"/api/v1/cases/{foreign_case.number}")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert token_client.post(f"/api/v1/cases/{foreign_case.number}/start-review").status_code == 404


def test_officer_reviews_and_approves_and_the_agency_webhook_is_queued(back_office, case):
    hook = Webhook.objects.create(agency=back_office.agency, url="http://127.0.0.1:9/hook", secret="s")
    approval = ReasonCodeFactory(code="complete", approval=True)
    client = client_for(back_office.officer_1)
    response = client.post(f"/api/v1/cases/{case.number}/start-review")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_review"
    response = client.post(
        f"/api/v1/cases/{case.number}/approve", {"reason_codes": ["complete"], "note": "All in order"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["decision"]["outcome"] == "approved"
    assert body["decision"]["reason_codes"] == [approval.code]
    assert [e["kind"] for e in body["events"]][-2:] == ["review_started", "approved"]
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 2


def test_illegal_transition_is_409_problem(back_office, case):
    ReasonCodeFactory(code="complete", approval=True)
    response = client_for(back_office.officer_1).post(
        f"/api/v1/cases/{case.number}/approve", {"reason_codes": ["complete"]}
    )
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:onestop:problem:illegal-transition"
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert not Decision.objects.filter(case=case).exists()


def test_close_before_result_is_409(back_office, case):
    assert client_for(back_office.officer_1).post(f"/api/v1/cases/{case.number}/close").status_code == 409


def test_reject_needs_a_rejection_reason_code(back_office):
    case = CaseFactory(
        service=back_office.service, assignee=back_office.officer_1, status=Case.Status.IN_REVIEW
    )
    ReasonCodeFactory(code="complete", approval=True)
    client = client_for(back_office.officer_1)
    url = f"/api/v1/cases/{case.number}/reject"
    for payload in ({}, {"reason_codes": []}, {"reason_codes": ["complete"]}, {"reason_codes": ["made-up"]}):
        response = client.post(url, payload)
        assert response.status_code == 400, payload
        assert response["Content-Type"] == PROBLEM
        assert [e["name"] for e in response.json()["errors"]] == ["reason_codes"], payload
    ReasonCodeFactory(code="incomplete-file")
    response = client.post(url, {"reason_codes": ["incomplete-file"], "note": "Missing page 2"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_request_information_needs_a_message(back_office):
    case = CaseFactory(
        service=back_office.service, assignee=back_office.officer_1, status=Case.Status.IN_REVIEW
    )
    client = client_for(back_office.officer_1)
    url = f"/api/v1/cases/{case.number}/request-information"
    response = client.post(url, {})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["message"]
    response = client.post(url, {"message": "Please send a clearer copy of your ID."})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "information_requested"
    assert body["information_requests"][0]["message"] == "Please send a clearer copy of your ID."
    assert body["deadlines"]["clock_stopped_at"] is not None


def test_close_after_result_issued(back_office):
    case = CaseFactory(
        service=back_office.service, assignee=back_office.officer_1, status=Case.Status.RESULT_ISSUED
    )
    response = client_for(back_office.officer_1).post(f"/api/v1/cases/{case.number}/close")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


def test_stale_version_is_409(back_office, case):
    response = client_for(back_office.officer_1).post(
        f"/api/v1/cases/{case.number}/start-review", {"version": case.version + 1}
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:onestop:problem:stale-version"


def test_officer_cannot_act_on_a_colleagues_case(back_office, case):
    response = client_for(back_office.officer_2).post(f"/api/v1/cases/{case.number}/start-review")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_only_the_agency_head_reassigns_with_a_reason(back_office, case):
    url = f"/api/v1/cases/{case.number}/reassign"
    payload = {"to": "officer_2", "reason": "officer_1 is on leave"}
    assert client_for(back_office.officer_1).post(url, payload).status_code == 403
    head = client_for(back_office.head)
    response = head.post(url, {"to": "officer_2"})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["reason"]
    response = head.post(url, {"to": "nobody-by-that-name", "reason": "x"})
    assert [e["name"] for e in response.json()["errors"]] == ["to"]
    response = head.post(url, payload)
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"] == "officer_2"
    case.refresh_from_db()
    assert case.assignee == back_office.officer_2


def test_national_coordinator_reads_but_cannot_act(case, coordinator):
    client = client_for(coordinator)
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 200
    assert client.post(f"/api/v1/cases/{case.number}/start-review").status_code == 403


def test_cases_api_is_in_the_openapi_schema(db):
    response = APIClient().get("/api/v1/schema", {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/cases" in paths
    assert "/api/v1/cases/{number}/reassign" in paths
    assert "409" in paths["/api/v1/cases/{number}/approve"]["post"]["responses"]


def test_issue_result_returns_the_output_document(back_office):
    case = CaseFactory(
        service=back_office.service,
        assignee=back_office.officer_1,
        decided=True,
        decision__decided_by=back_office.officer_1,
    )
    response = client_for(back_office.officer_1).post(f"/api/v1/cases/{case.number}/issue-result")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "result_issued"
    assert body["output_document"]["verification_code"]
