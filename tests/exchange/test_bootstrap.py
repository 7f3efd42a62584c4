"""``directory_bootstrap``: the built-in registries published, a back-office subsystem per agency
that needs fetched evidence, the rights its services need, every write audited, and nothing
added (or undone) when it runs again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError

from onestop.catalog.models import Agency
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from onestop.exchange import directory, purposes, services
from onestop.exchange.bootstrap import PURPOSES, directory_bootstrap
from onestop.exchange.client import ExchangeRefused, exchange_call
from onestop.exchange.models import AccessRight, DataService, Member, Purpose
from onestop.exchange.purposes import Matter
from onestop.exchange.registries.catalogue import BUILTIN_REGISTRIES, BUILTIN_SERVICES
from tests.factories.catalog import AgencyFactory, EvidenceTypeFactory, ServiceEvidenceFactory, ServiceFactory
from tests.factories.exchange import MemberFactory, RegistryRecordFactory
from tests.factories.people import valid_national_id

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("bootstrap-test")
PERSON = "GOV/CIVREG/civil-registry/person-v1"
ADDRESS = "GOV/ADDR/address-registry/registered-address-v1"
NO_DEBT = "GOV/TAX/tax-authority/no-debt-v1"
ELSEWHERE = "GOV/FOREIGN/other-registry/thing-v1"


def _needs(service, *exchange_services: str) -> None:
    for position, value in enumerate(exchange_services):
        code = value.rsplit("/", 1)[-1]
        ServiceEvidenceFactory(
            service=service,
            evidence_type=EvidenceTypeFactory(code=code, exchange_service=value),
            position=position,
        )


@pytest.fixture
def catalogue(agency_a, agency_b):
    """Agency A's passport service needs the civil and address registries (and a document the
    citizen brings); agency B's licence needs the tax authority and a registry no built-in offers;
    agency B's withdrawn service would need the address registry."""
    AgencyFactory(code="civil-registry", name="Civil Registry Committee")
    AgencyFactory(code="state-revenue", name="State Revenue Committee")
    passport = ServiceFactory(identifier="passport", agency=agency_a)
    _needs(passport, PERSON, ADDRESS)
    ServiceEvidenceFactory(service=passport, evidence_type=EvidenceTypeFactory(code="photo"), position=5)
    licence = ServiceFactory(identifier="licence", agency=agency_b)
    _needs(licence, NO_DEBT, ELSEWHERE)
    old = ServiceFactory(identifier="old", agency=agency_b, status="withdrawn")
    _needs(old, ADDRESS)


MAPPING = {"civil-registry": "civil-registry", "tax-authority": "state-revenue"}


def _bootstrap():
    return directory_bootstrap(actor=ACTOR, agency_for_subsystem=MAPPING)


def test_bootstrap_publishes_every_built_in_registry_and_service(catalogue, settings):
    result = _bootstrap()
    assert (result.purposes, result.members, result.services) == (
        len(PURPOSES),
        len(BUILTIN_REGISTRIES),
        len(BUILTIN_SERVICES),
    )
    civil = Member.objects.get(identifier="DEV/GOV/CIVREG/civil-registry")
    assert civil.hosted and civil.agency.code == "civil-registry"
    assert civil.public_key  # derived: this deployment signs as the registry
    # No mapping and no agency with the hint's code: the registry belongs to no agency yet.
    assert Member.objects.get(identifier="DEV/GOV/LAND/land-cadastre").agency is None
    person = DataService.objects.get(identifier="DEV/GOV/CIVREG/civil-registry/person-v1")
    builtin = next(b for b in BUILTIN_SERVICES if b.handler == "civil-registry.person")
    assert (person.handler, person.endpoint_url, person.owner.code) == (
        "civil-registry.person",
        "",
        "civil-registry",
    )
    assert person.openapi == builtin.openapi
    assert person.name_ru == builtin.name["ru"]
    assert not person.log_bodies  # data minimisation: only hashes unless an administrator says otherwise


def test_bootstrap_grants_each_agency_exactly_what_its_services_need_for_service_delivery(catalogue):
    result = _bootstrap()
    assert (result.clients, result.rights) == (2, 3)
    assert result.unresolved == [f"DEV/{ELSEWHERE}"]
    rights = {
        (r.client.identifier, r.service.identifier, tuple(p.code for p in r.purposes.all()))
        for r in AccessRight.objects.select_related("client", "service").prefetch_related("purposes")
    }
    assert rights == {
        ("DEV/GOV/AGENCY-A/back-office", f"DEV/{PERSON}", ("service-delivery",)),
        ("DEV/GOV/AGENCY-A/back-office", f"DEV/{ADDRESS}", ("service-delivery",)),
        ("DEV/GOV/AGENCY-B/back-office", f"DEV/{NO_DEBT}", ("service-delivery",)),
    }
    client = directory.client_of_agency("agency-a")
    assert client is not None and client.identifier == "DEV/GOV/AGENCY-A/back-office" and client.hosted


def test_bootstrap_defines_purposes_that_need_an_open_matter_and_legal_ones_that_do_not(catalogue):
    _bootstrap()
    needs = dict(Purpose.objects.values_list("code", "needs_open_matter"))
    assert needs["service-delivery"] is True
    assert any(not needed for needed in needs.values())
    assert not Purpose.objects.filter(legal_basis="").exists()


def test_every_bootstrap_write_is_audited_as_the_actor(catalogue):
    result = _bootstrap()
    counts = {
        "exchange.purpose.define": result.purposes,
        "exchange.member.register": result.members + result.clients,
        "exchange.service.register": result.services,
        "exchange.right.grant": result.rights,
    }
    for action, count in counts.items():
        assert AuditEvent.objects.filter(action=action, actor_label="bootstrap-test").count() == count, action


def test_a_second_bootstrap_adds_nothing_and_writes_no_audit_event(catalogue):
    _bootstrap()
    events = AuditEvent.objects.count()
    again = _bootstrap()
    assert (again.purposes, again.members, again.services, again.clients, again.rights) == (0, 0, 0, 0, 0)
    assert AuditEvent.objects.count() == events


def test_bootstrap_leaves_a_revoked_right_revoked_and_adds_the_rights_of_a_new_service(catalogue, agency_b):
    _bootstrap()
    right = AccessRight.objects.get(service__identifier=f"DEV/{NO_DEBT}")
    services.access_right_revoke(actor=ACTOR, right=right, reason="Licence service suspended")
    _needs(ServiceFactory(identifier="permit", agency=agency_b), ADDRESS)
    again = _bootstrap()
    assert (again.clients, again.rights) == (0, 1)
    right.refresh_from_db()
    assert right.revoked_at is not None
    assert AccessRight.objects.filter(
        client__identifier="DEV/GOV/AGENCY-B/back-office", service__identifier=f"DEV/{ADDRESS}"
    ).exists()


def test_bootstrap_uses_an_agency_back_office_subsystem_that_already_exists(catalogue, agency_a):
    existing = MemberFactory(
        instance="DEV",
        member_class="GOV",
        member_code="PASSPORTS",
        subsystem_code="back-office",
        agency=agency_a,
    )
    result = _bootstrap()
    assert result.clients == 1  # only agency B's is new
    assert set(AccessRight.objects.filter(client__agency=agency_a).values_list("client", flat=True)) == {
        existing.pk
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"civil-registry": "no-such-agency"}, "no-such-agency"),
        ({"moon-registry": "civil-registry"}, "moon-registry"),
    ],
)
def test_a_mapping_naming_an_unknown_agency_or_registry_is_refused_before_any_write(
    catalogue, mapping, message
):
    with pytest.raises(ValidationError, match=message):
        directory_bootstrap(actor=ACTOR, agency_for_subsystem=mapping)
    assert not Member.objects.exists() and not Purpose.objects.exists()


@pytest.fixture
def open_application() -> Iterator[tuple[str, str]]:
    """An open application ``APP-1`` of one citizen, handled by agency A."""
    subject = valid_national_id(7)[0]

    def resolver(issue: str, who: str) -> Matter | None:
        if (issue, who) == ("APP-1", subject):
            return Matter("application", "APP-1", subject, frozenset({"agency-a"}))
        return None

    purposes.register_matter_resolver(resolver)
    yield "APP-1", subject
    purposes._resolvers.remove(resolver)


def test_a_bootstrapped_directory_answers_a_once_only_fetch_end_to_end(catalogue, open_application):
    issue, subject = open_application
    _bootstrap()
    RegistryRecordFactory(
        registry="civil-registry", kind="person", subject=subject, data={"family_name": "Омарова"}
    )
    client = directory.client_of_agency("agency-a")
    assert client is not None
    result = exchange_call(client=client.identifier, service=PERSON, subject=subject, issue=issue)
    assert result.status == 200
    assert result.data["person"]["family_name"] == "Омарова"
    assert result.provider == "DEV/GOV/CIVREG/civil-registry"


def test_a_bootstrapped_agency_has_no_right_beyond_what_its_services_need(catalogue, open_application):
    issue, subject = open_application
    _bootstrap()
    client = directory.client_of_agency("agency-a")
    assert client is not None
    with pytest.raises(ExchangeRefused):
        exchange_call(client=client.identifier, service=NO_DEBT, subject=subject, issue=issue)


def test_registries_map_to_no_agency_when_there_are_no_agencies_at_all():
    result = directory_bootstrap(actor=ACTOR, agency_for_subsystem={})
    assert result.members == len(BUILTIN_REGISTRIES) and result.clients == 0
    assert not Member.objects.exclude(agency=None).exists()
    assert Agency.objects.count() == 0
