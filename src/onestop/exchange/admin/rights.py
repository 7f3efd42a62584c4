"""Access rights in the admin: granted, changed and revoked (with a reason), never deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from onestop.exchange import services
from onestop.exchange.admin.base import ServiceBackedAdmin, adopt_saved
from onestop.exchange.models import AccessRight, Purpose


class AccessRightForm(forms.ModelForm):
    purposes: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("purposes"), queryset=Purpose.objects.order_by("code"), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = AccessRight
        fields = ("client", "service", "purposes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        client, service = cleaned.get("client"), cleaned.get("service")
        if self.instance.pk is None and client is not None and service is not None:
            existing = AccessRight.objects.filter(client=client, service=service).first()
            if existing is not None and existing.revoked_at is None:
                raise ValidationError(
                    _("This subsystem already has a right to this data service; change that right instead.")
                )
            if existing is not None:
                # Granting a revoked pair again restores its right (access_right_grant): the form
                # validates and hands on that row rather than a second one for the same pair.
                self.instance = existing
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why are these rights revoked?"), widget=forms.Textarea, max_length=500)


class InForceFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("in-force", _("In force")), ("revoked", _("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "in-force":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(AccessRight)
class AccessRightAdmin(ServiceBackedAdmin):
    form = AccessRightForm
    list_display = ("client", "service", "purpose_codes", "granted_at", "state")
    list_filter = (InForceFilter, "purposes", ("client__agency", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("client", "service")
    search_fields = ("client__identifier", "service__identifier")
    autocomplete_fields = ("client", "service")
    add_fields = ("client", "service", "purposes")
    change_fields = ("client", "service", "purposes", "granted_at", "granted_by", "revoked_at")
    change_readonly = ("client", "service", "granted_at", "granted_by", "revoked_at")
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessRight]:
        return super().get_queryset(request).prefetch_related("purposes")

    @admin.display(description=_("purposes"))
    def purpose_codes(self, obj: AccessRight) -> str:
        return ", ".join(sorted(p.code for p in obj.purposes.all()))

    @admin.display(description=_("state"))
    def state(self, obj: AccessRight) -> str:
        return str(_("Revoked")) if obj.revoked_at else str(_("In force"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A revoked right is history; granting the pair again (add) restores it.
        if obj is not None and obj.revoked_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the right stays as the record of what was allowed

    def save_model(self, request: HttpRequest, obj: AccessRight, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.access_right_grant(
            actor=request.user,
            client=data["client"] if not change else obj.client,
            service=data["service"] if not change else obj.service,
            purposes=data["purposes"],
        )
        adopt_saved(obj, saved)

    @admin.action(description=_("Revoke selected rights"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessRight]) -> HttpResponse | None:
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            revoked = 0
            for right in queryset.filter(revoked_at__isnull=True):
                services.access_right_revoke(
                    actor=request.user, right=right, reason=form.cleaned_data["reason"]
                )
                revoked += 1
            self.message_user(request, ngettext("%d right revoked.", "%d rights revoked.", revoked) % revoked)
            return None
        # The reason is required, so ask for it on a page of its own before revoking anything.
        return TemplateResponse(
            request,
            "admin/exchange/accessright/revoke.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Revoke access rights"),
                "opts": self.model._meta,
                "rights": queryset.select_related("client", "service"),
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


# --- The exchange log (read only) ---------------------------------------------------------------
