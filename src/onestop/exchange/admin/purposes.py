"""Purposes in the admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.exchange import services
from onestop.exchange.admin.base import EnglishTextsForm, ServiceBackedAdmin, adopt_saved, texts_of
from onestop.exchange.models import AccessRight, Purpose


class PurposeForm(EnglishTextsForm):
    english_required = ("name",)

    class Meta:
        model = Purpose
        fields = ("code", "name", "legal_basis", "needs_open_matter")


@admin.register(Purpose)
class PurposeAdmin(ServiceBackedAdmin, TabbedTranslationAdmin):
    form = PurposeForm
    fields = ("code",)  # replaced per view by get_fields; modeltranslation needs one declared
    list_display = ("code", "name", "needs_open_matter", "legal_basis")
    list_filter = ("needs_open_matter",)
    search_fields = ("code", "legal_basis", *(f"name_{lang}" for lang, _n in settings.LANGUAGES))
    add_fields = ("code", "name", "legal_basis", "needs_open_matter")
    change_fields = add_fields
    change_readonly = ("code",)

    def save_model(self, request: HttpRequest, obj: Purpose, form: Any, change: bool) -> None:
        data = form.cleaned_data
        name = texts_of(obj, "name") or {"en": obj.code}
        if not change:
            saved = services.purpose_define(
                actor=request.user,
                code=data["code"],
                name=name,
                legal_basis=data["legal_basis"],
                needs_open_matter=data["needs_open_matter"],
            )
        else:
            saved = services.purpose_update(
                actor=request.user,
                purpose=obj,
                name=name,
                legal_basis=data["legal_basis"],
                needs_open_matter=data["needs_open_matter"],
            )
        adopt_saved(obj, saved)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The rights naming a purpose keep it: the delete page lists them as what stands in the way.
        protected = list(protected) + [
            str(right)
            for right in AccessRight.objects.filter(purposes__in=list(objs)).select_related(
                "client", "service"
            )
        ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Purpose) -> None:
        services.purpose_delete(actor=request.user, purpose=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Purpose]) -> None:
        for purpose in queryset:
            services.purpose_delete(actor=request.user, purpose=purpose)


# --- Access rights ------------------------------------------------------------------------------
