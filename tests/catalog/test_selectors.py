"""Catalogue reads: search across languages and cases, filters, prefetching, counts."""

import pytest

from onestop.catalog import selectors
from onestop.catalog.models import Service
from tests.factories.catalog import AgencyFactory, LifeEventFactory, ServiceFactory
from tests.factories.centres import CentreFactory

pytestmark = pytest.mark.django_db


def _ids(qs):
    return [s.identifier for s in qs]


def test_search_matches_kazakh_text_ignoring_case():
    ServiceFactory(identifier="birth", name="Birth registration", name_kk="Баланың туылуын тіркеу")
    ServiceFactory(identifier="other", name="Other")
    assert _ids(selectors.service_search(query="ТІРКЕУ")) == ["birth"]
    assert _ids(selectors.service_search(query="баланың")) == ["birth"]


def test_search_matches_russian_keywords_and_descriptions():
    ServiceFactory(identifier="passport", keywords_ru="паспорт удостоверение")
    ServiceFactory(identifier="pension", description_ru="Назначение Пенсии по возрасту")
    assert _ids(selectors.service_search(query="Паспорт")) == ["passport"]
    assert _ids(selectors.service_search(query="пенсии")) == ["pension"]


def test_every_word_must_match_somewhere():
    ServiceFactory(identifier="both", name="Vehicle registration", description="For cars")
    ServiceFactory(identifier="one", name="Vehicle inspection")
    assert _ids(selectors.service_search(query="vehicle cars")) == ["both"]


def test_search_treats_regex_characters_literally():
    ServiceFactory(identifier="plus", name="Certificate (form 2+)")
    ServiceFactory(identifier="other", name="Certificate form 22")
    assert _ids(selectors.service_search(query="2+)")) == ["plus"]


def test_search_hides_drafts_and_orders_by_popularity():
    ServiceFactory(identifier="low", name="Tax certificate", popularity=1)
    ServiceFactory(identifier="high", name="Tax refund", popularity=50)
    ServiceFactory(identifier="draft", name="Tax draft", draft=True, popularity=99)
    assert _ids(selectors.service_search(query="tax")) == ["high", "low"]


def test_filters_combine():
    moj = AgencyFactory()
    birth = LifeEventFactory()
    a = ServiceFactory(identifier="a", agency=moj, life_events=[birth], online=True)
    ServiceFactory(identifier="b", agency=moj, life_events=[birth])
    ServiceFactory(identifier="c", life_events=[birth], online=True)
    CentreFactory(code="C-1", services=[a])
    assert _ids(selectors.service_search(agency=moj, life_event=birth, channel="online")) == ["a"]
    assert _ids(selectors.service_search(centre_code="C-1")) == ["a"]
    assert _ids(selectors.service_search(centre_code="C-404")) == []


def test_list_relations_are_prefetched(django_assert_num_queries):
    for _ in range(3):
        ServiceFactory(online=True, with_fees=True, life_events=[LifeEventFactory()])
    with django_assert_num_queries(5):  # services+agency, channels, life events, fees, exemptions
        for service in selectors.service_search():
            _ = (service.agency.name, list(service.channels.all()), list(service.life_events.all()))
            _ = [list(fee.exemptions.all()) for fee in service.fees.all()]


def test_service_for_page_is_active_only():
    ServiceFactory(identifier="draft", draft=True)
    ServiceFactory(identifier="live", with_evidence=True)
    assert selectors.service_for_page("live").evidence_requirements.count() == 2
    with pytest.raises(Service.DoesNotExist):
        selectors.service_for_page("draft")


def test_counts_include_active_services_only():
    agency = AgencyFactory()
    event = LifeEventFactory()
    ServiceFactory(agency=agency, life_events=[event])
    ServiceFactory(agency=agency, life_events=[event], status="withdrawn")
    AgencyFactory()
    counts = {a.pk: a.service_count for a in selectors.agencies_with_counts()}
    assert counts[agency.pk] == 1
    assert sorted(counts.values()) == [0, 1]
    assert [e.service_count for e in selectors.life_events_with_counts()] == [1]
