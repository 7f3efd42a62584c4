"""Writes to the kernel tables that are not the audit trail itself: regions and calendar overrides.

Each function is keyword-only, runs in one transaction, validates with ``full_clean`` (so rule
violations reach forms and the admin as ``ValidationError``) and records an audit event in that same
transaction.
"""

from __future__ import annotations

import re
from datetime import date as date_type
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onestop.core import calendar
from onestop.core.audit import Actor, audit_record
from onestop.core.i18n import Translations, get_translations, set_translations
from onestop.core.models import CalendarOverride, Region


def region_snapshot(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": {lang: text for lang, text in get_translations(region, "name").items() if text},
    }


def calendar_override_snapshot(override: CalendarOverride) -> dict[str, Any]:
    return {
        "country": override.country,
        "date": override.date.isoformat(),
        "kind": override.kind,
        "name": override.name,
    }


def _set_name(region: Region, name: Translations | str | None) -> None:
    try:
        set_translations(region, "name", name)
    except ValueError as exc:  # no English text, or an unknown language: the caller's input is wrong
        raise ValidationError({"name": str(exc)}, code="invalid") from exc


@transaction.atomic
def region_create(*, actor: Actor, code: str, name: Translations | str) -> Region:
    """Create a first-level region of the country, with its name in every language given."""
    region = Region(code=code)
    _set_name(region, name)
    region.full_clean()
    region.save()
    audit_record(actor=actor, action="region.create", target=region, after=region_snapshot(region))
    return region


@transaction.atomic
def region_update(
    *, actor: Actor, region: Region, code: str | None = None, name: Translations | str | None = None
) -> Region:
    """Rename a region or change its code; only what is given changes."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = region_snapshot(region)
    if code is not None:
        region.code = code
    _set_name(region, name)
    region.full_clean()
    region.save()
    after = region_snapshot(region)
    if after != before:
        audit_record(actor=actor, action="region.update", target=region, before=before, after=after)
    return region


def _check_country(country: str) -> str:
    code = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValidationError(
            {
                "country": _(
                    "Give the country as its two-letter ISO code, such as KZ; “%(value)s” is not one."
                )
                % {"value": country}
            },
            code="invalid",
        )
    return code


@transaction.atomic
def calendar_override_set(
    *, actor: Actor, country: str, date: date_type, kind: str, name: str = ""
) -> CalendarOverride:
    """Declare ``date`` a day off (``kind="holiday"``) or a working day (``"working_day"``) in
    ``country``, replacing any override of that day. The override wins over the statutory calendar."""
    code = _check_country(country)
    if kind not in CalendarOverride.Kind.values:
        raise ValidationError(
            {"kind": _("Choose a day off or a working day.")},
            code="invalid_choice",
        )
    existing = CalendarOverride.objects.select_for_update().filter(country=code, date=date).first()
    before = calendar_override_snapshot(existing) if existing is not None else None
    override = existing or CalendarOverride(country=code, date=date)
    override.kind = kind
    override.name = name
    override.full_clean(validate_constraints=False)  # the row was locked above; the constraint holds
    override.save()
    after = calendar_override_snapshot(override)
    if after != before:
        audit_record(
            actor=actor,
            action="calendar_override.set",
            target=override,
            before=before,
            after=after,
        )
    calendar.invalidate(code, date.year)
    return override


@transaction.atomic
def calendar_override_delete(*, actor: Actor, override: CalendarOverride, reason: str = "") -> None:
    """Remove an override, so the statutory calendar applies to that day again."""
    locked = CalendarOverride.objects.select_for_update().filter(pk=override.pk).first()
    if locked is None:
        return
    before = calendar_override_snapshot(locked)
    audit_record(actor=actor, action="calendar_override.delete", target=locked, before=before, reason=reason)
    locked.delete()
    calendar.invalidate(locked.country, locked.date.year)
