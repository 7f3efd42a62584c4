"""Catalogue services: every write is validated and leaves an audit event; publishing rules hold."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from onestop.catalog import services
from onestop.catalog.models import Fee, Service
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from tests.factories.catalog import AgencyFactory, EvidenceTypeFactory, LifeEventFactory, ServiceFactory

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("test")


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


def test_service_create_stores_translations_relations_and_audits():
    agency = AgencyFactory()
    birth = LifeEventFactory(code="birth")
    registry_doc = EvidenceTypeFactory(fetched=True)
    service = services.service_create(
        actor=ACTOR,
        identifier="birth-registration",
        name={"en": "Birth registration", "ru": "Регистрация рождения", "kk": "Туу тіркеу"},
        agency=agency,
        statutory_time="P1D",
        life_events=[birth],
        channels=["counter", "online"],
        evidence=[services.EvidenceRequirement(evidence_type=registry_doc, note={"en": "From the hospital"})],
        fees=[
            services.FeeSpec(
                label={"en": "State duty"},
                amount=Decimal("1000.00"),
                exemptions=[
                    services.ExemptionSpec(group="disability", description={"en": "Disabled people"})
                ],
            )
        ],
    )
    assert service.status == Service.Status.DRAFT
    assert service.name_ru == "Регистрация рождения"
    assert sorted(service.channels.values_list("kind", flat=True)) == ["counter", "online"]
    assert list(service.life_events.all()) == [birth]
    fee = Fee.objects.get(service=service)
    assert fee.currency == "KZT"  # the deployment's currency by default
    assert fee.exemptions.get().discount_percent == 100
    (event,) = _events("service.create")
    assert event.target_id == str(service.pk)
    assert event.summary["after"]["channels"] == ["counter", "online"]
    assert event.summary["after"]["evidence"] == [{"type": registry_doc.code, "required": True}]


def test_service_create_rejects_bad_duration_and_writes_nothing():
    with pytest.raises(ValidationError) as excinfo:
        services.service_create(
            actor=ACTOR, identifier="x", name={"en": "X"}, agency=AgencyFactory(), statutory_time="ten days"
        )
    assert "statutory_time" in excinfo.value.message_dict
    assert not Service.objects.exists()
    assert not AuditEvent.objects.filter(action="service.create").exists()


def test_service_create_rejects_unknown_channel():
    with pytest.raises(ValidationError) as excinfo:
        services.service_create(
            actor=ACTOR,
            identifier="x",
            name={"en": "X"},
            agency=AgencyFactory(),
            statutory_time="P1D",
            channels=["pigeon"],
        )
    assert "pigeon" in str(excinfo.value.message_dict["channels"])


def test_service_create_requires_english_name():
    with pytest.raises(ValueError, match="English"):
        services.service_create(
            actor=ACTOR, identifier="x", name={"ru": "Услуга"}, agency=AgencyFactory(), statutory_time="P1D"
        )


def test_fee_currency_can_be_overridden_and_follows_settings(settings):
    settings.ONESTOP_CURRENCY = "GEL"
    service = services.service_create(
        actor=ACTOR,
        identifier="x",
        name="X",
        agency=AgencyFactory(),
        statutory_time="P1D",
        fees=[
            services.FeeSpec(label="Duty", amount=Decimal("5")),
            services.FeeSpec(label="Fast", amount=Decimal("9"), currency="USD"),
        ],
    )
    assert sorted(service.fees.values_list("currency", flat=True)) == ["GEL", "USD"]


def test_publish_needs_a_channel():
    service = ServiceFactory(draft=True, channels=[])
    with pytest.raises(ValidationError) as excinfo:
        services.service_publish(actor=ACTOR, service=service)
    assert "channels" in excinfo.value.message_dict
    service.refresh_from_db()
    assert service.status == Service.Status.DRAFT


def test_publish_needs_an_active_agency():
    service = ServiceFactory(draft=True, agency=AgencyFactory(is_active=False))
    with pytest.raises(ValidationError) as excinfo:
        services.service_publish(actor=ACTOR, service=service)
    assert "agency" in excinfo.value.message_dict


def test_publish_needs_a_statutory_time():
    service = ServiceFactory(draft=True, statutory_time="")
    with pytest.raises(ValidationError) as excinfo:
        services.service_publish(actor=ACTOR, service=service)
    assert "statutory_time" in excinfo.value.message_dict


def test_publish_activates_and_audits_the_transition():
    service = ServiceFactory(draft=True)
    services.service_publish(actor=ACTOR, service=service)
    service.refresh_from_db()
    assert service.status == Service.Status.ACTIVE
    (event,) = _events("service.publish")
    assert event.summary == {"before": {"status": "draft"}, "after": {"status": "active"}}


def test_publishing_an_active_service_again_is_refused():
    service = ServiceFactory()
    with pytest.raises(ValidationError):
        services.service_publish(actor=ACTOR, service=service)
    assert not _events("service.publish")


def test_creating_an_active_service_without_channel_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.service_create(
            actor=ACTOR,
            identifier="x",
            name="X",
            agency=AgencyFactory(),
            statutory_time="P1D",
            status="active",
        )
    assert "channels" in excinfo.value.message_dict
    assert not Service.objects.exists()


def test_withdraw_needs_a_reason():
    service = ServiceFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.service_withdraw(actor=ACTOR, service=service, reason="  ")
    assert "reason" in excinfo.value.message_dict
    service.refresh_from_db()
    assert service.status == Service.Status.ACTIVE


def test_withdraw_keeps_the_reason_in_the_audit_trail():
    service = ServiceFactory()
    services.service_withdraw(actor=ACTOR, service=service, reason="Replaced by the online service")
    service.refresh_from_db()
    assert service.status == Service.Status.WITHDRAWN
    (event,) = _events("service.withdraw")
    assert event.summary["reason"] == "Replaced by the online service"


def test_update_replaces_channels_and_records_before_and_after():
    service = ServiceFactory(online=True)
    services.service_update(
        actor=ACTOR, service=service, channels=["kiosk"], popularity=7, name={"en": "New name"}
    )
    service.refresh_from_db()
    assert list(service.channels.values_list("kind", flat=True)) == ["kiosk"]
    assert service.popularity == 7
    (event,) = _events("service.update")
    assert event.summary["before"]["channels"] == ["counter", "online"]
    assert event.summary["after"]["channels"] == ["kiosk"]
    assert event.summary["after"]["name"] == {"en": "New name"}


def test_update_cannot_leave_an_active_service_without_channels():
    service = ServiceFactory()
    with pytest.raises(ValidationError):
        services.service_update(actor=ACTOR, service=service, channels=[])
    assert service.channels.count() == 1


def test_update_refuses_status_changes():
    with pytest.raises(TypeError):
        services.service_update(actor=ACTOR, service=ServiceFactory(), status="withdrawn")


def test_reference_data_creation_is_audited():
    agency = services.agency_create(
        actor=ACTOR, code="moj", name={"en": "Ministry of Justice"}, level="national"
    )
    event = services.life_event_create(actor=ACTOR, code="birth", name="Birth of a child")
    doc = services.evidence_type_create(
        actor=ACTOR, code="id-card", name="Identity card", exchange_service="GOV/1/pop/person"
    )
    output = services.output_create(
        actor=ACTOR, code="cert", name="Certificate", kind="certificate", validity="P1Y"
    )
    law = services.legal_resource_create(
        actor=ACTOR, code="law-1", title="Law 1", url="https://laws.example/1"
    )
    assert doc.fetched_by_state
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions == {
        "agency.create",
        "life_event.create",
        "evidence_type.create",
        "output.create",
        "legal_resource.create",
    }
    assert {agency.code, event.code, output.code, law.code} == {"moj", "birth", "cert", "law-1"}


def test_agency_create_rejects_unknown_level():
    with pytest.raises(ValidationError) as excinfo:
        services.agency_create(actor=ACTOR, code="x", name="X", level="galactic")
    assert "level" in excinfo.value.message_dict


def test_agency_update_deactivates_and_audits():
    agency = AgencyFactory()
    services.agency_update(actor=ACTOR, agency=agency, is_active=False)
    agency.refresh_from_db()
    assert not agency.is_active
    (event,) = _events("agency.update")
    assert event.summary["before"]["is_active"] is True
    assert event.summary["after"]["is_active"] is False
