"""The citizen's data tracker rows, read from the exchange log."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from onestop.exchange import directory
from onestop.exchange.selectors import (
    FAILED,
    NOT_FOUND,
    PROVIDED,
    REFUSED,
    DataAccess,
    data_access_agencies,
    data_accesses,
)
from tests.exchange.worlds import SUBJECT, log

pytestmark = pytest.mark.django_db


def test_tracker_rows_name_agency_data_purpose_and_case_never_the_employee(exchange_directory):
    log(exchange_directory, issue="OS-260101-K7M2QP", user_id="KZ-STAFF-17")

    (row,) = data_accesses(SUBJECT)

    assert row.agency == "Migration Service"
    assert row.data == "Personal data"
    assert row.holder == "Civil Registry Office"
    assert row.purpose == "Delivering a public service the person applied for"
    assert row.issue == "OS-260101-K7M2QP"
    assert row.outcome == PROVIDED
    assert row.outcome_label == "Data provided"
    # No field of a tracker row can carry who at the agency looked.
    assert {f.name for f in fields(DataAccess)} == {
        "at",
        "agency",
        "data",
        "holder",
        "purpose",
        "issue",
        "outcome",
        "reference",
    }
    assert "STAFF" not in repr(row)


def test_tracker_shows_only_the_subjects_rows_newest_first(exchange_directory):
    now = timezone.now()
    older = log(exchange_directory, at=now - timedelta(days=2))
    newer = log(exchange_directory, at=now - timedelta(hours=1))
    log(exchange_directory, subject="850505400456")

    rows = data_accesses(SUBJECT)

    assert [r.reference for r in rows] == [newer.x_road_id, older.x_road_id]
    assert data_accesses(SUBJECT, limit=1)[0].reference == newer.x_road_id


def test_an_empty_subject_never_matches_the_rows_logged_without_one(exchange_directory):
    log(exchange_directory, subject="")
    assert data_accesses("") == []
    assert data_access_agencies("") == []


def test_an_exchange_logged_by_both_sides_is_shown_once_as_the_provider_saw_it(exchange_directory):
    x_road_id = str(uuid.uuid4())
    log(exchange_directory, side="client", x_road_id=x_road_id, status=200)
    provider = log(exchange_directory, side="provider", x_road_id=x_road_id, status=404)
    remote_only = log(exchange_directory, side="client")  # a remote provider: only our side logged it

    rows = data_accesses(SUBJECT)

    assert sorted(r.reference for r in rows) == sorted([provider.x_road_id, remote_only.x_road_id])
    assert next(r for r in rows if r.reference == x_road_id).outcome == NOT_FOUND


@pytest.mark.parametrize(
    ("status", "error_type", "outcome"),
    [
        (200, "", PROVIDED),
        (404, "", NOT_FOUND),
        (403, "Server.ServerProxy.AccessDenied", REFUSED),
        (400, "Client.BadRequest", REFUSED),
        (404, "Server.ServerProxy.UnknownService", REFUSED),
        (502, "Server.ServerProxy.ServiceFailed", FAILED),
        (504, "Server.ServerProxy.ServiceFailed.Timeout", FAILED),
    ],
)
def test_outcome_says_whether_the_data_went_out(exchange_directory, status, error_type, outcome):
    log(exchange_directory, status=status, error_type=error_type)
    assert data_accesses(SUBJECT)[0].outcome == outcome


def test_names_follow_the_readers_language(exchange_directory):
    log(exchange_directory)
    with translation.override("ru"):
        (row,) = data_accesses(SUBJECT)
    assert (row.agency, row.data, row.holder, row.purpose) == (
        "Миграционная служба",
        "Персональные данные",
        "ЗАГС",
        "Оказание госуслуги",
    )


def test_rows_logged_without_directory_links_are_named_from_the_directory(exchange_directory):
    log(exchange_directory, link=False)
    (row,) = data_accesses(SUBJECT)
    assert (row.agency, row.data, row.holder) == (
        "Migration Service",
        "Personal data",
        "Civil Registry Office",
    )


def test_a_refused_caller_unknown_to_the_directory_is_named_by_its_identifier(exchange_directory):
    log(
        exchange_directory,
        client="DEV/GOV/NOBODY/scraper",
        status=403,
        error_type="Server.ServerProxy.AccessDenied",
        issue="",
        purpose="",
    )
    (row,) = data_accesses(SUBJECT)
    assert row.agency == "An unknown system (DEV/GOV/NOBODY/scraper)"
    assert row.outcome == REFUSED
    assert row.purpose == ""


def test_tracker_reads_rows_in_one_query_plus_the_purposes_whatever_their_number(
    exchange_directory, django_assert_num_queries
):
    directory.snapshot()  # the per-process directory is loaded once per process, not per request
    log(exchange_directory)
    with django_assert_num_queries(2):
        assert len(data_accesses(SUBJECT)) == 1
    for _ in range(30):
        log(exchange_directory)
    with django_assert_num_queries(2):
        assert len(data_accesses(SUBJECT)) == 31
    # Rows logged without their directory links cost one query per kind of name, not one per row.
    for _ in range(5):
        log(exchange_directory, client=exchange_directory.tax_client.identifier, link=False)
    with django_assert_num_queries(4):
        rows = data_accesses(SUBJECT)
    assert len(rows) == 36
    assert {r.agency for r in rows} == {"Migration Service", "Tax Authority"}


def test_date_range_is_inclusive_of_whole_local_days(exchange_directory):
    day = date(2026, 3, 10)

    def at(d: date, hour: int, minute: int = 0) -> datetime:
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=timezone.get_current_timezone())

    before = log(exchange_directory, at=at(day - timedelta(days=1), 23, 59))
    first = log(exchange_directory, at=at(day, 0, 0))
    last = log(exchange_directory, at=at(day + timedelta(days=1), 23, 59))
    after = log(exchange_directory, at=at(day + timedelta(days=2), 0, 0))

    rows = data_accesses(SUBJECT, date_from=day, date_to=day + timedelta(days=1))

    assert {r.reference for r in rows} == {first.x_road_id, last.x_road_id}
    assert before.x_road_id not in {r.reference for r in data_accesses(SUBJECT, date_from=day)}
    assert after.x_road_id not in {
        r.reference for r in data_accesses(SUBJECT, date_to=day + timedelta(days=1))
    }


def test_agency_filter_keeps_the_calls_of_that_agencys_subsystems(exchange_directory):
    migration = log(exchange_directory)
    tax = log(exchange_directory, client=exchange_directory.tax_client.identifier, link=False)

    assert [r.reference for r in data_accesses(SUBJECT, agency_code="tax")] == [tax.x_road_id]
    assert [r.reference for r in data_accesses(SUBJECT, agency_code="migration")] == [migration.x_road_id]
    assert data_accesses(SUBJECT, agency_code="no-such-agency") == []
    assert [a.code for a in data_access_agencies(SUBJECT)] == ["migration", "tax"]
