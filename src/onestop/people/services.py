"""Every write to staff accounts, role memberships and citizens, and the audit of sign-ins.

Each function is keyword-only, runs in one transaction and records an audit event in it. Bad input
raises Django's ``ValidationError`` naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, timedelta
from itertools import islice
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.catalog.models import Agency
from onestop.centres.models import Centre
from onestop.core.audit import Actor, audit_record
from onestop.core.national_ids import validate_national_id
from onestop.people.models import AGENCY_ROLES, CENTRE_ROLES, Citizen, Role, RoleMembership, User
from onestop.people.scoping import in_force

_STAFF_FIELDS = ("username", "first_name", "last_name", "email", "preferred_language", "is_active")


def _staff_summary(user: User) -> dict[str, Any]:
    return {field: getattr(user, field) for field in _STAFF_FIELDS}


def staff_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    email: str = "",
    preferred_language: str = "en",
) -> User:
    """Create a staff account. The password must pass the deployment's password validators; the
    account holds no role until :func:`role_grant` gives it one."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        preferred_language=preferred_language,
    )
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="staff.create", target=user, after=_staff_summary(user))
    return user


def staff_update(*, actor: Actor, user: User, **changes: Any) -> User:
    """Change a staff account's name, email, language or active flag (not its password or roles)."""
    unknown = set(changes) - set(_STAFF_FIELDS)
    if unknown:
        raise TypeError(f"staff_update() cannot change {', '.join(sorted(unknown))}")
    before = _staff_summary(user)
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=list(changes))
        after = _staff_summary(user)
        audit_record(
            actor=actor,
            action="staff.update",
            target=user,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return user


def _membership_summary(membership: RoleMembership) -> dict[str, Any]:
    return {
        "user": membership.user.get_username(),
        "role": membership.role,
        "centre": membership.centre.code if membership.centre else None,
        "agency": membership.agency.code if membership.agency else None,
        "valid_from": membership.valid_from,
        "valid_until": membership.valid_until,
    }


def validate_role_scope(role: str, centre: Centre | None, agency: Agency | None) -> None:
    """The scope rule: centre roles need a centre, agency roles an agency, national roles neither."""
    if role not in Role.values:
        raise ValidationError({"role": _("“%(role)s” is not a role.") % {"role": role}})
    label = Role(role).label
    if role in CENTRE_ROLES:
        if centre is None:
            raise ValidationError(
                {"centre": _("The role “%(role)s” is held at a centre: choose the centre.") % {"role": label}}
            )
        if agency is not None:
            raise ValidationError(
                {"agency": _("The role “%(role)s” is held at a centre, not at an agency.") % {"role": label}}
            )
    elif role in AGENCY_ROLES:
        if agency is None:
            raise ValidationError(
                {
                    "agency": _("The role “%(role)s” is held at an agency: choose the agency.")
                    % {"role": label}
                }
            )
        if centre is not None:
            raise ValidationError(
                {"centre": _("The role “%(role)s” is held at an agency, not at a centre.") % {"role": label}}
            )
    elif centre is not None or agency is not None:
        field = "centre" if centre is not None else "agency"
        raise ValidationError(
            {
                field: _("The role “%(role)s” is national: leave the centre and the agency empty.")
                % {"role": label}
            }
        )


def _sync_admin_site_access(user: User) -> None:
    """The Django admin is the administrators' screen: its flags follow the administrator role."""
    is_admin = RoleMembership.objects.filter(user=user, role=Role.ADMINISTRATOR).filter(in_force()).exists()
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])


def role_grant(
    *,
    actor: Actor,
    user: User,
    role: str,
    centre: Centre | None = None,
    agency: Agency | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> RoleMembership:
    """Give a staff member a role in its scope (see :func:`validate_role_scope`). Granting a role that was
    revoked earlier reopens the same membership; granting one already held is an error."""
    validate_role_scope(role, centre, agency)
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date must not be before the start date.")})
    with transaction.atomic():
        membership = (
            RoleMembership.objects.select_for_update()
            .filter(user=user, role=role, centre=centre, agency=agency)
            .first()
        )
        if membership is None:
            membership = RoleMembership(user=user, role=role, centre=centre, agency=agency)
            before = None
        else:
            if RoleMembership.objects.filter(pk=membership.pk).filter(in_force()).exists():
                raise ValidationError(_("%(user)s already holds this role.") % {"user": user.get_username()})
            before = _membership_summary(membership)
        membership.valid_from = valid_from
        membership.valid_until = valid_until
        membership.save()
        _sync_admin_site_access(user)
        audit_record(
            actor=actor,
            action="role.grant",
            target=membership,
            before=before,
            after=_membership_summary(membership),
        )
    return membership


def role_revoke(*, actor: Actor, membership: RoleMembership, reason: str) -> None:
    """End a membership today. A membership that was in force before today keeps its history (it ends
    yesterday); one that never was is deleted. The reason is kept in the audit trail."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the role is revoked.")})
    today = timezone.localdate()
    with transaction.atomic():
        before = _membership_summary(membership)
        target_label = str(membership)
        user = membership.user
        if membership.valid_from is None or membership.valid_from < today:
            membership.valid_until = today - timedelta(days=1)
            membership.save(update_fields=["valid_until"])
            audit_record(
                actor=actor,
                action="role.revoke",
                target=membership,
                before=before,
                after=_membership_summary(membership),
                reason=reason,
            )
        else:
            audit_record(
                actor=actor,
                action="role.revoke",
                target=membership,
                before=before,
                reason=reason,
                extra={"deleted": target_label},
            )
            membership.delete()
        _sync_admin_site_access(user)


def _normalised_id(value: str) -> str:
    try:
        return validate_national_id(value)
    except ValidationError as exc:
        raise ValidationError({"national_id": exc.messages}) from exc


def citizen_register(
    *,
    actor: Actor,
    national_id: str,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    sex: str,
    patronymic: str = "",
    phone: str = "",
    email: str = "",
    preferred_language: str = "en",
) -> Citizen:
    """Register a citizen under their national ID (checked and normalised by the deployment's
    validator). An ID that is already registered is an error, never a second record."""
    citizen = Citizen(
        national_id=_normalised_id(national_id),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        patronymic=patronymic.strip(),
        date_of_birth=date_of_birth,
        sex=sex,
        phone=phone.strip(),
        email=email.strip(),
        preferred_language=preferred_language,
    )
    citizen.full_clean()  # includes the uniqueness of the national ID
    with transaction.atomic():
        citizen.save()
        # The audit trail names the record, not the person's data.
        audit_record(
            actor=actor, action="citizen.register", target=citizen, after={"national_id": citizen.national_id}
        )
    return citizen


@dataclass(frozen=True)
class CitizenRow:
    """One citizen to import, with the same fields as :func:`citizen_register`."""

    national_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    patronymic: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = "en"


def _batches(rows: Iterable[CitizenRow], size: int) -> Iterator[list[CitizenRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# An import with more wrong rows than this is probably the wrong file; listing them all helps nobody.
MAX_REPORTED_IMPORT_ERRORS = 100


def citizens_import(*, actor: Actor, rows: Iterable[CitizenRow], batch_size: int = 1000) -> int:
    """Import citizens in bulk, all or nothing: every row is validated (national ID, sex, names, no
    duplicate within the import or with a registered citizen), rows are inserted in batches with one
    audit event per batch, and any invalid row rolls the whole import back with the row numbers at
    fault. Returns the number of citizens created."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    sexes = set(Citizen.Sex.values)
    seen: set[str] = set()
    created = 0
    row_number = 0
    errors: list[str] = []
    with transaction.atomic():
        for batch in _batches(rows, batch_size):
            if len(errors) >= MAX_REPORTED_IMPORT_ERRORS:
                break
            citizens: list[Citizen] = []
            for row in batch:
                row_number += 1
                try:
                    national_id = validate_national_id(row.national_id)
                except ValidationError as exc:
                    errors.append(
                        _("Row %(n)d: %(error)s") % {"n": row_number, "error": " ".join(exc.messages)}
                    )
                    continue
                if national_id in seen:
                    errors.append(
                        _("Row %(n)d: national ID %(id)s appears twice.")
                        % {"n": row_number, "id": national_id}
                    )
                    continue
                seen.add(national_id)
                if row.sex not in sexes or not row.given_name.strip() or not row.family_name.strip():
                    errors.append(
                        _("Row %(n)d: a given name, a family name and a sex (F or M) are needed.")
                        % {"n": row_number}
                    )
                    continue
                values = {f.name: getattr(row, f.name) for f in fields(row)}
                values["national_id"] = national_id
                citizens.append(Citizen(**values))
            registered = set(
                Citizen.objects.filter(national_id__in=[c.national_id for c in citizens]).values_list(
                    "national_id", flat=True
                )
            )
            errors.extend(
                _("National ID %(id)s is already registered.") % {"id": national_id}
                for national_id in sorted(registered)
            )
            if errors:
                # Nothing more is written, but the rest is still checked so the whole file can be
                # corrected at once.
                continue
            Citizen.objects.bulk_create(citizens)
            created += len(citizens)
            audit_record(
                actor=actor,
                action="citizen.import",
                extra={
                    "count": len(citizens),
                    "first_row": row_number - len(batch) + 1,
                    "last_row": row_number,
                },
            )
        if errors:
            raise ValidationError(errors[:MAX_REPORTED_IMPORT_ERRORS])
    return created


def auth_event_record(*, actor: Actor, action: str, username: str = "", user: User | None = None) -> None:
    """Record a sign-in, sign-out or failed sign-in in the audit trail. Called from Django's auth
    signals, the one place those events originate. Never records the password."""
    if action not in {"auth.login", "auth.logout", "auth.login_failed"}:
        raise ValueError(f"not an authentication event: {action}")
    if user is None and username:
        user = User.objects.filter(username=username).first()
    with transaction.atomic():
        audit_record(
            actor=actor, action=action, target=user, extra={"username": username} if username else None
        )


def citizen_account_link(*, actor: Actor, citizen: Citizen) -> User:
    """Give a citizen their sign-in account, or return the one they have. The account has no
    password (the citizen proves who they are at the eID provider) and no staff role."""
    with transaction.atomic():
        locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if locked.user_id is not None:
            assert locked.user is not None
            return locked.user
        user = User(
            username=f"citizen-{locked.national_id}",
            first_name=locked.given_name[:150],
            last_name=locked.family_name[:150],
            email=locked.email,
            preferred_language=locked.preferred_language,
        )
        user.set_unusable_password()
        user.save()
        locked.user = user
        locked.save(update_fields=["user"])
        citizen.user = user
        audit_record(
            actor=actor,
            action="citizen.account_link",
            target=locked,
            after={"user": user.get_username()},
        )
    return user
