"""The citizen's data tracker at /account/data-access/: who used my data, when, for what — only my
own rows, never an employee's identity, filterable, paginated and downloadable as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.exchange import directory
from onestop.people.models import Citizen
from tests.exchange.worlds import Directory, log
from tests.factories.people import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("portal:data_access")
CSV_URL = reverse("portal:data_access_csv")
JSON_URL = reverse("portal:data_access_json")


@pytest.fixture
def exchange_directory() -> Directory:
    built = Directory()
    directory.reset()
    return built


@pytest.fixture
def dana(db) -> Citizen:
    return CitizenFactory(given_name="Dana", family_name="Abenova", user=UserFactory(username="dana"))


@pytest.fixture
def timur(db) -> Citizen:
    return CitizenFactory(given_name="Timur", family_name="Abenov", user=UserFactory(username="timur"))


@pytest.fixture
def as_dana(client, dana):
    client.force_login(dana.user)
    return client


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def test_signed_out_visitor_is_sent_to_sign_in(client):
    for url in (URL, CSV_URL, JSON_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:sign_in") + "?next=")


def test_staff_without_a_citizen_account_is_sent_to_sign_in_as_a_citizen(client, operator_a):
    client.force_login(operator_a)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


def test_each_citizen_sees_only_accesses_to_their_own_data(client, exchange_directory, dana, timur):
    mine = log(exchange_directory, subject=dana.national_id, issue="OS-260301-DANA01")
    theirs = log(exchange_directory, subject=timur.national_id, issue="OS-260301-TIMUR1")

    client.force_login(dana.user)
    page = client.get(URL).content.decode()
    assert "OS-260301-DANA01" in page
    assert "OS-260301-TIMUR1" not in page
    downloaded = client.get(JSON_URL).json()
    assert [a["reference"] for a in downloaded["accesses"]] == [mine.x_road_id]

    client.force_login(timur.user)
    assert [a["reference"] for a in client.get(JSON_URL).json()["accesses"]] == [theirs.x_road_id]
    assert "OS-260301-DANA01" not in client.get(CSV_URL).content.decode()


def test_page_explains_itself_and_lists_when_agency_data_case_and_outcome(as_dana, exchange_directory, dana):
    log(exchange_directory, subject=dana.national_id, issue="OS-260301-K7M2QP")
    log(
        exchange_directory,
        subject=dana.national_id,
        client=exchange_directory.tax_client.identifier,
        status=403,
        error_type="Server.ServerProxy.AccessDenied",
        issue="",
    )

    response = as_dana.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Who used your data</h1>" in page
    assert "Every time an agency asks a government registry for data about you" in page
    assert "2 accesses to your data" in page
    assert "Migration Service" in page and "Tax Authority" in page
    assert "Personal data" in page and "held by Civil Registry Office" in page
    assert "Application or case OS-260301-K7M2QP" in page
    assert "Delivering a public service the person applied for" in page
    assert "Data provided" in page and "Refused" in page
    assert '<th scope="col">' in page and "<caption" in page


def test_no_employee_identity_appears_on_the_page_or_in_the_downloads(
    as_dana, exchange_directory, dana, operator_a
):
    operator_a.first_name, operator_a.last_name = "Aigerim", "Operatorova"
    operator_a.save()
    log(exchange_directory, subject=dana.national_id, user_id=f"KZ-STAFF-{operator_a.pk}")

    for url in (URL, CSV_URL, JSON_URL):
        body = as_dana.get(url).content.decode()
        assert "STAFF" not in body
        assert "Aigerim" not in body and "Operatorova" not in body and "operator_a" not in body


def test_an_exchange_logged_by_client_and_provider_appears_once(as_dana, exchange_directory, dana):
    x_road_id = str(uuid.uuid4())
    log(exchange_directory, subject=dana.national_id, side="client", x_road_id=x_road_id)
    log(exchange_directory, subject=dana.national_id, side="provider", x_road_id=x_road_id)

    assert "1 access to your data" in as_dana.get(URL).content.decode()
    assert len(as_dana.get(JSON_URL).json()["accesses"]) == 1


def test_date_range_and_agency_filters_narrow_the_list_and_the_downloads(as_dana, exchange_directory, dana):
    march = log(exchange_directory, subject=dana.national_id, at=_at(date(2026, 3, 10)), issue="OS-MARCH")
    april = log(exchange_directory, subject=dana.national_id, at=_at(date(2026, 4, 10)), issue="OS-APRIL")
    tax = log(
        exchange_directory,
        subject=dana.national_id,
        client=exchange_directory.tax_client.identifier,
        at=_at(date(2026, 4, 11)),
        issue="OS-TAX",
    )

    page = as_dana.get(URL, {"date_from": "2026-04-01", "date_to": "2026-04-30"}).content.decode()
    assert "OS-APRIL" in page and "OS-TAX" in page and "OS-MARCH" not in page
    assert "Clear filters" in page

    page = as_dana.get(URL, {"agency": "tax"}).content.decode()
    assert "OS-TAX" in page and "OS-APRIL" not in page
    assert '<option value="migration">Migration Service</option>' in page

    query = {"date_from": "2026-03-01", "date_to": "2026-04-10", "agency": "migration"}
    assert [a["reference"] for a in as_dana.get(JSON_URL, query).json()["accesses"]] == [
        april.x_road_id,
        march.x_road_id,
    ]
    assert tax.x_road_id not in as_dana.get(CSV_URL, query).content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-13-45"}, "Enter the start date as a real date, for example 2026-03-27."),
        ({"date_to": "yesterday"}, "Enter the end date as a real date, for example 2026-04-30."),
        ({"date_to": "9999-12-31"}, "Enter the end date as a real date, for example 2026-04-30."),
        ({"date_from": "0001-01-01"}, "Enter the start date as a real date, for example 2026-03-27."),
        (
            {"date_from": "2026-04-30", "date_to": "2026-04-01"},
            "The end date must be the same as or after the start date.",
        ),
        ({"agency": "<script>"}, "Choose an agency from the list."),
    ],
)
def test_bad_filter_input_is_a_message_not_a_500(as_dana, exchange_directory, dana, query, message):
    log(exchange_directory, subject=dana.national_id, issue="OS-STILL-SHOWN")

    response = as_dana.get(URL, query)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "OS-STILL-SHOWN" in page  # the valid part of the query still applies
    assert "<script>" not in page
    assert as_dana.get(CSV_URL, query).status_code == 400
    assert as_dana.get(JSON_URL, query).status_code == 400


def test_list_is_newest_first_and_paginated_keeping_the_filters(as_dana, exchange_directory, dana):
    start = _at(date(2026, 2, 1))
    for n in range(30):
        log(exchange_directory, subject=dana.national_id, at=start + timedelta(hours=n), issue=f"OS-{n:03d}")

    first = as_dana.get(URL, {"date_from": "2026-02-01"}).content.decode()
    assert "30 accesses to your data" in first
    assert first.index("OS-029") < first.index("OS-028")
    assert "OS-004" not in first
    assert 'href="?date_from=2026-02-01&amp;page=2"' in first

    second = as_dana.get(URL, {"date_from": "2026-02-01", "page": "2"}).content.decode()
    assert "OS-004" in second and "OS-029" not in second
    assert "Page 2 of 2" in second
    assert as_dana.get(URL, {"page": "not-a-number"}).status_code == 200


def test_page_query_count_does_not_grow_with_the_rows(
    as_dana, exchange_directory, dana, django_assert_max_num_queries
):
    for _ in range(3):
        log(exchange_directory, subject=dana.national_id)
    as_dana.get(URL)  # warm the session and the directory snapshot
    with django_assert_max_num_queries(12) as few:
        as_dana.get(URL)
    for _ in range(20):
        log(exchange_directory, subject=dana.national_id)
    with django_assert_max_num_queries(len(few.captured_queries)):
        as_dana.get(URL)


def test_csv_download_has_a_header_the_rows_and_cannot_smuggle_a_formula(as_dana, exchange_directory, dana):
    log(exchange_directory, subject=dana.national_id, issue='=HYPERLINK("http://evil.example")')
    log(exchange_directory, subject=dana.national_id, issue="OS-260301-K7M2QP", status=404)

    response = as_dana.get(CSV_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="data-access-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "When",
        "Agency",
        "Data",
        "Held by",
        "Purpose",
        "Application or case",
        "Outcome",
        "Reference",
    ]
    assert len(rows) == 3
    newest, oldest = rows[1], rows[2]
    assert newest[1:7] == [
        "Migration Service",
        "Personal data",
        "Civil Registry Office",
        "Delivering a public service the person applied for",
        "OS-260301-K7M2QP",
        "No record found",
    ]
    assert oldest[5] == '\'=HYPERLINK("http://evil.example")'
    assert datetime.fromisoformat(newest[0]).tzinfo is not None


def test_json_download_has_the_same_rows(as_dana, exchange_directory, dana):
    entry = log(exchange_directory, subject=dana.national_id, issue="OS-260301-K7M2QP")

    response = as_dana.get(JSON_URL)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert body["national_id"] == dana.national_id
    (access,) = body["accesses"]
    assert access == {
        "at": timezone.localtime(entry.started_at).isoformat(),
        "agency": "Migration Service",
        "data": "Personal data",
        "held_by": "Civil Registry Office",
        "purpose": "Delivering a public service the person applied for",
        "issue": "OS-260301-K7M2QP",
        "outcome": "provided",
        "outcome_label": "Data provided",
        "reference": entry.x_road_id,
    }


def test_empty_tracker_says_so_and_my_applications_links_to_it(as_dana):
    page = as_dana.get(URL).content.decode()
    assert "No agency has asked a registry for data about you yet." in page
    assert f'href="{URL}"' in as_dana.get(reverse("portal:my_applications")).content.decode()


def test_downloads_after_a_mistyped_filter_carry_only_the_valid_filters(as_dana, exchange_directory, dana):
    log(exchange_directory, subject=dana.national_id)

    page = as_dana.get(URL, {"date_from": "bad", "agency": "migration"}).content.decode()

    assert f'href="{CSV_URL}?agency=migration"' in page
    assert f'href="{JSON_URL}?agency=migration"' in page
    assert "data-access.csv?date_from" not in page and "data-access.json?date_from" not in page
