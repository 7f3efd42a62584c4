"""Writes of a service's application form (``ServiceFormField`` rows): the typed fields a citizen
fills in when applying, with labels, help texts and choice labels in every interface language.

The form is set as a whole: the fields given replace the service's current ones, in the order given,
so an administrator or a seeding script never leaves a half-edited form behind. Rule violations raise
Django's ``ValidationError``, as the other catalogue services do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from onestop.catalog.models import Service, ServiceFormField
from onestop.core.audit import Actor, audit_record

Kind = ServiceFormField.Kind
CHOICE_KINDS = frozenset({Kind.CHOICE, Kind.MULTIPLE_CHOICE})
TEXT_KINDS = frozenset({Kind.TEXT, Kind.LONG_TEXT})


@dataclass(frozen=True)
class FormFieldSpec:
    """One field of a form. ``label`` and ``help_text`` map a language code to its text (English is
    required, the others fall back to it); ``choices`` are ``(value, {language: label})`` pairs."""

    key: str
    kind: str
    label: Mapping[str, str]
    help_text: Mapping[str, str] = field(default_factory=dict)
    required: bool = True
    choices: Sequence[tuple[str, Mapping[str, str]]] = ()
    max_length: int | None = None


def _problems(fields: Sequence[FormFieldSpec]) -> dict[str, str]:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for spec in fields:
        name = spec.key or "?"
        if not spec.key or slugify(spec.key).replace("-", "_") != spec.key.replace("-", "_"):
            problems[name] = "the key must be a slug (letters, digits, - or _)"
        elif spec.key in seen:
            problems[name] = "the key is used twice"
        seen.add(spec.key)
        if spec.kind not in Kind.values:
            problems[name] = f"unknown field type {spec.kind!r}"
        if not spec.label.get("en"):
            problems[name] = "an English label is required"
        if spec.kind in CHOICE_KINDS:
            values = [value for value, _labels in spec.choices]
            if len(values) < 2 or len(set(values)) != len(values):
                problems[name] = "a choice field needs at least two distinct choices"
            elif any(not labels.get("en") for _value, labels in spec.choices):
                problems[name] = "every choice needs an English label"
        elif spec.choices:
            problems[name] = "only choice fields take choices"
        if spec.max_length is not None and (spec.kind not in TEXT_KINDS or spec.max_length < 1):
            problems[name] = "a maximum length applies to text fields only and must be positive"
    return problems


def _translated(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
    # modeltranslation keeps one column per language; the base column mirrors English.
    result = {prefix: values.get("en", "")}
    for language, text in values.items():
        result[f"{prefix}_{language}"] = text
    return result


def form_snapshot(service: Service) -> list[dict[str, Any]]:
    """The form of ``service`` as plain data (for the audit trail and for exports)."""
    return [
        {"key": f.key, "kind": f.kind, "required": f.required, "choices": [c["value"] for c in f.choices]}
        for f in service.form_fields.order_by("position", "id")
    ]


def service_form_set(
    *, actor: Actor, service: Service, fields: Sequence[FormFieldSpec]
) -> list[ServiceFormField]:
    """Replace the application form of ``service`` with ``fields`` (in that order) and return the new
    rows. An empty sequence removes the form. Raises ``ValidationError`` naming each bad field (keys
    that are not slugs or repeat, unknown types, missing English labels, choice fields without
    choices) and changes nothing then."""
    problems = _problems(fields)
    if problems:
        raise ValidationError(problems, code="invalid_form")
    with transaction.atomic():
        before = form_snapshot(service)
        ServiceFormField.objects.filter(service=service).delete()
        rows = [
            ServiceFormField(
                service=service,
                key=spec.key,
                kind=spec.kind,
                required=spec.required,
                choices=[{"value": value, "label": dict(labels)} for value, labels in spec.choices],
                max_length=spec.max_length,
                position=position,
                **_translated("label", spec.label),
                **_translated("help_text", spec.help_text),
            )
            for position, spec in enumerate(fields)
        ]
        created = ServiceFormField.objects.bulk_create(rows)
        audit_record(
            actor=actor,
            action="service.form_set",
            target=service,
            before={"fields": before},
            after={"fields": form_snapshot(service)},
        )
    return created
