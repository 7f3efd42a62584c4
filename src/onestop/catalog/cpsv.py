"""CPSV-AP 3.2 export of the public-service catalogue.

:func:`catalogue_graph` turns services into an RDF graph that conforms to the official SHACL shapes
of CPSV-AP 3.2.0 (vendored for the tests in ``tests/catalog/data/``). The graph is self-contained:
every node it points at (organisations, events, channels, costs, evidence, outputs, legal resources,
locations, languages and code-list concepts) is declared with its class in the same graph, because
the shapes check the class of each referenced node and a consumer may have no network.

Mapping decisions a consumer may want to know:

* URIs are stable and derived from codes, not database ids, under ``settings.ONESTOP_CPSV_BASE_URI``
  (``…/service/<identifier>``, ``…/agency/<code>``, ``…/life-event/<code>``, ``…/evidence/<code>``,
  ``…/output/<code>``, ``…/legal-resource/<code>``); only fees have no code and use their row id.
* Every translated text is one literal per language that has a text (``@en``, ``@ru``, ``@kk``,
  ``@ka``); empty translations are left out rather than exported as empty strings.
* ``cv:processingTime`` is the statutory processing time as ``xsd:duration``. Whether it counts
  business or calendar days has no CPSV-AP property; it is stated in a ``skos:note``.
* A service without a description gets its title as description: the shapes require one.
* A fee is a ``cv:Cost`` whose ``cv:hasValue`` is the ``xsd:double`` the shapes demand, written with
  the exact decimal lexical form of the stored amount; exemptions are spelt out in its description.
* Evidence requirements become a ``cv:Requirement`` per service, supported by a ``cv:Evidence`` per
  evidence type; whether the state fetches it from a registry or the applicant brings it is the
  evidence's ``dct:type``.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rdflib import RDF, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from onestop.catalog.models import (
    Agency,
    DurationUnit,
    EvidenceType,
    Fee,
    LegalResource,
    LifeEvent,
    Output,
    Service,
    ServiceChannel,
    ServiceEvidence,
)
from onestop.core.i18n import content_languages, get_translations

CV = Namespace("http://data.europa.eu/m8g/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_CURRENCY = Namespace("http://publications.europa.eu/resource/authority/currency/")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")

# Prefixes shared by the Turtle output and the JSON-LD context, so both read the same way.
PREFIXES: dict[str, Namespace] = {
    "cv": CV,
    "cpsv": CPSV,
    "dct": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "eli": ELI,
    "adms": ADMS,
    "skos": Namespace(str(SKOS)),
    "foaf": Namespace(str(FOAF)),
    "org": Namespace(str(ORG)),
    "xsd": Namespace(str(XSD)),
}

# The EU Publications Office authority tables use ISO 639-2/B and ISO 3166 alpha-3 codes.
_EU_LANGUAGE_CODES = {"en": "ENG", "ru": "RUS", "kk": "KAZ", "ka": "KAT"}
_EU_COUNTRY_CODES = {
    "KZ": "KAZ",
    "GE": "GEO",
    "AM": "ARM",
    "AZ": "AZE",
    "KG": "KGZ",
    "UZ": "UZB",
    "UA": "UKR",
}


def catalogue_queryset(services: QuerySet[Service] | None = None) -> QuerySet[Service]:
    """The services to export with every relation the export reads, one query per relation."""
    qs = services if services is not None else Service.objects.filter(status=Service.Status.ACTIVE)
    return (
        qs.select_related("agency", "agency__region")
        .prefetch_related(
            "life_events",
            "outputs",
            "legal_resources",
            "channels",
            Prefetch(
                "evidence_requirements",
                queryset=ServiceEvidence.objects.select_related("evidence_type"),
            ),
            Prefetch("fees", queryset=Fee.objects.prefetch_related("exemptions")),
        )
        .order_by("identifier")
    )


def catalogue_graph(services: QuerySet[Service] | None = None) -> Graph:
    """The catalogue as a CPSV-AP 3.2 graph.

    ``services`` defaults to every active service; a caller may pass its own selection (one
    service, or drafts for a preview), whose status is then exported as ``adms:status``.
    """
    builder = _CatalogueBuilder(settings.ONESTOP_CPSV_BASE_URI)
    for service in catalogue_queryset(services):
        builder.add_service(service)
    return builder.graph


class _ExactTurtleSerializer(TurtleSerializer):
    """rdflib abbreviates ``xsd:double`` literals to six significant digits (``1.234568e+08``), which
    would change a fee of 123456789.17; write them as typed literals with their exact lexical form."""

    def label(self, node: Node, position: int) -> str:
        if isinstance(node, Literal) and node.datatype == XSD.double:
            datatype = self.get_pname(XSD.double, True) or XSD.double.n3()
            return f'"{node}"^^{datatype}'
        return super().label(node, position)


def serialize_turtle(graph: Graph) -> bytes:
    stream = io.BytesIO()
    _ExactTurtleSerializer(graph).serialize(stream, encoding="utf-8")
    return stream.getvalue()


def serialize_jsonld(graph: Graph) -> bytes:
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    return graph.serialize(format="json-ld", context=context, encoding="utf-8")


class _CatalogueBuilder:
    """Accumulates the graph; remembers which shared nodes it has already described."""

    def __init__(self, base_uri: str) -> None:
        self.base = base_uri if base_uri.endswith("/") else base_uri + "/"
        self.graph = Graph(bind_namespaces="core")
        for prefix, ns in PREFIXES.items():
            self.graph.bind(prefix, ns)
        self.languages = content_languages()
        self._described: set[URIRef] = set()
        self.dataset = self._dataset()

    # --- helpers --------------------------------------------------------------------------------

    def uri(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(parts))

    def first_time(self, node: URIRef) -> bool:
        """True the first time a shared node is met, so it is described once however many services
        point at it."""
        if node in self._described:
            return False
        self._described.add(node)
        return True

    def add_texts(self, subject: URIRef, predicate: URIRef, texts: dict[str, str]) -> bool:
        added = False
        for lang, text in texts.items():
            if text and text.strip():
                self.graph.add((subject, predicate, Literal(text.strip(), lang=lang)))
                added = True
        return added

    def translated_ui(self, message: object) -> dict[str, str]:
        """A gettext(-lazy) interface string in every content language."""
        texts = {}
        for lang in self.languages:
            with translation.override(lang):
                texts[lang] = str(message)
        return texts

    def concept(self, scheme: str, code: str, label: object) -> URIRef:
        """A concept of one of OneStop's own code lists (channel kinds, output kinds, …)."""
        node = self.uri("concept", scheme, code)
        if self.first_time(node):
            scheme_node = self.uri("concept", scheme)
            self.graph.add((scheme_node, RDF.type, SKOS.ConceptScheme))
            self.graph.add((node, RDF.type, SKOS.Concept))
            self.graph.add((node, SKOS.inScheme, scheme_node))
            self.graph.add((node, SKOS.notation, Literal(code)))
            self.add_texts(node, SKOS.prefLabel, self.translated_ui(label))
        return node

    def language(self, lang: str) -> URIRef:
        node = EU_LANGUAGE[_EU_LANGUAGE_CODES.get(lang, lang.upper())]
        if self.first_time(node):
            self.graph.add((node, RDF.type, DCTERMS.LinguisticSystem))
        return node

    def country(self) -> URIRef:
        code = settings.ONESTOP_COUNTRY.upper()
        node = EU_COUNTRY[_EU_COUNTRY_CODES[code]] if code in _EU_COUNTRY_CODES else self.uri("country", code)
        if self.first_time(node):
            self.graph.add((node, RDF.type, DCTERMS.Location))
            self.graph.add((node, SKOS.notation, Literal(code)))
        return node

    def location(self, agency: Agency) -> URIRef:
        region = agency.region
        if region is None:
            return self.country()
        node = self.uri("region", region.code)
        if self.first_time(node):
            self.graph.add((node, RDF.type, DCTERMS.Location))
            self.graph.add((node, DCTERMS.identifier, Literal(region.code)))
            self.add_texts(node, SKOS.prefLabel, get_translations(region, "name"))
            self.graph.add((node, DCTERMS.isPartOf, self.country()))
        return node

    # --- the catalogue as a dataset -------------------------------------------------------------

    def _dataset(self) -> URIRef:
        node = self.uri("catalogue")
        publisher = self.uri("publisher")
        name = settings.ONESTOP_DEPLOYMENT_NAME
        g = self.graph
        g.add((node, RDF.type, DCAT.Dataset))
        titles = {}
        descriptions = {}
        for lang in self.languages:
            with translation.override(lang):
                titles[lang] = gettext("%(name)s public service catalogue") % {"name": name}
                descriptions[lang] = gettext(
                    "The public services offered through %(name)s, with their competent authorities, "
                    "channels, fees, required evidence, outputs and legal basis."
                ) % {"name": name}
        self.add_texts(node, DCTERMS.title, titles)
        self.add_texts(node, DCTERMS.description, descriptions)
        g.add((node, DCTERMS.publisher, publisher))
        g.add((publisher, RDF.type, FOAF.Agent))
        g.add((publisher, DCTERMS.identifier, Literal(name)))
        self.add_texts(publisher, DCTERMS.title, {lang: name for lang in self.languages})
        return node

    # --- one service and everything it points at ------------------------------------------------

    def add_service(self, service: Service) -> None:
        g = self.graph
        node = self.uri("service", service.identifier)
        g.add((node, RDF.type, CPSV.PublicService))
        g.add((node, DCTERMS.identifier, Literal(service.identifier)))
        titles = get_translations(service, "name")
        self.add_texts(node, DCTERMS.title, titles)
        if not self.add_texts(node, DCTERMS.description, get_translations(service, "description")):
            self.add_texts(node, DCTERMS.description, titles)
        for lang, keywords in get_translations(service, "keywords").items():
            for keyword in keywords.split(","):
                self.add_texts(node, DCAT.keyword, {lang: keyword})
        for lang, title in titles.items():
            if title:
                g.add((node, DCTERMS.language, self.language(lang)))

        g.add((node, CV.processingTime, Literal(service.statutory_time, datatype=XSD.duration)))
        self.add_texts(node, SKOS.note, self._processing_time_note(service))
        g.add(
            (
                node,
                ADMS.status,
                self.concept("service-status", service.status, Service.Status(service.status).label),
            )
        )
        g.add((node, DCTERMS.isPartOf, self.dataset))
        g.add((self.dataset, DCTERMS.hasPart, node))

        agency = self.agency(service.agency)
        g.add((node, CV.hasCompetentAuthority, agency))
        g.add((node, DCTERMS.spatial, self.location(service.agency)))
        if contact := self.contact_point(service.agency):
            g.add((node, CV.contactPoint, contact))

        for event in service.life_events.all():
            event_node = self.life_event(event)
            g.add((node, CV.isGroupedBy, event_node))
            g.add((event_node, CV.hasRelatedService, node))
        for channel in service.channels.all():
            g.add((node, CV.hasChannel, self.channel(service, channel)))
        for fee in service.fees.all():
            g.add((node, CV.hasCost, self.cost(service, fee, agency)))
        for requirement in service.evidence_requirements.all():
            self.requirement(node, service, requirement)
        for output in service.outputs.all():
            g.add((node, CPSV.produces, self.output(output)))
        for legal in service.legal_resources.all():
            g.add((node, CV.hasLegalResource, self.legal_resource(legal)))

    def _processing_time_note(self, service: Service) -> dict[str, str]:
        unit = DurationUnit(service.statutory_time_unit).label
        texts = {}
        for lang in self.languages:
            with translation.override(lang):
                texts[lang] = gettext("Statutory processing time %(duration)s, counted in %(unit)s.") % {
                    "duration": service.statutory_time,
                    "unit": str(unit),
                }
        return texts

    def agency(self, agency: Agency) -> URIRef:
        node = self.uri("agency", agency.code)
        if self.first_time(node):
            g = self.graph
            g.add((node, RDF.type, CV.PublicOrganisation))
            g.add((node, RDF.type, ORG.Organization))
            g.add((node, DCTERMS.identifier, Literal(agency.code)))
            self.add_texts(node, SKOS.prefLabel, get_translations(agency, "name"))
            self.add_texts(node, DCTERMS.description, get_translations(agency, "description"))
            g.add((node, DCTERMS.spatial, self.location(agency)))
            if agency.website:
                g.add((node, FOAF.homepage, URIRef(agency.website)))
        return node

    def contact_point(self, agency: Agency) -> URIRef | None:
        if not (agency.email or agency.phone or agency.website):
            return None
        node = self.uri("agency", agency.code, "contact-point")
        if self.first_time(node):
            g = self.graph
            g.add((node, RDF.type, CV.ContactPoint))
            if agency.email:
                g.add((node, CV.email, Literal(agency.email)))
            if agency.phone:
                g.add((node, CV.telephone, Literal(agency.phone)))
            if agency.website:
                page = URIRef(agency.website)
                g.add((page, RDF.type, FOAF.Document))
                g.add((node, CV.contactPage, page))
        return node

    def life_event(self, event: LifeEvent) -> URIRef:
        node = self.uri("life-event", event.code)
        if self.first_time(node):
            g = self.graph
            g.add((node, RDF.type, CV.Event))
            business = event.audience == LifeEvent.Audience.BUSINESS
            g.add((node, RDF.type, CV.BusinessEvent if business else CV.LifeEvent))
            g.add((node, DCTERMS.identifier, Literal(event.code)))
            self.add_texts(node, DCTERMS.title, get_translations(event, "name"))
            self.add_texts(node, DCTERMS.description, get_translations(event, "description"))
        return node

    def channel(self, service: Service, channel: ServiceChannel) -> URIRef:
        node = self.uri("service", service.identifier, "channel", channel.kind)
        g = self.graph
        g.add((node, RDF.type, CV.Channel))
        g.add((node, DCTERMS.identifier, Literal(f"{service.identifier}/{channel.kind}")))
        kind = ServiceChannel.Kind(channel.kind)
        g.add((node, DCTERMS.type, self.concept("channel", channel.kind, kind.label)))
        return node

    def cost(self, service: Service, fee: Fee, agency: URIRef) -> URIRef:
        node = self.uri("service", service.identifier, "cost", str(fee.pk))
        g = self.graph
        g.add((node, RDF.type, CV.Cost))
        g.add((node, DCTERMS.identifier, Literal(f"{service.identifier}/fee-{fee.pk}")))
        # The shapes type the value as xsd:double; the lexical form keeps the exact decimal amount.
        g.add((node, CV.hasValue, Literal(format(fee.amount, "f"), datatype=XSD.double, normalize=False)))
        currency = EU_CURRENCY[fee.currency]
        if self.first_time(currency):
            g.add((currency, RDF.type, SKOS.Concept))
            g.add((currency, SKOS.notation, Literal(fee.currency)))
        g.add((node, CV.currency, currency))
        g.add((node, CV.isDefinedBy, agency))
        self.add_texts(node, DCTERMS.description, self._fee_description(fee))
        return node

    def _fee_description(self, fee: Fee) -> dict[str, str]:
        labels = get_translations(fee, "label")
        exemptions = list(fee.exemptions.all())
        texts = {}
        for lang, label in labels.items():
            if not label:
                continue
            if not exemptions:
                texts[lang] = label
                continue
            parts = []
            for exemption in exemptions:
                description = get_translations(exemption, "description")
                who = description.get(lang) or description.get("en") or exemption.group
                parts.append(f"{who} (-{exemption.discount_percent}%)")
            with translation.override(lang):
                texts[lang] = gettext("%(label)s. Exemptions: %(exemptions)s.") % {
                    "label": label.rstrip("."),
                    "exemptions": "; ".join(parts),
                }
        return texts

    def requirement(self, service_node: URIRef, service: Service, requirement: ServiceEvidence) -> None:
        g = self.graph
        evidence_type = requirement.evidence_type
        node = self.uri("service", service.identifier, "requirement", evidence_type.code)
        evidence = self.evidence(evidence_type)
        g.add((node, RDF.type, CV.Requirement))
        g.add((node, DCTERMS.identifier, Literal(f"{service.identifier}/{evidence_type.code}")))
        self.add_texts(node, DCTERMS.title, get_translations(evidence_type, "name"))
        self.add_texts(node, DCTERMS.description, get_translations(requirement, "note"))
        if requirement.required:
            kind = self.concept("requirement-kind", "mandatory", _("Mandatory"))
        else:
            kind = self.concept("requirement-kind", "optional", _("Optional"))
        g.add((node, DCTERMS.type, kind))
        g.add((node, CV.hasSupportingEvidence, evidence))
        g.add((evidence, CV.supportsRequirement, node))
        g.add((service_node, CV.holdsRequirement, node))
        g.add((service_node, CPSV.hasInput, evidence))
        g.add((service_node, CV.hasInputType, self.evidence_type(evidence_type)))

    def evidence(self, evidence_type: EvidenceType) -> URIRef:
        node = self.uri("evidence", evidence_type.code)
        if self.first_time(node):
            g = self.graph
            g.add((node, RDF.type, CV.Evidence))
            g.add((node, DCTERMS.identifier, Literal(evidence_type.code)))
            self.add_texts(node, DCTERMS.title, get_translations(evidence_type, "name"))
            self.add_texts(node, DCTERMS.description, get_translations(evidence_type, "description"))
            g.add((node, DCTERMS.conformsTo, self.evidence_type(evidence_type)))
            if evidence_type.fetched_by_state:
                source = self.concept("evidence-source", "registry", _("Fetched from a registry"))
                # The exchange data service that supplies it, for agencies wiring the once-only principle.
                g.add((node, DCTERMS.source, Literal(evidence_type.exchange_service)))
            else:
                source = self.concept("evidence-source", "applicant", _("Supplied by the applicant"))
            g.add((node, DCTERMS.type, source))
        return node

    def evidence_type(self, evidence_type: EvidenceType) -> URIRef:
        node = self.uri("evidence-type", evidence_type.code)
        if self.first_time(node):
            self.graph.add((node, RDF.type, CV.EvidenceType))
            self.graph.add((node, DCTERMS.identifier, Literal(evidence_type.code)))
        return node

    def output(self, output: Output) -> URIRef:
        node = self.uri("output", output.code)
        if self.first_time(node):
            g = self.graph
            g.add((node, RDF.type, CV.Output))
            g.add((node, DCTERMS.identifier, Literal(output.code)))
            self.add_texts(node, DCTERMS.title, get_translations(output, "name"))
            self.add_texts(node, DCTERMS.description, get_translations(output, "description"))
            g.add(
                (node, DCTERMS.type, self.concept("output-kind", output.kind, Output.Kind(output.kind).label))
            )
        return node

    def legal_resource(self, legal: LegalResource) -> URIRef:
        node = self.uri("legal-resource", legal.code)
        if self.first_time(node):
            g = self.graph
            g.add((node, RDF.type, ELI.LegalResource))
            g.add((node, DCTERMS.identifier, Literal(legal.code)))
            self.add_texts(node, DCTERMS.title, get_translations(legal, "title"))
            if legal.url:
                page = URIRef(legal.url)
                g.add((page, RDF.type, FOAF.Document))
                g.add((node, FOAF.page, page))
        return node
