"""The catalogue search form: a plain GET form whose filters are codes, so results pages can be
bookmarked, shared and reached without JavaScript."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Agency, LifeEvent, ServiceChannel


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for a service"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    agency: forms.ModelChoiceField[Agency] = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All agencies"),
        error_messages={"invalid_choice": _("Choose an agency from the list.")},
    )
    life_event: forms.ModelChoiceField[LifeEvent] = forms.ModelChoiceField(
        label=_("Life event"),
        queryset=LifeEvent.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All life events"),
        error_messages={"invalid_choice": _("Choose a life event from the list.")},
    )
    channel = forms.ChoiceField(
        label=_("How to apply"),
        choices=[("", _("Any way"))] + list(ServiceChannel.Kind.choices),
        required=False,
        error_messages={"invalid_choice": _("Choose a way to apply from the list.")},
    )

    def active_filters(self) -> bool:
        """Whether the citizen narrowed the results by anything beyond the words they typed."""
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("agency", "life_event", "channel"))
