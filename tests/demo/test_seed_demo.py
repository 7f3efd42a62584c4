"""The demo country: what ``seed_demo`` puts in a fresh database, and that it is the same every time.

Seeding takes several seconds, so the module seeds once (with a few hundred citizens) inside a
transaction that is rolled back when the module ends; each test runs in its own savepoint inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import asdict
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory, override_settings

from onestop.catalog.models import Agency, EvidenceType, FeeExemption, Service, ServiceEvidence
from onestop.centres.models import Centre
from onestop.core.models import AuditEvent
from onestop.core.national_ids import validate_national_id
from onestop.demo.cases import demo_citizen_national_id
from onestop.demo.data.people import DEMO_LOGINS
from onestop.demo.exchange_seed import SUBSYSTEM_AGENCIES, build_registry_records
from onestop.demo.generator import DEFAULT_SEED, build_country
from onestop.exchange import directory
from onestop.exchange.models import AccessRight, DataService, Member, RegistryRecord
from onestop.exchange.registries import RegistryRequest, call
from onestop.exchange.registries.catalogue import BUILTIN_REGISTRIES, BUILTIN_SERVICES
from onestop.people.models import Citizen, Role, RoleMembership, User

CITIZENS = 300


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    # No front-office history here (tests/demo/test_front_office_demo.py covers it); device tokens
    # go to a temporary var/ rather than the developer's.
    var_dir = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(VAR_DIR=var_dir):
        out = StringIO()
        call_command("seed_demo", citizens=CITIZENS, history_days=0, verbosity=0, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


def test_seed_creates_agencies_at_three_levels_with_parents(demo):
    levels = Counter(Agency.objects.values_list("level", flat=True))
    assert sum(levels.values()) >= 12
    assert set(levels) == {"national", "regional", "local"}
    # Committees hang under ministries, district akimats under their regional akimat.
    assert Agency.objects.filter(level="national", parent__level="national").exists()
    local = Agency.objects.filter(level="local")
    assert local.exists()
    assert not local.filter(parent__isnull=True).exists()
    assert set(local.values_list("parent__level", flat=True)) == {"regional"}


def test_seed_publishes_at_least_120_services_with_agency_channels_and_times(demo):
    active = Service.objects.filter(status=Service.Status.ACTIVE)
    assert active.count() >= 120
    assert not Service.objects.exclude(status=Service.Status.ACTIVE).exists()
    assert not active.filter(channels__isnull=True).exists()
    assert not active.filter(statutory_time="").exists()
    assert not active.filter(life_events__isnull=True).exists()


def test_most_used_services_are_named_in_all_four_languages(demo):
    top = list(Service.objects.order_by("-popularity", "identifier")[:30])
    for service in top:
        for lang in ("en", "ru", "kk", "ka"):
            assert getattr(service, f"name_{lang}"), f"{service.identifier} has no {lang} name"
            assert getattr(service, f"description_{lang}"), f"{service.identifier} has no {lang} description"
    # Kazakh uses its own letters and Georgian is written in Mkhedruli.
    kazakh = "".join(s.name_kk for s in top)
    assert set("әғқңөұүі") & set(kazakh)
    assert all(any("\u10d0" <= ch <= "\u10ff" for ch in s.name_ka) for s in top)
    assert not Service.objects.filter(name_ru="").exists()


def test_catalogue_mixes_fetched_and_brought_evidence_free_and_paid_services(demo):
    assert EvidenceType.objects.filter(exchange_service="GOV/CIVREG/civil-registry/person-v1").exists()
    assert EvidenceType.objects.filter(exchange_service="").exists()
    birth = Service.objects.get(identifier="birth-registration")
    assert birth.fees.count() == 0
    assert birth.evidence_requirements.filter(evidence_type__exchange_service__startswith="GOV/").exists()
    assert Service.objects.filter(fees__currency="KZT").count() >= 20
    assert set(FeeExemption.objects.values_list("group", flat=True)) >= {
        "pensioner",
        "disability",
        "large-family",
    }


def test_seed_opens_centres_in_four_regions_including_a_mobile_unit(demo):
    centres = Centre.objects.all()
    assert centres.count() >= 8
    assert centres.values("region").distinct().count() >= 4
    assert set(centres.values_list("kind", flat=True)) == {"hall", "centre", "community", "mobile"}
    for centre in centres:
        assert 4 <= centre.counters.count() <= 20, centre.code
        assert centre.opening_hours.exists(), centre.code
        assert centre.services.exists(), centre.code
    mobile = centres.get(kind="mobile")
    assert not mobile.services.exclude(channels__kind="mobile").exists()


def test_every_centre_and_agency_has_its_staff_and_every_role_is_held(demo):
    assert set(RoleMembership.objects.values_list("role", flat=True)) == set(Role.values)
    for centre in Centre.objects.all():
        roles = set(RoleMembership.objects.filter(centre=centre).values_list("role", flat=True))
        assert roles == {Role.OPERATOR, Role.CENTRE_MANAGER}, centre.code
    for agency in Agency.objects.all():
        roles = set(RoleMembership.objects.filter(agency=agency).values_list("role", flat=True))
        assert roles == {Role.OFFICER, Role.AGENCY_HEAD}, agency.code
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_seed_registers_the_requested_citizens_with_valid_national_ids(demo):
    ids = list(Citizen.objects.values_list("national_id", flat=True))
    assert len(ids) == CITIZENS
    for national_id in ids:
        assert validate_national_id(national_id, country="KZ") == national_id
    years = Citizen.objects.values_list("date_of_birth__year", flat=True)
    assert min(years) >= 1940 and max(years) <= 2008


def test_every_write_is_audited_as_the_demo_seed(demo):
    assert (
        AuditEvent.objects.filter(actor_label="demo-seed", action="service.publish").count()
        == Service.objects.count()
    )
    assert not AuditEvent.objects.exclude(actor_label="demo-seed").exists()


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.role)
def test_every_printed_demo_login_signs_in_with_its_role(demo, login):
    user = authenticate(RequestFactory().post("/"), username=login.username, password=login.password)
    assert user is not None
    assert RoleMembership.objects.filter(user=user, role=login.role).exists()


def test_seed_prints_the_url_and_one_login_per_role(demo):
    assert "http://127.0.0.1:8000" in demo
    for login in DEMO_LOGINS:
        assert login.username in demo and login.password in demo


def test_seed_if_empty_on_a_seeded_database_changes_nothing(demo):
    before = (
        Service.objects.count(),
        Citizen.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    out = StringIO()
    call_command("seed_demo", if_empty=True, verbosity=0, stdout=out)
    after = (
        Service.objects.count(),
        Citizen.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before
    assert "reusing the existing data" in out.getvalue()
    assert "Demo-Admin-2026" in out.getvalue()


def test_seed_without_if_empty_refuses_a_database_that_has_a_catalogue(demo):
    with pytest.raises(CommandError, match="already has a catalogue"):
        call_command("seed_demo", verbosity=0, stdout=StringIO())


def test_seeded_database_matches_the_plan_for_its_seed(demo):
    plan = build_country(seed=DEFAULT_SEED, citizens=CITIZENS)
    stored = dict(Service.objects.values_list("identifier", "name_en"))
    assert stored == {s.identifier: s.name["en"] for s in plan.services}
    assert set(Citizen.objects.values_list("national_id", flat=True)) == {
        c.national_id for c in plan.citizens
    }


def _digest(country) -> str:
    return hashlib.sha256(json.dumps(asdict(country), default=str, sort_keys=True).encode()).hexdigest()


def test_same_seed_gives_the_same_country_and_another_seed_another():
    first, second = build_country(seed=7, citizens=200), build_country(seed=7, citizens=200)
    assert [s.identifier for s in first.services] == [s.identifier for s in second.services]
    assert [s.name for s in first.services] == [s.name for s in second.services]
    assert [c.national_id for c in first.citizens] == [c.national_id for c in second.citizens]
    assert _digest(first) == _digest(second)
    assert _digest(build_country(seed=8, citizens=200)) != _digest(first)


def test_country_does_not_depend_on_python_hash_randomisation():
    code = (
        "import django, hashlib, json; from dataclasses import asdict; django.setup();"
        "from onestop.demo.generator import build_country;"
        "c = build_country(seed=7, citizens=200);"
        "print(hashlib.sha256(json.dumps(asdict(c), default=str, sort_keys=True).encode()).hexdigest())"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onestop.settings", "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == _digest(build_country(seed=7, citizens=200))


def test_generated_citizens_have_unique_valid_ids_and_realistic_names():
    citizens = build_country(citizens=2000).citizens
    ids = [c.national_id for c in citizens]
    assert len(set(ids)) == len(ids) == 2000
    for c in citizens:
        assert validate_national_id(c.national_id, country="KZ") == c.national_id
        # The IIN starts with the date of birth.
        assert c.national_id[:6] == c.date_of_birth.strftime("%y%m%d")
        assert c.family_name.endswith("а") == (c.sex == "F")
    languages = Counter(c.preferred_language for c in citizens)
    assert languages["kk"] > 0 and languages["ru"] > 0


def test_seed_refuses_to_run_in_production(settings, db):
    settings.PRODUCTION = True
    before = Service.objects.count()
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", citizens=10, verbosity=0, stdout=StringIO())
    assert Service.objects.count() == before


# --- The data exchange ------------------------------------------------------------------------


def test_seed_publishes_the_registries_at_the_agencies_that_keep_them(demo):
    providers = Member.objects.filter(subsystem_code__in=[r.subsystem for r in BUILTIN_REGISTRIES])
    assert {m.subsystem_code: m.agency.code for m in providers.select_related("agency")} == SUBSYSTEM_AGENCIES
    assert DataService.objects.filter(handler__isnull=False).exclude(handler="").count() == len(
        BUILTIN_SERVICES
    )
    # Every agency whose services need fetched evidence can fetch it.
    fetching = set(
        Service.objects.filter(evidence_requirements__evidence_type__exchange_service__startswith="GOV/")
        .values_list("agency__code", flat=True)
        .distinct()
    )
    assert fetching
    for code in fetching:
        assert directory.client_of_agency(code) is not None, code


def test_every_fetched_evidence_of_the_catalogue_is_granted_to_the_agency_that_needs_it(demo):
    granted = set(
        AccessRight.objects.filter(revoked_at__isnull=True, purposes__code="service-delivery").values_list(
            "client__agency__code", "service__identifier"
        )
    )
    needed = {
        (agency, f"DEV/{value}")
        for agency, value in ServiceEvidence.objects.exclude(evidence_type__exchange_service="").values_list(
            "service__agency__code", "evidence_type__exchange_service"
        )
    }
    assert needed <= granted


def test_every_citizen_has_a_person_birth_address_clinic_and_criminal_record(demo):
    citizens = set(Citizen.objects.values_list("national_id", flat=True))
    for registry, kind in (
        ("civil-registry", "person"),
        ("civil-registry", "birth"),
        ("address-registry", "address"),
        ("health-registry", "attachment"),
        ("special-records", "record"),
        ("social-insurance", "family"),
    ):
        held = set(
            RegistryRecord.objects.filter(registry=registry, kind=kind).values_list("subject", flat=True)
        )
        assert citizens <= held, (registry, kind)


def test_registry_records_have_realistic_shares(demo):
    def holders(registry: str, kind: str) -> int:
        return (
            RegistryRecord.objects.filter(registry=registry, kind=kind).values("subject").distinct().count()
        )

    def share(count: int) -> float:
        return count / CITIZENS

    assert 0.4 < share(holders("civil-registry", "marriage")) < 0.85
    assert 0.25 < share(holders("property-registry", "title")) < 0.75
    assert 0.15 < share(holders("vehicle-registry", "vehicle")) < 0.55
    assert 0.02 < share(holders("business-registry", "company")) < 0.2
    assert 0.1 < share(holders("social-insurance", "pension")) < 0.5
    records = RegistryRecord.objects.filter(registry="special-records", kind="record")
    convicted = sum(1 for data in records.values_list("data", flat=True) if data["convictions"])
    assert convicted < 0.05 * CITIZENS
    accounts = RegistryRecord.objects.filter(registry="tax-authority", kind="account").values_list(
        "data", flat=True
    )
    debtors = sum(1 for data in accounts if any(c["paid_on"] is None for c in data["charges"]))
    assert 0 < debtors < 0.3 * CITIZENS  # unpaid includes charges not yet due; real debtors are fewer


def test_the_demo_citizen_who_signs_in_has_rich_records_the_registries_answer(demo):
    subject = demo_citizen_national_id()
    found = {
        b.handler for b in BUILTIN_SERVICES if call(b.handler, RegistryRequest(subject=subject)).status == 200
    }
    for handler in (
        "civil-registry.person",
        "civil-registry.birth",
        "civil-registry.marriage",
        "address-registry.registered-address",
        "property-registry.titles",
        "property-registry.encumbrances",
        "land-cadastre.parcels",
        "business-registry.companies",
        "vehicle-registry.vehicles",
        "vehicle-registry.driving-licence",
        "tax-authority.no-debt",
        "social-insurance.contributions",
        "social-insurance.family",
        "special-records.criminal-record",
        "education-registry.diplomas",
        "health-registry.attachment",
    ):
        assert handler in found, handler
    debt = call("tax-authority.no-debt", RegistryRequest(subject=subject)).data
    assert debt["has_debt"] is False
    assert call("civil-registry.marriage", RegistryRequest(subject=subject)).data["married"] is True


def test_registry_records_are_the_same_for_the_same_seed_and_day():
    country = build_country(seed=7, citizens=150)
    first = build_registry_records(country, today=date(2026, 3, 1))
    second = build_registry_records(build_country(seed=7, citizens=150), today=date(2026, 3, 1))
    assert first == second
    other = build_registry_records(build_country(seed=8, citizens=150), today=date(2026, 3, 1))
    assert first != other
    national_ids = {c.national_id for c in country.citizens}
    relatives = {
        r.data["spouse"]["national_id"] for r in first if r.kind == "marriage"
    } - national_ids  # spouses who are not demo citizens have IDs of their own
    for national_id in relatives:
        assert validate_national_id(national_id, country="KZ") == national_id
