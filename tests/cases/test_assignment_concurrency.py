"""Submissions to one agency at the same moment are still assigned fairly: the agency's lock is
taken after the reads that do not depend on other assignments, yet every load count it guards sees
all the assignments committed before it. Nine drafts submitted by nine threads at once, three
officers with no work: each officer ends with exactly three cases, as if they had come one by one.
And the lock is taken in a fixed order, so two assigners cannot deadlock on it.

On SQLite the in-memory test database cannot be shared by threads, so this module uses the
fixture of tests/cases/test_decision_races.py, which moves the test database to a temporary file
for its duration; on PostgreSQL the session's test database serves every thread as it is.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from onestop.cases.models import Application, Case, CaseEvent
from onestop.cases.services import application_start, application_submit, case_assign_automatically
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from onestop.people.models import Role
from tests.factories.cases import CaseFactory, OfficerProfileFactory
from tests.factories.catalog import AgencyFactory, ServiceFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory
from tests.file_database import file_database

django_db_setup = file_database("assignment-races")

SUBMISSIONS = 9
OFFICERS = 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_to_one_agency_are_spread_evenly(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agency = AgencyFactory(code="busy-agency")
    officers = [
        RoleMembershipFactory(user__username=f"busy-officer-{n}", role=Role.OFFICER, agency=agency).user
        for n in range(OFFICERS)
    ]
    for officer in officers:
        OfficerProfileFactory(officer=officer)
    service = ServiceFactory(agency=agency)
    actor = SystemActor("test")
    drafts = [
        application_start(actor=actor, citizen=CitizenFactory(), channel="online", services=[service])
        for _ in range(SUBMISSIONS)
    ]
    start = threading.Barrier(SUBMISSIONS)
    failures: list[BaseException] = []

    def submit(application: Application) -> None:
        try:
            start.wait()
            application_submit(actor=actor, application=application)
        except BaseException as exc:  # reported below, with the test's own assertion
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    loads = Counter(Case.objects.filter(agency=agency).values_list("assignee_id", flat=True))
    assert loads == {officer.pk: SUBMISSIONS // OFFICERS for officer in officers}
    assert CaseEvent.objects.filter(kind="assigned").count() == SUBMISSIONS
    assert AuditEvent.objects.filter(action="case.assign").count() == SUBMISSIONS


@pytest.mark.django_db
def test_the_agency_lock_takes_the_officer_profiles_in_id_order(settings):
    # PostgreSQL locks FOR UPDATE rows in the order the query returns them. Unordered, that order
    # follows the table's physical layout, which every assignment changes (it updates a profile),
    # and two assigners locking the same profiles in different orders deadlocked under the
    # benchmark's four threads (rarely, so a race test would not show it): the order is fixed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agency = AgencyFactory(code="ordered-agency")
    for n in range(OFFICERS):
        officer = RoleMembershipFactory(user__username=f"ordered-{n}", role=Role.OFFICER, agency=agency).user
        OfficerProfileFactory(officer=officer)
    case = CaseFactory(service=ServiceFactory(agency=agency), citizen=CitizenFactory())
    with CaptureQueriesContext(connection) as queries:
        case_assign_automatically(case=case)
    locks = [q["sql"] for q in queries.captured_queries if 'FROM "cases_officerprofile"' in q["sql"]]
    assert len(locks) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in locks[0]
    assert locks[0].rstrip().split(" ORDER BY ")[1].startswith('"cases_officerprofile"."id" ASC')
