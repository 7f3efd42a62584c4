"""Every write to centres, their counters, opening hours and the services they offer.

Each function is keyword-only, runs in one transaction and records an audit event in it. Bad input
raises Django's ``ValidationError`` naming the field at fault, so forms and the API can show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter, OpeningHours
from onestop.core.audit import Actor, audit_record
from onestop.core.i18n import Translations, get_translations, set_translations
from onestop.core.models import Region

# Fields a centre's audit summary shows; translated fields are summarised per language.
_CENTRE_FIELDS = ("code", "kind", "region_id", "latitude", "longitude", "phone", "is_active")
_CENTRE_TRANSLATED = ("name", "address")

Period = tuple[int, time, time]


def centre_summary(centre: Centre) -> dict[str, Any]:
    """The audit view of a centre: its plain fields and every translation of its texts."""
    summary: dict[str, Any] = {field: getattr(centre, field) for field in _CENTRE_FIELDS}
    for field in _CENTRE_TRANSLATED:
        summary[field] = get_translations(centre, field)
    return summary


def _translations_error(field: str, exc: ValueError) -> ValidationError:
    return ValidationError({field: str(exc)})


def _check_periods(periods: Iterable[Period]) -> list[Period]:
    """Weekday in 0–6, opening before closing, and no two periods of a day overlapping."""
    checked = sorted(periods)
    errors: list[str] = []
    for weekday, opens, closes in checked:
        if weekday not in OpeningHours.Weekday.values:
            errors.append(_("Weekday %(day)s is not between 0 (Monday) and 6 (Sunday).") % {"day": weekday})
        elif opens >= closes:
            errors.append(
                _("On %(day)s the centre must open before it closes (%(opens)s–%(closes)s).")
                % {"day": OpeningHours.Weekday(weekday).label, "opens": opens, "closes": closes}
            )
    for (day1, _opens1, closes1), (day2, opens2, _closes2) in zip(checked, checked[1:], strict=False):
        if day1 == day2 and opens2 < closes1:
            errors.append(
                _("Two opening periods overlap on %(day)s.") % {"day": OpeningHours.Weekday(day1).label}
            )
    if errors:
        raise ValidationError({"opening_hours": errors})
    return checked


def centre_create(
    *,
    actor: Actor,
    code: str,
    name: Translations,
    kind: str,
    region: Region,
    address: Translations,
    latitude: Decimal,
    longitude: Decimal,
    phone: str = "",
    services: Iterable[Service] = (),
    opening_hours: Iterable[Period] = (),
) -> Centre:
    """Open a new centre with the services it offers and its weekly opening hours."""
    centre = Centre(code=code, kind=kind, region=region, latitude=latitude, longitude=longitude, phone=phone)
    for field, values in (("name", name), ("address", address)):
        try:
            set_translations(centre, field, values)
        except ValueError as exc:
            raise _translations_error(field, exc) from exc
    periods = _check_periods(opening_hours)
    centre.full_clean()
    service_list = list(services)
    with transaction.atomic():
        centre.save()
        centre.services.set(service_list)
        OpeningHours.objects.bulk_create(
            OpeningHours(centre=centre, weekday=weekday, opens=opens, closes=closes)
            for weekday, opens, closes in periods
        )
        after = centre_summary(centre)
        after["services"] = sorted(s.identifier for s in service_list)
        after["opening_hours"] = [[d, o.isoformat(), c.isoformat()] for d, o, c in periods]
        audit_record(actor=actor, action="centre.create", target=centre, after=after)
    return centre


def centre_update(*, actor: Actor, centre: Centre, **changes: Any) -> Centre:
    """Change a centre's fields. Translated texts may be given as ``name={"en": …, "ru": …}`` or per
    column (``name_ru="…"``)."""
    before = centre_summary(centre)
    for field, value in changes.items():
        if field in _CENTRE_TRANSLATED:
            try:
                set_translations(centre, field, value)
            except ValueError as exc:
                raise _translations_error(field, exc) from exc
        elif field in ("services", "opening_hours", "pk", "id"):
            raise TypeError(f"centre_update() cannot change {field!r}; use its own service")
        else:
            if not hasattr(centre, field):
                raise TypeError(f"Centre has no field {field!r}")
            setattr(centre, field, value)
    centre.full_clean()
    with transaction.atomic():
        centre.save()
        after = centre_summary(centre)
        audit_record(
            actor=actor,
            action="centre.update",
            target=centre,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return centre


def centre_set_services(*, actor: Actor, centre: Centre, services: Iterable[Service]) -> None:
    """Replace the set of services the centre offers."""
    wanted = list(services)
    with transaction.atomic():
        before = sorted(centre.services.values_list("identifier", flat=True))
        centre.services.set(wanted)
        after = sorted(s.identifier for s in wanted)
        audit_record(
            actor=actor,
            action="centre.set_services",
            target=centre,
            before={"services": before},
            after={"services": after},
        )


def opening_hours_set(*, actor: Actor, centre: Centre, periods: Iterable[Period]) -> list[OpeningHours]:
    """Replace the centre's weekly opening hours. Several periods a day allow a lunch break; a weekday
    with none is closed."""
    checked = _check_periods(periods)
    with transaction.atomic():
        before = [[h.weekday, h.opens.isoformat(), h.closes.isoformat()] for h in centre.opening_hours.all()]
        centre.opening_hours.all().delete()
        rows = OpeningHours.objects.bulk_create(
            OpeningHours(centre=centre, weekday=weekday, opens=opens, closes=closes)
            for weekday, opens, closes in checked
        )
        audit_record(
            actor=actor,
            action="centre.set_opening_hours",
            target=centre,
            before={"opening_hours": before},
            after={"opening_hours": [[d, o.isoformat(), c.isoformat()] for d, o, c in checked]},
        )
    return rows


def counter_create(*, actor: Actor, centre: Centre, number: int, label: str = "") -> Counter:
    """Add a counter to a centre. Numbers are unique within the centre."""
    counter = Counter(centre=centre, number=number, label=label)
    counter.full_clean()  # includes the uniqueness of the number within the centre
    with transaction.atomic():
        counter.save()
        audit_record(
            actor=actor,
            action="counter.create",
            target=counter,
            after={"centre": centre.code, "number": number, "label": label, "is_active": counter.is_active},
        )
    return counter


def counter_update(
    *, actor: Actor, counter: Counter, label: str | None = None, is_active: bool | None = None
) -> Counter:
    """Relabel a counter or take it in or out of service."""
    before = {"label": counter.label, "is_active": counter.is_active}
    if label is not None:
        counter.label = label
    if is_active is not None:
        counter.is_active = is_active
    counter.full_clean()
    with transaction.atomic():
        counter.save(update_fields=["label", "is_active"])
        audit_record(
            actor=actor,
            action="counter.update",
            target=counter,
            before=before,
            after={"label": counter.label, "is_active": counter.is_active},
        )
    return counter
