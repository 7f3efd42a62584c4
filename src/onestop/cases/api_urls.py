"""REST endpoints for agencies' systems: /api/v1/cases and the actions on a case."""

from onestop.cases.api import urlpatterns

__all__ = ["urlpatterns"]
