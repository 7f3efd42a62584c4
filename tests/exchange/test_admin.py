"""The exchange directory in the admin: pages render, every add/change/delete goes through the
exchange services (audited as the administrator), bad entries come back as form errors, rights are
revoked with a reason rather than deleted, and the built-in registries can be published."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.exchange import keys
from onestop.exchange.log import LogRecord, exchange_log_append
from onestop.exchange.models import AccessRight, DataService, ExchangeLogEntry, Member, Purpose
from onestop.exchange.registries.catalogue import BUILTIN_REGISTRIES, BUILTIN_SERVICES
from tests.factories.catalog import AgencyFactory
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory, PurposeFactory

pytestmark = pytest.mark.django_db

LANGS = ("en", "ru", "kk", "ka")


def _event(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def _log_entry() -> ExchangeLogEntry:
    return exchange_log_append(
        LogRecord(
            side="provider",
            logged_by="DEV/GOV/CIVREG/civil-registry",
            x_road_id="x-1",
            request_id="r-1",
            client="DEV/GOV/AGENCY-A/back-office",
            service="DEV/GOV/CIVREG/civil-registry/person-v1",
            method="GET",
            path="/r1/DEV/GOV/CIVREG/civil-registry/person-v1",
            status=200,
            request_hash="h",
            latency_ms=1.5,
            started_at=timezone.now(),
            request_body="secret request",
            response_body="secret answer",
        )
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/exchange/member/",
        "/admin/exchange/member/add/",
        "/admin/exchange/dataservice/",
        "/admin/exchange/dataservice/add/",
        "/admin/exchange/dataservice/publish-builtin/",
        "/admin/exchange/purpose/",
        "/admin/exchange/purpose/add/",
        "/admin/exchange/accessright/",
        "/admin/exchange/accessright/add/",
        "/admin/exchange/accessright/?state=revoked",
        "/admin/exchange/exchangelogentry/",
    ],
)
def test_admin_pages_render(admin_client, url):
    AccessRightFactory()
    _log_entry()
    assert admin_client.get(url).status_code == 200


def test_change_pages_render_with_language_tabs(admin_client):
    right = AccessRightFactory()
    for url in (
        f"/admin/exchange/member/{right.client.pk}/change/",
        f"/admin/exchange/purpose/{right.purposes.get().pk}/change/",
        f"/admin/exchange/accessright/{right.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
    html = admin_client.get(f"/admin/exchange/dataservice/{right.service.pk}/change/").content.decode()
    assert all(f"name_{lang}" in html for lang in LANGS)


def test_the_exchange_log_is_read_only_and_shows_no_message_bodies(admin_client):
    entry = _log_entry()
    html = admin_client.get(f"/admin/exchange/exchangelogentry/{entry.pk}/change/").content.decode()
    assert "x-1" in html and "secret" not in html
    assert admin_client.get("/admin/exchange/exchangelogentry/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/exchange/exchangelogentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_registry_records_have_no_admin_because_reading_them_would_escape_the_data_tracker(admin_client):
    assert admin_client.get("/admin/exchange/registryrecord/").status_code == 404


# --- Members -----------------------------------------------------------------------------------


def _member_form(**changes: str) -> dict[str, str]:
    return {
        "instance": "DEV",
        "member_class": "GOV",
        "member_code": "NEIGHBOUR",
        "subsystem_code": "registry",
        "name": "Neighbouring country's registry",
        "agency": "",
        "public_key": keys.public_key_pem(Ed25519PrivateKey.generate().public_key()),
        **changes,
    }


def test_adding_a_remote_member_in_the_admin_is_audited_as_the_administrator(admin_client, admin_user):
    response = admin_client.post("/admin/exchange/member/add/", _member_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    member = Member.objects.get(identifier="DEV/GOV/NEIGHBOUR/registry")
    assert not member.hosted
    event = _event("exchange.member.register")
    assert (event.actor_id, event.target_id) == (str(admin_user.pk), str(member.pk))
    assert event.summary["after"]["key_id"] == keys.key_id(member.public_key)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"public_key": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}, "Ed25519"),
        ({"member_code": "A:B"}, "does not allow"),
        ({"hosted": "on"}, "derived here"),
        ({"public_key": ""}, "needs its public key"),
    ],
)
def test_a_bad_member_comes_back_as_a_form_error_and_writes_nothing(admin_client, changes, error):
    response = admin_client.post("/admin/exchange/member/add/", _member_form(**changes))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="exchange.").exists()


def test_the_same_subsystem_twice_is_a_form_error(admin_client):
    MemberFactory(instance="DEV", member_class="GOV", member_code="NEIGHBOUR", subsystem_code="registry")
    response = admin_client.post("/admin/exchange/member/add/", _member_form())
    assert response.status_code == 200
    assert Member.objects.count() == 1


def test_deactivating_a_member_in_the_admin_is_audited_with_before_and_after(admin_client):
    member = MemberFactory(name="Old name")
    response = admin_client.post(
        f"/admin/exchange/member/{member.pk}/change/", {"name": "New name", "is_active": ""}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert (member.name, member.is_active) == ("New name", False)
    event = _event("exchange.member.update")
    assert (event.summary["before"]["name"], event.summary["after"]["is_active"]) == ("Old name", False)
    assert event.summary["after"]["key_id"] == event.summary["before"]["key_id"]  # a hosted key stays


def test_a_member_offering_services_cannot_be_deleted_in_the_admin(admin_client):
    service = DataServiceFactory()
    page = admin_client.post(f"/admin/exchange/member/{service.provider.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200  # the page says what stands in the way
    assert Member.objects.filter(pk=service.provider.pk).exists()
    unused = MemberFactory()
    pk = unused.pk
    assert admin_client.post(f"/admin/exchange/member/{pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Member.objects.filter(pk=pk).exists()
    assert _event("exchange.member.delete").target_id == str(pk)


# --- Data services -----------------------------------------------------------------------------


def _service_form(provider: Member, **changes: str) -> dict[str, str]:
    form = {
        "provider": str(provider.pk),
        "service_code": "person-v1",
        "version": "1",
        "name_en": "Personal data",
        "name_ru": "Персональные данные",
        "handler": "civil-registry.person",
        "endpoint_url": "",
        "timeout_seconds": "5",
        "personal_data": "on",
        "openapi": "",
    }
    form.update({f"description_{lang}": "" for lang in LANGS})
    form.update({f"name_{lang}": "" for lang in ("kk", "ka")})
    form.update(changes)
    return form


def test_adding_a_built_in_service_in_the_admin_publishes_its_description_and_is_audited(
    admin_client, admin_user
):
    provider = MemberFactory()
    response = admin_client.post("/admin/exchange/dataservice/add/", _service_form(provider))
    assert response.status_code == 302, response.content.decode()[:3000]
    service = DataService.objects.get()
    builtin = next(b for b in BUILTIN_SERVICES if b.handler == "civil-registry.person")
    assert service.openapi == builtin.openapi
    assert (service.name_en, service.name_ru) == ("Personal data", "Персональные данные")
    event = _event("exchange.service.register")
    assert event.actor_id == str(admin_user.pk)
    assert event.summary["after"]["handler"] == "civil-registry.person"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"handler": "", "endpoint_url": ""}, "a remote endpoint, or both"),
        ({"timeout_seconds": "90"}, "between 0 and 60"),
        ({"name_en": "", "name_ru": "Только по-русски"}, "in English"),
        ({"service_code": "a;b"}, "does not allow"),
    ],
)
def test_a_bad_data_service_comes_back_as_a_form_error(admin_client, changes, error):
    response = admin_client.post(
        "/admin/exchange/dataservice/add/", _service_form(MemberFactory(), **changes)
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not DataService.objects.exists()


def test_turning_on_body_logging_in_the_admin_is_audited_with_before_and_after(admin_client):
    service = DataServiceFactory(name="Person")
    form = {
        "version": "1",
        "name_en": "Person",
        "handler": service.handler,
        "endpoint_url": "",
        "timeout_seconds": "2",
        "log_bodies": "on",
        "is_active": "on",
        "openapi": "{}",
    }
    form.update({f"name_{lang}": "" for lang in ("ru", "kk", "ka")})
    form.update({f"description_{lang}": "" for lang in LANGS})
    response = admin_client.post(f"/admin/exchange/dataservice/{service.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    service.refresh_from_db()
    assert service.log_bodies
    event = _event("exchange.service.update")
    assert (event.summary["before"]["log_bodies"], event.summary["after"]["log_bodies"]) == (False, True)


def test_publishing_the_built_in_registries_from_the_admin_runs_the_bootstrap_as_the_administrator(
    admin_client, admin_user
):
    civil = AgencyFactory(code="civil-registry")
    page = admin_client.get("/admin/exchange/dataservice/publish-builtin/").content.decode()
    assert f'value="{civil.pk}" selected' in page  # the agency with the hint's code is proposed
    response = admin_client.post(
        "/admin/exchange/dataservice/publish-builtin/", {"civil-registry": str(civil.pk)}, follow=True
    )
    assert response.status_code == 200
    assert f"{len(BUILTIN_SERVICES)} data services" in response.content.decode()
    assert Member.objects.get(identifier="DEV/GOV/CIVREG/civil-registry").agency == civil
    assert Member.objects.filter(agency=None).count() == len(BUILTIN_REGISTRIES) - 1
    assert set(
        AuditEvent.objects.filter(action="exchange.service.register").values_list("actor_id", flat=True)
    ) == {str(admin_user.pk)}


# --- Purposes ----------------------------------------------------------------------------------


def test_adding_and_changing_a_purpose_in_the_admin_is_audited(admin_client):
    form = {
        "code": "tax-control",
        "legal_basis": "Tax code",
        "needs_open_matter": "",
        "name_en": "Tax control",
    }
    form.update({f"name_{lang}": "" for lang in ("ru", "kk", "ka")})
    assert admin_client.post("/admin/exchange/purpose/add/", form).status_code == 302
    purpose = Purpose.objects.get(code="tax-control")
    assert not purpose.needs_open_matter
    assert _event("exchange.purpose.define").summary["after"]["legal_basis"] == "Tax code"
    form.update(legal_basis="Tax code, art. 5")
    assert admin_client.post(f"/admin/exchange/purpose/{purpose.pk}/change/", form).status_code == 302
    assert _event("exchange.purpose.update").summary["after"]["legal_basis"] == "Tax code, art. 5"


def test_a_purpose_named_by_a_right_cannot_be_deleted_in_the_admin(admin_client):
    purpose = AccessRightFactory().purposes.get()
    page = admin_client.post(f"/admin/exchange/purpose/{purpose.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200
    assert Purpose.objects.filter(pk=purpose.pk).exists()
    unused = PurposeFactory(code="statistics")
    assert (
        admin_client.post(f"/admin/exchange/purpose/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    )
    assert _event("exchange.purpose.delete").summary["before"]["code"] == "statistics"


# --- Access rights -----------------------------------------------------------------------------


def test_granting_a_right_in_the_admin_is_audited(admin_client, admin_user):
    client, service, purpose = MemberFactory(), DataServiceFactory(), PurposeFactory()
    response = admin_client.post(
        "/admin/exchange/accessright/add/",
        {"client": client.pk, "service": service.pk, "purposes": [purpose.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    right = AccessRight.objects.get()
    assert right.granted_by == admin_user
    assert _event("exchange.right.grant").summary["after"]["purposes"] == ["service-delivery"]


def test_granting_a_pair_that_has_a_right_in_force_is_a_form_error(admin_client):
    right = AccessRightFactory()
    response = admin_client.post(
        "/admin/exchange/accessright/add/",
        {"client": right.client.pk, "service": right.service.pk, "purposes": [right.purposes.get().pk]},
    )
    assert response.status_code == 200
    assert "already has a right" in response.content.decode()


def test_granting_a_revoked_pair_again_restores_the_right(admin_client):
    right = AccessRightFactory(revoked_at=timezone.now())
    response = admin_client.post(
        "/admin/exchange/accessright/add/",
        {"client": right.client.pk, "service": right.service.pk, "purposes": [right.purposes.get().pk]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    right.refresh_from_db()
    assert right.revoked_at is None and AccessRight.objects.count() == 1


def test_revoking_asks_for_a_reason_first_and_records_it(admin_client):
    right = AccessRightFactory()
    page = admin_client.post(
        "/admin/exchange/accessright/", {"action": "revoke", "_selected_action": [right.pk]}
    )
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    right.refresh_from_db()
    assert right.revoked_at is None
    admin_client.post(
        "/admin/exchange/accessright/",
        {"action": "revoke", "_selected_action": [right.pk], "reason": "The agreement ended"},
    )
    right.refresh_from_db()
    assert right.revoked_at is not None
    assert _event("exchange.right.revoke").summary["reason"] == "The agreement ended"


def test_a_right_is_never_deleted_and_a_revoked_one_is_read_only(admin_client):
    right = AccessRightFactory(revoked_at=timezone.now())
    assert (
        admin_client.post(f"/admin/exchange/accessright/{right.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    page = admin_client.get(f"/admin/exchange/accessright/{right.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    refused = admin_client.post(
        f"/admin/exchange/accessright/{right.pk}/change/", {"purposes": [right.purposes.get().pk]}
    )
    assert refused.status_code == 403
    assert AccessRight.objects.filter(pk=right.pk, revoked_at__isnull=False).exists()
