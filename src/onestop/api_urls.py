"""The REST API under /api/v1/: every app's routes, the OpenAPI schema and its self-hosted docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("onestop.catalog.api_urls")),
    path("", include("onestop.queueing.api_urls")),
    path("", include("onestop.cases.api_urls")),
    path("", include("onestop.exchange.api_urls")),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
