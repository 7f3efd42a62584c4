"""Special records: criminal record checks.

The register keeps an entry for every resident, so a person with no conviction gets a ``200``
saying the record is clean; only an identifier the register does not know is a ``404``.
"""

from __future__ import annotations

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import check, fetch, found, guarded, not_found, pick

REGISTRY = "special-records"
CONVICTION_FIELDS = ("article", "court", "sentenced_on", "sentence", "expunged")


@register("special-records.criminal-record")
@guarded
def criminal_record(request: RegistryRequest) -> RegistryResponse:
    """``clean`` unless a conviction stands (an expunged one is listed but does not count)."""
    records = fetch(REGISTRY, "record", check(request))
    if not records:
        return not_found()
    convictions = [pick(c, CONVICTION_FIELDS) for c in records[-1].data.get("convictions", [])]
    return found(
        checked_on=timezone.localdate().isoformat(),
        clean=not any(not c["expunged"] for c in convictions),
        convictions=convictions,
    )


CRIMINAL_RECORD_ANSWER = {
    "checked_on": s.day(),
    "clean": s.flag("No conviction stands against the person"),
    "convictions": s.array(
        s.obj(
            {
                "article": s.text("Article of the criminal code"),
                "court": s.text(),
                "sentenced_on": s.day(),
                "sentence": s.text(),
                "expunged": s.flag(),
            }
        )
    ),
}
