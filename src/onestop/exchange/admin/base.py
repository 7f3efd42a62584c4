"""Shared pieces of the exchange admin: forms that take English texts and admins whose every
write goes through ``exchange.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onestop.core.i18n import get_translations
from onestop.exchange import keys


def adopt_saved(obj: models.Model, saved: models.Model) -> None:
    """The admin logs and redirects to the object it handed to ``save_model``: give it the row the
    service wrote."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def texts_of(obj: models.Model, field: str) -> dict[str, str] | None:
    texts = {lang: text for lang, text in get_translations(obj, field).items() if text}
    return texts or None


def checked_public_key(form: forms.ModelForm, key: str) -> str:
    key = key.strip()
    if key:
        try:
            keys.key_id(key)
        except ValueError:
            form.add_error("public_key", _("This is not an Ed25519 public key in PEM form."))
    return key


class EnglishTextsForm(forms.ModelForm):
    """Translated texts fall back to English, so English is needed whenever a text is given (and
    always for ``english_required``)."""

    english_required: tuple[str, ...] = ()
    english_if_any: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in (*self.english_required, *self.english_if_any):
            if f"{field}_en" not in self.fields or cleaned.get(f"{field}_en"):
                continue
            given = any(cleaned.get(f"{field}_{lang}") for lang, _name in settings.LANGUAGES)
            had = bool(self.instance.pk and getattr(self.instance, f"{field}_en", ""))
            if field in self.english_required or given or had:
                self.add_error(
                    f"{field}_en", _("Give this text in English, the language others fall back to.")
                )
        return cleaned


class ServiceBackedAdmin(admin.ModelAdmin):
    """Saving hands the form's values to a service; the service writes the row and its audit event."""

    add_fields: tuple[str, ...] = ()
    change_fields: tuple[str, ...] = ()
    change_readonly: tuple[str, ...] = ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.change_fields if obj is not None else self.add_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.change_readonly) if obj is not None else []

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Relations are the services' business too (rights' purposes are set by the grant)."""


# --- Members ---------------------------------------------------------------------------------------
