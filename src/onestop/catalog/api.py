"""Catalogue REST API (read only, public): services, agencies, life events, evidence types.

Thin views: query parameters are validated by the serializers in ``catalog.filters``, reads come from
``catalog.selectors``, output is shaped by ``catalog.serializers``. Texts are in the request's language
(``Accept-Language``), with every translation alongside.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from onestop.catalog import selectors
from onestop.catalog.filters import NoParams, PageParams, ServiceListParams, validated_params
from onestop.catalog.models import EvidenceType, Service
from onestop.catalog.serializers import (
    AgencySerializer,
    EvidenceTypeSerializer,
    LifeEventSerializer,
    PaginatedAgencyList,
    PaginatedEvidenceTypeList,
    PaginatedLifeEventList,
    PaginatedServiceList,
    ProblemSerializer,
    ServiceDetailSerializer,
    ServiceListItemSerializer,
)
from onestop.core.pagination import PageNumberPagination
from onestop.core.problems import PROBLEM_CONTENT_TYPE

ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Language of `name`, `description` and other texts: en, ru, kk or ka (English by default).",
)
BAD_PARAMETERS = OpenApiResponse(
    ProblemSerializer, description="A parameter is unknown or has a bad value; `errors` names it."
)
NOT_FOUND = OpenApiResponse(ProblemSerializer, description="No such item (or no such page).")
TAGS = ["catalogue"]
# The catalogue version in the key makes stale entries unreachable; the timeout only frees memory.
RESPONSE_CACHE_SECONDS = 3600


def _cached_json(request: Request, build: Callable[[], Response]) -> Response | HttpResponse:
    """Serve a catalogue read from the cache, keyed on the catalogue's version, the language and the
    full URL. Serialising a page of services with every translation costs ~1 ms per service, while
    the catalogue changes a few times a day and is read by every visitor and every agency system.
    Parameters are validated before this is called, so bad input never reaches the cache."""
    raw = f"{selectors.catalogue_version()}|{translation.get_language()}|{request.build_absolute_uri()}"
    key = "catalog-api:" + hashlib.sha256(raw.encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        response = build()
        body = JSONRenderer().render(response.data)
        cache.set(key, body, RESPONSE_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/json")


class _PublicCatalogViewSet(viewsets.ViewSet):
    """Anyone may read the catalogue; no session, so no CSRF or login."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    def _page(self, request: Request, queryset: QuerySet[Any], serializer: type[Any]) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer(page, many=True).data)


class ServiceViewSet(_PublicCatalogViewSet):
    lookup_field = "identifier"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    @extend_schema(
        tags=TAGS,
        summary="Search and list active services",
        description="Most used services first. `q` matches every word against names, keywords and "
        "descriptions in every language, ignoring case.",
        parameters=[ServiceListParams, ACCEPT_LANGUAGE],
        responses={
            200: PaginatedServiceList,
            (400, PROBLEM_CONTENT_TYPE): BAD_PARAMETERS,
            (404, PROBLEM_CONTENT_TYPE): NOT_FOUND,
        },
    )
    def list(self, request: Request) -> Response | HttpResponse:
        params = validated_params(ServiceListParams, request.query_params)

        def build() -> Response:
            services = selectors.service_search(
                query=params.get("q", ""),
                agency=params.get("agency"),
                life_event=params.get("life_event"),
                channel=params.get("channel", ""),
                centre_code=params.get("centre", ""),
            )
            return self._page(request, services, ServiceListItemSerializer)

        return _cached_json(request, build)

    @extend_schema(
        tags=TAGS,
        summary="One active service with its evidence, fees, outputs and legal basis",
        parameters=[
            OpenApiParameter(
                "identifier", OpenApiTypes.STR, OpenApiParameter.PATH, description="Service identifier."
            ),
            ACCEPT_LANGUAGE,
        ],
        responses={
            200: ServiceDetailSerializer,
            (400, PROBLEM_CONTENT_TYPE): BAD_PARAMETERS,
            (404, PROBLEM_CONTENT_TYPE): NOT_FOUND,
        },
    )
    def retrieve(self, request: Request, identifier: str) -> Response | HttpResponse:
        validated_params(NoParams, request.query_params)

        def build() -> Response:
            try:
                service = selectors.service_for_page(identifier)
            except Service.DoesNotExist as exc:
                raise exceptions.NotFound(f"No active service has the identifier {identifier}.") from exc
            return Response(ServiceDetailSerializer(service).data)

        return _cached_json(request, build)


def _list_schema(summary: str, page_serializer: type[Any]) -> Any:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        parameters=[PageParams, ACCEPT_LANGUAGE],
        responses={
            200: page_serializer,
            (400, PROBLEM_CONTENT_TYPE): BAD_PARAMETERS,
            (404, PROBLEM_CONTENT_TYPE): NOT_FOUND,
        },
    )


class AgencyViewSet(_PublicCatalogViewSet):
    @_list_schema("Agencies with the number of their active services", PaginatedAgencyList)
    def list(self, request: Request) -> Response:
        validated_params(PageParams, request.query_params)
        return self._page(request, selectors.agencies_with_counts(), AgencySerializer)


class LifeEventViewSet(_PublicCatalogViewSet):
    @_list_schema("Life events with the number of their active services", PaginatedLifeEventList)
    def list(self, request: Request) -> Response:
        validated_params(PageParams, request.query_params)
        return self._page(request, selectors.life_events_with_counts(), LifeEventSerializer)


class EvidenceTypeViewSet(_PublicCatalogViewSet):
    @_list_schema("Kinds of evidence, and whether the state fetches them itself", PaginatedEvidenceTypeList)
    def list(self, request: Request) -> Response:
        validated_params(PageParams, request.query_params)
        return self._page(request, EvidenceType.objects.order_by("code"), EvidenceTypeSerializer)


def register(router: SimpleRouter) -> None:
    router.register("services", ServiceViewSet, basename="service")
    router.register("agencies", AgencyViewSet, basename="agency")
    router.register("life-events", LifeEventViewSet, basename="life-event")
    router.register("evidence-types", EvidenceTypeViewSet, basename="evidence-type")
