"""REST endpoints for auditors' tools: /api/v1/exchange/log/ and the verification."""

from onestop.exchange.api import urlpatterns

__all__ = ["urlpatterns"]
