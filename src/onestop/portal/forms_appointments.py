"""Forms of the citizen booking pages: one question per page, each a plain POST form that works
without JavaScript. Choices are computed from the live slots, so a stale page cannot submit a time
that is no longer offered: the field error says so and the page shows the current choices."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from onestop.centres.models import Centre
from onestop.core.national_ids import validate_national_id
from onestop.queueing.models import CounterQueue, Queue
from onestop.queueing.slots import Slot


class Radios(forms.RadioSelect):
    """Radios whose label target is the first option, so the error summary links to something."""

    def id_for_label(self, id_: str, index: str | None = "0") -> str:
        return super().id_for_label(id_, "0" if index is None else index)


def bookable_queues() -> QuerySet[Queue]:
    """Active queues that take bookings: some share bookable and a counter that serves them."""
    served = CounterQueue.objects.filter(queue=OuterRef("pk"), counter__is_active=True)
    return Queue.objects.filter(is_active=True, appointment_share__gt=0).filter(Exists(served))


class CentreForm(forms.Form):
    centre: forms.ModelChoiceField[Centre] = forms.ModelChoiceField(
        label=_("Which centre do you want to visit?"),
        queryset=Centre.objects.none(),
        to_field_name="code",
        widget=Radios,
        empty_label=None,
        error_messages={
            "required": _("Choose the centre you want to visit."),
            "invalid_choice": _("Choose a centre from the list."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["centre"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Centre.objects.filter(is_active=True)
            .filter(Exists(bookable_queues().filter(centre=OuterRef("pk"))))
            .order_by("name")
        )


class QueueForm(forms.Form):
    queue: forms.ModelChoiceField[Queue] = forms.ModelChoiceField(
        label=_("What is your visit about?"),
        queryset=Queue.objects.none(),
        to_field_name="prefix",
        widget=Radios,
        empty_label=None,
        error_messages={
            "required": _("Choose what your visit is about."),
            "invalid_choice": _("Choose a service group from the list."),
        },
    )

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = bookable_queues().filter(centre=centre).order_by("position", "prefix")


class DateForm(forms.Form):
    day = forms.ChoiceField(
        label=_("Which day do you want to come?"),
        widget=Radios,
        error_messages={
            "required": _("Choose a day."),
            "invalid_choice": _("That day is no longer available. Choose another day."),
        },
    )

    def __init__(self, *args: Any, days: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["day"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(d.isoformat(), formats.date_format(d, "l j F Y")) for d in days]

    def clean_day(self) -> date:
        return date.fromisoformat(self.cleaned_data["day"])


class SlotForm(forms.Form):
    starts_at = forms.ChoiceField(
        label=_("What time do you want to come?"),
        widget=Radios,
        error_messages={
            "required": _("Choose a time."),
            "invalid_choice": _("That time has just been taken. Choose another time."),
        },
    )

    def __init__(self, *args: Any, slots: list[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["starts_at"]
        assert isinstance(field, forms.ChoiceField)
        zone = timezone.get_default_timezone()
        field.choices = [
            (
                s.starts_at.isoformat(),
                f"{formats.time_format(timezone.localtime(s.starts_at, zone), 'H:i')}–"
                f"{formats.time_format(timezone.localtime(s.ends_at, zone), 'H:i')}",
            )
            for s in slots
            if s.is_free
        ]

    def clean_starts_at(self) -> datetime:
        return datetime.fromisoformat(self.cleaned_data["starts_at"])


def _clean_national_id(value: str) -> str:
    return validate_national_id(value)


class DetailsForm(forms.Form):
    national_id = forms.CharField(
        label=_("National ID number"),
        help_text=_("The number on your ID card, for example 900101300123."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": _("Enter your national ID number.")},
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        help_text=_("The number you gave the population register, for example +7 701 123 45 67."),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        error_messages={"required": _("Enter your mobile phone number.")},
    )

    def clean_national_id(self) -> str:
        return _clean_national_id(self.cleaned_data["national_id"])

    def clean_phone(self) -> str:
        value: str = self.cleaned_data["phone"].strip()
        if not re.fullmatch(r"\+?[\d\s()\-]+", value) or not 10 <= len(re.sub(r"\D", "", value)) <= 15:
            raise ValidationError(_("Enter a phone number like +7 701 123 45 67."))
        return value


class ManageForm(forms.Form):
    code = forms.CharField(
        label=_("Booking code"),
        help_text=_("It is on your confirmation, for example K7QP-M2XD."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": _("Enter your booking code.")},
    )
    national_id = forms.CharField(
        label=_("National ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": _("Enter your national ID number.")},
    )

    def clean_national_id(self) -> str:
        return _clean_national_id(self.cleaned_data["national_id"])
