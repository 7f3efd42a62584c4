"""The citizen's data tracker at ``/account/data-access/``: every access to the citizen's data through
the data exchange — when, which agency, which data, for which purpose and case, and whether the data
was given — newest first, filterable by dates and agency, and downloadable (CSV, JSON) with the same
filters. It reads the exchange log (onestop.exchange.selectors) for the signed-in citizen's own
national ID only, and never shows who at an agency looked: that is for auditors.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from onestop.exchange.selectors import (
    DataAccess,
    data_access_agencies,
    data_access_entries,
    data_access_rows,
    data_accesses,
)
from onestop.people.models import Citizen
from onestop.portal.applications import citizen_required
from onestop.portal.forms_data_tracker import DataAccessFilterForm

PAGE_SIZE = 25
# A spreadsheet runs a cell that starts with one of these as a formula; the case number comes from a
# calling system's header, so it must never be able to.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _form(request: HttpRequest, citizen: Citizen) -> DataAccessFilterForm:
    form = DataAccessFilterForm(request.GET or None, agencies=data_access_agencies(citizen.national_id))
    if form.is_bound:
        form.is_valid()
    return form


def _page(request: HttpRequest, citizen: Citizen, form: DataAccessFilterForm) -> HttpResponse:
    entries = data_access_entries(citizen.national_id, **form.filters())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/account/data_access.html",
        {
            "citizen": citizen,
            "form": form,
            "page": page,
            "rows": data_access_rows(page.object_list),
            "query_string": form.query_string(),
            "filtered": form.active(),
        },
        status=400 if form.errors else 200,
    )


@require_safe
@citizen_required
def data_access(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    return _page(request, citizen, _form(request, citizen))


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _as_dict(row: DataAccess) -> dict[str, Any]:
    return {
        "at": timezone.localtime(row.at).isoformat(),
        "agency": row.agency,
        "data": row.data,
        "held_by": row.holder,
        "purpose": row.purpose,
        "issue": row.issue,
        "outcome": row.outcome,
        "outcome_label": row.outcome_label,
        "reference": row.reference,
    }


def _filename(extension: str) -> str:
    return f"data-access-{timezone.localdate():%Y-%m-%d}.{extension}"


@require_safe
@citizen_required
def data_access_csv(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    """The same rows as the page (all pages, same filters) as a spreadsheet file."""
    form = _form(request, citizen)
    if form.errors:
        return _page(request, citizen, form)
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the Cyrillic and Georgian names as UTF-8
    writer = csv.writer(out)
    writer.writerow(
        [
            _("When"),
            _("Agency"),
            _("Data"),
            _("Held by"),
            _("Purpose"),
            _("Application or case"),
            _("Outcome"),
            _("Reference"),
        ]
    )
    for row in data_accesses(citizen.national_id, **form.filters()):
        item = _as_dict(row)
        writer.writerow(
            [
                _cell(str(item[key]))
                for key in (
                    "at",
                    "agency",
                    "data",
                    "held_by",
                    "purpose",
                    "issue",
                    "outcome_label",
                    "reference",
                )
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@require_safe
@citizen_required
def data_access_json(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    """The same rows as JSON, for people who want to process them."""
    form = _form(request, citizen)
    if form.errors:
        return _page(request, citizen, form)
    body = {
        "national_id": citizen.national_id,
        "generated_at": timezone.localtime().isoformat(),
        "accesses": [_as_dict(row) for row in data_accesses(citizen.national_id, **form.filters())],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("json")}"'
    return response
