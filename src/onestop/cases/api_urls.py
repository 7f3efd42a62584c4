"""REST endpoints for agencies' systems (being written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
