"""The address registry: where the person is registered to live, and where they were before."""

from __future__ import annotations

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import check, fetch, found, guarded, is_current, not_found, pick

REGISTRY = "address-registry"
ADDRESS_FIELDS = ("kind", "region", "locality", "street", "house", "flat", "postcode")


@register("address-registry.registered-address")
@guarded
def registered_address(request: RegistryRequest) -> RegistryResponse:
    """The registration in force today (``address``, null after a deregistration) and the earlier
    ones, newest first (``previous``)."""
    records = fetch(REGISTRY, "address", check(request))
    if not records:
        return not_found()
    today = timezone.localdate()
    current = None
    previous = []
    for record in sorted(records, key=lambda r: r.valid_from or today, reverse=True):
        row = {
            **pick(record.data, ADDRESS_FIELDS),
            "registered_on": record.valid_from.isoformat() if record.valid_from else None,
        }
        if current is None and is_current(record, today):
            current = row
        else:
            previous.append(
                {**row, "deregistered_on": record.valid_until.isoformat() if record.valid_until else None}
            )
    return found(address=current, previous=previous)


_ADDRESS = {
    "kind": s.text(enum=("permanent", "temporary")),
    "region": s.text(),
    "locality": s.text(),
    "street": s.text(),
    "house": s.text(),
    "flat": s.nullable(s.text()),
    "postcode": s.text(),
    "registered_on": s.nullable(s.day()),
}
ADDRESS_ANSWER = {
    "address": s.nullable(s.obj(_ADDRESS, description="The registration in force today")),
    "previous": s.array(s.obj({**_ADDRESS, "deregistered_on": s.nullable(s.day())})),
}
