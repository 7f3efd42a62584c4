from typing import Any

from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, Any]:
    return {
        "deployment_name": settings.ONESTOP_DEPLOYMENT_NAME,
        "deployment_currency": settings.ONESTOP_CURRENCY,
    }
