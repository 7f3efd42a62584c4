"""The filters of the citizen's data tracker: a plain GET form, so a filtered view can be bookmarked
and downloaded with the same query string."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Agency

# Dates a filter may name: beyond these, "the day after" overflows (and nothing was logged then).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)


class DataAccessFilterForm(forms.Form):
    date_from = forms.DateField(
        validators=[
            MinValueValidator(
                EARLIEST_DATE, message=_("Enter the start date as a real date, for example 2026-03-27.")
            ),
            MaxValueValidator(
                LATEST_DATE, message=_("Enter the start date as a real date, for example 2026-03-27.")
            ),
        ],
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("For example, 2026-03-27"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the start date as a real date, for example 2026-03-27.")},
    )
    date_to = forms.DateField(
        validators=[
            MinValueValidator(
                EARLIEST_DATE, message=_("Enter the end date as a real date, for example 2026-04-30.")
            ),
            MaxValueValidator(
                LATEST_DATE, message=_("Enter the end date as a real date, for example 2026-04-30.")
            ),
        ],
        label=_("To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("For example, 2026-04-30"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the end date as a real date, for example 2026-04-30.")},
    )
    agency = forms.ChoiceField(
        label=_("Agency"),
        required=False,
        error_messages={"invalid_choice": _("Choose an agency from the list.")},
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All agencies"))] + [(agency.code, agency.name) for agency in agencies]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be the same as or after the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The filters that are valid, so one mistyped date does not hide the rest of the page."""
        data = getattr(self, "cleaned_data", {})
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "agency_code": data.get("agency") or "",
        }

    def query_string(self) -> str:
        """The valid filters as a query string, for the page links and the downloads: a mistyped
        date is not carried into them."""
        filters = self.filters()
        query = {
            "date_from": filters["date_from"].isoformat() if filters["date_from"] else "",
            "date_to": filters["date_to"].isoformat() if filters["date_to"] else "",
            "agency": filters["agency_code"],
        }
        return urlencode({key: value for key, value in query.items() if value})

    def active(self) -> bool:
        return any(self.filters().values())
