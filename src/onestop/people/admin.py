"""Staff and citizen administration.

Staff accounts use Django's user admin with their role memberships inline; new memberships go
through :func:`role_grant` (the scope rule) and removed ones through :func:`role_revoke`, so the
admin-site flags follow the administrator role. Every save records an audit event in the admin's own
transaction; password hashes never reach the audit trail, nor do citizens' personal details.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onestop.catalog.admin import AuditedAdmin
from onestop.core.audit import audit_record
from onestop.core.national_ids import validate_national_id
from onestop.people.models import Citizen, RoleMembership, User
from onestop.people.services import role_grant, role_revoke, validate_role_scope


class RoleMembershipForm(forms.ModelForm):
    class Meta:
        model = RoleMembership
        fields = ("role", "centre", "agency", "valid_from", "valid_until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role"):
            try:
                validate_role_scope(cleaned["role"], cleaned.get("centre"), cleaned.get("agency"))
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date must not be before the start date."))
        return cleaned


class RoleMembershipInline(admin.TabularInline):
    model = RoleMembership
    form = RoleMembershipForm
    extra = 0
    autocomplete_fields = ("centre", "agency")


def staff_snapshot(user: User) -> dict[str, Any]:
    summary: dict[str, Any] = {
        field: getattr(user, field)
        for field in ("username", "first_name", "last_name", "email", "preferred_language", "is_active")
    }
    summary["is_staff"], summary["is_superuser"] = user.is_staff, user.is_superuser
    if user.pk:
        summary["memberships"] = [
            [m.role, m.centre_id, m.agency_id, m.valid_from, m.valid_until] for m in user.memberships.all()
        ]
    return summary


@admin.register(User)
class StaffAdmin(AuditedAdmin, UserAdmin):
    audit_noun = "staff"
    inlines = [RoleMembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "last_login")
    list_filter = ("is_active", "memberships__role")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "preferred_language")}),
        (_("Access"), {"fields": ("is_active",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return staff_snapshot(obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleMembership:
            super().save_formset(request, form, formset, change)
            return
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            role_revoke(
                actor=request.user, membership=membership, reason=gettext("Removed in the administration")
            )
        for membership in memberships:
            if membership.pk is None:
                role_grant(
                    actor=request.user,
                    user=form.instance,
                    role=membership.role,
                    centre=membership.centre,
                    agency=membership.agency,
                    valid_from=membership.valid_from,
                    valid_until=membership.valid_until,
                )
            else:
                membership.save()  # covered by the staff.update event's before/after
        form.instance.refresh_from_db(fields=["is_staff", "is_superuser"])


class CitizenForm(forms.ModelForm):
    class Meta:
        model = Citizen
        fields = (
            "national_id",
            "given_name",
            "family_name",
            "patronymic",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "preferred_language",
        )

    def clean_national_id(self) -> str:
        return validate_national_id(self.cleaned_data["national_id"])


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    form = CitizenForm
    list_display = ("national_id", "family_name", "given_name", "date_of_birth", "created_at")
    search_fields = ("=national_id", "family_name", "given_name", "patronymic")
    ordering = ("family_name", "given_name")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Which fields changed, not their values: the audit trail keeps no personal details.
        audit_record(
            actor=request.user,
            action="citizen.update" if change else "citizen.register",
            target=obj,
            after={"national_id": obj.national_id},
            extra={"fields": sorted(form.changed_data), "via": "admin"},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action="citizen.delete",
                target=obj,
                before={"national_id": obj.national_id},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # The bulk delete action runs outside the change views' transaction.
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    action="citizen.delete",
                    target=obj,
                    before={"national_id": obj.national_id},
                )
            super().delete_queryset(request, queryset)
