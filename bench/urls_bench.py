"""URLconf used only by benchmarks (``ONESTOP_URLCONF=bench.urls_bench``): the whole site plus a
minimal JSON view, the baseline every figure is divided by. It runs through the same middleware
stack and server as the page being measured, so the ratio isolates the view's own cost."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def baseline(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/baseline", baseline, name="bench-baseline"),
    path("", include("onestop.urls")),
]

# The site's problem+json error handlers, as in onestop.urls.
handler400 = "onestop.core.problems.handler400"
handler403 = "onestop.core.problems.handler403"
handler404 = "onestop.core.problems.handler404"
handler500 = "onestop.core.problems.handler500"
