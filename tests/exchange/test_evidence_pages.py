"""The pages that show fetched evidence, with the real civil and address registries."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.cases.models import Application
from onestop.exchange.models import RegistryRecord
from onestop.exchange.selectors import (
    PROVIDED,
    data_accesses,
)
from tests.exchange.worlds import PassportOffice

pytestmark = pytest.mark.django_db


def _apply_online(office: PassportOffice, django_capture_on_commit_callbacks) -> Application:
    from onestop.cases.services import applications as application_services

    with django_capture_on_commit_callbacks(execute=True):
        return application_services.application_start(
            actor=office.citizen_user,
            citizen=office.citizen,
            channel=Application.Channel.ONLINE,
            services=[office.passport],
        )


def test_documents_page_previews_each_fetched_record_with_its_provenance(
    client, passport_office, django_capture_on_commit_callbacks
):
    application = _apply_online(passport_office, django_capture_on_commit_callbacks)
    item = application.items.get()
    assert set(item.evidence.values_list("status", flat=True)) == {"fetched", "to_be_uploaded"}
    person = item.evidence.get(evidence_type=passport_office.person_evidence).document

    client.force_login(passport_office.citizen_user)
    page = client.get(reverse("portal:apply_documents", args=[application.pk, item.pk])).content.decode()

    assert "The state fetched this for you" in page
    fetched_at = timezone.localtime(datetime.fromisoformat(person.provenance["fetched_at"]))
    assert (
        f"From Civil Registry Office — Personal data, fetched {fetched_at:%-d %B %Y, %H:%M}, "
        f"request {person.provenance['request_id']}"
    ) in page
    assert "From Address Registry Office — Registered address" in page
    assert "<dt>Given name</dt><dd>Aigerim</dd>" in page
    assert "<dt>Marital status</dt><dd>Married</dd>" in page
    assert "<dt>Street</dt><dd>Abay avenue</dd>" in page
    assert '"given_name"' not in page
    # Only what no registry holds is asked for.
    assert page.count('type="file"') == 1
    assert "Your current passport" in page

    check = client.get(reverse("portal:apply_check", args=[application.pk])).content.decode()
    assert "Fetched from Civil Registry Office — Personal data" in check


def test_registry_without_a_record_asks_the_citizen_to_upload_it(
    client, passport_office, django_capture_on_commit_callbacks
):
    RegistryRecord.objects.filter(registry="address-registry").delete()
    application = _apply_online(passport_office, django_capture_on_commit_callbacks)
    item = application.items.get()

    client.force_login(passport_office.citizen_user)
    page = client.get(reverse("portal:apply_documents", args=[application.pk, item.pk])).content.decode()

    assert "The registry holds no record of this — please upload it." in page
    assert page.count('type="file"') == 2


def test_office_case_page_shows_the_fetched_evidence_with_provenance_and_the_tracker_the_accesses(
    client, passport_office, django_capture_on_commit_callbacks
):
    from onestop.cases.services import applications as application_services

    application = _apply_online(passport_office, django_capture_on_commit_callbacks)
    item = application.items.get()
    application_services.application_save_answers(
        actor=passport_office.citizen_user, item=item, answers={"issue_reason": "Expired"}
    )
    application_services.application_submit(actor=passport_office.citizen_user, application=application)
    case = application.cases.get()

    client.force_login(case.assignee)
    page = client.get(reverse("office:case", args=[case.number])).content.decode()

    assert "From Civil Registry Office — Personal data, fetched" in page
    assert "From Address Registry Office — Registered address, fetched" in page
    assert "<dt>Family name</dt><dd>Seitkali</dd>" in page

    rows = data_accesses(passport_office.citizen.national_id)
    assert sorted((r.agency, r.data, r.issue, r.outcome) for r in rows) == [
        ("Migration Service", "Personal data", application.tracking_number, PROVIDED),
        ("Migration Service", "Registered address", application.tracking_number, PROVIDED),
    ]
