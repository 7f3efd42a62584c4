"""The auditor's screens at /exchange/: who gets in, searching and paging the log, bad input as
messages, one entry with its seal, and "Verify the log" (POST, CSRF, audited)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.exchange import views
from onestop.exchange.models import ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.sealing import exchange_log_seal
from tests.exchange.test_log_sealing import SEED, append_entry
from tests.factories.exchange import MemberFactory
from tests.factories.people import CitizenFactory, UserFactory

LOG = reverse("exchange:log")
VERIFY = reverse("exchange:verify")
DANA = "900101300126"  # valid IINs (checksum)
ARMAN = "850315400017"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.ONESTOP_SIGNING_KEY = SEED


def _ids(html: str) -> list[int]:
    """Entry ids in the order the table lists them."""
    return [int(pk) for pk in re.findall(r'href="/exchange/entries/(\d+)/"', html.split("<tbody>", 1)[-1])]


def _main(response) -> str:
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


# --- Who gets in ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(LOG)

    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


@pytest.mark.parametrize("persona", ["officer_a", "operator_a", "head_a", "coordinator", "outsider"])
def test_staff_who_are_not_auditors_get_403_everywhere(client, request, persona):
    entry = append_entry()
    client.force_login(request.getfixturevalue(persona))

    assert client.get(LOG).status_code == 403
    assert client.get(reverse("exchange:entry", args=[entry.pk])).status_code == 403
    assert client.get(VERIFY).status_code == 403
    assert client.post(VERIFY).status_code == 403
    assert not AuditEvent.objects.filter(action="exchange.verify").exists()


def test_a_signed_in_citizen_gets_403(client):
    citizen = CitizenFactory(user=UserFactory(username="dana"))
    client.force_login(citizen.user)

    assert client.get(LOG).status_code == 403


@pytest.mark.parametrize("persona", ["auditor", "administrator"])
def test_auditors_and_administrators_read_the_log(client, request, persona):
    append_entry()
    client.force_login(request.getfixturevalue(persona))

    response = client.get(LOG)

    assert response.status_code == 200
    assert "<caption" in response.content.decode()


# --- The list ------------------------------------------------------------------------------------


def test_the_log_lists_entries_newest_first_with_outcome_and_seal_in_words(client, auditor):
    now = timezone.now()
    old = append_entry(started_at=now - timedelta(hours=2))
    refused = append_entry(
        started_at=now - timedelta(hours=1), status=403, error_type=str(ErrorType.ACCESS_DENIED)
    )
    exchange_log_seal()
    new = append_entry(started_at=now)
    client.force_login(auditor)

    response = client.get(LOG)

    html = _main(response)
    assert _ids(html) == [new.pk, refused.pk, old.pk]
    assert "Refused" in html and "Answered" in html
    assert "Not yet" in html and "Yes, no. 2" in html
    assert 'scope="col"' in html


def test_filters_narrow_the_list(client, auditor):
    provider = MemberFactory(member_code="CIVIL", subsystem_code="registry")
    now = timezone.now()
    dana_ok = append_entry(subject=DANA, issue="APP-1", started_at=now)
    dana_failed = append_entry(
        subject=DANA, issue="APP-2", status=504, error_type=str(ErrorType.TIMEOUT), started_at=now
    )
    arman_refused = append_entry(
        subject=ARMAN,
        status=400,
        error_type=str(ErrorType.BAD_REQUEST),
        client="DEV/GOV/TAX/back-office",
        side=ExchangeLogEntry.Side.CLIENT,
        logged_by="DEV/GOV/TAX/back-office",
        service=f"{provider.identifier}/address-v1",
        started_at=now - timedelta(days=3),
    )
    client.force_login(auditor)

    def listed(**params) -> list[int]:
        response = client.get(LOG, params)
        assert response.status_code == 200, response.content
        return _ids(response.content.decode())

    assert set(listed(subject=DANA)) == {dana_ok.pk, dana_failed.pk}
    assert listed(issue="APP-2") == [dana_failed.pk]
    assert listed(x_road_id=dana_ok.x_road_id) == [dana_ok.pk]
    assert listed(client="DEV/GOV/TAX/back-office") == [arman_refused.pk]
    assert listed(service="GOV/CIVIL/registry/address-v1") == [arman_refused.pk]  # short form
    assert listed(outcome="ok") == [dana_ok.pk]
    assert listed(outcome="failed") == [dana_failed.pk]
    assert listed(outcome="refused") == [arman_refused.pk]
    assert listed(side="client") == [arman_refused.pk]
    today = timezone.localdate()
    assert listed(date_to=(today - timedelta(days=2)).isoformat()) == [arman_refused.pk]
    assert set(listed(date_from=today.isoformat(), date_to=today.isoformat())) == {dana_ok.pk, dana_failed.pk}
    assert listed(subject=DANA, outcome="refused") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "31/31/2024"}, "Enter the start date as a date"),
        ({"date_to": "9999-12-31"}, "Enter the end date as a date"),
        ({"date_from": "0001-01-01"}, "Enter the start date as a date"),
        ({"date_from": "2025-03-02", "date_to": "2025-03-01"}, "The end date must be the same as or after"),
        ({"client": "DEV/GOV/only-three"}, "The client is not a subsystem identifier"),
        ({"service": "not a service"}, "The data service is not an identifier"),
        ({"subject": "900101300123"}, "checksum"),
        ({"outcome": "maybe"}, "Choose an outcome from the list."),
    ],
)
def test_bad_filter_input_is_a_message_not_a_500(client, auditor, params, message):
    append_entry()
    client.force_login(auditor)

    response = client.get(LOG, params)

    assert response.status_code == 400
    html = _main(response)
    assert "There is a problem" in html
    assert message in html
    assert _ids(html) == []  # no list pretending the filter applied


def test_keyset_pages_go_older_and_back_newer_without_counting_the_log(
    client, auditor, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    start = timezone.now()
    entries = [append_entry(started_at=start + timedelta(seconds=i)) for i in range(7)]
    newest_first = [e.pk for e in reversed(entries)]
    client.force_login(auditor)

    first = client.get(LOG).content.decode()
    assert _ids(first) == newest_first[:3]
    assert "Newer entries" not in first
    older = re.search(r'href="\?before=(\d+)"', first)
    assert older is not None

    second = client.get(LOG, {"before": older.group(1)}).content.decode()
    assert _ids(second) == newest_first[3:6]
    third_link = re.search(r'href="\?before=(\d+)"', second)
    assert third_link is not None
    third = client.get(LOG, {"before": third_link.group(1)}).content.decode()
    assert _ids(third) == newest_first[6:]
    assert "Older entries" not in third

    newer = re.search(r'href="\?after=(\d+)"', third)
    assert newer is not None
    with django_assert_max_num_queries(6):  # session, user, role check, cursor entry, page
        back = client.get(LOG, {"after": newer.group(1)}).content.decode()
    assert _ids(back) == newest_first[3:6]


def test_pages_keep_the_filters(client, auditor, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(3):
        append_entry(subject=DANA)
    append_entry(subject=ARMAN)
    client.force_login(auditor)

    html = client.get(LOG, {"subject": DANA}).content.decode()

    assert f'href="?subject={DANA}&amp;before=' in html


@pytest.mark.parametrize("cursor", ["abc", "-4", "999999"])
def test_a_bad_or_stale_page_link_shows_the_newest_entries_with_a_message(client, auditor, cursor):
    entry = append_entry()
    client.force_login(auditor)

    response = client.get(LOG, {"before": cursor})

    assert response.status_code == 200
    html = _main(response)
    assert "That page of the log does not exist" in html
    assert _ids(html) == [entry.pk]


# --- One entry -----------------------------------------------------------------------------------


def test_an_entry_shows_every_field_its_hashes_and_an_intact_seal(client, auditor):
    provider = MemberFactory(member_code="CIVIL", subsystem_code="registry", name="Civil registry")
    entry = append_entry(logged_by=provider.identifier, subject=DANA, issue="APP-7", user_id="KZ-STAFF-3")
    exchange_log_seal()
    entry.refresh_from_db()
    client.force_login(auditor)

    html = _main(client.get(reverse("exchange:entry", args=[entry.pk])))

    for value in (
        entry.x_road_id,
        entry.request_id,
        entry.client,
        entry.service,
        DANA,
        "APP-7",
        "KZ-STAFF-3",
    ):
        assert value in html
    assert entry.request_hash in html and entry.hash in html and entry.signature in html
    assert "Civil registry" in html
    assert "Intact" in html
    assert "Not kept" in html  # bodies are not logged for this service


def test_an_entry_shows_logged_bodies(client, auditor):
    entry = append_entry(request_body="", response_body='{"family_name": "Abenova"}')
    client.force_login(auditor)

    html = _main(client.get(reverse("exchange:entry", args=[entry.pk])))

    assert "Abenova" in html
    assert "Not sealed yet" in html


def test_a_tampered_entry_says_it_is_not_intact(client, auditor):
    entry = append_entry()
    exchange_log_seal()
    ExchangeLogEntry.objects.filter(pk=entry.pk).update(status=500)
    client.force_login(auditor)

    html = _main(client.get(reverse("exchange:entry", args=[entry.pk])))

    assert "Not intact" in html
    assert "the entry was changed after it was sealed" in html


def test_an_unknown_entry_is_404(client, auditor):
    client.force_login(auditor)

    assert client.get(reverse("exchange:entry", args=[424242])).status_code == 404


# --- Verify --------------------------------------------------------------------------------------


def test_verify_runs_on_post_records_who_ran_it_and_shows_the_result(client, auditor):
    for _ in range(3):
        append_entry()
    exchange_log_seal()
    append_entry()
    client.force_login(auditor)

    response = client.post(VERIFY)

    assert response.status_code == 302
    assert response["Location"] == VERIFY
    html = _main(client.get(VERIFY))
    assert "The exchange log is intact" in html
    assert "3 sealed entries checked" in html
    assert "1 newer entry is waiting to be sealed" in html
    event = AuditEvent.objects.get(action="exchange.verify")
    assert event.actor_id == str(auditor.pk)
    assert event.summary["after"]["ok"] is True
    # The result is shown once; a reload shows the form again and does not run it.
    again = _main(client.get(VERIFY))
    assert "The exchange log is intact" not in again
    assert AuditEvent.objects.filter(action="exchange.verify").count() == 1


def test_verify_names_the_first_tampered_entry_with_a_link(client, auditor):
    entries = [append_entry() for _ in range(4)]
    exchange_log_seal()
    ExchangeLogEntry.objects.filter(pk=entries[1].pk).update(subject="000000000000")
    client.force_login(auditor)

    client.post(VERIFY)
    html = _main(client.get(VERIFY))

    assert "The exchange log has been tampered with" in html
    assert "An entry was changed after it was sealed." in html
    assert f"changed at row #{entries[1].pk}, seq 2" in html
    assert f'href="/exchange/entries/{entries[1].pk}/"' in html


def test_the_verify_buttons_are_csrf_protected_forms(auditor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(auditor)

    assert browser.post(VERIFY).status_code == 403
    for page in (LOG, VERIFY):
        html = _main(browser.get(page))
        assert f'method="post" action="{VERIFY}"' in html
        assert 'name="csrfmiddlewaretoken"' in html
    assert not AuditEvent.objects.filter(action="exchange.verify").exists()
