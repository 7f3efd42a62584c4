"""The CPSV-AP 3.2 export: what EU harvesters and national portals download and validate."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyshacl
import pytest
from django.core.cache import cache
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from onestop.catalog.cpsv import catalogue_graph
from onestop.catalog.cpsv_views import catalogue_jsonld
from onestop.catalog.models import Agency, LifeEvent, Output, Service
from tests.factories.catalog import (
    AgencyFactory,
    EvidenceTypeFactory,
    FeeExemptionFactory,
    FeeFactory,
    LegalResourceFactory,
    LifeEventFactory,
    OutputFactory,
    RegionFactory,
    ServiceEvidenceFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

SHAPES = Path(__file__).parent / "data" / "cpsv-ap-SHACL.ttl"
CV = Namespace("http://data.europa.eu/m8g/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
BASE = "https://onestop.test/id/"

ENDPOINTS = [
    pytest.param("/api/v1/catalogue.ttl", "text/turtle", "turtle", id="turtle"),
    pytest.param("/api/v1/catalogue.jsonld", "application/ld+json", "json-ld", id="jsonld"),
]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.ONESTOP_CPSV_BASE_URI = BASE
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


@pytest.fixture
def catalogue() -> dict[str, Service]:
    """A small but complete catalogue: a regional and a national agency, person and business life
    events, evidence the citizen brings and evidence the state fetches, fees with exemptions, outputs,
    laws, every channel, translations in all four languages, plus a draft and a withdrawn service."""
    almaty = RegionFactory(code="almaty", name="Almaty", name_ru="Алматы", name_kk="Алматы")
    justice = AgencyFactory(
        code="justice",
        name="Ministry of Justice",
        name_ru="Министерство юстиции",
        name_kk="Әділет министрлігі",
        name_ka="იუსტიციის სამინისტრო",
        description="Registers civil status acts.",
        website="https://justice.example",
        email="info@justice.example",
        phone="+7 7172 000000",
    )
    akimat = AgencyFactory(
        code="almaty-akimat", name="Akimat of Almaty", level=Agency.Level.REGIONAL, region=almaty
    )
    birth = LifeEventFactory(code="birth", name="Having a baby", name_kk="Баланың дүниеге келуі")
    business = LifeEventFactory(
        code="start-business", name="Starting a business", audience=LifeEvent.Audience.BUSINESS
    )
    medical = EvidenceTypeFactory(code="medical-birth-record", name="Medical birth record", fetched=True)
    passport = EvidenceTypeFactory(
        code="identity-document", name="Identity document", name_ru="Удостоверение личности"
    )
    certificate = OutputFactory(
        code="birth-certificate", name="Birth certificate", kind=Output.Kind.CERTIFICATE
    )
    licence = OutputFactory(
        code="trade-licence", name="Trade licence", kind=Output.Kind.LICENCE, validity="P1Y"
    )
    marriage_code = LegalResourceFactory(code="marriage-code", title="Code on Marriage and Family")
    permits_law = LegalResourceFactory(code="permits-law", title="Law on Permits", url="")

    birth_registration = ServiceFactory(
        identifier="birth-registration",
        name="Birth registration",
        name_ru="Регистрация рождения",
        name_kk="Баланың тууын тіркеу",
        name_ka="დაბადების რეგისტრაცია",
        description="Register a child's birth and receive a birth certificate.",
        description_kk="Баланың тууын тіркеп, туу туралы куәлік алыңыз.",
        keywords="birth, certificate, newborn",
        agency=justice,
        statutory_time="P1D",
        statutory_time_unit="calendar",
        channels=["counter", "online", "kiosk", "mobile"],
        life_events=[birth],
        outputs=[certificate],
        legal_resources=[marriage_code],
        popularity=90000,
    )
    ServiceEvidenceFactory(service=birth_registration, evidence_type=medical, position=0)
    ServiceEvidenceFactory(
        service=birth_registration,
        evidence_type=passport,
        required=False,
        note="Only if a parent is a foreigner",
        position=1,
    )
    FeeFactory(
        service=birth_registration, label="State duty", label_kk="Мемлекеттік баж", amount=Decimal("0.00")
    )

    trade_licence = ServiceFactory(
        identifier="trade-licence",
        name="Trade licence",
        name_kk="Сауда лицензиясы",
        agency=akimat,
        statutory_time="P15D",
        life_events=[business],
        outputs=[licence],
        legal_resources=[permits_law],
    )
    ServiceEvidenceFactory(service=trade_licence, evidence_type=passport)
    fee = FeeFactory(service=trade_licence, label="Licence fee", amount=Decimal("36920.00"))
    FeeExemptionFactory(
        fee=fee, group="disability", description="People with disabilities", discount_percent=100
    )
    FeeExemptionFactory(fee=fee, group="large-family", description="Large families", discount_percent=50)

    address = ServiceFactory(
        identifier="address-certificate", name="Address certificate", agency=justice, channels=[]
    )
    draft = ServiceFactory(identifier="dog-licence", name="Dog licence", agency=akimat, draft=True)
    withdrawn = ServiceFactory(
        identifier="paper-passport", name="Paper passport", agency=justice, status=Service.Status.WITHDRAWN
    )
    return {
        "birth": birth_registration,
        "trade": trade_licence,
        "address": address,
        "draft": draft,
        "withdrawn": withdrawn,
    }


def download(client, url: str, media_type: str, rdf_format: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(media_type)
    return Graph().parse(data=response.content.decode(), format=rdf_format)


def service_uri(identifier: str) -> URIRef:
    return URIRef(f"{BASE}service/{identifier}")


@pytest.mark.parametrize(("url", "media_type", "rdf_format"), ENDPOINTS)
def test_export_conforms_to_official_cpsv_ap_shapes(client, catalogue, shapes, url, media_type, rdf_format):
    graph = download(client, url, media_type, rdf_format)

    conforms, _report_graph, report = pyshacl.validate(graph, shacl_graph=shapes, inference="none")

    assert conforms, report
    # A graph with nothing to check would conform too.
    assert len(set(graph.subjects(RDF.type, CPSV.PublicService))) == 3


@pytest.mark.parametrize(("url", "media_type", "rdf_format"), ENDPOINTS)
def test_export_lists_active_services_with_competent_authority_and_cost(
    client, catalogue, url, media_type, rdf_format
):
    graph = download(client, url, media_type, rdf_format)

    services = set(graph.subjects(RDF.type, CPSV.PublicService))
    assert services == {
        service_uri("birth-registration"),
        service_uri("trade-licence"),
        service_uri("address-certificate"),
    }
    trade = service_uri("trade-licence")
    authority = graph.value(trade, CV.hasCompetentAuthority)
    assert authority == URIRef(f"{BASE}agency/almaty-akimat")
    assert (authority, SKOS.prefLabel, Literal("Akimat of Almaty", lang="en")) in graph
    cost = graph.value(trade, CV.hasCost)
    assert Decimal(str(graph.value(cost, CV.hasValue))) == Decimal("36920.00")
    assert graph.value(cost, CV.currency) == URIRef(
        "http://publications.europa.eu/resource/authority/currency/KZT"
    )
    description = str(graph.value(cost, DCTERMS.description))
    assert "Large families (-50%)" in description
    assert "People with disabilities (-100%)" in description


@pytest.mark.parametrize(("url", "media_type", "rdf_format"), ENDPOINTS)
def test_large_fee_amounts_survive_exactly(client, url, media_type, rdf_format):
    # rdflib's own Turtle writer would round this double to 1.234568e+08.
    FeeFactory(service=ServiceFactory(identifier="subsoil-licence"), amount=Decimal("123456789.17"))

    graph = download(client, url, media_type, rdf_format)

    cost = graph.value(service_uri("subsoil-licence"), CV.hasCost)
    assert Decimal(str(graph.value(cost, CV.hasValue))) == Decimal("123456789.17")


def test_draft_and_withdrawn_services_are_not_published(client, catalogue):
    body = client.get("/api/v1/catalogue.ttl").content.decode()

    assert "birth-registration" in body
    assert "dog-licence" not in body
    assert "paper-passport" not in body


def test_translations_carry_their_language_tags(client, catalogue):
    graph = download(client, "/api/v1/catalogue.ttl", "text/turtle", "turtle")
    birth = service_uri("birth-registration")

    titles = {lit.language: str(lit) for lit in graph.objects(birth, DCTERMS.title)}
    assert titles == {
        "en": "Birth registration",
        "ru": "Регистрация рождения",
        "kk": "Баланың тууын тіркеу",
        "ka": "დაბადების რეგისტრაცია",
    }
    # A language with no translation is left out, never exported as an empty string.
    trade_titles = {lit.language for lit in graph.objects(service_uri("trade-licence"), DCTERMS.title)}
    assert trade_titles == {"en", "kk"}
    agency = URIRef(f"{BASE}agency/justice")
    assert (agency, SKOS.prefLabel, Literal("Әділет министрлігі", lang="kk")) in graph


def test_service_links_its_channels_evidence_outputs_laws_and_life_events(client, catalogue):
    graph = download(client, "/api/v1/catalogue.jsonld", "application/ld+json", "json-ld")
    birth = service_uri("birth-registration")

    channels = {str(graph.value(c, DCTERMS.identifier)) for c in graph.objects(birth, CV.hasChannel)}
    assert channels == {f"birth-registration/{k}" for k in ("counter", "online", "kiosk", "mobile")}
    assert set(graph.objects(birth, CPSV.produces)) == {URIRef(f"{BASE}output/birth-certificate")}
    assert set(graph.objects(birth, CV.hasLegalResource)) == {URIRef(f"{BASE}legal-resource/marriage-code")}
    event = URIRef(f"{BASE}life-event/birth")
    assert set(graph.objects(birth, CV.isGroupedBy)) == {event}
    assert (event, CV.hasRelatedService, birth) in graph
    assert set(graph.objects(birth, CPSV.hasInput)) == {
        URIRef(f"{BASE}evidence/medical-birth-record"),
        URIRef(f"{BASE}evidence/identity-document"),
    }
    fetched = URIRef(f"{BASE}evidence/medical-birth-record")
    assert graph.value(fetched, DCTERMS.type) == URIRef(f"{BASE}concept/evidence-source/registry")
    optional = URIRef(f"{BASE}service/birth-registration/requirement/identity-document")
    assert graph.value(optional, DCTERMS.type) == URIRef(f"{BASE}concept/requirement-kind/optional")
    time = graph.value(birth, CV.processingTime)
    assert str(time) == "P1D"
    assert time.datatype == URIRef("http://www.w3.org/2001/XMLSchema#duration")
    assert (URIRef(f"{BASE}life-event/start-business"), RDF.type, CV.BusinessEvent) in graph


def test_service_without_description_still_has_one(client, catalogue):
    graph = download(client, "/api/v1/catalogue.ttl", "text/turtle", "turtle")

    assert str(graph.value(service_uri("address-certificate"), DCTERMS.description)) == "Address certificate"


def test_jsonld_context_is_inline_so_it_reads_offline(client, catalogue):
    document = json.loads(client.get("/api/v1/catalogue.jsonld").content)

    assert document["@context"]["cv"] == "http://data.europa.eu/m8g/"


def test_building_the_graph_costs_the_same_queries_for_many_services(
    catalogue, django_assert_max_num_queries
):
    agency = AgencyFactory(code="extra")
    for n in range(15):
        service = ServiceFactory(identifier=f"extra-{n}", agency=agency, life_events=[LifeEventFactory()])
        FeeFactory(service=service)
        ServiceEvidenceFactory(service=service)

    # services+agency+region, life events, outputs, laws, channels, evidence, fees, exemptions
    with django_assert_max_num_queries(8):
        graph = catalogue_graph()

    assert len(set(graph.subjects(RDF.type, CPSV.PublicService))) == 18


def test_repeated_download_is_served_from_cache_until_the_catalogue_changes(
    client, catalogue, django_assert_max_num_queries
):
    first = client.get("/api/v1/catalogue.ttl")

    with django_assert_max_num_queries(2):  # the catalogue-version aggregates only
        second = client.get("/api/v1/catalogue.ttl")
    assert second.content == first.content

    ServiceFactory(identifier="new-service", name="New service")
    third = client.get("/api/v1/catalogue.ttl")
    assert b"new-service" in third.content
    assert third["ETag"] != first["ETag"]


def test_unchanged_catalogue_revalidates_with_304(client, rf, catalogue):
    first = client.get("/api/v1/catalogue.jsonld")

    # Called directly: the test client would strip a 304's body and hide a stray one.
    again = catalogue_jsonld(rf.get("/api/v1/catalogue.jsonld", HTTP_IF_NONE_MATCH=first["ETag"]))
    again.render()

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again.content == b""


def test_both_exports_are_documented_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()

    turtle = schema["paths"]["/api/v1/catalogue.ttl"]["get"]
    jsonld = schema["paths"]["/api/v1/catalogue.jsonld"]["get"]
    assert "text/turtle" in turtle["responses"]["200"]["content"]
    assert "application/ld+json" in jsonld["responses"]["200"]["content"]
