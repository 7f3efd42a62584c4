"""CPSV-AP export views (being written)."""

from django.http import HttpRequest, HttpResponse


def catalogue_turtle(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=503)


def catalogue_jsonld(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=503)
