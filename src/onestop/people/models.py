"""Citizens, staff accounts and the role memberships that scope what each staff member may see."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Agency
from onestop.centres.models import Centre


class User(AbstractUser):
    """A login: staff (with role memberships) or, later, a citizen signing in with eID."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )


class Role(models.TextChoices):
    OPERATOR = "operator", _("Counter operator")
    CENTRE_MANAGER = "centre_manager", _("Centre manager")
    OFFICER = "officer", _("Back-office officer")
    AGENCY_HEAD = "agency_head", _("Agency head")
    COORDINATOR = "coordinator", _("National coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


CENTRE_ROLES = frozenset({Role.OPERATOR, Role.CENTRE_MANAGER})
AGENCY_ROLES = frozenset({Role.OFFICER, Role.AGENCY_HEAD})
NATIONAL_ROLES = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR, Role.AUDITOR})


class RoleMembership(models.Model):
    """A staff member holds a role, scoped to one centre (operator, manager), one agency (officer,
    head) or the whole country (coordinator, administrator, auditor)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    centre = models.ForeignKey(
        Centre, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["user", "role"]
        # sorted(): sets iterate in hash order, which would make the migration differ run to run.
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    models.Q(
                        role__in=sorted(r.value for r in CENTRE_ROLES),
                        centre__isnull=False,
                        agency__isnull=True,
                    )
                    | models.Q(
                        role__in=sorted(r.value for r in AGENCY_ROLES),
                        agency__isnull=False,
                        centre__isnull=True,
                    )
                    | models.Q(
                        role__in=sorted(r.value for r in NATIONAL_ROLES),
                        agency__isnull=True,
                        centre__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "centre", "agency"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        scope = self.centre or self.agency or _("national")
        return f"{self.user} — {self.get_role_display()} ({scope})"


class Citizen(models.Model):
    """A person the state serves, identified by the deployment's national ID."""

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    national_id = models.CharField(_("national ID"), max_length=20, unique=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="citizen"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}. {self.family_name[:1]}."
