"""Forms of the back office. Each names what is wrong in plain words and keeps what the officer
typed when it is re-shown with errors; the services check the same rules again on the server."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onestop.cases.models import Case, ReasonCode
from onestop.catalog.models import Service
from onestop.people.models import User

OPEN_STATUSES = (
    Case.Status.SUBMITTED,
    Case.Status.IN_REVIEW,
    Case.Status.INFORMATION_REQUESTED,
    Case.Status.RESUBMITTED,
    Case.Status.APPROVED,
    Case.Status.REJECTED,
    Case.Status.RESULT_ISSUED,
)


class WorklistFilterForm(forms.Form):
    """The worklist filters: a GET form, so a filtered list has a URL and works without JavaScript."""

    q = forms.CharField(
        label=_("Case or tracking number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    sla = forms.ChoiceField(label=_("Deadline"), required=False)
    service = forms.ModelChoiceField[Service](
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("All services"),
        error_messages={"invalid_choice": _("Choose one of the services of your agency.")},
    )

    def __init__(self, *args: Any, services: QuerySet[Service] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("All open cases"))] + [
            (value, label) for value, label in Case.Status.choices if value in OPEN_STATUSES
        ]
        sla_field = self.fields["sla"]
        assert isinstance(sla_field, forms.ChoiceField)
        sla_field.choices = [("", _("Any"))] + list(Case.SlaState.choices)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = services if services is not None else Service.objects.none()


class RequestInformationForm(forms.Form):
    message = forms.CharField(
        label=_("What do you need from the applicant?"),
        help_text=_("The applicant reads this message. The deadline clock stops until they answer."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the applicant must provide.")},
    )


class Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose field id is the first box, so the error summary's link lands on it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


class ReasonCodeField(forms.ModelMultipleChoiceField[ReasonCode]):
    def label_from_instance(self, obj: ReasonCode) -> str:
        if obj.legal_ground:
            return f"{obj.label} — {obj.legal_ground}"
        return obj.label


class ApproveForm(forms.Form):
    reason_codes = ReasonCodeField(
        label=_("Reasons for approval"),
        queryset=ReasonCode.objects.filter(outcome=ReasonCode.Outcome.APPROVAL),
        required=False,
        widget=Checkboxes,
        error_messages={"invalid_choice": _("Choose reasons from the list.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(forms.Form):
    reason_codes = ReasonCodeField(
        label=_("Reasons for rejection"),
        help_text=_(
            "A rejection must cite at least one reason. Each reason names its legal ground, "
            "which the applicant will see."
        ),
        queryset=ReasonCode.objects.filter(outcome=ReasonCode.Outcome.REJECTION).exclude(legal_ground=""),
        widget=Checkboxes,
        error_messages={
            "required": _("Choose at least one reason for the rejection, with its legal ground."),
            "invalid_choice": _("Choose reasons from the list."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OfficerField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ReassignForm(forms.Form):
    to = OfficerField(
        label=_("New officer"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("Choose the officer who takes over the case."),
            "invalid_choice": _("Choose one of the officers of this agency."),
        },
    )
    reason = forms.CharField(
        label=_("Reason for the reassignment"),
        help_text=_("Recorded in the audit trail and the case history."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the reassignment.")},
    )

    def __init__(self, *args: Any, officers: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_field = self.fields["to"]
        assert isinstance(to_field, forms.ModelChoiceField)
        to_field.queryset = officers if officers is not None else User.objects.none()

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason", "")).strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the reassignment."))
        return reason
