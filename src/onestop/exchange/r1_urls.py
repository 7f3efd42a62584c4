"""``/r1/…``: the X-Road r1 provider endpoint. Every path below the prefix goes to one view, which
reads the raw path itself (the identifiers are percent-encoded part by part)."""

from django.urls import path

from onestop.exchange.r1 import r1_endpoint

urlpatterns = [
    path("", r1_endpoint, name="exchange-r1-root"),
    path("<path:rest>", r1_endpoint, name="exchange-r1"),
]
