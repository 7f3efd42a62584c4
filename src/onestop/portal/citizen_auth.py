"""Citizen sign-in: the national eID over OpenID Connect, and a demo eID for development.

In production the citizen signs in at the national eID provider (mozilla-django-oidc, switched on by
the ``ONESTOP_OIDC_*`` settings); the provider's verified national-ID claim is matched to the
registered :class:`~onestop.people.models.Citizen` and the citizen's login (a ``User`` with no staff
role and no password) is created on first sign-in. Outside production, ``ONESTOP_DEMO_CITIZEN_LOGIN``
offers a page, clearly labelled as a demo identity provider, where one types a demo citizen's national
ID. The sign-in page offers exactly what is configured, never one silently in place of the other.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from onestop.core.audit import SystemActor
from onestop.core.national_ids import validate_national_id
from onestop.people.models import Citizen, User
from onestop.people.services import citizen_account_link

EID = SystemActor("national-eid")
DEMO_EID = SystemActor("demo-eid")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def oidc_enabled() -> bool:
    return bool(getattr(settings, "ONESTOP_OIDC_ENABLED", False))


def demo_enabled() -> bool:
    return bool(getattr(settings, "ONESTOP_DEMO_CITIZEN_LOGIN", False)) and not settings.PRODUCTION


def citizen_of(user: Any) -> Citizen | None:
    """The citizen a signed-in user is, or None (anonymous users and staff without a citizen link)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return Citizen.objects.filter(user=user).first()


def _citizen_by_national_id(value: str) -> Citizen | None:
    try:
        national_id = validate_national_id(value)
    except ValidationError:
        return None
    return Citizen.objects.filter(national_id=national_id).first()


class NationalEidBackend(OIDCAuthenticationBackend):
    """Signs a citizen in from the eID provider's verified national-ID claim. Only citizens known to
    the registry may sign in; a staff account is never matched by a claim."""

    def _national_id(self, claims: dict[str, Any]) -> str:
        return str(claims.get(settings.ONESTOP_OIDC_NATIONAL_ID_CLAIM, "")).strip()

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return _citizen_by_national_id(self._national_id(claims)) is not None

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        citizen = _citizen_by_national_id(self._national_id(claims))
        if citizen is None or citizen.user_id is None:
            return User.objects.none()
        return User.objects.filter(pk=citizen.user_id, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> User:
        citizen = _citizen_by_national_id(self._national_id(claims))
        if citizen is None:
            raise SuspiciousOperation("national ID claim matches no citizen")
        return citizen_account_link(actor=EID, citizen=citizen)


class DemoEidForm(forms.Form):
    national_id = forms.CharField(
        label=gettext_lazy("National ID number of a demo citizen"),
        max_length=20,
        error_messages={"required": gettext_lazy("Enter the national ID number of a demo citizen")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_national_id(self) -> Citizen:
        value = self.cleaned_data["national_id"]
        try:
            validate_national_id(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        citizen = _citizen_by_national_id(value)
        if citizen is None:
            raise ValidationError(_("No demo citizen has this national ID number"))
        return citizen


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:my_applications")


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The citizen sign-in page: the national eID button and/or the demo eID form, as configured."""
    next_url = _next_url(request)
    if citizen_of(request.user) is not None:
        return redirect(next_url)
    form = DemoEidForm(request.POST) if request.method == "POST" and demo_enabled() else DemoEidForm()
    if request.method == "POST" and demo_enabled() and form.is_valid():
        citizen: Citizen = form.cleaned_data["national_id"]
        user = citizen_account_link(actor=DEMO_EID, citizen=citizen)
        login(request, user, backend=MODEL_BACKEND)
        return redirect(next_url)
    return render(
        request,
        "portal/account/sign_in.html",
        {
            "form": form,
            "next": next_url,
            "oidc": oidc_enabled(),
            "demo": demo_enabled(),
            "failed": request.GET.get("failed") == "1",
        },
        status=400 if form.errors else 200,
    )
