"""Public and owner-only pages of the back office's results.

* ``/verify/`` and ``/verify/<code>``: anyone checks an output document — what it is, who issued it,
  when, until when, whether it was revoked — and sees only the holder's initials. An unknown or
  malformed code gets a 404 page that says so plainly.
* ``/applications/<token>/`` and ``…/receipt.pdf``: the application's status and receipt, reached
  by the unguessable token printed as a QR code on the receipt; no personal data beyond initials.
* ``/documents/<pk>`` and ``/results/<pk>.pdf``: downloads for the citizen who owns the application,
  the operator who took it, or staff of the case's agency; anyone else gets a 404.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from onestop.cases.documents import application_readable_by, document_readable_by
from onestop.cases.forms import ServiceBoundField
from onestop.cases.models import Application, Document, OutputDocument
from onestop.cases.outputs import find_output, normalise_verification_code, output_state, render_receipt_pdf


class VerifyForm(forms.Form):
    bound_field_class = (
        ServiceBoundField  # ties the hint and error to the input, as core/field.html names them
    )

    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 12 letters and digits printed on the document, for example ABCD-EFGH-JKLM."),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_verification_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A verification code has 12 letters and digits, like ABCD-EFGH-JKLM."), code="format"
            )
        return code


@require_GET
def verify_start(request: HttpRequest) -> HttpResponse:
    """A form to type the code printed on a document. GET, so the result page can be bookmarked."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("cases:verify", code=form.cleaned_data["code"])
    return render(request, "cases/verify_start.html", {"form": form})


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    output = find_output(code)
    if output is None:
        return render(
            request,
            "cases/verify_not_found.html",
            {"code": code[:40], "form": VerifyForm()},
            status=404,
        )
    case = output.case
    context = {
        "output": output,
        "state": output_state(output),
        "agency": case.agency,
        "service": case.service,
        "document_name": case.service.outputs.order_by("code").first(),
        "initials": case.citizen.initials,
    }
    response = render(request, "cases/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def _application_by_token(token: uuid.UUID) -> Application:
    return get_object_or_404(
        Application.objects.select_related("citizen").exclude(status=Application.Status.DRAFT), token=token
    )


@require_GET
def application_status(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    application = _application_by_token(token)
    cases = list(application.cases.select_related("service", "agency").order_by("pk"))
    response = render(
        request,
        "cases/application_status.html",
        {"application": application, "cases": cases, "initials": application.citizen.initials},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def receipt(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    application = _application_by_token(token)
    content = render_receipt_pdf(application, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{application.tracking_number}.pdf"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = get_object_or_404(
        Document.objects.select_related("application__citizen", "case__agency"), pk=pk
    )
    # 404, not 403: a stranger learns nothing about which documents exist.
    if not document_readable_by(request.user, document):
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@login_required
@require_GET
def output_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    output = get_object_or_404(
        OutputDocument.objects.select_related("case__application__citizen", "case__agency"), pk=pk
    )
    if not application_readable_by(request.user, output.case.application, case=output.case):
        raise Http404
    return FileResponse(
        output.file.open("rb"),
        as_attachment=True,
        filename=f"{output.case.number}.pdf",
        content_type="application/pdf",
    )
