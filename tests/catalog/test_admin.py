"""Catalogue admin: pages render, imports preview and refuse bad files, actions go through services."""

import re

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.catalog.models import Service
from onestop.core.models import AuditEvent
from tests.factories.catalog import AgencyFactory, FeeFactory, LifeEventFactory, ServiceFactory

pytestmark = pytest.mark.django_db

HEADERS = ["identifier", "name_en", "agency", "channels", "statutory_time", "status", "popularity"]


def _csv(*rows):
    return SimpleUploadedFile("services.csv", tablib.Dataset(*rows, headers=HEADERS).export("csv").encode())


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/service/",
        "/admin/catalog/service/add/",
        "/admin/catalog/agency/",
        "/admin/catalog/lifeevent/",
        "/admin/catalog/evidencetype/",
        "/admin/catalog/output/",
        "/admin/catalog/legalresource/",
        "/admin/catalog/fee/",
        "/admin/catalog/service/import/",
    ],
)
def test_admin_pages_render(admin_client, url):
    ServiceFactory(with_fees=True, with_evidence=True, life_events=[LifeEventFactory()])
    assert admin_client.get(url).status_code == 200


def test_service_change_page_has_language_tabs_and_inlines(admin_client):
    service = ServiceFactory(with_fees=True)
    html = admin_client.get(f"/admin/catalog/service/{service.pk}/change/").content.decode()
    for field in ("name_en", "name_ru", "name_kk", "name_ka", "channels-TOTAL_FORMS", "fees-TOTAL_FORMS"):
        assert field in html
    fee = service.fees.get()
    assert (
        "exemptions-TOTAL_FORMS" in admin_client.get(f"/admin/catalog/fee/{fee.pk}/change/").content.decode()
    )


def test_service_list_filters_by_channel(admin_client):
    ServiceFactory(identifier="web-only", channels=["online"])
    ServiceFactory(identifier="counter-only")
    html = admin_client.get("/admin/catalog/service/", {"channels__kind": "online"}).content.decode()
    assert "web-only" in html
    assert "counter-only" not in html


def test_import_with_a_bad_row_shows_the_row_and_imports_nothing(admin_client):
    AgencyFactory(code="moj")
    response = admin_client.post(
        "/admin/catalog/service/import/",
        {
            "format": "0",
            "import_file": _csv(
                ["a", "A", "moj", "counter", "P1D", "active", "1"],
                ["b", "B", "nobody", "counter", "P1D", "active", "1"],
            ),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "nobody" in html
    assert "process_import" not in html  # no confirm button
    assert not Service.objects.exists()


def test_import_previews_then_imports_on_confirm_with_audit_by_the_admin(admin_client, admin_user):
    AgencyFactory(code="moj")
    preview = admin_client.post(
        "/admin/catalog/service/import/",
        {"format": "0", "import_file": _csv(["a", "A", "moj", "counter;online", "P1D", "active", "1"])},
    )
    html = preview.content.decode()
    assert "process_import" in html
    assert not Service.objects.exists()  # the preview was a dry run
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    confirm = admin_client.post(
        "/admin/catalog/service/process_import/",
        {
            k: hidden[k]
            for k in ("import_file_name", "original_file_name", "format", "resource")
            if k in hidden
        },
    )
    assert confirm.status_code == 302
    service = Service.objects.get(identifier="a")
    assert service.channels.count() == 2
    event = AuditEvent.objects.get(action="service.import")
    assert event.actor_id == str(admin_user.pk)


def test_publish_action_reports_rule_failures(admin_client):
    ok = ServiceFactory(draft=True)
    no_channel = ServiceFactory(draft=True, channels=[])
    response = admin_client.post(
        "/admin/catalog/service/",
        {"action": "publish", "_selected_action": [ok.pk, no_channel.pk]},
        follow=True,
    )
    ok.refresh_from_db()
    no_channel.refresh_from_db()
    assert (ok.status, no_channel.status) == ("active", "draft")
    assert no_channel.identifier in response.content.decode()
    assert AuditEvent.objects.filter(action="service.publish").count() == 1


def test_withdraw_action_asks_for_a_reason_first(admin_client):
    service = ServiceFactory()
    page = admin_client.post(
        "/admin/catalog/service/", {"action": "withdraw", "_selected_action": [service.pk]}
    )
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    service.refresh_from_db()
    assert service.status == "active"
    admin_client.post(
        "/admin/catalog/service/",
        {"action": "withdraw", "_selected_action": [service.pk], "reason": "Merged into another service"},
    )
    service.refresh_from_db()
    assert service.status == "withdrawn"
    assert (
        AuditEvent.objects.get(action="service.withdraw").summary["reason"] == "Merged into another service"
    )


def test_saving_an_agency_in_the_admin_is_audited(admin_client):
    agency = AgencyFactory(code="moj", name="Justice")
    response = admin_client.post(
        f"/admin/catalog/agency/{agency.pk}/change/",
        {"code": "moj", "name_en": "Ministry of Justice", "level": "national", "is_active": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="agency.update")
    assert event.summary["before"]["is_active"] is True
    assert event.summary["after"]["is_active"] is False
    assert event.summary["after"]["name"]["en"] == "Ministry of Justice"


def test_deleting_a_fee_in_the_admin_is_audited(admin_client):
    fee = FeeFactory()
    admin_client.post(f"/admin/catalog/fee/{fee.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(action="fee.delete", target_id=str(fee.pk)).exists()
