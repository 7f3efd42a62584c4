"""The land cadastre: parcels the person owns or leases."""

from __future__ import annotations

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import check, fetch, found, guarded, not_found, pick

REGISTRY = "land-cadastre"
PARCEL_FIELDS = (
    "cadastral_number",
    "locality",
    "area_ha",
    "purpose",
    "right",
    "registered_on",
    "lease_until",
)


@register("land-cadastre.parcels")
@guarded
def parcels(request: RegistryRequest) -> RegistryResponse:
    """Every parcel the person holds, with the right (ownership or lease) and the intended use."""
    records = fetch(REGISTRY, "parcel", check(request))
    if not records:
        return not_found()
    return found(parcels=[pick(r.data, PARCEL_FIELDS) for r in records])


PARCELS_ANSWER = {
    "parcels": s.array(
        s.obj(
            {
                "cadastral_number": s.text(),
                "locality": s.text(),
                "area_ha": s.number("Area in hectares"),
                "purpose": s.text(enum=("individual-housing", "gardening", "agriculture", "commercial")),
                "right": s.text(enum=("ownership", "lease")),
                "registered_on": s.day(),
                "lease_until": s.nullable(s.day()),
            }
        )
    )
}
