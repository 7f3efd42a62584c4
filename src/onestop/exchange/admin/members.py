"""Member subsystems in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onestop.exchange import keys, services
from onestop.exchange.admin.base import ServiceBackedAdmin, adopt_saved, checked_public_key
from onestop.exchange.identifiers import IdentifierError, SubsystemId
from onestop.exchange.models import Member


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = (
            "instance",
            "member_class",
            "member_code",
            "subsystem_code",
            "name",
            "agency",
            "hosted",
            "public_key",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None:
            parts = [cleaned.get(n) for n in ("instance", "member_class", "member_code", "subsystem_code")]
            if all(parts):
                try:
                    SubsystemId(*(str(p) for p in parts))
                except IdentifierError as exc:
                    raise ValidationError(str(exc)) from exc
        if "public_key" in cleaned:
            cleaned["public_key"] = checked_public_key(self, cleaned["public_key"])
        if self.instance.pk is None:
            hosted, key = cleaned.get("hosted", False), cleaned.get("public_key", "")
            if hosted and key:
                self.add_error(
                    "public_key",
                    _("A subsystem hosted here signs with a key derived here; leave this empty."),
                )
            if not hosted and not key and settings.ONESTOP_EXCHANGE_AUTH != "proxy":
                # Without a security server in front, a remote member's requests are checked against this key.
                self.add_error("public_key", _("A remote subsystem needs its public key."))
        return cleaned


@admin.register(Member)
class MemberAdmin(ServiceBackedAdmin):
    form = MemberForm
    list_display = ("identifier", "name", "agency", "hosted", "is_active")
    list_filter = ("hosted", "is_active", "member_class")
    list_select_related = ("agency",)
    search_fields = ("identifier", "name", "agency__code")
    autocomplete_fields = ("agency",)
    add_fields = (
        "instance",
        "member_class",
        "member_code",
        "subsystem_code",
        "name",
        "agency",
        "hosted",
        "public_key",
    )
    change_fields = (
        "identifier",
        "name",
        "agency",
        "hosted",
        "public_key",
        "key_id",
        "is_active",
        "created_at",
        "updated_at",
    )
    change_readonly = ("identifier", "agency", "hosted", "key_id", "created_at", "updated_at")

    @admin.display(description=_("key id"))
    def key_id(self, obj: Member) -> str:
        return keys.key_id(obj.public_key) if obj.public_key else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and obj.hosted:
            readonly.append("public_key")  # derived from the deployment's key, never typed in
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "instance": settings.ONESTOP_EXCHANGE_INSTANCE,
            "member_class": "GOV",
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = services.member_register(
                actor=request.user,
                subsystem=SubsystemId(obj.instance, obj.member_class, obj.member_code, obj.subsystem_code),
                name=data["name"],
                agency=data.get("agency"),
                hosted=data.get("hosted", False),
                public_key=data.get("public_key", ""),
            )
        else:
            changed = set(form.changed_data)
            saved = services.member_update(
                actor=request.user,
                member=obj,
                name=data["name"] if "name" in changed else None,
                public_key=data["public_key"] if "public_key" in changed else None,
                is_active=data["is_active"] if "is_active" in changed else None,
            )
        adopt_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Member) -> None:
        services.member_delete(actor=request.user, member=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        for member in queryset:
            services.member_delete(actor=request.user, member=member)


# --- Data services ------------------------------------------------------------------------------
