"""Admin for agencies' webhooks and a read-only view of their deliveries. Imported by
``cases/admin.py``. Saves and deletes go through ``onestop.cases.webhooks`` so they are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from onestop.cases.models import Webhook, WebhookDelivery
from onestop.cases.webhooks import webhook_delete, webhook_save


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    list_display = ["url", "agency", "is_active", "created_at"]
    list_filter = ["is_active", "agency"]
    search_fields = ["url", "agency__code"]
    fields = ["agency", "url", "secret", "is_active"]

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        webhook_save(actor=request.user, webhook=obj)

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhook_delete(actor=request.user, webhook=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhook_delete(actor=request.user, webhook=webhook)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ["id", "webhook", "event", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False
