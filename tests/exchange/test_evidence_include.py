"""The shared evidence include, in each state an evidence item can be in."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from onestop.cases.models import Document, EvidenceItem
from onestop.exchange.selectors import (
    FetchedRecord,
    answer_entries,
)

pytestmark = pytest.mark.django_db

pytestmark = pytest.mark.django_db


def _evidence(status: str, **kwargs) -> EvidenceItem:
    from tests.factories.catalog import EvidenceTypeFactory

    fetched = kwargs.pop("fetched", True)
    code = "person-record" if fetched else "identity-document"
    return EvidenceItem(
        pk=kwargs.pop("pk", 7),
        evidence_type=EvidenceTypeFactory(code=code, name="Personal data record", fetched=fetched),
        status=status,
        **kwargs,
    )


def _render(ev: EvidenceItem, record: FetchedRecord | None = None, *, staff: bool = False) -> str:
    return render_to_string("cases/includes/evidence_item.html", {"ev": ev, "record": record, "staff": staff})


def test_include_shows_a_fetched_record_with_its_provenance_as_a_definition_list():
    record = FetchedRecord(
        agency_name="Civil Registry Office",
        service_name="Personal data",
        fetched_at=datetime(2026, 3, 27, 10, 15, tzinfo=timezone.get_current_timezone()),
        request_id="5b7c0b5e-request",
        x_road_id="x-1",
        entries=answer_entries(
            {"given_name": "Dana", "address": {"locality": "Almaty"}, "phones": ["+7701"]}
        ),
    )

    html = _render(_evidence(EvidenceItem.Status.FETCHED), record)

    assert "<h3>Personal data record</h3>" in html
    assert "Fetched from the registry" in html
    assert (
        "From Civil Registry Office — Personal data, fetched 27 March 2026, 10:15, request 5b7c0b5e-request"
        in html
    )
    assert "<dt>Given name</dt><dd>Dana</dd>" in html
    assert "<dt>Locality</dt><dd>Almaty</dd>" in html  # the nested group is a nested <dl>
    assert '<ul class="bullets"><li>+7701</li></ul>' in html
    assert "{" not in html and '"given_name"' not in html  # never the raw JSON


def test_include_says_when_the_answer_cannot_be_shown():
    record = FetchedRecord("Civil Registry Office", "Personal data", None, "r-1", "x-1", entries=None)
    html = _render(_evidence(EvidenceItem.Status.FETCHED), record)
    assert "From Civil Registry Office — Personal data, request r-1" in html
    assert "cannot be shown here" in html


def test_include_shows_a_pending_item_in_plain_words_and_when_the_state_tries_again():
    retry = datetime(2026, 3, 27, 11, 0, tzinfo=timezone.get_current_timezone())
    ev = _evidence(
        EvidenceItem.Status.TO_BE_FETCHED,
        fetch_attempts=2,
        next_fetch_at=retry,
        last_fetch_error="Server.ClientProxy.NetworkError: connection refused",
    )

    citizen = _render(ev)
    assert "The state will fetch it" in citizen
    assert (
        "The registry could not be reached when we tried. Nothing is lost: the state will try again on 27 March 2026, 11:00."
        in citizen
    )
    assert "You do not need to bring this document." in citizen
    assert "NetworkError" not in citizen  # the technical error is for staff

    staff = _render(ev, staff=True)
    assert "Pending: to be fetched" in staff
    assert "Last error: Server.ClientProxy.NetworkError: connection refused (2 attempts)" in staff


def test_include_shows_a_refused_fetch_as_needing_an_administrator_to_staff_only():
    ev = _evidence(EvidenceItem.Status.TO_BE_FETCHED, last_fetch_error="AccessDenied: no right")
    staff = _render(ev, staff=True)
    assert "does not retry on its own" in staff
    assert "Last error: AccessDenied: no right" in staff
    citizen = _render(ev)
    assert "The agency will obtain it; you do not need to bring this document." in citizen
    assert "administrator" not in citizen


def test_include_shows_a_pending_item_before_any_attempt():
    ev = _evidence(EvidenceItem.Status.TO_BE_FETCHED)
    assert "The state fetches this from the registry. You do not need to bring this document." in _render(ev)
    assert "The state fetches this from the registry; the applicant brings nothing." in _render(
        ev, staff=True
    )


def test_include_asks_for_an_upload_when_the_registry_holds_no_record():
    html = _render(
        _evidence(EvidenceItem.Status.TO_BE_UPLOADED, last_fetch_error="The registry holds no record")
    )
    assert "Not uploaded yet" in html
    assert "The registry holds no record of this — please upload it." in html
    plain = _render(_evidence(EvidenceItem.Status.TO_BE_UPLOADED, fetched=False))
    assert "registry" not in plain


def test_include_shows_an_uploaded_document():
    document = Document(original_name="passport-scan.pdf", source=Document.Source.UPLOAD)
    html = _render(_evidence(EvidenceItem.Status.UPLOADED, fetched=False, document=document))
    assert "Uploaded: passport-scan.pdf" in html


def test_an_answer_wrapping_one_record_shows_the_record_with_coded_values_in_words():
    entries = answer_entries(
        {"found": True, "person": {"given_name": "Dana", "sex": "F", "marital_status": "married"}}
    )
    assert [(e.label, e.value) for e in entries] == [
        ("Given name", "Dana"),
        ("Sex", "Female"),
        ("Marital status", "Married"),
    ]
