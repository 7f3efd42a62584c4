"""The built-in reference registries: what each answers when it holds a record, holds nothing, or is
asked badly, and that every answer matches the OpenAPI description the directory publishes."""

from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema
import pytest
import time_machine
from drf_spectacular.validation import validate_schema

from onestop.demo.data.reference import EVIDENCE_TYPES
from onestop.exchange import registries
from onestop.exchange.registries import RegistryRequest, RegistryResponse
from onestop.exchange.registries.catalogue import BUILTIN_SERVICES, MEMBER_CLASS
from tests.factories.exchange import RegistryRecordFactory
from tests.factories.people import valid_national_id

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
HANDLERS = sorted(b.handler for b in BUILTIN_SERVICES)
BY_HANDLER = {b.handler: b for b in BUILTIN_SERVICES}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel("2026-03-10 12:00:00+05:00", tick=False):
        yield


@pytest.fixture
def nid() -> str:
    return valid_national_id(41)[0]


def ask(handler: str, subject: str, method: str = "GET", path: str = "", **params: str) -> RegistryResponse:
    response = registries.call(
        handler, RegistryRequest(subject=subject, method=method, path=path, params=params)
    )
    _conforms(handler, response)
    return response


def _conforms(handler: str, response: RegistryResponse) -> None:
    """The answer is what the service's published OpenAPI description says it is."""
    described = BY_HANDLER[handler].openapi["paths"]["/"]["get"]["responses"][str(response.status)]
    schema = described["content"]["application/json"]["schema"]
    jsonschema.validate(response.data, schema, cls=jsonschema.Draft202012Validator)


def record(registry: str, kind: str, subject: str, data: dict[str, Any], **validity: date | None) -> None:
    RegistryRecordFactory(registry=registry, kind=kind, subject=subject, data=data, **validity)


def ref(national_id: str | None, name: str, born: str | None = "1980-01-01") -> dict[str, Any]:
    return {"national_id": national_id, "full_name": name, "date_of_birth": born}


# --- Every registry function alike -----------------------------------------------------------


def test_every_evidence_service_of_the_demo_catalogue_is_built_in():
    offered = {f"{MEMBER_CLASS}/{b.member_code}/{b.subsystem}/{b.service_code}" for b in BUILTIN_SERVICES}
    wanted = {e.exchange_service for e in EVIDENCE_TYPES if e.exchange_service}
    assert wanted <= offered
    assert set(HANDLERS) <= set(registries.handler_names())
    assert len({(b.subsystem, b.service_code) for b in BUILTIN_SERVICES}) == len(BUILTIN_SERVICES)


@pytest.mark.parametrize("service", BUILTIN_SERVICES, ids=lambda b: b.service_code)
def test_every_built_in_service_publishes_a_valid_openapi_description_in_four_languages(service):
    validate_schema(service.openapi)
    assert set(service.name) == {"en", "ru", "kk", "ka"} and all(service.name.values())
    assert service.description


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_person_the_registry_knows_nothing_about_is_a_404_in_one_query(
    handler, nid, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = ask(handler, nid)
    assert (response.status, response.data) == (404, {"found": False})


@pytest.mark.parametrize("handler", HANDLERS)
@pytest.mark.parametrize(
    ("subject", "method", "path", "params", "parameter"),
    [
        ("", "GET", "", {}, "subject"),
        ("12345", "GET", "", {}, "subject"),
        ("valid", "GET", "", {"colour": "red"}, "colour"),
        ("valid", "POST", "", {}, None),
        ("valid", "GET", "/more", {}, None),
    ],
    ids=["no-subject", "invalid-subject", "unknown-parameter", "post", "sub-path"],
)
def test_a_malformed_question_is_a_400_naming_what_is_wrong_without_a_query(
    handler, subject, method, path, params, parameter, nid, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = ask(handler, nid if subject == "valid" else subject, method, path, **params)
    assert response.status == 400
    assert response.data["found"] is False and response.data["message"]
    assert response.data.get("parameter") == parameter


# --- Civil registry --------------------------------------------------------------------------


def test_person_answers_the_documented_fields_only(nid):
    person = {
        "national_id": nid,
        "given_name": "Ғалым",
        "family_name": "Тұрсынов",
        "patronymic": "Айбекұлы",
        "sex": "M",
        "date_of_birth": "1983-07-26",
        "place_of_birth": "город Тасбулак",
        "citizenship": "KZ",
        "marital_status": "married",
        "status": "living",
        "date_of_death": None,
        "internal_note": "never leaves the registry",
    }
    record("civil-registry", "person", nid, person)
    response = ask("civil-registry.person", nid)
    assert response.status == 200
    assert response.data["found"] is True
    assert response.data["person"]["family_name"] == "Тұрсынов"
    assert "internal_note" not in response.data["person"]


def _birth(relation: str, child_id: str, name: str) -> dict[str, Any]:
    return {
        "relation": relation,
        "record_number": "1983-000123",
        "registered_on": "1983-08-01",
        "registry_office": "Отдел ЗАГС, город Тасбулак",
        "child": {**ref(child_id, name), "sex": "F", "place_of_birth": "город Тасбулак"},
        "mother": ref(None, "Мать"),
        "father": None,
    }


def test_births_cover_the_person_and_their_children_and_filter_by_relation(nid):
    child = valid_national_id(42)[0]
    record("civil-registry", "birth", nid, _birth("self", nid, "Self"))
    record("civil-registry", "birth", nid, _birth("child", child, "Daughter"))
    assert [b["relation"] for b in ask("civil-registry.birth", nid).data["births"]] == ["self", "child"]
    only = ask("civil-registry.birth", nid, relation="child").data["births"]
    assert [b["child"]["national_id"] for b in only] == [child]
    assert ask("civil-registry.birth", nid, relation="cousin").status == 400


def test_a_person_whose_only_births_are_filtered_out_is_a_404(nid):
    record("civil-registry", "birth", nid, _birth("self", nid, "Self"))
    assert ask("civil-registry.birth", nid, relation="child").status == 404


def test_marriages_say_whether_one_is_in_force(nid):
    spouse = valid_national_id(43)[0]
    marriage = {
        "record_number": "2005-000001",
        "registered_on": "2005-06-01",
        "registry_office": "Отдел ЗАГС, город Коктерек",
        "spouse": ref(spouse, "Супруга"),
        "status": "dissolved",
        "dissolved_on": "2010-01-01",
    }
    record("civil-registry", "marriage", nid, marriage)
    assert ask("civil-registry.marriage", nid).data["married"] is False
    record("civil-registry", "marriage", nid, {**marriage, "status": "registered", "dissolved_on": None})
    answer = ask("civil-registry.marriage", nid).data
    assert answer["married"] is True and len(answer["marriages"]) == 2


def test_deaths_of_relatives_filter_by_relation(nid):
    deceased = {
        **ref(valid_national_id(44)[0], "Отец", "1950-01-01"),
        "date_of_death": "2025-12-01",
        "place_of_death": "X",
    }
    base = {
        "record_number": "2025-1",
        "registered_on": "2025-12-02",
        "registry_office": "ЗАГС",
        "deceased": deceased,
    }
    record("civil-registry", "death", nid, {"relation": "parent", **base})
    assert ask("civil-registry.death", nid).data["deaths"][0]["relation"] == "parent"
    assert ask("civil-registry.death", nid, relation="spouse").status == 404
    assert ask("civil-registry.death", nid, relation="uncle").status == 400


# --- Address registry ------------------------------------------------------------------------


ADDRESS = {
    "kind": "permanent",
    "region": "город Коктерек",
    "locality": "Байтерекский район",
    "street": "ул. Абая",
    "house": "12",
    "flat": "5",
    "postcode": "010000",
}


def test_address_gives_the_registration_in_force_and_the_earlier_ones(nid):
    record(
        "address-registry",
        "address",
        nid,
        ADDRESS,
        valid_from=date(2010, 1, 1),
        valid_until=date(2019, 12, 31),
    )
    record("address-registry", "address", nid, {**ADDRESS, "house": "40"}, valid_from=date(2020, 1, 1))
    answer = ask("address-registry.registered-address", nid).data
    assert answer["address"]["house"] == "40" and answer["address"]["registered_on"] == "2020-01-01"
    assert [(p["house"], p["deregistered_on"]) for p in answer["previous"]] == [("12", "2019-12-31")]


def test_a_deregistered_person_has_no_address_in_force_but_keeps_the_history(nid):
    record(
        "address-registry", "address", nid, ADDRESS, valid_from=date(2010, 1, 1), valid_until=date(2025, 1, 1)
    )
    answer = ask("address-registry.registered-address", nid).data
    assert answer["address"] is None and len(answer["previous"]) == 1


# --- Real estate and land ---------------------------------------------------------------------


def _title(number: str, encumbrances: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cadastral_number": number,
        "kind": "apartment",
        "address": "город Коктерек, ул. Абая, д. 1, кв. 2",
        "area_m2": 64.5,
        "share": "1/1",
        "registered_on": "2015-05-24",
        "basis": "purchase",
        "encumbrances": encumbrances,
    }


MORTGAGE = {"kind": "mortgage", "holder": "Bank", "registered_on": "2015-05-24", "until": "2035-05-24"}
OLD_LEASE = {"kind": "lease", "holder": "Tenant", "registered_on": "2016-01-01", "until": "2020-01-01"}


def test_titles_leave_out_sold_property_and_say_which_are_encumbered(nid):
    record("property-registry", "title", nid, _title("01-1", [MORTGAGE]), valid_from=date(2015, 5, 24))
    record("property-registry", "title", nid, _title("01-2", [OLD_LEASE]), valid_from=date(2015, 5, 24))
    record(
        "property-registry",
        "title",
        nid,
        _title("01-3", []),
        valid_from=date(2001, 1, 1),
        valid_until=date(2012, 1, 1),
    )
    titles = ask("property-registry.titles", nid).data["titles"]
    assert [(t["cadastral_number"], t["encumbered"]) for t in titles] == [("01-1", True), ("01-2", False)]


def test_encumbrances_list_those_in_force_and_an_unencumbered_property_is_a_useful_200(nid):
    record("property-registry", "title", nid, _title("01-2", [OLD_LEASE]))
    answer = ask("property-registry.encumbrances", nid)
    assert answer.status == 200
    assert answer.data["encumbered"] is False and answer.data["properties"][0]["encumbrances"] == []
    record("property-registry", "title", nid, _title("01-1", [MORTGAGE, OLD_LEASE]))
    answer = ask("property-registry.encumbrances", nid).data
    assert answer["encumbered"] is True
    assert answer["properties"][1]["encumbrances"] == [MORTGAGE]


def test_parcels(nid):
    parcel = {
        "cadastral_number": "02-1",
        "locality": "Коктальский район",
        "area_ha": 0.1,
        "purpose": "gardening",
        "right": "lease",
        "registered_on": "2010-01-01",
        "lease_until": "2035-01-01",
    }
    record("land-cadastre", "parcel", nid, parcel)
    assert ask("land-cadastre.parcels", nid).data["parcels"] == [parcel]


# --- Business and vehicles -------------------------------------------------------------------


def _company(name: str, status: str) -> dict[str, Any]:
    return {
        "registration_number": "070840012345",
        "name": name,
        "legal_form": "LLP",
        "registered_on": "2007-08-29",
        "status": status,
        "address": "город Коктерек",
        "activity": "строительство",
        "roles": ["founder", "director"],
        "share_percent": 50.0,
    }


def test_companies_can_be_limited_to_active_ones(nid):
    record("business-registry", "company", nid, _company("ТОО «A»", "active"))
    record("business-registry", "company", nid, _company("ТОО «B»", "liquidated"))
    assert len(ask("business-registry.companies", nid).data["companies"]) == 2
    active = ask("business-registry.companies", nid, status="active").data["companies"]
    assert [c["name"] for c in active] == ["ТОО «A»"]
    assert ask("business-registry.companies", nid, status="sleeping").status == 400


def _vehicle(plate: str) -> dict[str, Any]:
    return {
        "plate": plate,
        "vin": "RT6MDTEBT6S4KETFL",
        "make": "Toyota",
        "model": "Camry",
        "year": 2021,
        "colour": "белый",
        "category": "B",
        "registered_on": "2021-04-05",
        "certificate_number": "AA 00000001",
    }


def test_vehicles_leave_out_those_sold(nid):
    record("vehicle-registry", "vehicle", nid, _vehicle("290XEO04"), valid_from=date(2021, 4, 5))
    record(
        "vehicle-registry",
        "vehicle",
        nid,
        _vehicle("111AAA01"),
        valid_from=date(2012, 1, 1),
        valid_until=date(2020, 1, 1),
    )
    assert [v["plate"] for v in ask("vehicle-registry.vehicles", nid).data["vehicles"]] == ["290XEO04"]


@pytest.mark.parametrize(
    ("issued", "until", "suspended", "status"),
    [
        ("2020-01-01", "2030-01-01", False, "valid"),
        ("2014-01-01", "2024-01-01", False, "expired"),
        ("2020-01-01", "2030-01-01", True, "suspended"),
    ],
)
def test_driving_licence_status_is_worked_out_today(nid, issued, until, suspended, status):
    licence = {
        "number": "AB123456",
        "categories": ["B"],
        "issued_on": issued,
        "valid_until": until,
        "suspended": suspended,
    }
    record("vehicle-registry", "driving-licence", nid, licence)
    assert ask("vehicle-registry.driving-licence", nid).data["licence"]["status"] == status


def test_driving_licence_answers_the_latest_one(nid):
    old = {
        "number": "OLD",
        "categories": ["B"],
        "issued_on": "2010-01-01",
        "valid_until": "2020-01-01",
        "suspended": False,
    }
    record(
        "vehicle-registry",
        "driving-licence",
        nid,
        {**old, "number": "NEW", "issued_on": "2020-02-01", "valid_until": "2030-02-01"},
    )
    record("vehicle-registry", "driving-licence", nid, old)
    assert ask("vehicle-registry.driving-licence", nid).data["licence"]["number"] == "NEW"


# --- Tax ---------------------------------------------------------------------------------------


def _charge(period: str, amount: str, paid: str | None) -> dict[str, Any]:
    return {
        "tax": "property",
        "period": period,
        "amount": amount,
        "due_on": f"{int(period) + 1}-10-01",
        "paid_on": paid,
    }


@pytest.fixture
def tax_account(nid):
    charges = [
        _charge("2023", "12500.00", "2024-09-01"),  # paid on time
        _charge("2024", "13000.00", "2025-11-20"),  # paid late: a debt from 2 Oct to 19 Nov 2025
        _charge("2024", "2000.50", None),  # never paid
        _charge("2025", "14000.00", None),  # not due before 1 October 2026
    ]
    record(
        "tax-authority",
        "account",
        nid,
        {"tax_office": "УГД", "registered_on": "2000-01-01", "currency": "KZT", "charges": charges},
    )


def test_no_debt_status_is_computed_from_the_tax_account_as_of_today(nid, tax_account):
    answer = ask("tax-authority.no-debt", nid).data
    assert answer["as_of"] == "2026-03-10"
    assert answer["has_debt"] is True
    assert answer["debt_total"] == "2000.50"
    assert answer["currency"] == "KZT"
    assert [(c["period"], c["amount"]) for c in answer["overdue"]] == [("2024", "2000.50")]


def test_no_debt_status_as_of_an_earlier_day_counts_what_was_unpaid_then(nid, tax_account):
    answer = ask("tax-authority.no-debt", nid, as_of="2025-11-01").data
    assert answer["debt_total"] == "15000.50"
    assert ask("tax-authority.no-debt", nid, as_of="2025-09-30").data["has_debt"] is False


@pytest.mark.parametrize("as_of", ["2027-01-01", "yesterday", "2026-02-30"])
def test_no_debt_status_refuses_a_future_or_malformed_day(nid, tax_account, as_of):
    response = ask("tax-authority.no-debt", nid, as_of=as_of)
    assert (response.status, response.data["parameter"]) == (400, "as_of")


# --- Social insurance -------------------------------------------------------------------------


def _month(period: str, income: str, amount: str) -> dict[str, Any]:
    return {
        "period": period,
        "employer": "АО «Казпочта»",
        "employer_number": "960748166469",
        "income": income,
        "amount": amount,
    }


def test_contributions_between_two_months_with_totals(nid):
    months = [
        _month("2025-11", "500000.00", "50000.00"),
        _month("2025-12", "510000.00", "51000.00"),
        _month("2026-01", "520000.00", "52000.00"),
    ]
    record("social-insurance", "contributions", nid, {"currency": "KZT", "months": months})
    answer = ask("social-insurance.contributions", nid, **{"from": "2025-12", "to": "2026-01"}).data
    assert [m["period"] for m in answer["months"]] == ["2025-12", "2026-01"]
    assert (answer["total_income"], answer["total_contributions"]) == ("1030000.00", "103000.00")
    assert ask("social-insurance.contributions", nid, **{"from": "2025-13"}).status == 400
    assert ask("social-insurance.contributions", nid, **{"from": "2026-01", "to": "2025-12"}).status == 400


def test_pension_status(nid):
    pension = {"kind": "age", "awarded_on": "2024-06-30", "monthly_amount": "120000.00", "currency": "KZT"}
    record("social-insurance", "pension", nid, pension)
    assert ask("social-insurance.pension-status", nid).data == {
        "found": True,
        "pensioner": True,
        "pension": pension,
    }


@pytest.mark.parametrize(
    ("review_on", "permanent", "in_force"),
    [(None, True, True), ("2026-09-01", False, True), ("2026-01-01", False, False)],
)
def test_disability_status_says_whether_it_is_still_in_force(nid, review_on, permanent, in_force):
    disability = {
        "group": "II",
        "cause": "general-illness",
        "established_on": "2020-01-01",
        "review_on": review_on,
    }
    record("social-insurance", "disability", nid, disability)
    answer = ask("social-insurance.disability-status", nid).data["disability"]
    assert (answer["permanent"], answer["in_force"]) == (permanent, in_force)


def test_family_counts_the_household_and_the_children_under_18(nid):
    members = [
        {"relation": "spouse", **ref(valid_national_id(45)[0], "Spouse", "1982-01-01")},
        {"relation": "child", **ref(valid_national_id(46)[0], "Teen", "2008-03-11")},  # 17 until tomorrow
        {"relation": "child", **ref(valid_national_id(47)[0], "Student", "2006-01-01")},
    ]
    record("social-insurance", "family", nid, {"members": members})
    answer = ask("social-insurance.family", nid).data
    assert (answer["household_size"], answer["children_under_18"]) == (4, 1)


def test_a_person_living_alone_has_a_household_of_one(nid):
    record("social-insurance", "family", nid, {"members": []})
    assert ask("social-insurance.family", nid).data["household_size"] == 1


# --- Special records, education, health -------------------------------------------------------


def _conviction(expunged: bool) -> dict[str, Any]:
    return {
        "article": "ст. 188 УК",
        "court": "Районный суд",
        "sentenced_on": "2010-05-01",
        "sentence": "штраф",
        "expunged": expunged,
    }


@pytest.mark.parametrize(
    ("convictions", "clean"),
    [([], True), ([_conviction(True)], True), ([_conviction(True), _conviction(False)], False)],
    ids=["none", "expunged", "standing"],
)
def test_a_clean_criminal_record_is_a_200_saying_so(nid, convictions, clean):
    record("special-records", "record", nid, {"convictions": convictions})
    answer = ask("special-records.criminal-record", nid)
    assert answer.status == 200
    assert answer.data["clean"] is clean and answer.data["checked_on"] == "2026-03-10"


def test_diplomas_come_lowest_level_first(nid):
    def diploma(level: str, year: int) -> dict[str, Any]:
        return {
            "level": level,
            "institution": "X",
            "speciality": None,
            "document_number": "N",
            "graduated_on": f"{year}-06-20",
            "honours": False,
        }

    for level, year in (("master", 2006), ("secondary", 2000), ("bachelor", 2004)):
        record("education-registry", "diploma", nid, diploma(level, year))
    levels = [d["level"] for d in ask("education-registry.diplomas", nid).data["diplomas"]]
    assert levels == ["secondary", "bachelor", "master"]


def test_clinic_attachment_in_force_today(nid):
    clinic = {
        "clinic": "Городская поликлиника №3",
        "clinic_code": "01003",
        "address": "ул. Абая, 1",
        "area": "12",
    }
    record(
        "health-registry",
        "attachment",
        nid,
        {**clinic, "clinic": "Old"},
        valid_from=date(2010, 1, 1),
        valid_until=date(2019, 1, 1),
    )
    assert ask("health-registry.attachment", nid).status == 404
    record("health-registry", "attachment", nid, clinic, valid_from=date(2019, 1, 2))
    answer = ask("health-registry.attachment", nid).data["attachment"]
    assert (answer["clinic"], answer["attached_on"]) == ("Городская поликлиника №3", "2019-01-02")


def test_birth_and_death_notices(nid):
    child = {"sex": "F", "date_of_birth": "2026-01-05", "weight_g": 3400, "length_cm": 52}
    record(
        "health-registry",
        "birth-notice",
        nid,
        {
            "notice_number": "МСР-1",
            "issued_on": "2026-01-05",
            "facility": "Перинатальный центр",
            "child": child,
        },
    )
    assert ask("health-registry.birth-notice", nid).data["notices"][0]["child"] == child
    deceased = {
        **ref(valid_national_id(48)[0], "Отец", "1950-01-01"),
        "date_of_death": "2026-02-01",
        "place_of_death": "X",
    }
    notice = {
        "notice_number": "СМ-1",
        "issued_on": "2026-02-01",
        "issued_by": "Больница",
        "relation": "parent",
        "deceased": deceased,
    }
    record("health-registry", "death-notice", nid, notice)
    assert ask("health-registry.death-notice", nid).data["notices"] == [notice]
