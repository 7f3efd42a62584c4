"""Admin screens for regions and business-calendar overrides. Saving and deleting go through
onestop.core.services, so every change is audited and the calendar cache is dropped.

Imported by onestop.core.admin, which registers the rest of the kernel's admin.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.core import services
from onestop.core.i18n import content_languages
from onestop.core.models import CalendarOverride, Region


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin[CalendarOverride]):
    list_display = ("date", "country", "kind", "name")
    list_filter = ("country", "kind")
    date_hierarchy = "date"
    search_fields = ("name",)
    ordering = ("-date",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"country": settings.ONESTOP_COUNTRY, **super().get_changeform_initial_data(request)}

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: ModelForm[Any], change: bool
    ) -> None:
        if change and obj.pk is not None:
            previous = CalendarOverride.objects.get(pk=obj.pk)
            if (previous.country, previous.date) != (obj.country.upper(), obj.date):
                # Moving an override to another day: the old day returns to the statutory calendar.
                services.calendar_override_delete(
                    actor=request.user, override=previous, reason="moved in admin"
                )
        saved = services.calendar_override_set(
            actor=request.user, country=obj.country, date=obj.date, kind=obj.kind, name=obj.name
        )
        obj.pk = saved.pk
        obj.country = saved.country

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        services.calendar_override_delete(actor=request.user, override=obj, reason="deleted in admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for override in queryset:
            services.calendar_override_delete(
                actor=request.user, override=override, reason="deleted in admin"
            )


@admin.register(Region)
class RegionAdmin(TabbedTranslationAdmin[Region]):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Region, form: ModelForm[Any], change: bool) -> None:
        names = {lang: getattr(obj, f"name_{lang}", "") or "" for lang in content_languages()}
        if change and obj.pk is not None:
            saved = services.region_update(actor=request.user, region=obj, code=obj.code, name=names)
        else:
            saved = services.region_create(actor=request.user, code=obj.code, name=names)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Region | None = None) -> bool:
        # Agencies and centres point at regions; retiring one is a data migration, not a click.
        return False
