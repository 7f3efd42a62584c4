"""The vehicle and driver register: vehicles registered to the person and their driving licence."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import check, fetch, found, guarded, is_current, not_found, pick

REGISTRY = "vehicle-registry"
VEHICLE_FIELDS = (
    "plate",
    "vin",
    "make",
    "model",
    "year",
    "colour",
    "category",
    "registered_on",
    "certificate_number",
)
LICENCE_FIELDS = ("number", "categories", "issued_on", "valid_until")


@register("vehicle-registry.vehicles")
@guarded
def vehicles(request: RegistryRequest) -> RegistryResponse:
    """Vehicles registered to the person today (a sold vehicle's registration has ended)."""
    records = fetch(REGISTRY, "vehicle", check(request))
    if not records:
        return not_found()
    today = timezone.localdate()
    return found(vehicles=[pick(r.data, VEHICLE_FIELDS) for r in records if is_current(r, today)])


@register("vehicle-registry.driving-licence")
@guarded
def driving_licence(request: RegistryRequest) -> RegistryResponse:
    """The person's latest driving licence; ``status`` is worked out today: valid, expired or
    suspended."""
    records = fetch(REGISTRY, "driving-licence", check(request))
    if not records:
        return not_found()
    latest = max(records, key=lambda r: r.data.get("issued_on") or "")
    licence = pick(latest.data, LICENCE_FIELDS)
    if latest.data.get("suspended"):
        status = "suspended"
    elif licence["valid_until"] and date.fromisoformat(licence["valid_until"]) < timezone.localdate():
        status = "expired"
    else:
        status = "valid"
    return found(licence={**licence, "status": status})


VEHICLES_ANSWER = {
    "vehicles": s.array(
        s.obj(
            {
                "plate": s.text("Registration plate"),
                "vin": s.text("Vehicle identification number"),
                "make": s.text(),
                "model": s.text(),
                "year": s.number(integer=True),
                "colour": s.text(),
                "category": s.text("Driving-licence category the vehicle needs"),
                "registered_on": s.day(),
                "certificate_number": s.text("Registration certificate"),
            }
        )
    )
}
LICENCE_ANSWER = {
    "licence": s.obj(
        {
            "number": s.text(),
            "categories": s.array(s.text()),
            "issued_on": s.day(),
            "valid_until": s.day(),
            "status": s.text(enum=("valid", "expired", "suspended")),
        }
    )
}
