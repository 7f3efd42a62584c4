"""Admin for the kernel. The audit trail is read only here: nobody adds, edits or deletes events or
checkpoints through the admin (the sealer and the services write them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onestop.core import admin_calendar  # noqa: F401  (registers regions and calendar overrides)
from onestop.core.models import AuditCheckpoint, AuditEvent


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnlyAdmin):
    list_display = [
        "id",
        "occurred_at",
        "action",
        "actor_kind",
        "actor_label",
        "target_type",
        "target_label",
        "seq",
    ]
    list_filter = ["action", "actor_kind", "target_type"]
    search_fields = ["action", "actor_label", "actor_id", "target_label", "target_id", "request_id"]
    date_hierarchy = "occurred_at"
    list_select_related = False
    show_full_result_count = False  # counting a million rows on every page is not worth it


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(_ReadOnlyAdmin):
    list_display = ["seq", "hash", "created_at", "key_id"]
    date_hierarchy = "created_at"
