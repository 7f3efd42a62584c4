"""Writes of the exchange directory and of the registries' records: each is audited, refuses what it
should with a ValidationError naming the field, and the directory snapshot follows on commit."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.utils import timezone

from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from onestop.exchange import directory, keys, services
from onestop.exchange.identifiers import SubsystemId
from onestop.exchange.models import AccessRight, DataService, Member, Purpose, RegistryRecord
from onestop.exchange.services import RegistryRecordRow
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory, PurposeFactory

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("test")


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- Members -----------------------------------------------------------------------------------


def test_registering_a_hosted_member_derives_its_key_and_is_audited(agency_a):
    member = services.member_register(
        actor=ACTOR, subsystem="DEV/GOV/AGENCY-A/back-office", name="Agency A back office", agency=agency_a
    )
    assert member.public_key == keys.member_public_key_pem("DEV/GOV/AGENCY-A/back-office")
    (event,) = _events("exchange.member.register")
    assert event.summary["after"]["identifier"] == "DEV/GOV/AGENCY-A/back-office"
    assert event.summary["after"]["agency"] == "agency-a"
    assert event.summary["after"]["key_id"] == keys.key_id(member.public_key)


@pytest.mark.parametrize(
    ("subsystem", "public_key", "field"),
    [
        ("DEV/GOV/ONLY-THREE", "", "identifier"),
        ("DEV/GOV/A:B/sub", "", "identifier"),
        ("DEV/GOV/X/sub", "not a key", "public_key"),
    ],
)
def test_a_malformed_member_is_refused_naming_the_field(subsystem, public_key, field):
    with pytest.raises(ValidationError) as caught:
        services.member_register(
            actor=ACTOR, subsystem=subsystem, name="X", hosted=False, public_key=public_key
        )
    assert field in caught.value.message_dict
    assert not Member.objects.exists() and not AuditEvent.objects.exists()


def test_the_same_subsystem_cannot_be_registered_twice():
    services.member_register(actor=ACTOR, subsystem="DEV/GOV/X/sub", name="X")
    with pytest.raises(ValidationError, match="already in the directory"):
        services.member_register(actor=ACTOR, subsystem=SubsystemId("DEV", "GOV", "X", "sub"), name="Y")


def test_rekeying_a_remote_member_records_both_key_ids():
    member = MemberFactory(remote=True)
    new_key = keys.public_key_pem(Ed25519PrivateKey.generate().public_key())
    services.member_update(actor=ACTOR, member=member, public_key=new_key, is_active=False)
    (event,) = _events("exchange.member.update")
    assert event.summary["before"]["key_id"] != event.summary["after"]["key_id"] == keys.key_id(new_key)
    assert event.summary["after"]["is_active"] is False


def test_a_member_offering_services_cannot_be_deleted_but_an_unused_one_can():
    service = DataServiceFactory()
    with pytest.raises(ValidationError, match="deactivate it instead"):
        services.member_delete(actor=ACTOR, member=service.provider)
    unused = MemberFactory()
    pk = unused.pk
    services.member_delete(actor=ACTOR, member=unused)
    assert not Member.objects.filter(pk=pk).exists()
    (event,) = _events("exchange.member.delete")
    assert event.summary["before"]["identifier"] == unused.identifier


def test_a_member_holding_a_revoked_right_cannot_be_deleted():
    right = AccessRightFactory(revoked_at=timezone.now())
    with pytest.raises(ValidationError):
        services.member_delete(actor=ACTOR, member=right.client)


# --- Data services -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"handler": "", "endpoint_url": ""}, "handler"),
        ({"handler": "no-such.handler"}, "handler"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": 61}, "timeout_seconds"),
        ({"service_code": "a/b"}, "service_code"),
        ({"endpoint_url": "not a url", "handler": ""}, "endpoint_url"),
    ],
)
def test_a_bad_data_service_is_refused_naming_the_field(changes, field):
    provider = MemberFactory()
    arguments = {"service_code": "person-v1", "name": "Person", "handler": "civil-registry.person", **changes}
    with pytest.raises(ValidationError) as caught:
        services.data_service_register(actor=ACTOR, provider=provider, **arguments)
    assert field in caught.value.message_dict
    assert not DataService.objects.exists()


def test_publishing_a_data_service_is_audited_with_its_texts_and_owner(agency_a):
    provider = MemberFactory(agency=agency_a)
    service = services.data_service_register(
        actor=ACTOR,
        provider=provider,
        service_code="person-v1",
        name={"en": "Personal data", "ru": "Персональные данные"},
        handler="civil-registry.person",
    )
    assert service.identifier == f"{provider.identifier}/person-v1"
    assert service.owner == agency_a
    (event,) = _events("exchange.service.register")
    assert event.summary["after"]["name"] == {"en": "Personal data", "ru": "Персональные данные"}
    assert event.summary["after"]["owner"] == "agency-a"


def test_changing_a_data_service_records_before_and_after_and_refuses_unknown_fields():
    service = DataServiceFactory()
    services.data_service_update(actor=ACTOR, service=service, log_bodies=True, timeout_seconds=3.5)
    (event,) = _events("exchange.service.update")
    assert (event.summary["before"]["log_bodies"], event.summary["after"]["log_bodies"]) == (False, True)
    assert event.summary["after"]["timeout_seconds"] == 3.5
    with pytest.raises(ValidationError):
        services.data_service_update(actor=ACTOR, service=service, service_code="other")


def test_a_data_service_named_by_a_right_cannot_be_deleted_but_an_unused_one_can():
    right = AccessRightFactory()
    with pytest.raises(ValidationError, match="deactivate it instead"):
        services.data_service_delete(actor=ACTOR, service=right.service)
    unused = DataServiceFactory()
    pk = unused.pk
    services.data_service_delete(actor=ACTOR, service=unused)
    assert not DataService.objects.filter(pk=pk).exists()
    assert _events("exchange.service.delete")[0].target_id == str(pk)


# --- Purposes ----------------------------------------------------------------------------------


def test_defining_and_changing_a_purpose_is_audited():
    purpose = services.purpose_define(
        actor=ACTOR, code="tax-control", name="Tax control", legal_basis="Tax code", needs_open_matter=False
    )
    services.purpose_update(
        actor=ACTOR, purpose=purpose, legal_basis="Tax code, art. 5", name={"en": "Tax audit"}
    )
    purpose.refresh_from_db()
    assert (purpose.legal_basis, purpose.name_en, purpose.code) == (
        "Tax code, art. 5",
        "Tax audit",
        "tax-control",
    )
    (event,) = _events("exchange.purpose.update")
    assert event.summary["before"]["legal_basis"] == "Tax code"
    assert event.summary["after"]["name"] == {"en": "Tax audit"}


def test_a_purpose_code_must_be_a_slug_and_unique():
    PurposeFactory(code="statistics")
    with pytest.raises(ValidationError) as caught:
        services.purpose_define(actor=ACTOR, code="statistics", name="Again", legal_basis="x")
    assert "code" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.purpose_define(actor=ACTOR, code="not a slug", name="X", legal_basis="x")


def test_a_purpose_named_by_a_right_cannot_be_deleted_but_an_unused_one_can():
    used = AccessRightFactory().purposes.get()
    with pytest.raises(ValidationError):
        services.purpose_delete(actor=ACTOR, purpose=used)
    unused = PurposeFactory(code="statistics")
    services.purpose_delete(actor=ACTOR, purpose=unused)
    assert list(Purpose.objects.values_list("code", flat=True)) == [used.code]
    assert _events("exchange.purpose.delete")[0].summary["before"]["code"] == "statistics"


# --- Access rights -----------------------------------------------------------------------------


def test_a_right_needs_a_purpose():
    with pytest.raises(ValidationError) as caught:
        services.access_right_grant(
            actor=ACTOR, client=MemberFactory(), service=DataServiceFactory(), purposes=[]
        )
    assert "purposes" in caught.value.message_dict


def test_revoking_needs_a_reason_and_granting_again_restores_the_right():
    right = AccessRightFactory()
    with pytest.raises(ValidationError) as caught:
        services.access_right_revoke(actor=ACTOR, right=right, reason="  ")
    assert "reason" in caught.value.message_dict
    services.access_right_revoke(actor=ACTOR, right=right, reason="Contract ended")
    (revoke,) = _events("exchange.right.revoke")
    assert revoke.summary["reason"] == "Contract ended"
    statistics = PurposeFactory(code="statistics", needs_open_matter=False)
    services.access_right_grant(
        actor=ACTOR, client=right.client, service=right.service, purposes=[statistics]
    )
    right.refresh_from_db()
    assert right.revoked_at is None
    assert list(right.purposes.values_list("code", flat=True)) == ["statistics"]
    grant = _events("exchange.right.grant")[-1]
    assert grant.summary["before"] == {"purposes": ["service-delivery"], "revoked": True}
    assert AccessRight.objects.count() == 1


def test_the_directory_snapshot_follows_a_grant_and_a_revocation_on_commit(
    django_capture_on_commit_callbacks,
):
    client, service = MemberFactory(), DataServiceFactory()
    assert directory.granted_purposes(client.identifier, service.identifier) is None
    with django_capture_on_commit_callbacks(execute=True):
        right = services.access_right_grant(
            actor=ACTOR, client=client, service=service, purposes=[PurposeFactory()]
        )
    assert directory.granted_purposes(client.identifier, service.identifier) == frozenset(
        {"service-delivery"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.access_right_revoke(actor=ACTOR, right=right, reason="test")
    assert directory.granted_purposes(client.identifier, service.identifier) is None


# --- Registry records --------------------------------------------------------------------------


def test_registry_records_load_in_batches_with_one_audit_event_each():
    rows = [
        RegistryRecordRow("civil-registry", "person", f"90010130012{n}", {"n": n}, date(2020, 1, n + 1))
        for n in range(5)
    ]
    assert services.registry_records_import(actor=ACTOR, records=rows, batch_size=2) == 5
    stored = list(
        RegistryRecord.objects.order_by("id").values_list("subject", "data", "valid_from", "valid_until")
    )
    assert stored[0] == ("900101300120", {"n": 0}, date(2020, 1, 1), None)
    assert len(stored) == 5
    events = _events("exchange.registry.import")
    assert [e.summary["count"] for e in events] == [2, 2, 1]
    assert events[0].summary["records"] == {"civil-registry/person": 2}


@pytest.mark.parametrize(
    "bad",
    [
        RegistryRecordRow("", "person", "900101300123", {}),
        RegistryRecordRow("civil-registry", "person", "9" * 21, {}),
        RegistryRecordRow("civil-registry", "person", "900101300123", ["not", "an", "object"]),  # type: ignore[arg-type]
    ],
    ids=["no-registry", "subject-too-long", "data-not-an-object"],
)
def test_a_malformed_registry_record_refuses_the_whole_load(bad):
    good = RegistryRecordRow("civil-registry", "person", "900101300123", {})
    with pytest.raises(ValidationError, match="Record 3"):
        services.registry_records_import(actor=ACTOR, records=[good, good, bad], batch_size=1)
    assert not RegistryRecord.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_service_identifier_longer_than_its_column_is_refused_with_a_message(db):
    from django.core.exceptions import ValidationError

    from onestop.core.audit import SystemActor
    from onestop.exchange.services import data_service_register, member_register

    provider = member_register(
        actor=SystemActor("test"), subsystem=f"{'I' * 255}/{'C' * 255}/{'M' * 255}/{'s' * 255}", name="Long"
    )
    with pytest.raises(ValidationError) as refused:
        data_service_register(
            actor=SystemActor("test"),
            provider=provider,
            service_code="x" * 250,
            name="Long",
            handler="civil-registry.person",
        )
    assert "too long" in str(refused.value)


def test_a_member_whose_signed_log_entries_exist_cannot_be_deleted(db):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from onestop.core.audit import SystemActor
    from onestop.exchange.log import LogRecord, exchange_log_append
    from onestop.exchange.models import Member
    from onestop.exchange.services import member_delete, member_register

    member = member_register(actor=SystemActor("test"), subsystem="DEV/GOV/PROBED/registry", name="Probed")
    exchange_log_append(
        LogRecord(
            side="provider",
            logged_by=member.identifier,
            x_road_id="x",
            request_id="r",
            client="c",
            service=f"{member.identifier}/nothing-v1",
            method="GET",
            path="/r1/x",
            status=404,
            request_hash="h",
            latency_ms=1.0,
            started_at=timezone.now(),
        )
    )
    with pytest.raises(ValidationError):
        member_delete(actor=SystemActor("test"), member=member)
    assert Member.objects.filter(pk=member.pk).exists()
