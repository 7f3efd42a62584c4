"""The exchange log in the admin, read only and without message bodies."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onestop.exchange.models import ExchangeLogEntry


@admin.register(ExchangeLogEntry)
class ExchangeLogEntryAdmin(admin.ModelAdmin):
    """What was exchanged, by whom and for what; the sealer and the verifier keep it honest. Message
    bodies (kept only for services that log them) are for the auditor's screen, not shown here."""

    list_display = (
        "started_at",
        "side",
        "client",
        "service",
        "status",
        "error_type",
        "purpose",
        "issue",
        "seq",
    )
    list_filter = ("side", "status", "error_type", "purpose")
    search_fields = ("=x_road_id", "=request_id", "client", "service", "=subject", "=issue")
    date_hierarchy = "started_at"
    show_full_result_count = False
    exclude = ("request_body", "response_body")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
