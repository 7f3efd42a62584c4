"""Front-office administration: queues (with the counters' work-profile lines as an inline), tickets
read only with their events, counter sessions read only. Queue changes are audited in the admin's
own transaction (before/after, work profile included); tickets and sessions change only through
the services, never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.catalog.admin import AuditedAdmin
from onestop.queueing.models import CounterQueue, CounterSession, Queue, Ticket, TicketEvent, TicketService
from onestop.queueing.services.counters import queue_summary


class CounterQueueInline(admin.TabularInline):
    model = CounterQueue
    extra = 0
    fields = ("counter", "position")


@admin.register(Queue)
class QueueAdmin(AuditedAdmin, TabbedTranslationAdmin):
    audit_noun = "queue"
    list_display = (
        "prefix",
        "name",
        "centre",
        "position",
        "target_wait_minutes",
        "allows_remote",
        "is_active",
    )
    list_filter = ("is_active", "allows_remote", "centre")
    search_fields = ("prefix", "name_en", "name_ru", "centre__code")
    filter_horizontal = ("services",)
    inlines = [CounterQueueInline]

    def snapshot(self, obj: Any) -> dict[str, Any]:
        summary = queue_summary(obj)
        if obj.pk:
            summary["services"] = sorted(obj.services.values_list("identifier", flat=True))
            summary["work_profile"] = [
                [e.counter.number, e.position] for e in obj.counter_entries.select_related("counter")
            ]
        return summary


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketEventInline(_ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "kind", "from_status", "to_status", "counter", "actor_label", "data")
    readonly_fields = fields


class TicketServiceInline(_ReadOnlyInline):
    model = TicketService
    fields = ("service", "outcome", "counter", "operator", "started_at", "ended_at")
    readonly_fields = fields


class _ReadOnlyAdmin(admin.ModelAdmin):
    """History is append-only and status changes only through the workflow: view, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(_ReadOnlyAdmin):
    list_display = ("number", "centre", "service_day", "status", "channel", "queue", "counter", "issued_at")
    list_filter = ("status", "channel", "service_day", "centre")
    search_fields = ("number", "token", "citizen__national_id")
    date_hierarchy = "service_day"
    inlines = [TicketServiceInline, TicketEventInline]


@admin.register(CounterSession)
class CounterSessionAdmin(_ReadOnlyAdmin):
    list_display = ("counter", "operator", "started_at", "ended_at")
    list_filter = ("counter__centre",)
    search_fields = ("operator__username", "counter__centre__code")
