"""Administration of the exchange directory: member subsystems, data services, purposes and access
rights, and a read-only view of the exchange log.

Every add, change and delete calls the matching ``exchange.services`` function, so each is one
audited transaction and drops the directory snapshot, exactly as from code. The forms check what
those functions would refuse, so a bad entry comes back as a form error rather than a failure.
An access right is never deleted: it is revoked, with a reason, and stays as the record of what
was allowed. The built-in registries are published with a form that runs ``directory_bootstrap``.

The built-in registries' records have no admin: reading a citizen's records here would be an
access to their data that no exchange log entry, and so no data tracker, would show.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.catalog.models import Agency
from onestop.core.i18n import get_translations
from onestop.exchange import keys, services
from onestop.exchange.bootstrap import directory_bootstrap
from onestop.exchange.identifiers import IdentifierError, ServiceId, SubsystemId
from onestop.exchange.models import AccessRight, DataService, ExchangeLogEntry, Member, Purpose
from onestop.exchange.registries import handler_names
from onestop.exchange.registries.catalogue import BUILTIN_REGISTRIES, BUILTIN_SERVICES


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """The admin logs and redirects to the object it handed to ``save_model``: give it the row the
    service wrote."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def _texts(obj: models.Model, field: str) -> dict[str, str] | None:
    texts = {lang: text for lang, text in get_translations(obj, field).items() if text}
    return texts or None


def _valid_key(form: forms.ModelForm, key: str) -> str:
    key = key.strip()
    if key:
        try:
            keys.key_id(key)
        except ValueError:
            form.add_error("public_key", _("This is not an Ed25519 public key in PEM form."))
    return key


class EnglishTextsForm(forms.ModelForm):
    """Translated texts fall back to English, so English is needed whenever a text is given (and
    always for ``english_required``)."""

    english_required: tuple[str, ...] = ()
    english_if_any: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in (*self.english_required, *self.english_if_any):
            if f"{field}_en" not in self.fields or cleaned.get(f"{field}_en"):
                continue
            given = any(cleaned.get(f"{field}_{lang}") for lang, _name in settings.LANGUAGES)
            had = bool(self.instance.pk and getattr(self.instance, f"{field}_en", ""))
            if field in self.english_required or given or had:
                self.add_error(
                    f"{field}_en", _("Give this text in English, the language others fall back to.")
                )
        return cleaned


class ServiceBackedAdmin(admin.ModelAdmin):
    """Saving hands the form's values to a service; the service writes the row and its audit event."""

    add_fields: tuple[str, ...] = ()
    change_fields: tuple[str, ...] = ()
    change_readonly: tuple[str, ...] = ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.change_fields if obj is not None else self.add_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.change_readonly) if obj is not None else []

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Relations are the services' business too (rights' purposes are set by the grant)."""


# --- Members ---------------------------------------------------------------------------------------


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
            cleaned["public_key"] = _valid_key(self, cleaned["public_key"])
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
        _adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Member) -> None:
        services.member_delete(actor=request.user, member=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        for member in queryset:
            services.member_delete(actor=request.user, member=member)


# --- Data services ------------------------------------------------------------------------------


def _handler_choices() -> list[tuple[str, str]]:
    names = {b.handler: b.name["en"] for b in BUILTIN_SERVICES}
    return [("", "—")] + [(h, f"{h} ({names[h]})" if h in names else h) for h in handler_names()]


class DataServiceForm(EnglishTextsForm):
    english_required = ("name",)
    english_if_any = ("description",)
    handler = forms.ChoiceField(label=_("built-in handler"), required=False, choices=_handler_choices)
    endpoint_url = forms.URLField(
        label=_("remote endpoint"),
        required=False,
        max_length=400,
        assume_scheme="https",  # a security server is reached over TLS unless a scheme says otherwise
        help_text=_("Base URL of the provider's security server; empty for a built-in registry."),
    )

    class Meta:
        model = DataService
        fields = (
            "provider",
            "service_code",
            "version",
            "name",
            "description",
            "openapi",
            "handler",
            "endpoint_url",
            "timeout_seconds",
            "personal_data",
            "log_bodies",
            "is_active",
        )

    def clean_openapi(self) -> Any:
        return self.cleaned_data.get("openapi") or {}  # an empty box means no description yet

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        provider, code = cleaned.get("provider"), cleaned.get("service_code")
        if self.instance.pk is None and provider is not None and code:
            try:
                ServiceId(provider.subsystem_id, code)
            except IdentifierError as exc:
                self.add_error("service_code", str(exc))
        handler = cleaned.get("handler", self.instance.handler)
        endpoint = cleaned.get("endpoint_url", self.instance.endpoint_url)
        if not handler and not endpoint:
            self.add_error("handler", _("Give a built-in handler (served here), a remote endpoint, or both."))
        timeout = cleaned.get("timeout_seconds")
        if timeout is not None and not 0 < timeout <= 60:
            self.add_error("timeout_seconds", _("The timeout must be between 0 and 60 seconds."))
        return cleaned


UPDATABLE = ("version", "openapi", "handler", "endpoint_url", "timeout_seconds", "log_bodies", "is_active")


@admin.register(DataService)
class DataServiceAdmin(ServiceBackedAdmin, TabbedTranslationAdmin):
    form = DataServiceForm
    fields = ("provider",)  # replaced per view by get_fields; modeltranslation needs one declared
    list_display = ("identifier", "name", "owner", "handler", "endpoint_url", "is_active", "log_bodies")
    list_filter = ("is_active", "log_bodies", "personal_data", ("owner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("owner", "provider")
    search_fields = (
        "identifier",
        "service_code",
        "handler",
        *(f"name_{lang}" for lang, _n in settings.LANGUAGES),
    )
    autocomplete_fields = ("provider",)
    add_fields = (
        "provider",
        "service_code",
        "version",
        "name",
        "description",
        "handler",
        "endpoint_url",
        "timeout_seconds",
        "personal_data",
        "log_bodies",
        "openapi",
    )
    change_fields = (
        "identifier",
        "owner",
        "personal_data",
        "version",
        "name",
        "description",
        "handler",
        "endpoint_url",
        "timeout_seconds",
        "log_bodies",
        "is_active",
        "openapi",
        "created_at",
        "updated_at",
    )
    change_readonly = ("identifier", "owner", "personal_data", "created_at", "updated_at")
    change_list_template = "admin/exchange/dataservice/change_list.html"

    def save_model(self, request: HttpRequest, obj: DataService, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            builtin = next((b for b in BUILTIN_SERVICES if b.handler == data.get("handler")), None)
            saved = services.data_service_register(
                actor=request.user,
                provider=data["provider"],
                service_code=data["service_code"],
                name=_texts(obj, "name") or {"en": data["service_code"]},
                description=_texts(obj, "description"),
                version=data.get("version") or "1",
                # A built-in handler's own description unless one was given.
                openapi=data.get("openapi") or (builtin.openapi if builtin else None),
                handler=data.get("handler", ""),
                endpoint_url=data.get("endpoint_url", ""),
                timeout_seconds=data["timeout_seconds"],
                personal_data=data.get("personal_data", True),
                log_bodies=data.get("log_bodies", False),
            )
        else:
            changes: dict[str, Any] = {f: data[f] for f in UPDATABLE if f in form.changed_data}
            for field in ("name", "description"):
                if any(name.startswith(f"{field}_") for name in form.changed_data):
                    changes[field] = _texts(obj, field) or ""
            saved = services.data_service_update(actor=request.user, service=obj, **changes)
        _adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: DataService) -> None:
        services.data_service_delete(actor=request.user, service=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DataService]) -> None:
        for service in queryset:
            services.data_service_delete(actor=request.user, service=service)

    def get_urls(self) -> list[URLPattern]:
        publish = path(
            "publish-builtin/",
            self.admin_site.admin_view(self.publish_builtin),
            name="exchange_dataservice_publish_builtin",
        )
        return [publish, *super().get_urls()]

    def publish_builtin(self, request: HttpRequest) -> HttpResponse:
        """Publish the built-in registries (``directory_bootstrap``) with the agencies chosen here."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = PublishBuiltinForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            mapping = {
                r.subsystem: form.cleaned_data[r.subsystem].code
                for r in BUILTIN_REGISTRIES
                if form.cleaned_data.get(r.subsystem) is not None
            }
            result = directory_bootstrap(actor=request.user, agency_for_subsystem=mapping)
            self.message_user(
                request,
                gettext(
                    "Added %(members)d registry subsystems, %(services)d data services, "
                    "%(clients)d back-office subsystems and %(rights)d access rights."
                )
                % {
                    "members": result.members,
                    "services": result.services,
                    "clients": result.clients,
                    "rights": result.rights,
                },
            )
            if result.unresolved:
                self.message_user(
                    request,
                    gettext("No data service in the directory offers: %(list)s")
                    % {"list": ", ".join(result.unresolved)},
                    messages.WARNING,
                )
            return HttpResponseRedirect(reverse("admin:exchange_dataservice_changelist"))
        return TemplateResponse(
            request,
            "admin/exchange/dataservice/publish_builtin.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Publish the built-in registries"),
                "opts": self.model._meta,
                "form": form,
                "registries": BUILTIN_REGISTRIES,
            },
        )


class PublishBuiltinForm(forms.Form):
    """One agency per built-in registry: the agency that keeps it (and owns its data services)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("code")
        hints = {a.code: a.pk for a in agencies.filter(code__in=[r.agency_hint for r in BUILTIN_REGISTRIES])}
        for registry in BUILTIN_REGISTRIES:
            self.fields[registry.subsystem] = forms.ModelChoiceField(
                queryset=agencies,
                required=False,
                label=registry.name,
                help_text=str(registry.subsystem_id(settings.ONESTOP_EXCHANGE_INSTANCE)),
                initial=hints.get(registry.agency_hint),
            )


# --- Purposes -----------------------------------------------------------------------------------


class PurposeForm(EnglishTextsForm):
    english_required = ("name",)

    class Meta:
        model = Purpose
        fields = ("code", "name", "legal_basis", "needs_open_matter")


@admin.register(Purpose)
class PurposeAdmin(ServiceBackedAdmin, TabbedTranslationAdmin):
    form = PurposeForm
    fields = ("code",)  # replaced per view by get_fields; modeltranslation needs one declared
    list_display = ("code", "name", "needs_open_matter", "legal_basis")
    list_filter = ("needs_open_matter",)
    search_fields = ("code", "legal_basis", *(f"name_{lang}" for lang, _n in settings.LANGUAGES))
    add_fields = ("code", "name", "legal_basis", "needs_open_matter")
    change_fields = add_fields
    change_readonly = ("code",)

    def save_model(self, request: HttpRequest, obj: Purpose, form: Any, change: bool) -> None:
        data = form.cleaned_data
        name = _texts(obj, "name") or {"en": obj.code}
        if not change:
            saved = services.purpose_define(
                actor=request.user,
                code=data["code"],
                name=name,
                legal_basis=data["legal_basis"],
                needs_open_matter=data["needs_open_matter"],
            )
        else:
            saved = services.purpose_update(
                actor=request.user,
                purpose=obj,
                name=name,
                legal_basis=data["legal_basis"],
                needs_open_matter=data["needs_open_matter"],
            )
        _adopt(obj, saved)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The rights naming a purpose keep it: the delete page lists them as what stands in the way.
        protected = list(protected) + [
            str(right)
            for right in AccessRight.objects.filter(purposes__in=list(objs)).select_related(
                "client", "service"
            )
        ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Purpose) -> None:
        services.purpose_delete(actor=request.user, purpose=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Purpose]) -> None:
        for purpose in queryset:
            services.purpose_delete(actor=request.user, purpose=purpose)


# --- Access rights ------------------------------------------------------------------------------


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
        _adopt(obj, saved)

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
