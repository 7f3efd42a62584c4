"""Query parameters of the catalogue API, validated before any query runs.

A bad value or an unknown parameter name is a 400 problem whose ``errors`` name the parameter, so a
typo such as ``?agnecy=moj`` does not silently return the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from onestop.catalog.models import Agency, LifeEvent, ServiceChannel

MAX_PAGE_SIZE = 200


class NoParams(serializers.Serializer[Any]):
    """An endpoint that takes no query parameters: any given is unknown."""


class PageParams(NoParams):
    page = serializers.IntegerField(required=False, min_value=1, help_text="Page number, from 1.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, help_text=f"Items per page, 1–{MAX_PAGE_SIZE}."
    )


class ServiceListParams(PageParams):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words to search for."
    )
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Agency.objects.all(),
        required=False,
        help_text="Code of the competent agency.",
        error_messages={"does_not_exist": _("No agency has the code {value}.")},
    )
    life_event: serializers.SlugRelatedField[LifeEvent] = serializers.SlugRelatedField(
        slug_field="code",
        queryset=LifeEvent.objects.all(),
        required=False,
        help_text="Code of a life event.",
        error_messages={"does_not_exist": _("No life event has the code {value}.")},
    )
    channel = serializers.ChoiceField(choices=ServiceChannel.Kind.choices, required=False)
    centre = serializers.SlugField(required=False, max_length=40, help_text="Code of a service centre.")


def validated_params(params_class: type[NoParams], query: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``query`` (request.query_params) or raise DRF's ValidationError (→ 400 problem)."""
    # QueryDict → plain dict; a repeated parameter keeps its last value, as Django's .get() does.
    data = {key: query.get(key) for key in query}
    params = params_class(data=data)
    valid = params.is_valid()
    errors: dict[str, Any] = {} if valid else dict(params.errors)
    for name in sorted(set(data) - set(params.fields)):
        errors[name] = [_("Unknown parameter.")]
    if errors:
        raise serializers.ValidationError(errors)
    return dict(params.validated_data)
