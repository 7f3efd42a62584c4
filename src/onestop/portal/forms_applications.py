"""Forms of the online application and of "My applications" (the service's own form is built by
``onestop.cases.forms.build_service_form`` from the catalogue)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onestop.cases.models import EvidenceItem
from onestop.catalog.models import Service, ServiceChannel


def online_services() -> QuerySet[Service]:
    """Services a citizen may apply for online: active, with the online channel."""
    return (
        Service.objects.filter(status=Service.Status.ACTIVE, channels__kind=ServiceChannel.Kind.ONLINE)
        .select_related("agency")
        .distinct()
        .order_by("name")
    )


class ServiceChoiceForm(forms.Form):
    """Choose one or several services to apply for in one application."""

    services: forms.ModelMultipleChoiceField[Service] = forms.ModelMultipleChoiceField(
        label=_("Which services do you want to apply for?"),
        help_text=_("Select all that apply. You fill in one short form per service and pay once."),
        queryset=Service.objects.none(),
        to_field_name="identifier",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Select at least one service"),
            "invalid_choice": _("Select services from the list"),
            "invalid_pk_value": _("Select services from the list"),
        },
    )

    def __init__(self, *args: Any, services: QuerySet[Service] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = services if services is not None else online_services()


class EvidenceUploadForm(forms.Form):
    """One file input per document the citizen must upload for one service; every input is optional
    on its own (a file already uploaded need not be sent again); the submission checks completeness."""

    def __init__(self, *args: Any, evidence: list[EvidenceItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evidence = evidence
        for item in evidence:
            self.fields[self.key(item)] = forms.FileField(
                label=item.evidence_type.name,
                required=False,
                help_text=_("PDF, JPEG or PNG."),
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
            )

    @staticmethod
    def key(item: EvidenceItem) -> str:
        return f"evidence-{item.pk}"


class InformationAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": _("Enter your answer to the request")},
    )
    document = forms.FileField(
        label=_("Attach a document"),
        required=False,
        help_text=_("Optional. PDF, JPEG or PNG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
