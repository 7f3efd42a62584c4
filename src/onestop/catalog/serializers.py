"""Output serializers of the catalogue API. They only shape data the selectors loaded; no logic.

Translated content comes twice: ``name``/``description`` in the request's language (falling back to
English), and ``translations`` with every content language, so a client can show its own choice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from rest_framework import serializers

from onestop.catalog.models import (
    Agency,
    DurationUnit,
    Fee,
    FeeExemption,
    LegalResource,
    LifeEvent,
    Output,
    Service,
    ServiceChannel,
    ServiceEvidence,
)
from onestop.core.i18n import content_languages, get_translations


def _texts_serializer(name: str, fields: tuple[str, ...]) -> type[serializers.Serializer[Any]]:
    attrs: dict[str, Any] = {f: serializers.CharField(allow_blank=True) for f in fields}
    return type(name, (serializers.Serializer,), attrs)


def _translations_serializer(name: str, fields: tuple[str, ...]) -> type[serializers.Serializer[Any]]:
    texts = _texts_serializer(f"{name}Texts", fields)
    attrs: dict[str, Any] = {
        lang: texts(help_text=f"Texts in {label}.") for lang, label in settings.LANGUAGES
    }
    return type(name, (serializers.Serializer,), attrs)


def translations_of(instance: models.Model, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """{"en": {"name": …, "description": …}, "ru": {…}, …}; a missing translation is ""."""
    per_field = {f: get_translations(instance, f) for f in fields}
    return {lang: {f: per_field[f][lang] for f in fields} for lang in content_languages()}


NAME_DESCRIPTION = ("name", "description")
NameDescriptionTranslations = _translations_serializer("NameDescriptionTranslations", NAME_DESCRIPTION)
SERVICE_TEXTS = ("name", "description", "keywords")
ServiceTranslations = _translations_serializer("ServiceTranslations", SERVICE_TEXTS)


class TranslatedSerializer(serializers.Serializer[Any]):
    """Adds ``translations`` of ``translated_fields`` to the current-language fields."""

    translated_fields: tuple[str, ...] = NAME_DESCRIPTION

    def adapt(self, instance: Any) -> Any:
        return instance

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(self.adapt(instance))
        if "translations" in self.fields:
            data["translations"] = translations_of(instance, self.translated_fields)
        return data


class AgencyRefSerializer(serializers.Serializer[Agency]):
    code = serializers.SlugField()
    name = serializers.CharField()


class LifeEventRefSerializer(serializers.Serializer[LifeEvent]):
    code = serializers.SlugField()
    name = serializers.CharField()


class AgencySerializer(TranslatedSerializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    translations = NameDescriptionTranslations(read_only=True)
    level = serializers.ChoiceField(choices=Agency.Level.choices)
    parent = serializers.CharField(  # type: ignore[assignment]  # as for FeeSerializer.label
        source="parent.code", allow_null=True, help_text="Code of the parent agency."
    )
    region = serializers.CharField(source="region.code", allow_null=True, help_text="Code of the region.")
    website = serializers.URLField(allow_blank=True)
    email = serializers.EmailField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    is_active = serializers.BooleanField()
    service_count = serializers.IntegerField(help_text="Active services this agency is competent for.")


class LifeEventSerializer(TranslatedSerializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    translations = NameDescriptionTranslations(read_only=True)
    audience = serializers.ChoiceField(choices=LifeEvent.Audience.choices)
    position = serializers.IntegerField()
    service_count = serializers.IntegerField(help_text="Active services grouped under this life event.")


class EvidenceTypeSerializer(TranslatedSerializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    translations = NameDescriptionTranslations(read_only=True)
    fetched_by_state = serializers.BooleanField(
        help_text="True when the state fetches this evidence from a registry; the citizen brings nothing."
    )
    exchange_service = serializers.CharField(
        allow_blank=True,
        help_text="The registry's data service (MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE).",
    )


class FeeExemptionSerializer(serializers.Serializer[FeeExemption]):
    group = serializers.SlugField(help_text="Beneficiary group, e.g. disability, pensioner.")
    description = serializers.CharField()
    discount_percent = serializers.IntegerField(min_value=1, max_value=100)


class FeeSerializer(serializers.Serializer[Fee]):
    label = serializers.CharField()  # type: ignore[assignment]  # DRF pops declared fields; the stubs see Field.label
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField(help_text="ISO 4217 code.")
    exemptions = FeeExemptionSerializer(many=True)


class DurationSerializer(serializers.Serializer[Any]):
    duration = serializers.CharField(help_text="ISO 8601 duration, e.g. P10D.")
    unit = serializers.ChoiceField(choices=DurationUnit.choices)


class OutputSerializer(serializers.Serializer[Output]):
    code = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Output.Kind.choices)
    validity = serializers.CharField(allow_blank=True, help_text="ISO 8601 duration; empty for indefinitely.")


class LegalResourceSerializer(serializers.Serializer[LegalResource]):
    code = serializers.SlugField()
    title = serializers.CharField()
    url = serializers.URLField(allow_blank=True)


class EvidenceRequirementSerializer(serializers.Serializer[ServiceEvidence]):
    code = serializers.SlugField(source="evidence_type.code")
    name = serializers.CharField(source="evidence_type.name")
    required = serializers.BooleanField()  # type: ignore[assignment]  # as for FeeSerializer.label
    note = serializers.CharField(allow_blank=True)
    fetched_by_state = serializers.BooleanField(source="evidence_type.fetched_by_state")
    exchange_service = serializers.CharField(source="evidence_type.exchange_service", allow_blank=True)


def _duration(value: str, unit: str) -> dict[str, str] | None:
    return {"duration": value, "unit": unit} if value else None


class ServiceListItemSerializer(TranslatedSerializer):
    translated_fields = SERVICE_TEXTS

    identifier = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    agency = AgencyRefSerializer()
    life_events = LifeEventRefSerializer(many=True)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=ServiceChannel.Kind.choices))
    fees = FeeSerializer(many=True)
    statutory_time = DurationSerializer()
    target_time = DurationSerializer(allow_null=True)
    popularity = serializers.IntegerField()

    def adapt(self, instance: Any) -> Any:
        assert isinstance(instance, Service)
        return _ServiceView(instance)


class ServiceDetailSerializer(ServiceListItemSerializer):
    # Every language's texts only on the detail: they tripled the size of each list page, which
    # the portals and agency systems read far more often than any one service.
    translations = ServiceTranslations(read_only=True)
    keywords = serializers.CharField(allow_blank=True)
    evidence = EvidenceRequirementSerializer(many=True)
    outputs = OutputSerializer(many=True)
    legal_basis = LegalResourceSerializer(many=True)
    updated_at = serializers.DateTimeField()


class _ServiceView:
    """Adapts a prefetched Service to the serializers' shape, reading only prefetched relations."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    @property
    def life_events(self) -> list[LifeEvent]:
        return list(self._service.life_events.all())

    @property
    def channels(self) -> list[str]:
        return [channel.kind for channel in self._service.channels.all()]

    @property
    def fees(self) -> list[Fee]:
        return list(self._service.fees.all())

    @property
    def evidence(self) -> list[ServiceEvidence]:
        return list(self._service.evidence_requirements.all())

    @property
    def outputs(self) -> list[Output]:
        return list(self._service.outputs.all())

    @property
    def legal_basis(self) -> list[LegalResource]:
        return list(self._service.legal_resources.all())

    @property
    def statutory_time(self) -> dict[str, str] | None:
        return _duration(self._service.statutory_time, self._service.statutory_time_unit)

    @property
    def target_time(self) -> dict[str, str] | None:
        return _duration(self._service.target_time, self._service.target_time_unit)


class ProblemErrorSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="The offending parameter or field.")
    reason = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details, as every API error is returned."""

    type = serializers.CharField(help_text="Stable URN of the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    instance = serializers.CharField(required=False)
    errors = ProblemErrorSerializer(many=True, required=False)  # type: ignore[assignment]  # as above
    request_id = serializers.CharField(required=False)


def paginated(item: type[serializers.Serializer[Any]], name: str) -> type[serializers.Serializer[Any]]:
    """The page envelope of core.pagination.PageNumberPagination around ``item``."""
    attrs: dict[str, Any] = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item(many=True),
    }
    return type(name, (serializers.Serializer,), attrs)


PaginatedServiceList = paginated(ServiceListItemSerializer, "PaginatedServiceList")
PaginatedAgencyList = paginated(AgencySerializer, "PaginatedAgencyList")
PaginatedLifeEventList = paginated(LifeEventSerializer, "PaginatedLifeEventList")
PaginatedEvidenceTypeList = paginated(EvidenceTypeSerializer, "PaginatedEvidenceTypeList")
