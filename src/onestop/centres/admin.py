"""Centre administration: one tab per content language, inlines for counters and opening hours, and
the services a centre offers. Every save or delete records one audit event with the centre as it was
and as it is (counters, hours and services included), in the admin's own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.catalog.admin import AuditedAdmin
from onestop.centres.models import Centre, Counter, OpeningHours
from onestop.centres.services import centre_summary


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    fields = ("weekday", "opens", "closes")


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    fields = ("number", "label", "is_active")


def centre_snapshot(centre: Centre) -> dict[str, Any]:
    """Everything an administrator can change on the centre page, for the audit trail."""
    summary = centre_summary(centre)
    if centre.pk:
        summary["services"] = sorted(centre.services.values_list("identifier", flat=True))
        summary["opening_hours"] = [
            [h.weekday, h.opens.isoformat(), h.closes.isoformat()] for h in centre.opening_hours.all()
        ]
        summary["counters"] = [[c.number, c.label, c.is_active] for c in centre.counters.all()]
    return summary


@admin.register(Centre)
class CentreAdmin(AuditedAdmin, TabbedTranslationAdmin):
    audit_noun = "centre"
    list_display = ("code", "name", "kind", "region", "is_active")
    list_filter = ("kind", "is_active", "region")
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ka")
    filter_horizontal = ("services",)
    inlines = [OpeningHoursInline, CounterInline]

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return centre_snapshot(obj)
