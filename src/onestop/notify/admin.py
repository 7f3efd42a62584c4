"""The notification outbox, read only: rows are written by services and sent by a task."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onestop.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "template",
        "audience",
        "recipient_id",
        "language",
        "status",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "audience", "template")
    search_fields = ("recipient_id", "subject_id", "template")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
