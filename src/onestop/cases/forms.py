"""A service's application form, built from its ``catalog.ServiceFormField`` rows.

:func:`build_service_form` gives a Django form for the HTML pages (labels, hints and choice labels in
the active language, choices grouped in a fieldset with a legend, hints and errors tied to their
inputs with ``aria-describedby``). :func:`validate_answers` runs the same fields on the server for
every channel (portal, counter, API) and returns answers that store as plain JSON: strings, numbers,
booleans, lists of strings and ISO dates. Optional questions left empty are not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from onestop.cases.errors import InvalidAnswers
from onestop.catalog.models import Service, ServiceFormField
from onestop.core.national_ids import validate_national_id

TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 5000
YES = "yes"
NO = "no"

_CHOICE_WIDGETS = frozenset({"radioselect", "checkboxselectmultiple"})


class ServiceBoundField(BoundField):
    """Ties the hint and the error messages (ids as in ``core/field.html``) to the input, so that a
    screen reader reads them with the field. Choice groups carry them on their fieldset instead."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.widget_type in _CHOICE_WIDGETS:
            attrs.pop("aria-describedby", None)
            return attrs
        described_by = self.described_by
        if described_by:
            attrs["aria-describedby"] = described_by
        if self.form.is_bound and self.errors:
            attrs["aria-invalid"] = "true"
        return attrs

    @property
    def described_by(self) -> str:
        ids = []
        if self.help_text:
            ids.append(f"{self.id_for_label}-hint")
        if self.form.is_bound and self.errors:
            ids.append(f"{self.id_for_label}-error")
        return " ".join(ids)


class ServiceForm(forms.Form):
    """The form of one service; ``service`` is kept for the templates (legend, heading)."""

    bound_field_class = ServiceBoundField

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service

    def answers(self) -> dict[str, Any]:
        """The cleaned answers as JSON-safe values; call after ``is_valid()``."""
        return {
            key: value
            for key, value in ((k, _json_safe(v)) for k, v in self.cleaned_data.items())
            if value is not None
        }


def _translated(labels: Any, fallback: str) -> str:
    """A choice label in the active language, else English, else any language given, else the value."""
    if isinstance(labels, str):
        return labels or fallback
    if not isinstance(labels, Mapping):
        return fallback
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for code in (language, settings.LANGUAGE_CODE, *labels.keys()):
        text = labels.get(code)
        if isinstance(text, str) and text:
            return text
    return fallback


def choice_options(field: ServiceFormField) -> list[tuple[str, str]]:
    """``(value, label)`` pairs of a choice field in the active language."""
    options = []
    for entry in field.choices or []:
        if isinstance(entry, Mapping) and entry.get("value") not in (None, ""):
            value = str(entry["value"])
            options.append((value, _translated(entry.get("label"), value)))
        elif isinstance(entry, str) and entry:
            options.append((entry, entry))
    return options


def _validate_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, settings.ONESTOP_COUNTRY)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a phone number with its area code, like +7 701 234 5678."), code="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    """A phone number in the deployment's country or international form, stored as E.164."""

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        return _validate_phone(cleaned) if cleaned else cleaned


class NationalIdField(forms.CharField):
    """The deployment's national ID, checked by its country's rules and stored normalised."""

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        return validate_national_id(cleaned) if cleaned else cleaned


def _form_field(spec: ServiceFormField) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec.label,
        "help_text": spec.help_text,
        "required": spec.required,
    }
    kind = spec.kind
    Kind = ServiceFormField.Kind
    if kind == Kind.TEXT:
        return forms.CharField(max_length=spec.max_length or TEXT_MAX_LENGTH, **common)
    if kind == Kind.LONG_TEXT:
        return forms.CharField(
            max_length=spec.max_length or LONG_TEXT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            **common,
        )
    if kind == Kind.NUMBER:
        return forms.DecimalField(
            max_digits=20,
            decimal_places=6,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **common,
        )
    if kind == Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == Kind.CHOICE:
        return forms.ChoiceField(choices=choice_options(spec), widget=forms.RadioSelect, **common)
    if kind == Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choice_options(spec), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == Kind.YES_NO:
        return forms.TypedChoiceField(
            choices=[(YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))],
            coerce=lambda value: value == YES,
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    if kind == Kind.EMAIL:
        return forms.EmailField(
            max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}), **common
        )
    if kind == Kind.PHONE:
        return PhoneField(
            max_length=32, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}), **common
        )
    if kind == Kind.NATIONAL_ID:
        return NationalIdField(
            max_length=32,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
            **common,
        )
    raise ValueError(f"unknown form field kind {kind!r} on {spec}")


def build_service_form(
    service: Service,
    *,
    data: Mapping[str, Any] | None = None,
    prefix: str | None = None,
    initial: Mapping[str, Any] | None = None,
) -> ServiceForm:
    """The application form of ``service`` in the active language; bound when ``data`` is given.

    ``initial`` takes stored answers (as returned by :func:`validate_answers`) to show them again.
    """
    return _make_form(service, _fields_of(service), data=data, prefix=prefix, initial=initial)


def _make_form(
    service: Service,
    specs: list[ServiceFormField],
    *,
    data: Mapping[str, Any] | None = None,
    prefix: str | None = None,
    initial: Mapping[str, Any] | None = None,
) -> ServiceForm:
    form = ServiceForm(
        data=data,
        prefix=prefix,
        initial=_stored_to_initial(specs, initial) if initial else None,
        service=service,
    )
    for spec in specs:
        form.fields[spec.key] = _form_field(spec)
    return form


def _fields_of(service: Service) -> list[ServiceFormField]:
    return list(ServiceFormField.objects.filter(service=service).order_by("position", "id"))


def _stored_to_initial(specs: list[ServiceFormField], answers: Mapping[str, Any]) -> dict[str, Any]:
    kinds = {spec.key: spec.kind for spec in specs}
    initial: dict[str, Any] = {}
    for key, value in answers.items():
        if kinds.get(key) == ServiceFormField.Kind.YES_NO and isinstance(value, bool):
            initial[key] = YES if value else NO
        else:
            initial[key] = value
    return initial


def _to_form_value(value: Any) -> Any:
    """What a browser would have posted for an answer given as JSON (or as cleaned Python values)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value


def _json_safe(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, Decimal):
        # Integers stay numbers; fractions become exact strings, never floats.
        return int(value) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value


def validate_answers(service: Service, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``answers`` (field key → value) against the service's form.

    Returns the cleaned, JSON-safe answers (empty optional answers left out). Raises
    :class:`~onestop.cases.errors.InvalidAnswers` whose ``errors`` map each wrong or missing field
    key — or an unknown key — to its messages in the active language.
    """
    specs = _fields_of(service)
    form = _make_form(service, specs)
    known = set(form.fields)
    unknown = sorted(str(key) for key in answers if key not in known)
    data: dict[str, Any] = {}
    getlist = getattr(answers, "getlist", None)
    for key in known:
        if key not in answers:
            continue
        if getlist is not None and isinstance(form.fields[key], forms.MultipleChoiceField):
            data[key] = getlist(key)  # a QueryDict from an HTML form
        else:
            data[key] = _to_form_value(answers[key])
    bound = _make_form(service, specs, data=data)
    errors: dict[str, list[str]] = {}
    if not bound.is_valid():
        errors.update({key: [str(m) for m in messages] for key, messages in bound.errors.items()})
    for key in unknown:
        errors[key] = [_("This service's form has no question “%(key)s”.") % {"key": key}]
    if errors:
        raise InvalidAnswers(errors=errors)
    return bound.answers()


__all__ = ["ServiceForm", "build_service_form", "choice_options", "validate_answers"]
