"""Service forms: built from the catalogue in the active language, rendered accessibly, and
validated on the server into plain JSON answers."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from onestop.cases.errors import InvalidAnswers
from onestop.cases.forms import build_service_form, validate_answers
from onestop.catalog.models import ServiceFormField
from onestop.core.national_ids import get_validator
from tests.factories.cases import ServiceFormFieldFactory
from tests.factories.catalog import ServiceFactory

pytestmark = pytest.mark.django_db

Kind = ServiceFormField.Kind
COLOURS = [
    {"value": "red", "label": {"en": "Red", "ru": "Красный", "kk": "Қызыл"}},
    {"value": "blue", "label": {"en": "Blue", "ka": "ლურჯი"}},
]


def valid_iin() -> str:
    validator = get_validator("KZ")
    for serial in range(100, 200):
        try:
            return validator.generate(birth_date=date(1990, 5, 17), sex="F", serial=serial)
        except ValueError:
            continue
    raise AssertionError("no valid IIN in the serial range")


def wrong_check_digit(iin: str) -> str:
    return iin[:11] + str((int(iin[11]) + 1) % 10)


@pytest.fixture
def service():
    service = ServiceFactory()
    specs = [
        ("full_name", Kind.TEXT, True, {}),
        ("story", Kind.LONG_TEXT, False, {}),
        ("children", Kind.NUMBER, True, {}),
        ("born", Kind.DATE, True, {}),
        ("colour", Kind.CHOICE, True, {"choices": COLOURS}),
        ("colours", Kind.MULTIPLE_CHOICE, False, {"choices": COLOURS}),
        ("urgent", Kind.YES_NO, True, {}),
        ("email", Kind.EMAIL, False, {}),
        ("phone", Kind.PHONE, False, {}),
        ("iin", Kind.NATIONAL_ID, True, {}),
    ]
    for position, (key, kind, required, extra) in enumerate(specs):
        ServiceFormFieldFactory(
            service=service,
            key=key,
            kind=kind,
            required=required,
            label=f"Label of {key}",
            position=position,
            **extra,
        )
    return service


def good_answers() -> dict[str, object]:
    return {
        "full_name": "Dana Abenova",
        "children": "2",
        "born": "1990-05-17",
        "colour": "red",
        "colours": ["red", "blue"],
        "urgent": "yes",
        "email": "dana@example.kz",
        "phone": "8 701 234 5678",
        "iin": valid_iin(),
    }


def test_labels_and_hints_follow_the_active_language_with_english_fallback(db):
    service = ServiceFactory()
    ServiceFormFieldFactory(
        service=service,
        key="reason",
        label="Reason",
        label_ru="Причина",
        help_text_en="Say why",
        help_text_ru="Скажите почему",
    )
    with translation.override("ru"):
        field = build_service_form(service).fields["reason"]
        assert (field.label, field.help_text) == ("Причина", "Скажите почему")
    with translation.override("kk"):  # no Kazakh text entered: English, never empty
        field = build_service_form(service).fields["reason"]
        assert (field.label, field.help_text) == ("Reason", "Say why")


def test_choice_labels_follow_the_active_language_with_english_fallback(service):
    with translation.override("kk"):
        choices = build_service_form(service).fields["colour"].choices
    assert list(choices) == [("red", "Қызыл"), ("blue", "Blue")]
    with translation.override("ka"):
        choices = build_service_form(service).fields["colour"].choices
    assert list(choices) == [("red", "Red"), ("blue", "ლურჯი")]


def test_valid_answers_come_back_cleaned_and_json_safe(service):
    iin = valid_iin()
    answers = good_answers() | {"iin": f"{iin[:6]} {iin[6:]}", "children": "2.50"}
    cleaned = validate_answers(service, answers)
    assert cleaned == {
        "full_name": "Dana Abenova",
        "children": "2.5",  # fractions stay exact: a string, never a float
        "born": "1990-05-17",
        "colour": "red",
        "colours": ["red", "blue"],
        "urgent": True,
        "email": "dana@example.kz",
        "phone": "+77012345678",
        "iin": iin,
    }
    assert json.loads(json.dumps(cleaned)) == cleaned


def test_json_typed_answers_from_the_api_are_accepted(service):
    answers = good_answers() | {"children": 3, "urgent": False}
    cleaned = validate_answers(service, answers)
    assert cleaned["children"] == 3
    assert cleaned["urgent"] is False


def test_stored_answers_validate_again_unchanged(service):
    cleaned = validate_answers(service, good_answers())
    assert validate_answers(service, cleaned) == cleaned


def test_empty_optional_answers_are_not_stored(service):
    cleaned = validate_answers(service, good_answers() | {"story": "", "email": "", "colours": []})
    assert "story" not in cleaned and "email" not in cleaned and "colours" not in cleaned


def test_bad_answers_give_a_message_per_field(service):
    answers = good_answers() | {
        "full_name": "",
        "children": "two",
        "born": "1990-13-45",
        "colour": "green",
        "urgent": "maybe",
        "email": "dana@",
        "phone": "12345",
        "iin": wrong_check_digit(valid_iin()),
    }
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(service, answers)
    errors = caught.value.errors
    assert set(errors) == {"full_name", "children", "born", "colour", "urgent", "email", "phone", "iin"}
    assert "checksum" in errors["iin"][0]
    assert "area code" in errors["phone"][0]
    assert caught.value.status == 400


def test_missing_required_answers_are_named(service):
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(service, {"full_name": "Dana"})
    assert set(caught.value.errors) == {"children", "born", "colour", "urgent", "iin"}


def test_a_question_the_form_does_not_have_is_refused(service):
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(service, good_answers() | {"salary": "1000"})
    assert list(caught.value.errors) == ["salary"]


def test_text_longer_than_the_field_allows_is_refused(db):
    service = ServiceFactory()
    ServiceFormFieldFactory(service=service, key="nickname", max_length=5)
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(service, {"nickname": "Aigerim"})
    assert "nickname" in caught.value.errors


def test_choices_render_as_a_fieldset_with_legend_and_errors_tied_to_it(service):
    form = build_service_form(service, data={"colour": "green", "full_name": "Dana Abenova"})
    assert not form.is_valid()
    html = render_to_string("cases/_service_fields.html", {"form": form})
    assert '<legend class="legend label">Label of colour</legend>' in html
    assert 'aria-describedby=" id_colour-error"' in html
    assert 'id="id_colour-error"' in html
    # Checkboxes too, and optional questions say so.
    assert 'Label of colours <span class="optional">' in html
    # What the person typed is kept.
    assert 'value="Dana Abenova"' in html


def test_text_inputs_are_described_by_their_hint_and_error(db):
    service = ServiceFactory()
    ServiceFormFieldFactory(service=service, key="city", label="City", help_text="Where you live")
    form = build_service_form(service, data={"city": ""})
    assert not form.is_valid()
    html = render_to_string("cases/_service_fields.html", {"form": form})
    assert 'aria-describedby="id_city-hint id_city-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_city-hint"' in html and 'id="id_city-error"' in html


def test_stored_yes_no_answer_is_shown_again_as_chosen(service):
    form = build_service_form(service, initial={"urgent": False})
    html = render_to_string("cases/_service_fields.html", {"form": form})
    assert re.search(r'<input type="radio" name="urgent" value="no"[^>]* checked>', html)
    assert not re.search(r'<input type="radio" name="urgent" value="yes"[^>]* checked>', html)
