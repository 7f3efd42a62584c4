"""The exchange's reads for people: the citizen's data tracker rows from the exchange log, and the
readable preview (with provenance) of a registry's answer attached as evidence."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from onestop.cases.models import Application, Document, EvidenceItem
from onestop.catalog.models import Agency, EvidenceType, Service
from onestop.centres.models import Centre
from onestop.exchange import directory
from onestop.exchange.log import LogRecord, exchange_log_append
from onestop.exchange.models import ExchangeLogEntry, RegistryRecord
from onestop.exchange.selectors import (
    FAILED,
    NOT_FOUND,
    PROVIDED,
    REFUSED,
    AnswerEntry,
    DataAccess,
    FetchedRecord,
    answer_entries,
    data_access_agencies,
    data_accesses,
    fetched_records,
    humanise_key,
)
from onestop.people.models import Citizen, Role, User
from tests.factories.catalog import AgencyFactory
from tests.factories.exchange import DataServiceFactory, MemberFactory, PurposeFactory
from tests.factories.people import CitizenFactory

pytestmark = pytest.mark.django_db


class Directory:
    def __init__(self) -> None:
        self.civil_agency = AgencyFactory(code="civil-registry", name="Civil Registry Office", name_ru="ЗАГС")
        self.migration = AgencyFactory(
            code="migration", name="Migration Service", name_ru="Миграционная служба"
        )
        self.tax = AgencyFactory(code="tax", name="Tax Authority")
        self.civil = MemberFactory(
            member_code="CIVREG",
            subsystem_code="civil-registry",
            agency=self.civil_agency,
            name="Civil registry",
        )
        self.migration_client = MemberFactory(
            member_code="MIGRATION",
            subsystem_code="back-office",
            agency=self.migration,
            name="Migration back office",
        )
        self.tax_client = MemberFactory(
            member_code="TAX", subsystem_code="back-office", agency=self.tax, name="Tax back office"
        )
        self.person = DataServiceFactory(
            provider=self.civil,
            service_code="person-v1",
            name="Personal data",
            name_ru="Персональные данные",
            owner=self.civil_agency,
        )
        self.purpose = PurposeFactory(name_ru="Оказание госуслуги")


@pytest.fixture
def exchange_directory() -> Directory:
    built = Directory()
    directory.reset()
    return built


SUBJECT = "900101300123"


def log(
    d: Directory,
    *,
    subject: str = SUBJECT,
    side: str = "provider",
    client: str | None = None,
    service: str | None = None,
    status: int = 200,
    error_type: str = "",
    at: datetime | None = None,
    x_road_id: str | None = None,
    issue: str = "OS-260101-AAAAAA",
    purpose: str = "service-delivery",
    user_id: str = "KZ-STAFF-17",
    link: bool = True,
) -> ExchangeLogEntry:
    client_member = d.migration_client if client is None else None
    data_service = d.person if service is None else None
    return exchange_log_append(
        LogRecord(
            side=side,
            logged_by=d.civil.identifier if side == "provider" else (client or d.migration_client.identifier),
            x_road_id=x_road_id or str(uuid.uuid4()),
            request_id=str(uuid.uuid4()),
            client=client or d.migration_client.identifier,
            service=service or d.person.identifier,
            method="GET",
            path="/r1/DEV/GOV/CIVREG/civil-registry/person-v1",
            status=status,
            request_hash="hash",
            latency_ms=3.2,
            started_at=at or timezone.now(),
            client_member_id=client_member.pk if (client_member and link) else None,
            data_service_id=data_service.pk if (data_service and link) else None,
            user_id=user_id,
            issue=issue,
            purpose=purpose,
            subject=subject,
            error_type=error_type,
        )
    )


def test_tracker_rows_name_agency_data_purpose_and_case_never_the_employee(exchange_directory):
    log(exchange_directory, issue="OS-260101-K7M2QP", user_id="KZ-STAFF-17")

    (row,) = data_accesses(SUBJECT)

    assert row.agency == "Migration Service"
    assert row.data == "Personal data"
    assert row.holder == "Civil Registry Office"
    assert row.purpose == "Delivering a public service the person applied for"
    assert row.issue == "OS-260101-K7M2QP"
    assert row.outcome == PROVIDED
    assert row.outcome_label == "Data provided"
    # No field of a tracker row can carry who at the agency looked.
    assert {f.name for f in fields(DataAccess)} == {
        "at",
        "agency",
        "data",
        "holder",
        "purpose",
        "issue",
        "outcome",
        "reference",
    }
    assert "STAFF" not in repr(row)


def test_tracker_shows_only_the_subjects_rows_newest_first(exchange_directory):
    now = timezone.now()
    older = log(exchange_directory, at=now - timedelta(days=2))
    newer = log(exchange_directory, at=now - timedelta(hours=1))
    log(exchange_directory, subject="850505400456")

    rows = data_accesses(SUBJECT)

    assert [r.reference for r in rows] == [newer.x_road_id, older.x_road_id]
    assert data_accesses(SUBJECT, limit=1)[0].reference == newer.x_road_id


def test_an_empty_subject_never_matches_the_rows_logged_without_one(exchange_directory):
    log(exchange_directory, subject="")
    assert data_accesses("") == []
    assert data_access_agencies("") == []


def test_an_exchange_logged_by_both_sides_is_shown_once_as_the_provider_saw_it(exchange_directory):
    x_road_id = str(uuid.uuid4())
    log(exchange_directory, side="client", x_road_id=x_road_id, status=200)
    provider = log(exchange_directory, side="provider", x_road_id=x_road_id, status=404)
    remote_only = log(exchange_directory, side="client")  # a remote provider: only our side logged it

    rows = data_accesses(SUBJECT)

    assert sorted(r.reference for r in rows) == sorted([provider.x_road_id, remote_only.x_road_id])
    assert next(r for r in rows if r.reference == x_road_id).outcome == NOT_FOUND


@pytest.mark.parametrize(
    ("status", "error_type", "outcome"),
    [
        (200, "", PROVIDED),
        (404, "", NOT_FOUND),
        (403, "Server.ServerProxy.AccessDenied", REFUSED),
        (400, "Client.BadRequest", REFUSED),
        (404, "Server.ServerProxy.UnknownService", REFUSED),
        (502, "Server.ServerProxy.ServiceFailed", FAILED),
        (504, "Server.ServerProxy.ServiceFailed.Timeout", FAILED),
    ],
)
def test_outcome_says_whether_the_data_went_out(exchange_directory, status, error_type, outcome):
    log(exchange_directory, status=status, error_type=error_type)
    assert data_accesses(SUBJECT)[0].outcome == outcome


def test_names_follow_the_readers_language(exchange_directory):
    log(exchange_directory)
    with translation.override("ru"):
        (row,) = data_accesses(SUBJECT)
    assert (row.agency, row.data, row.holder, row.purpose) == (
        "Миграционная служба",
        "Персональные данные",
        "ЗАГС",
        "Оказание госуслуги",
    )


def test_rows_logged_without_directory_links_are_named_from_the_directory(exchange_directory):
    log(exchange_directory, link=False)
    (row,) = data_accesses(SUBJECT)
    assert (row.agency, row.data, row.holder) == (
        "Migration Service",
        "Personal data",
        "Civil Registry Office",
    )


def test_a_refused_caller_unknown_to_the_directory_is_named_by_its_identifier(exchange_directory):
    log(
        exchange_directory,
        client="DEV/GOV/NOBODY/scraper",
        status=403,
        error_type="Server.ServerProxy.AccessDenied",
        issue="",
        purpose="",
    )
    (row,) = data_accesses(SUBJECT)
    assert row.agency == "An unknown system (DEV/GOV/NOBODY/scraper)"
    assert row.outcome == REFUSED
    assert row.purpose == ""


def test_tracker_reads_rows_in_one_query_plus_the_purposes_whatever_their_number(
    exchange_directory, django_assert_num_queries
):
    directory.snapshot()  # the per-process directory is loaded once per process, not per request
    log(exchange_directory)
    with django_assert_num_queries(2):
        assert len(data_accesses(SUBJECT)) == 1
    for _ in range(30):
        log(exchange_directory)
    with django_assert_num_queries(2):
        assert len(data_accesses(SUBJECT)) == 31
    # Rows logged without their directory links cost one query per kind of name, not one per row.
    for _ in range(5):
        log(exchange_directory, client=exchange_directory.tax_client.identifier, link=False)
    with django_assert_num_queries(4):
        rows = data_accesses(SUBJECT)
    assert len(rows) == 36
    assert {r.agency for r in rows} == {"Migration Service", "Tax Authority"}


def test_date_range_is_inclusive_of_whole_local_days(exchange_directory):
    day = date(2026, 3, 10)

    def at(d: date, hour: int, minute: int = 0) -> datetime:
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=timezone.get_current_timezone())

    before = log(exchange_directory, at=at(day - timedelta(days=1), 23, 59))
    first = log(exchange_directory, at=at(day, 0, 0))
    last = log(exchange_directory, at=at(day + timedelta(days=1), 23, 59))
    after = log(exchange_directory, at=at(day + timedelta(days=2), 0, 0))

    rows = data_accesses(SUBJECT, date_from=day, date_to=day + timedelta(days=1))

    assert {r.reference for r in rows} == {first.x_road_id, last.x_road_id}
    assert before.x_road_id not in {r.reference for r in data_accesses(SUBJECT, date_from=day)}
    assert after.x_road_id not in {
        r.reference for r in data_accesses(SUBJECT, date_to=day + timedelta(days=1))
    }


def test_agency_filter_keeps_the_calls_of_that_agencys_subsystems(exchange_directory):
    migration = log(exchange_directory)
    tax = log(exchange_directory, client=exchange_directory.tax_client.identifier, link=False)

    assert [r.reference for r in data_accesses(SUBJECT, agency_code="tax")] == [tax.x_road_id]
    assert [r.reference for r in data_accesses(SUBJECT, agency_code="migration")] == [migration.x_road_id]
    assert data_accesses(SUBJECT, agency_code="no-such-agency") == []
    assert [a.code for a in data_access_agencies(SUBJECT)] == ["migration", "tax"]


# --- The preview of a registry's answer -------------------------------------------------------------


def test_keys_are_humanised_and_known_ones_translated():
    assert humanise_key("date_of_birth") == "Date of birth"
    assert humanise_key("placeOfBirth") == "Place of birth"
    assert humanise_key("engine-volume") == "Engine volume"
    with translation.override("en"):
        assert humanise_key("national_id") == "National ID"


def test_answer_becomes_fields_with_nested_groups_and_lists_never_raw_json():
    entries = answer_entries(
        {
            "found": True,
            "given_name": "Dana",
            "date_of_birth": "1990-01-01",
            "married": False,
            "middle_name": None,
            "address": {"locality": "Almaty", "street": "Abay avenue"},
            "children": [{"given_name": "Aru", "date_of_birth": "2015-05-05"}],
            "phones": ["+7701", "+7702"],
            "vehicles": [],
        }
    )

    by_label = {entry.label: entry for entry in entries}
    assert "Found" not in by_label  # the registry's own flag says nothing to a reader
    assert by_label["Given name"].value == "Dana"
    assert by_label["Date of birth"].value == "1 January 1990"
    assert by_label["Married"].value == "No"
    assert by_label["Middle name"].value == "—"
    assert by_label["Address"].entries == (
        AnswerEntry("Locality", value="Almaty"),
        AnswerEntry("Street", value="Abay avenue"),
    )
    (child,) = by_label["Children"].items
    assert [e.label for e in child.entries] == ["Given name", "Date of birth"]
    assert [item.value for item in by_label["Phones"].items] == ["+7701", "+7702"]
    assert by_label["Vehicles"].value == "None"


def test_deeply_nested_answers_are_cut_not_dumped():
    deep: dict = {"level": "bottom"}
    for _ in range(8):
        deep = {"inner": deep}
    entries = answer_entries(deep)
    depth = 0
    entry = entries[0]
    while entry.entries:
        entry = entry.entries[0]
        depth += 1
    assert entry.value == "…"
    assert depth <= 5


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _document(provenance: dict, content: bytes) -> Document:
    from tests.factories.cases import ApplicationFactory

    document = Document(
        application=ApplicationFactory(citizen=CitizenFactory()),
        source=Document.Source.REGISTRY,
        original_name="person-record.json",
        content_type="application/json",
        size=len(content),
        sha256="0" * 64,
        uploaded_at=timezone.now(),
        provenance=provenance,
    )
    document.file.save("person-record.json", ContentFile(content), save=False)
    document.save()
    return document


def test_fetched_record_has_provenance_in_the_readers_language_and_a_readable_answer(
    exchange_directory, media, django_assert_num_queries
):
    fetched_at = timezone.now().replace(microsecond=0)
    document = _document(
        {
            "agency": "civil-registry",
            "agency_name": "Civil Registry Office",
            "member": exchange_directory.civil.identifier,
            "service": exchange_directory.person.identifier,
            "service_name": "Personal data",
            "x_road_id": "x-1",
            "request_id": "r-1",
            "request_hash": "h",
            "fetched_at": fetched_at.isoformat(),
        },
        json.dumps({"given_name": "Dana", "family_name": "Abenova"}).encode(),
    )

    with translation.override("ru"), django_assert_num_queries(2):
        record = fetched_records([document])[document.pk]

    assert record.agency_name == "ЗАГС"
    assert record.service_name == "Персональные данные"
    assert record.fetched_at == fetched_at
    assert (record.request_id, record.x_road_id) == ("r-1", "x-1")
    assert record.entries is not None
    assert [(str(e.label), e.value) for e in record.entries] == [
        ("Имя", "Dana"),
        ("Фамилия", "Abenova"),
    ]


def test_fetched_record_falls_back_to_stored_names_and_survives_an_unreadable_answer(media):
    document = _document(
        {
            "agency": "gone",
            "agency_name": "Old Registry",
            "service": "DEV/GOV/X/y/z",
            "service_name": "Old data",
        },
        b"\x89PNG not json",
    )
    record = fetched_records([document])[document.pk]
    assert (record.agency_name, record.service_name) == ("Old Registry", "Old data")
    assert record.fetched_at is None
    assert record.entries is None

    document.file.delete(save=False)
    assert fetched_records([document])[document.pk].entries is None


# --- The evidence include, in each state ----------------------------------------------------------


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


# --- The pages, with the real civil and address registries ----------------------------------------


@dataclass
class PassportOffice:
    """A migration service whose passport renewal needs the civil registry's person record and the
    address registry's registered address, both fetched through the exchange from the built-in
    registries (``civil-registry.person``, ``address-registry.registered-address``); an optional
    old passport is uploaded. One officer works the cases; one citizen has records in both."""

    agency: Agency
    passport: Service
    person_evidence: EvidenceType
    address_evidence: EvidenceType
    officer: User
    citizen: Citizen
    citizen_user: User


def build_passport_office(*, centre: Centre | None = None) -> PassportOffice:
    from onestop.catalog.models import ServiceFormField
    from tests.factories.cases import OfficerProfileFactory, ServiceFormFieldFactory
    from tests.factories.catalog import EvidenceTypeFactory, ServiceEvidenceFactory, ServiceFactory
    from tests.factories.exchange import AccessRightFactory, RegistryRecordFactory
    from tests.factories.people import RoleMembershipFactory, UserFactory

    migration = AgencyFactory(code="migration-service", name="Migration Service")
    civil_agency = AgencyFactory(code="civil-registry", name="Civil Registry Office")
    address_agency = AgencyFactory(code="address-registry", name="Address Registry Office")
    back_office = MemberFactory(
        member_code="MIGRATION", subsystem_code="back-office", agency=migration, name="Migration back office"
    )
    civil = MemberFactory(member_code="CIVREG", subsystem_code="civil-registry", agency=civil_agency)
    address = MemberFactory(member_code="ADDR", subsystem_code="address-registry", agency=address_agency)
    person_service = DataServiceFactory(
        provider=civil,
        service_code="person-v1",
        name="Personal data",
        owner=civil_agency,
        handler="civil-registry.person",
    )
    address_service = DataServiceFactory(
        provider=address,
        service_code="registered-address-v1",
        name="Registered address",
        owner=address_agency,
        handler="address-registry.registered-address",
    )
    delivery = PurposeFactory()
    AccessRightFactory(client=back_office, service=person_service, purposes=[delivery])
    AccessRightFactory(client=back_office, service=address_service, purposes=[delivery])

    person_evidence = EvidenceTypeFactory(
        code="person-record",
        name="Personal data from the civil registry",
        exchange_service="GOV/CIVREG/civil-registry/person-v1",
    )
    address_evidence = EvidenceTypeFactory(
        code="registered-address",
        name="Registered address",
        exchange_service="GOV/ADDR/address-registry/registered-address-v1",
    )
    old_document = EvidenceTypeFactory(code="old-document", name="Your current passport")
    passport = ServiceFactory(
        identifier="passport",
        name="Passport for travel abroad",
        agency=migration,
        channels=["counter", "online"],
        statutory_time="P15D",
        statutory_time_unit="calendar",
    )
    ServiceFormFieldFactory(
        service=passport,
        key="issue_reason",
        label="Why do you need a new passport?",
        kind=ServiceFormField.Kind.TEXT,
        position=0,
    )
    ServiceEvidenceFactory(service=passport, evidence_type=person_evidence, position=0)
    ServiceEvidenceFactory(service=passport, evidence_type=address_evidence, position=1)
    ServiceEvidenceFactory(service=passport, evidence_type=old_document, position=2, required=False)
    if centre is not None:
        centre.services.add(passport)

    officer = RoleMembershipFactory(
        user__username="officer_migration", role=Role.OFFICER, agency=migration
    ).user
    OfficerProfileFactory(officer=officer)
    citizen_user = UserFactory(username="aigerim")
    citizen = CitizenFactory(given_name="Aigerim", family_name="Seitkali", user=citizen_user)
    RegistryRecordFactory(
        registry="civil-registry",
        kind="person",
        subject=citizen.national_id,
        data={
            "national_id": citizen.national_id,
            "given_name": "Aigerim",
            "family_name": "Seitkali",
            "patronymic": "",
            "sex": "F",
            "date_of_birth": citizen.date_of_birth.isoformat(),
            "place_of_birth": "Almaty",
            "citizenship": "KZ",
            "marital_status": "married",
            "status": "living",
            "date_of_death": None,
        },
    )
    RegistryRecordFactory(
        registry="address-registry",
        kind="address",
        subject=citizen.national_id,
        valid_from=date(2015, 4, 1),
        data={
            "kind": "permanent",
            "region": "Almaty",
            "locality": "Almaty",
            "street": "Abay avenue",
            "house": "10",
            "flat": "42",
            "postcode": "050000",
        },
    )
    directory.reset()
    return PassportOffice(
        agency=migration,
        passport=passport,
        person_evidence=person_evidence,
        address_evidence=address_evidence,
        officer=officer,
        citizen=citizen,
        citizen_user=citizen_user,
    )


@pytest.fixture
def passport_office(media, settings) -> PassportOffice:
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    return build_passport_office()


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
