"""Back-office administration: cases read only with their history inline (cases change only through
the services), published reason codes and officer profiles (audited in the admin's transaction).
Webhooks are administered in :mod:`onestop.cases.admin_webhooks`, imported here so the admin's
discovery of ``admin`` modules finds them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.cases import admin_webhooks
from onestop.cases.models import Case, CaseEvent, OfficerProfile, ReasonCode
from onestop.catalog.admin import AuditedAdmin


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "from_status", "to_status", "actor_label", "reason")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "service", "agency", "assignee", "status", "sla_state", "statutory_due_at")
    list_filter = ("status", "sla_state", "agency")
    search_fields = ("number", "citizen__national_id")
    list_select_related = ("service", "agency", "assignee")
    raw_id_fields = ("application", "item", "citizen", "service", "agency", "assignee")
    inlines = [CaseEventInline]
    show_full_result_count = False  # a COUNT(*) over millions of cases on every page is wasted

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReasonCode)
class ReasonCodeAdmin(AuditedAdmin, TabbedTranslationAdmin):
    audit_noun = "reason_code"
    list_display = ("code", "outcome", "label", "legal_ground")
    list_filter = ("outcome",)
    search_fields = ("code", "label_en", "label_ru", "label_kk")


@admin.register(OfficerProfile)
class OfficerProfileAdmin(AuditedAdmin):
    audit_noun = "officer_profile"
    list_display = ("officer", "absent_from", "absent_until", "last_assigned_at")
    search_fields = ("officer__username", "officer__last_name")
    filter_horizontal = ("services",)
    raw_id_fields = ("officer",)
    readonly_fields = ("last_assigned_at",)

    def snapshot(self, obj: Any) -> dict[str, Any]:
        data = {
            "officer": obj.officer_id,
            "absent_from": obj.absent_from.isoformat() if obj.absent_from else None,
            "absent_until": obj.absent_until.isoformat() if obj.absent_until else None,
        }
        if obj.pk:
            data["services"] = sorted(obj.services.values_list("identifier", flat=True))
        return data


__all__ = ["CaseAdmin", "OfficerProfileAdmin", "ReasonCodeAdmin", "admin_webhooks"]
