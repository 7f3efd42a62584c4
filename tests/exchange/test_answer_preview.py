"""The readable preview (with provenance) of a registry's answer attached as evidence."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from onestop.cases.models import Document
from onestop.exchange.selectors import (
    AnswerEntry,
    answer_entries,
    fetched_records,
    humanise_key,
)
from tests.factories.people import CitizenFactory

pytestmark = pytest.mark.django_db

pytestmark = pytest.mark.django_db


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
