"""URLconf used only by benchmarks (``ONESTOP_URLCONF=bench.urls_bench``): the whole site plus a
minimal JSON view, the baseline every figure is divided by. It runs through the same middleware
stack and server as the page being measured, so the ratio isolates the view's own cost."""

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt


def baseline(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@csrf_exempt
def baseline_create(request: HttpRequest) -> JsonResponse:
    """A minimal create view: one plain INSERT in a transaction (the table is made by the bench's
    seeding step), the yardstick for ticket issue."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (created_at) VALUES (%s)", [timezone.now()])
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [
    path("bench/baseline", baseline, name="bench-baseline"),
    path("bench/create", baseline_create, name="bench-create"),
    path("", include("onestop.urls")),
]

# The site's problem+json error handlers, as in onestop.urls.
handler400 = "onestop.core.problems.handler400"
handler403 = "onestop.core.problems.handler403"
handler404 = "onestop.core.problems.handler404"
handler500 = "onestop.core.problems.handler500"
