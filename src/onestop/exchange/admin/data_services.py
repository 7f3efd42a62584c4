"""Data services in the admin, and publishing the built-in registries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from onestop.catalog.models import Agency
from onestop.exchange import services
from onestop.exchange.admin.base import EnglishTextsForm, ServiceBackedAdmin, adopt_saved, texts_of
from onestop.exchange.bootstrap import directory_bootstrap
from onestop.exchange.identifiers import IdentifierError, ServiceId
from onestop.exchange.models import DataService
from onestop.exchange.registries import handler_names
from onestop.exchange.registries.catalogue import BUILTIN_REGISTRIES, BUILTIN_SERVICES


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
                name=texts_of(obj, "name") or {"en": data["service_code"]},
                description=texts_of(obj, "description"),
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
                    changes[field] = texts_of(obj, field) or ""
            saved = services.data_service_update(actor=request.user, service=obj, **changes)
        adopt_saved(obj, saved)

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
