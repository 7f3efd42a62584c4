"""RFC 9457 problem details for every API error.

Every error the API returns is ``application/problem+json`` with a stable ``type`` URN, a short
``title``, the HTTP ``status``, a human ``detail`` and, for bad input, ``errors``: one entry per
offending parameter or field, so a client can point at exactly what to fix.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from onestop.core.middleware import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:onestop:problem:"

_TYPES: dict[type[Exception], tuple[str, str]] = {
    exceptions.ValidationError: ("validation-error", "Your request has invalid parameters"),
    exceptions.ParseError: ("malformed-request", "The request body could not be read"),
    exceptions.NotAuthenticated: ("not-authenticated", "Authentication is required"),
    exceptions.AuthenticationFailed: ("authentication-failed", "Authentication failed"),
    exceptions.PermissionDenied: ("forbidden", "You may not do this"),
    exceptions.NotFound: ("not-found", "Not found"),
    exceptions.MethodNotAllowed: ("method-not-allowed", "Method not allowed"),
    exceptions.NotAcceptable: ("not-acceptable", "Cannot produce an acceptable response"),
    exceptions.UnsupportedMediaType: ("unsupported-media-type", "Unsupported media type"),
    exceptions.Throttled: ("throttled", "Too many requests"),
}


class ProblemError(exceptions.APIException):
    """Raise from an API view for a domain-specific problem with its own stable type."""

    def __init__(self, *, slug: str, title: str, detail: str, status_code: int = 400, **extra: Any) -> None:
        super().__init__(detail=detail)
        self.status_code = status_code
        self.slug = slug
        self.title = title
        self.extra = extra


def problem(
    *, slug: str, title: str, status_code: int, detail: str = "", instance: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": TYPE_PREFIX + slug, "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    if rid := current_request_id():
        body["request_id"] = rid
    return body


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into a flat list of {name, reason}."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, "" if key == "non_field_errors" and not prefix else name))
        return out
    if isinstance(detail, list):
        out = []
        for i, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.extend(_flatten(value, f"{prefix}[{i}]"))
            else:
                out.append({"name": prefix, "reason": str(value)})
        return out
    return [{"name": prefix, "reason": str(detail)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # unexpected: let Django's 500 handling (which also speaks problem+json) run
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, ProblemError):
        body = problem(
            slug=exc.slug,
            title=exc.title,
            status_code=exc.status_code,
            detail=str(exc.detail),
            instance=instance,
            **exc.extra,
        )
    else:
        slug, title = next(
            (v for k, v in _TYPES.items() if isinstance(exc, k)), ("error", "The request failed")
        )
        if isinstance(exc, exceptions.ValidationError):
            errors = _flatten(exc.detail)
            names = sorted({e["name"] for e in errors if e["name"]})
            detail = "Check " + ", ".join(names) + "." if names else "; ".join(e["reason"] for e in errors)
            body = problem(
                slug=slug,
                title=title,
                status_code=response.status_code,
                detail=detail,
                instance=instance,
                errors=errors,
            )
        else:
            body = problem(
                slug=slug,
                title=title,
                status_code=response.status_code,
                detail=str(exc.detail),
                instance=instance,
            )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(
    request: HttpRequest, *, status_code: int, slug: str, title: str, detail: str = ""
) -> JsonResponse:
    return JsonResponse(
        problem(
            slug=slug, title=title, status_code=status_code, detail=detail, instance=request.get_full_path()
        ),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/r1/"))


# Django-level handlers (urls.py): API paths answer in problem+json, the rest in HTML.
def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_request(request):
        return problem_response(request, status_code=404, slug="not-found", title="Not found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Http404(), template_name="404.html")


def handler403(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_request(request):
        return problem_response(request, status_code=403, slug="forbidden", title="You may not do this")
    from django.views.defaults import permission_denied

    return permission_denied(request, exception or PermissionDenied(), template_name="403.html")


def handler400(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_request(request):
        return problem_response(request, status_code=400, slug="bad-request", title="Bad request")
    from django.views.defaults import bad_request

    return bad_request(request, exception or Exception(), template_name="400.html")


def handler500(request: HttpRequest) -> Any:
    if is_api_request(request):
        return problem_response(
            request,
            status_code=500,
            slug="server-error",
            title="Something went wrong on our side",
            detail="The error has been logged. Quote the request id when you report it.",
        )
    from django.views.defaults import server_error

    return server_error(request, template_name="500.html")


__all__ = ["PROBLEM_CONTENT_TYPE", "ProblemError", "problem", "problem_exception_handler", "status"]
