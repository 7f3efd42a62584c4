"""The public catalogue API: lists, filters, pagination, detail, language, and 400s for bad input."""

import pytest
from rest_framework.test import APIClient

from onestop.core.problems import PROBLEM_CONTENT_TYPE
from tests.factories.catalog import (
    AgencyFactory,
    EvidenceTypeFactory,
    LegalResourceFactory,
    LifeEventFactory,
    OutputFactory,
    ServiceFactory,
)
from tests.factories.centres import CentreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _identifiers(response):
    return [item["identifier"] for item in response.json()["results"]]


def test_list_shows_only_active_services_most_popular_first(api):
    ServiceFactory(identifier="rare", popularity=1)
    ServiceFactory(identifier="common", popularity=100)
    ServiceFactory(identifier="draft", draft=True, popularity=1000)
    ServiceFactory(identifier="gone", status="withdrawn", popularity=1000)
    response = api.get("/api/v1/services/")
    assert response.status_code == 200
    assert _identifiers(response) == ["common", "rare"]
    assert response.json()["count"] == 2


def test_list_is_public_and_needs_no_login(api):
    ServiceFactory()
    assert api.get("/api/v1/services/").status_code == 200


def test_filter_by_agency_life_event_channel_and_centre(api):
    moj = AgencyFactory(code="moj")
    birth = LifeEventFactory(code="birth")
    a = ServiceFactory(identifier="a", agency=moj, life_events=[birth], online=True)
    b = ServiceFactory(identifier="b", agency=moj)
    ServiceFactory(identifier="c", life_events=[birth])
    CentreFactory(code="ALM-01", services=[a, b])
    assert _identifiers(api.get("/api/v1/services/", {"agency": "moj"})) == ["a", "b"]
    assert _identifiers(api.get("/api/v1/services/", {"life_event": "birth"})) == ["a", "c"]
    assert _identifiers(api.get("/api/v1/services/", {"channel": "online"})) == ["a"]
    assert _identifiers(api.get("/api/v1/services/", {"centre": "ALM-01"})) == ["a", "b"]
    assert _identifiers(
        api.get("/api/v1/services/", {"agency": "moj", "channel": "online", "life_event": "birth"})
    ) == ["a"]


def test_search_finds_russian_words_whatever_the_case(api):
    ServiceFactory(identifier="passport", name="Passport", name_ru="Выдача паспорта")
    ServiceFactory(identifier="other", name="Other")
    assert _identifiers(api.get("/api/v1/services/", {"q": "ПАСПОРТА"})) == ["passport"]


def test_pagination_pages_and_sizes(api):
    for i in range(5):
        ServiceFactory(identifier=f"s{i}", popularity=10 - i)
    response = api.get("/api/v1/services/", {"page": 2, "page_size": 2})
    body = response.json()
    assert body["count"] == 5
    assert _identifiers(response) == ["s2", "s3"]
    assert body["next"] and body["previous"]


def test_page_past_the_end_is_not_found(api):
    ServiceFactory()
    response = api.get("/api/v1/services/", {"page": 9})
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"agency": "nobody"}, "agency"),
        ({"life_event": "nothing"}, "life_event"),
        ({"channel": "pigeon"}, "channel"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"agnecy": "moj"}, "agnecy"),
    ],
)
def test_bad_parameter_is_a_problem_naming_it(api, query, parameter):
    ServiceFactory()
    response = api.get("/api/v1/services/", query)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == "urn:onestop:problem:validation-error"
    assert [error["name"] for error in body["errors"]] == [parameter]


@pytest.mark.parametrize("path", ["/api/v1/agencies/", "/api/v1/life-events/", "/api/v1/evidence-types/"])
@pytest.mark.parametrize(("query", "parameter"), [({"page": "abc"}, "page"), ({"sort": "name"}, "sort")])
def test_reference_lists_reject_bad_parameters(api, path, query, parameter):
    response = api.get(path, query)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert [error["name"] for error in response.json()["errors"]] == [parameter]


def test_all_bad_parameters_are_reported_at_once(api):
    response = api.get("/api/v1/services/", {"channel": "pigeon", "colour": "red"})
    assert sorted(e["name"] for e in response.json()["errors"]) == ["channel", "colour"]


def test_list_query_count_does_not_grow_with_the_page(api, django_assert_max_num_queries):
    for _ in range(15):
        ServiceFactory(online=True, with_fees=True, life_events=[LifeEventFactory()])
    # catalogue version (1) + count + page + prefetches (channels, life events, fees, exemptions)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/services/", {"page_size": 15})
    assert len(response.json()["results"]) == 15


def test_repeated_list_is_served_from_cache_with_only_the_version_check(api, django_assert_max_num_queries):
    for _ in range(5):
        ServiceFactory(with_fees=True)
    first = api.get("/api/v1/services/")
    with django_assert_max_num_queries(1):
        again = api.get("/api/v1/services/")
    assert again.json() == first.json()


def test_an_edited_service_shows_at_once_despite_the_cache(api):
    from onestop.catalog.services import service_update

    service = ServiceFactory(identifier="birth", name="Birth registration")
    assert api.get("/api/v1/services/").json()["results"][0]["name"] == "Birth registration"
    assert api.get("/api/v1/services/birth/").json()["name"] == "Birth registration"
    service_update(actor=None, service=service, name={"en": "Registration of a birth"})
    assert api.get("/api/v1/services/").json()["results"][0]["name"] == "Registration of a birth"
    assert api.get("/api/v1/services/birth/").json()["name"] == "Registration of a birth"


def test_cached_responses_keep_their_language(api):
    ServiceFactory(identifier="birth", name_en="Birth registration", name_kk="Туууды тіркеу")
    assert api.get("/api/v1/services/birth/").json()["name"] == "Birth registration"
    kazakh = api.get("/api/v1/services/birth/", HTTP_ACCEPT_LANGUAGE="kk")
    assert kazakh.json()["name"] == "Туууды тіркеу"
    assert "Accept-Language" in kazakh["Vary"]


def test_detail_has_evidence_fees_outputs_legal_basis_and_times(api):
    ServiceFactory(
        identifier="birth-registration",
        with_fees=True,
        with_evidence=True,
        online=True,
        statutory_time="P3D",
        statutory_time_unit="calendar",
        target_time="P1D",
        outputs=[OutputFactory(code="birth-cert")],
        legal_resources=[LegalResourceFactory(code="code-marriage", url="https://laws.example/cm")],
        life_events=[LifeEventFactory(code="birth")],
        agency=AgencyFactory(code="moj"),
    )
    response = api.get("/api/v1/services/birth-registration/")
    assert response.status_code == 200
    body = response.json()
    assert body["agency"]["code"] == "moj"
    assert [e["code"] for e in body["life_events"]] == ["birth"]
    assert body["channels"] == ["counter", "online"]
    assert [e["fetched_by_state"] for e in body["evidence"]] == [False, True]
    assert body["evidence"][1]["exchange_service"].startswith("GOV/")
    assert body["fees"] == [
        {
            "label": "State duty",
            "amount": "1476.00",
            "currency": "KZT",
            "exemptions": [
                {"group": "disability", "description": "People with disabilities", "discount_percent": 100}
            ],
        }
    ]
    assert body["outputs"][0]["code"] == "birth-cert"
    assert body["legal_basis"] == [
        {"code": "code-marriage", "title": body["legal_basis"][0]["title"], "url": "https://laws.example/cm"}
    ]
    assert body["statutory_time"] == {"duration": "P3D", "unit": "calendar"}
    assert body["target_time"] == {"duration": "P1D", "unit": "business"}


def test_detail_of_draft_or_unknown_service_is_not_found(api):
    ServiceFactory(identifier="hidden", draft=True)
    for identifier in ("hidden", "missing"):
        response = api.get(f"/api/v1/services/{identifier}/")
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


def test_detail_rejects_unknown_parameters(api):
    ServiceFactory(identifier="x")
    response = api.get("/api/v1/services/x/", {"expand": "all"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "expand"


def test_texts_follow_accept_language_with_all_translations_alongside(api):
    ServiceFactory(identifier="x", name="Birth registration", name_kk="Туу тіркеу", name_ru="")
    kk = api.get("/api/v1/services/x/", HTTP_ACCEPT_LANGUAGE="kk").json()
    assert kk["name"] == "Туу тіркеу"
    assert kk["translations"]["kk"]["name"] == "Туу тіркеу"
    assert kk["translations"]["en"]["name"] == "Birth registration"
    ru = api.get("/api/v1/services/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"][0]
    assert ru["name"] == "Birth registration"  # no Russian text: English is the fallback
    assert "translations" not in ru  # lists stay small: every language only on the detail
    ru_detail = api.get("/api/v1/services/x/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert ru_detail["translations"]["ru"]["name"] == ""


def test_agencies_and_life_events_count_active_services_only(api):
    moj = AgencyFactory(code="moj", name="Ministry of Justice")
    birth = LifeEventFactory(code="birth")
    ServiceFactory(agency=moj, life_events=[birth])
    ServiceFactory(agency=moj, life_events=[birth], draft=True)
    agencies = {a["code"]: a for a in api.get("/api/v1/agencies/").json()["results"]}
    assert agencies["moj"]["service_count"] == 1
    assert agencies["moj"]["translations"]["en"]["name"] == "Ministry of Justice"
    events = api.get("/api/v1/life-events/").json()["results"]
    assert [(e["code"], e["service_count"]) for e in events] == [("birth", 1)]


def test_evidence_types_say_whether_the_state_fetches_them(api):
    EvidenceTypeFactory(code="a-id-card")
    EvidenceTypeFactory(code="b-birth-record", fetched=True)
    results = api.get("/api/v1/evidence-types/").json()["results"]
    assert [(e["code"], e["fetched_by_state"]) for e in results] == [
        ("a-id-card", False),
        ("b-birth-record", True),
    ]
