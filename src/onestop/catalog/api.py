"""Catalogue REST API (being written)."""

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    return None
