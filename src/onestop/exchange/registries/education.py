"""The education register: diplomas and certificates of completed education."""

from __future__ import annotations

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import check, fetch, found, guarded, not_found, pick

REGISTRY = "education-registry"
DIPLOMA_FIELDS = ("level", "institution", "speciality", "document_number", "graduated_on", "honours")
LEVELS = ("secondary", "vocational", "bachelor", "master", "doctorate")


@register("education-registry.diplomas")
@guarded
def diplomas(request: RegistryRequest) -> RegistryResponse:
    """The person's diplomas, highest level last."""
    records = fetch(REGISTRY, "diploma", check(request))
    if not records:
        return not_found()
    rows = [pick(r.data, DIPLOMA_FIELDS) for r in records]
    rows.sort(
        key=lambda d: (LEVELS.index(d["level"]) if d["level"] in LEVELS else -1, d["graduated_on"] or "")
    )
    return found(diplomas=rows)


DIPLOMAS_ANSWER = {
    "diplomas": s.array(
        s.obj(
            {
                "level": s.text(enum=LEVELS),
                "institution": s.text(),
                "speciality": s.nullable(s.text()),
                "document_number": s.text(),
                "graduated_on": s.day(),
                "honours": s.flag(),
            }
        )
    )
}
