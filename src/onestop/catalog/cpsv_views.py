"""The catalogue as CPSV-AP 3.2 linked data: ``/api/v1/catalogue.ttl`` and ``/api/v1/catalogue.jsonld``.

Building and serialising the graph costs far more than any API list, and portals and EU harvesters
download the whole file again and again, so each serialisation is cached under the catalogue's
version: it changes when a service is added, edited or changes status, or when any catalogue
object's change is audited (agency renamed, fee changed, …). Clients also get an ``ETag`` and can
revalidate with ``If-None-Match`` for a 304.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from django.core.cache import cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rdflib import Graph
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.catalog.cpsv import catalogue_graph, serialize_jsonld, serialize_turtle
from onestop.catalog.selectors import catalogue_version

CACHE_SECONDS = 24 * 3600  # the version in the key makes stale entries unreachable; this only frees memory
CLIENT_MAX_AGE = 300


class _PassThroughRenderer(BaseRenderer):
    """Sends the already-serialised document; problem+json errors are still JSON-encoded."""

    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:  # 304 Not Modified has no body
            return b""
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class TurtleRenderer(_PassThroughRenderer):
    media_type = "text/turtle"
    format = "ttl"


class JsonLdRenderer(_PassThroughRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class _CatalogueExportView(APIView):
    """The whole active catalogue in one RDF document; public, read-only."""

    permission_classes = [AllowAny]
    authentication_classes = ()  # public data: no session, so no CSRF either
    cache_prefix: ClassVar[str]

    def serialize(self, graph: Graph) -> bytes:
        raise NotImplementedError  # each concrete view names its format

    def get(self, request: Request) -> Response:
        version = catalogue_version()
        etag = f'"{self.cache_prefix}-{version}"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={CLIENT_MAX_AGE}"}
        if etag in _etags(request.headers.get("If-None-Match", "")):
            return Response(status=304, headers=headers)
        key = f"onestop:cpsv:{self.cache_prefix}:{version}"
        body = cache.get(key)
        if body is None:
            body = self.serialize(catalogue_graph())
            cache.set(key, body, CACHE_SECONDS)
        return Response(body, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


_DESCRIPTION = (
    "Every active public service with its competent authority, life events, channels, costs, "
    "required evidence, outputs and legal basis, as CPSV-AP 3.2 linked data that conforms to the "
    "official SHACL shapes. Texts carry one language tag per translation (en, ru, kk, ka). URIs are "
    "stable across exports. Responses carry an ETag; send If-None-Match to get 304 when unchanged."
)


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of a copy you hold; the answer is 304 with no body if the catalogue is unchanged.",
)
NOT_MODIFIED = OpenApiResponse(description="The catalogue has not changed since the ETag sent; no body.")


class CatalogueTurtleView(_CatalogueExportView):
    renderer_classes = [TurtleRenderer]
    cache_prefix = "ttl"

    def serialize(self, graph: Graph) -> bytes:
        return serialize_turtle(graph)

    @extend_schema(
        operation_id="catalogue_cpsv_turtle",
        tags=["catalogue"],
        parameters=[IF_NONE_MATCH],
        summary="The catalogue as CPSV-AP 3.2 (Turtle)",
        description=_DESCRIPTION,
        responses={
            (200, "text/turtle"): OpenApiResponse(
                OpenApiTypes.STR, description="CPSV-AP 3.2 graph in Turtle"
            ),
            304: NOT_MODIFIED,
        },
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class CatalogueJsonLdView(_CatalogueExportView):
    renderer_classes = [JsonLdRenderer]
    cache_prefix = "jsonld"

    def serialize(self, graph: Graph) -> bytes:
        return serialize_jsonld(graph)

    @extend_schema(
        operation_id="catalogue_cpsv_jsonld",
        tags=["catalogue"],
        parameters=[IF_NONE_MATCH],
        summary="The catalogue as CPSV-AP 3.2 (JSON-LD)",
        description=_DESCRIPTION + " The JSON-LD context is inline, so no network is needed to read it.",
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="CPSV-AP 3.2 graph in JSON-LD with an inline @context"
            ),
            304: NOT_MODIFIED,
        },
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


catalogue_turtle = CatalogueTurtleView.as_view()
catalogue_jsonld = CatalogueJsonLdView.as_view()
