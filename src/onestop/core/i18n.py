"""Helpers for translated catalogue content (django-modeltranslation fields ``<field>_<lang>``)."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import models

# Content in several languages, keyed by language code: {"en": "Birth registration", "kk": "…"}.
Translations = Mapping[str, str]


def content_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def set_translations(instance: models.Model, field: str, values: Translations | str | None) -> None:
    """Assign ``values`` to ``<field>_<lang>`` columns. A plain string is English. English is the
    fallback language, so it must be present when anything is given."""
    if values is None:
        return
    if isinstance(values, str):
        values = {"en": values}
    unknown = set(values) - set(content_languages())
    if unknown:
        raise ValueError(f"Unknown language(s) for {field}: {', '.join(sorted(unknown))}")
    for lang, text in values.items():
        setattr(instance, f"{field}_{lang}", text)
    if values and not getattr(instance, f"{field}_en", ""):
        raise ValueError(f"{field} needs an English text, the fallback language")


def get_translations(instance: models.Model, field: str) -> dict[str, str]:
    return {lang: getattr(instance, f"{field}_{lang}", "") or "" for lang in content_languages()}
