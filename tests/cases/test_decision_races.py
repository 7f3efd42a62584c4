"""Two people deciding the same case at the same moment: exactly one decision wins, the other gets
IllegalTransition, and the history shows one decision. 200 races, each with two threads holding
their own database connections.

On SQLite the in-memory test database cannot be shared by threads, so (as in
tests/queueing/test_call_next_concurrency.py) this module moves the test database to a temporary
file for its duration; on PostgreSQL the session's test database serves every thread as it is.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally

import pytest
from django.db import connections

from onestop.cases.errors import IllegalTransition
from onestop.cases.models import Case, CaseEvent, Decision
from onestop.cases.services import case_approve, case_reject
from onestop.people.models import Role
from tests.factories.cases import ReasonCodeFactory, cases_in_bulk
from tests.factories.catalog import AgencyFactory, ServiceFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory
from tests.file_database import file_database

RACES = 200


django_db_setup = file_database("decision-races")


@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_the_same_case_exactly_one_wins(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agency = AgencyFactory(code="race-agency")
    officer = RoleMembershipFactory(user__username="race-officer", role=Role.OFFICER, agency=agency).user
    head = RoleMembershipFactory(user__username="race-head", role=Role.AGENCY_HEAD, agency=agency).user
    service = ServiceFactory(agency=agency)
    rejection = ReasonCodeFactory(code="race-incomplete")
    cases = cases_in_bulk(
        RACES,
        service=service,
        citizen=CitizenFactory(),
        assignee=officer,
        status=Case.Status.IN_REVIEW,
        prefix="RACE",
    )
    ids = [c.pk for c in cases]

    outcomes: list[list[str]] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(side: int) -> None:
        try:
            for pk in ids:
                case = Case.objects.select_related("citizen", "agency").get(pk=pk)
                barrier.wait(timeout=60)
                try:
                    if side == 0:
                        case_approve(actor=officer, case=case, note="all in order")
                    else:
                        case_reject(actor=head, case=case, reason_codes=[rejection], note="incomplete")
                    outcomes[side].append("won")
                except IllegalTransition:
                    outcomes[side].append("lost")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert not errors, errors[:3]
    for race in range(RACES):
        assert sorted([outcomes[0][race], outcomes[1][race]]) == ["lost", "won"], race
    assert Decision.objects.filter(case_id__in=ids).count() == RACES
    statuses = Tally(Case.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert sum(statuses.values()) == RACES and set(statuses) <= {Case.Status.APPROVED, Case.Status.REJECTED}
    assert set(Case.objects.filter(pk__in=ids).values_list("version", flat=True)) == {1}
    decided_events = Tally(
        CaseEvent.objects.filter(case_id__in=ids, kind__in=["approved", "rejected"]).values_list(
            "case_id", flat=True
        )
    )
    assert len(decided_events) == RACES and set(decided_events.values()) == {1}
    # The decision matches the status the winner set.
    for decision in Decision.objects.filter(case_id__in=ids).select_related("case"):
        assert decision.outcome == decision.case.status
