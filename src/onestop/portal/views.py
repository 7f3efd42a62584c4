"""The citizen-facing catalogue: home, search, life events, agencies and service pages.

Every page is plain server-rendered HTML that works without JavaScript; htmx only swaps the search
results in place (the same view answers with the results partial when htmx asks).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from onestop.catalog import selectors
from onestop.catalog.models import Agency, LifeEvent, Service, ServiceEvidence
from onestop.portal.forms import SearchForm

RESULTS_PER_PAGE = 20
POPULAR_COUNT = 8


def _crumb(label: str, url: str = "") -> dict[str, str]:
    return {"label": label, "url": url}


def _agencies_by_level(agencies: QuerySet[Agency]) -> list[tuple[str, list[Agency]]]:
    """Agencies that offer something, grouped national → regional → local (the order citizens
    think in: the ministry first, their akimat last)."""
    groups: dict[str, list[Agency]] = {level: [] for level in Agency.Level.values}
    for agency in agencies:
        if getattr(agency, "service_count", 0):
            groups[agency.level].append(agency)
    return [(str(Agency.Level(level).label), items) for level, items in groups.items() if items]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    life_events = [
        event for event in selectors.life_events_with_counts() if getattr(event, "service_count", 0)
    ]
    return render(
        request,
        "portal/home.html",
        {
            "form": SearchForm(),
            "life_events": life_events,
            "agency_groups": _agencies_by_level(selectors.agencies_with_counts()),
            "popular": list(selectors.service_search()[:POPULAR_COUNT]),
        },
    )


@require_safe
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    services: QuerySet[Service] = Service.objects.none()
    if form.is_valid():
        services = selectors.service_search(
            query=form.cleaned_data["q"],
            agency=form.cleaned_data["agency"],
            life_event=form.cleaned_data["life_event"],
            channel=form.cleaned_data["channel"],
        )
    page = Paginator(services, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": form.cleaned_data.get("q", "") if form.is_valid() else "",
        "query_string": query_without_page.urlencode(),
        "crumbs": [_crumb(_("Search"))],
    }
    # htmx asks for the results only; a history restore (back button after a reload) needs the page.
    if (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    ):
        if form.is_valid():
            return render(request, "portal/search.html#results", {**context, "oob": True})
        # The error summary and the field messages live outside the results, so swap the whole page body.
        response = render(request, "portal/search.html", context)
        response["HX-Retarget"] = "#main"
        response["HX-Reselect"] = "#main"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "portal/search.html", context)


@require_safe
def life_event_detail(request: HttpRequest, code: str) -> HttpResponse:
    event = get_object_or_404(LifeEvent, code=code)
    services = list(selectors.service_search(life_event=event))
    return render(
        request,
        "portal/life_event.html",
        {"event": event, "services": services, "crumbs": [_crumb(event.name)]},
    )


@require_safe
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency: Agency = get_object_or_404(Agency.objects.select_related("parent", "region"), code=code)
    services = list(selectors.service_search(agency=agency))
    children = list(agency.children.order_by("name"))
    crumbs = []
    if agency.parent is not None:
        crumbs.append(_crumb(agency.parent.name, reverse("portal:agency", args=[agency.parent.code])))
    crumbs.append(_crumb(agency.name))
    return render(
        request,
        "portal/agency.html",
        {"agency": agency, "services": services, "children": children, "crumbs": crumbs},
    )


@require_safe
def service_detail(request: HttpRequest, identifier: str) -> HttpResponse:
    try:
        service = selectors.service_for_page(identifier)
    except Service.DoesNotExist:
        raise Http404(identifier) from None
    requirements: list[ServiceEvidence] = list(service.evidence_requirements.all())
    centres = sorted(
        service.centres.filter(is_active=True).select_related("region"),
        key=lambda centre: (str(centre.region), centre.name),
    )
    return render(
        request,
        "portal/service.html",
        {
            "service": service,
            "fetched": [r for r in requirements if r.evidence_type.fetched_by_state],
            "supplied": [r for r in requirements if not r.evidence_type.fetched_by_state],
            "fees": list(service.fees.all()),
            "channels": list(service.channels.all()),
            "centres": centres,
            "crumbs": [
                _crumb(service.agency.name, reverse("portal:agency", args=[service.agency.code])),
                _crumb(service.name),
            ],
        },
    )
