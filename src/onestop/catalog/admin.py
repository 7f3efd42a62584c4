"""Catalogue administration: one tab per content language, inlines for channels, evidence and fees,
CSV/XLSX import (with a dry-run preview; any bad row refuses the whole file) and export.

Every save or delete records an audit event in the admin's own transaction (Django runs the change
and delete views inside ``transaction.atomic``). A service's status changes only through the
``service_publish``/``service_withdraw`` services, as admin actions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from onestop.catalog import services
from onestop.catalog.models import (
    Agency,
    EvidenceType,
    Fee,
    FeeExemption,
    LegalResource,
    LifeEvent,
    Output,
    Service,
    ServiceChannel,
    ServiceEvidence,
    ServiceFormField,
)
from onestop.catalog.resources import AgencyResource, LifeEventResource, ServiceResource
from onestop.core.audit import audit_record


def _plain_snapshot(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


class AuditedAdmin(admin.ModelAdmin):
    """Records ``<noun>.create|update|delete`` for each change made in the admin."""

    audit_noun = ""

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return _plain_snapshot(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and obj.pk:
            fresh = type(obj)._default_manager.get(pk=obj.pk)
            obj._audit_before = self.snapshot(fresh)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the inlines, so that the event shows the channels, evidence and fees as saved.
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit_record(
            actor=request.user,
            action=f"{self.audit_noun}.{'update' if change else 'create'}",
            target=obj,
            before=getattr(obj, "_audit_before", None),
            after=self.snapshot(obj),
            extra={"via": "admin"},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=f"{self.audit_noun}.delete",
                target=obj,
                before=self.snapshot(obj),
                extra={"via": "admin"},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    action=f"{self.audit_noun}.delete",
                    target=obj,
                    before=self.snapshot(obj),
                    extra={"via": "admin"},
                )
            super().delete_queryset(request, queryset)


class TranslatedAuditedAdmin(AuditedAdmin, TabbedTranslationAdmin):
    pass


@admin.register(Agency)
class AgencyAdmin(ImportExportModelAdmin, TranslatedAuditedAdmin):
    audit_noun = "agency"
    resource_classes = [AgencyResource]
    list_display = ("code", "name", "level", "region", "is_active")
    list_filter = ("level", "is_active", "region")
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ka")
    autocomplete_fields = ("parent",)

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return services.agency_snapshot(obj)


@admin.register(LifeEvent)
class LifeEventAdmin(ImportExportModelAdmin, TranslatedAuditedAdmin):
    audit_noun = "life_event"
    resource_classes = [LifeEventResource]
    list_display = ("code", "name", "audience", "position")
    list_filter = ("audience",)
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ka")


@admin.register(EvidenceType)
class EvidenceTypeAdmin(TranslatedAuditedAdmin):
    audit_noun = "evidence_type"
    list_display = ("code", "name", "exchange_service")
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ka", "exchange_service")


@admin.register(Output)
class OutputAdmin(TranslatedAuditedAdmin):
    audit_noun = "output"
    list_display = ("code", "name", "kind", "validity")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ka")


@admin.register(LegalResource)
class LegalResourceAdmin(TranslatedAuditedAdmin):
    audit_noun = "legal_resource"
    list_display = ("code", "title", "url")
    search_fields = ("code", "title_en", "title_ru", "title_kk", "title_ka")


class ServiceChannelInline(admin.TabularInline):
    model = ServiceChannel
    extra = 0


class ServiceEvidenceInline(TranslationTabularInline):
    model = ServiceEvidence
    extra = 0
    autocomplete_fields = ("evidence_type",)


class FeeInline(TranslationTabularInline):
    model = Fee
    extra = 0
    show_change_link = True  # exemptions are edited on the fee's own page


class ServiceFormFieldInline(TranslationTabularInline):
    """The application form's questions; labels and hints get one tab per language."""

    model = ServiceFormField
    extra = 0
    fields = ("position", "key", "kind", "label", "help_text", "required", "choices", "max_length")


class FeeExemptionInline(TranslationTabularInline):
    model = FeeExemption
    extra = 0


@admin.register(Fee)
class FeeAdmin(TranslatedAuditedAdmin):
    audit_noun = "fee"
    inlines = [FeeExemptionInline]
    list_display = ("service", "label", "amount", "currency")
    list_filter = ("currency", "service__agency")
    search_fields = ("service__identifier", "label_en", "label_ru", "label_kk", "label_ka")
    autocomplete_fields = ("service",)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are these services withdrawn?"), widget=forms.Textarea, max_length=500
    )


@admin.register(Service)
class ServiceAdmin(ImportExportModelAdmin, TranslatedAuditedAdmin):
    audit_noun = "service"
    resource_classes = [ServiceResource]
    inlines = [ServiceChannelInline, ServiceEvidenceInline, FeeInline, ServiceFormFieldInline]
    list_display = ("identifier", "name", "agency", "status", "popularity")
    list_filter = ("status", "agency", "channels__kind", "life_events")
    list_select_related = ("agency",)
    search_fields = (
        "identifier",
        *(f"{field}_{lang}" for field in ("name", "keywords") for lang in ("en", "ru", "kk", "ka")),
    )
    autocomplete_fields = ("agency",)
    filter_horizontal = ("life_events", "outputs", "legal_resources")
    readonly_fields = ("status", "created_at", "updated_at")
    actions = ["publish", "withdraw"]

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return services.service_snapshot(obj)

    @admin.action(description=_("Publish selected services"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        published = 0
        for service in queryset.select_related("agency"):
            try:
                services.service_publish(actor=request.user, service=service)
            except ValidationError as exc:
                self.message_user(request, f"{service.identifier}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(
                request, ngettext("%d service published.", "%d services published.", published) % published
            )

    @admin.action(description=_("Withdraw selected services"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Service]) -> HttpResponse | None:
        form = WithdrawForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            withdrawn = 0
            for service in queryset:
                try:
                    services.service_withdraw(
                        actor=request.user, service=service, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as exc:
                    self.message_user(
                        request, f"{service.identifier}: {' '.join(exc.messages)}", messages.ERROR
                    )
                else:
                    withdrawn += 1
            if withdrawn:
                self.message_user(
                    request,
                    ngettext("%d service withdrawn.", "%d services withdrawn.", withdrawn) % withdrawn,
                )
            return None
        # The reason is required, so ask for it on an intermediate page before withdrawing anything.
        return TemplateResponse(
            request,
            "admin/catalog/service/withdraw.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Withdraw services"),
                "opts": self.model._meta,
                "services": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
