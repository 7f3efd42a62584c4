"""Staff sign-in and the staff member's home page (their roles, scopes and screens)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onestop.people.models import Role, RoleMembership, User
from onestop.people.scoping import in_force


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with plainer messages that also say what happens after failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is not right. Check both and try again. After %(limit)s failed "
            "attempts in a row the account is locked for %(minutes)s minutes."
        ),
        "inactive": _("This account is switched off. Ask your administrator."),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


class StaffLoginView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True


@dataclass(frozen=True)
class Screen:
    title: str
    url: str
    description: str


def _screens_for(roles: set[str]) -> list[Screen]:
    """The screens built so far that these roles may use. Screens not yet built are not listed, so
    the page never links to a page that does not exist."""
    screens: list[Screen] = []
    if Role.ADMINISTRATOR in roles:
        screens.append(
            Screen(
                title=str(_("Administration")),
                url=reverse("admin:index"),
                description=str(_("Catalogue, centres, counters, staff and their roles.")),
            )
        )
    if Role.AUDITOR in roles or Role.ADMINISTRATOR in roles:
        screens.append(
            Screen(
                title=str(_("Exchange log")),
                url=reverse("exchange:log"),
                description=str(
                    _(
                        "Every exchange of data between agencies: search it and verify its chain and signatures."
                    )
                ),
            )
        )
    return screens


@login_required
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    memberships = list(
        RoleMembership.objects.filter(in_force(), user=request.user)
        .select_related("centre", "agency")
        .order_by("role")
    )
    roles = {m.role for m in memberships}
    return render(
        request,
        "people/home.html",
        {"memberships": memberships, "screens": _screens_for(roles), "has_roles": bool(memberships)},
    )
