"""Forms of the counter console. Each one names what is wrong in plain words, and keeps what the
operator typed when it is re-shown with errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter
from onestop.queueing.models import Queue, Ticket, TicketService


class CounterField(forms.ModelChoiceField[Counter]):
    """Counters named as operators know them: "Counter 4 — Window 4 (Centre A)"."""

    def label_from_instance(self, obj: Counter) -> str:
        label = str(_("Counter %(number)s") % {"number": obj.number})
        if obj.label and obj.label != label:
            label = f"{label} — {obj.label}"
        return f"{label} ({obj.centre.name})"


class CounterChoiceForm(forms.Form):
    """Which counter of the operator's centre(s) to sign in to."""

    counter = CounterField(
        label=_("Counter"),
        queryset=Counter.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the counter you are sitting at."),
            "invalid_choice": _("Choose one of the counters of your centre."),
        },
    )

    def __init__(self, *args: Any, centres: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counter_field = self.fields["counter"]
        assert isinstance(counter_field, forms.ModelChoiceField)
        qs = (
            Counter.objects.filter(is_active=True).select_related("centre").order_by("centre__name", "number")
        )
        counter_field.queryset = qs.filter(centre__in=centres) if centres is not None else qs.none()


class TransferForm(forms.Form):
    """Send the visitor to another queue or to one named counter, and say why."""

    prefix = "transfer"

    to_queue: forms.ModelChoiceField[Queue] = forms.ModelChoiceField(
        label=_("To queue"),
        queryset=Queue.objects.none(),
        required=False,
        empty_label=_("No queue — transfer to a counter"),
        error_messages={"invalid_choice": _("Choose a queue of this centre.")},
    )
    to_counter: forms.ModelChoiceField[Counter] = forms.ModelChoiceField(
        label=_("Or to counter"),
        queryset=Counter.objects.none(),
        required=False,
        empty_label=_("No counter — transfer to the queue"),
        error_messages={"invalid_choice": _("Choose a counter of this centre.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example: the service is handled at another counter."),
        error_messages={"required": _("Give the reason for the transfer.")},
    )

    def __init__(self, *args: Any, centre: Centre, counter: Counter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queue_field = self.fields["to_queue"]
        counter_field = self.fields["to_counter"]
        assert isinstance(queue_field, forms.ModelChoiceField)
        assert isinstance(counter_field, forms.ModelChoiceField)
        queue_field.queryset = Queue.objects.filter(centre=centre, is_active=True)
        counter_field.queryset = Counter.objects.filter(centre=centre, is_active=True).exclude(pk=counter.pk)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if cleaned.get("to_queue") is None and cleaned.get("to_counter") is None:
            raise forms.ValidationError(_("Choose a queue or a counter to transfer to."), code="no_target")
        if cleaned.get("to_queue") is not None and cleaned.get("to_counter") is not None:
            raise forms.ValidationError(
                _("Choose either a queue or a counter, not both."), code="two_targets"
            )
        return cleaned


class ParkForm(forms.Form):
    prefix = "park"

    reason = forms.CharField(
        label=_("Why park the ticket"),
        max_length=300,
        required=False,
        help_text=_("For example: the visitor went to copy a document."),
    )


class NationalIdForm(forms.Form):
    prefix = "identify"

    national_id = forms.CharField(
        label=_("National ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": _("Enter the visitor's national ID number.")},
    )


class AddServiceForm(forms.Form):
    prefix = "add"

    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(
        label=_("Add a service to this visit"),
        queryset=Service.objects.none(),
        error_messages={
            "required": _("Choose the service to add."),
            "invalid_choice": _("Choose a service this centre offers."),
        },
    )

    def __init__(self, *args: Any, centre: Centre, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        taken = TicketService.objects.filter(ticket=ticket).values("service_id")
        field.queryset = centre.services.exclude(pk__in=taken).order_by("name")


class EndForm(forms.Form):
    """One outcome per service of the visit; the field for service 7 is named ``end-outcome_7``."""

    prefix = "end"

    OUTCOMES = [(value, label) for value, label in TicketService.Outcome.choices if value != "pending"]

    def __init__(self, *args: Any, ticket_services: list[TicketService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket_services = ticket_services
        for line in ticket_services:
            self.fields[f"outcome_{line.service_id}"] = forms.ChoiceField(
                label=_("Outcome: %(service)s") % {"service": line.service.name},
                choices=[("", _("Choose an outcome")), *self.OUTCOMES],
                initial=line.outcome if line.outcome != TicketService.Outcome.PENDING else "",
                error_messages={
                    "required": _("Choose the outcome of %(service)s.") % {"service": line.service.name},
                    "invalid_choice": _("Choose an outcome from the list."),
                },
            )

    def outcomes(self) -> dict[int, str]:
        return {
            line.service_id: self.cleaned_data[f"outcome_{line.service_id}"] for line in self.ticket_services
        }
