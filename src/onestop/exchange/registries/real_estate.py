"""The real-estate register: titles the person holds and what encumbers them (mortgages, arrests,
registered leases)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import (
    Record,
    check,
    fetch,
    found,
    guarded,
    is_current,
    not_found,
    pick,
)

REGISTRY = "property-registry"
TITLE_FIELDS = ("cadastral_number", "kind", "address", "area_m2", "share", "registered_on", "basis")
ENCUMBRANCE_FIELDS = ("kind", "holder", "registered_on", "until")


def _in_force(encumbrances: list[dict[str, Any]], on: date) -> list[dict[str, Any]]:
    return [
        pick(e, ENCUMBRANCE_FIELDS)
        for e in encumbrances
        if not e.get("until") or date.fromisoformat(e["until"]) >= on
    ]


def _titles(request: RegistryRequest) -> tuple[list[Record], date] | None:
    records = fetch(REGISTRY, "title", check(request))
    if not records:
        return None
    today = timezone.localdate()
    return [r for r in records if is_current(r, today)], today


@register("property-registry.titles")
@guarded
def titles(request: RegistryRequest) -> RegistryResponse:
    """The titles the person holds today (a sold property's ended title is left out)."""
    held = _titles(request)
    if held is None:
        return not_found()
    records, today = held
    return found(
        titles=[
            {
                **pick(r.data, TITLE_FIELDS),
                "encumbered": bool(_in_force(r.data.get("encumbrances", []), today)),
            }
            for r in records
        ]
    )


@register("property-registry.encumbrances")
@guarded
def encumbrances(request: RegistryRequest) -> RegistryResponse:
    """Encumbrances in force on each property the person holds; ``encumbered`` is false when there
    are none (a useful answer in itself: the property can be sold freely)."""
    held = _titles(request)
    if held is None:
        return not_found()
    records, today = held
    properties = [
        {
            "cadastral_number": r.data.get("cadastral_number"),
            "address": r.data.get("address"),
            "encumbrances": _in_force(r.data.get("encumbrances", []), today),
        }
        for r in records
    ]
    return found(encumbered=any(p["encumbrances"] for p in properties), properties=properties)


_TITLE = {
    "cadastral_number": s.text(),
    "kind": s.text(enum=("apartment", "house", "garage", "commercial")),
    "address": s.text(),
    "area_m2": s.number("Floor area in square metres"),
    "share": s.text("The person's share of the property, e.g. 1/1 or 1/2"),
    "registered_on": s.day(),
    "basis": s.text(enum=("purchase", "inheritance", "gift", "privatisation", "construction")),
}
_ENCUMBRANCE = s.obj(
    {
        "kind": s.text(enum=("mortgage", "arrest", "lease")),
        "holder": s.text("The bank, court or tenant in whose favour it is registered"),
        "registered_on": s.day(),
        "until": s.nullable(s.day()),
    }
)
TITLES_ANSWER = {"titles": s.array(s.obj({**_TITLE, "encumbered": s.flag()}))}
ENCUMBRANCES_ANSWER = {
    "encumbered": s.flag("Some property of the person is encumbered today"),
    "properties": s.array(
        s.obj({"cadastral_number": s.text(), "address": s.text(), "encumbrances": s.array(_ENCUMBRANCE)})
    ),
}
