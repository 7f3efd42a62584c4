"""The health register: the clinic the person is attached to, and the medical notices of births
and deaths that civil registration needs (the mother's, or the next of kin's)."""

from __future__ import annotations

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import check, fetch, found, guarded, is_current, not_found, pick

REGISTRY = "health-registry"
ATTACHMENT_FIELDS = ("clinic", "clinic_code", "address", "area")
BIRTH_NOTICE_FIELDS = ("notice_number", "issued_on", "facility", "child")
DEATH_NOTICE_FIELDS = ("notice_number", "issued_on", "issued_by", "relation", "deceased")


@register("health-registry.attachment")
@guarded
def attachment(request: RegistryRequest) -> RegistryResponse:
    """The primary-care clinic the person is attached to today."""
    records = fetch(REGISTRY, "attachment", check(request))
    today = timezone.localdate()
    current = [r for r in records if is_current(r, today)]
    if not current:
        return not_found()
    record = current[-1]
    return found(
        attachment={
            **pick(record.data, ATTACHMENT_FIELDS),
            "attached_on": record.valid_from.isoformat() if record.valid_from else None,
        }
    )


@register("health-registry.birth-notice")
@guarded
def birth_notices(request: RegistryRequest) -> RegistryResponse:
    """Medical notices of the births the person gave (the mother is the subject)."""
    records = fetch(REGISTRY, "birth-notice", check(request))
    if not records:
        return not_found()
    return found(notices=[pick(r.data, BIRTH_NOTICE_FIELDS) for r in records])


@register("health-registry.death-notice")
@guarded
def death_notices(request: RegistryRequest) -> RegistryResponse:
    """Medical certificates of death of the person's close relatives (the next of kin is the
    subject; ``relation`` says how the deceased was related to them)."""
    records = fetch(REGISTRY, "death-notice", check(request))
    if not records:
        return not_found()
    return found(notices=[pick(r.data, DEATH_NOTICE_FIELDS) for r in records])


ATTACHMENT_ANSWER = {
    "attachment": s.obj(
        {
            "clinic": s.text(),
            "clinic_code": s.text(),
            "address": s.text(),
            "area": s.text("The general practitioner's catchment area"),
            "attached_on": s.nullable(s.day()),
        }
    )
}
BIRTH_NOTICE_ANSWER = {
    "notices": s.array(
        s.obj(
            {
                "notice_number": s.text(),
                "issued_on": s.day(),
                "facility": s.text("Maternity hospital"),
                "child": s.obj(
                    {
                        "sex": s.text(enum=("F", "M")),
                        "date_of_birth": s.day(),
                        "weight_g": s.number(integer=True),
                        "length_cm": s.number(integer=True),
                    }
                ),
            }
        )
    )
}
DEATH_NOTICE_ANSWER = {
    "notices": s.array(
        s.obj(
            {
                "notice_number": s.text(),
                "issued_on": s.day(),
                "issued_by": s.text("Hospital or clinic that certified the death"),
                "relation": s.text(enum=("spouse", "parent", "child")),
                "deceased": s.obj(
                    {**s.PERSON_REF["properties"], "date_of_death": s.day(), "place_of_death": s.text()}
                ),
            }
        )
    )
}
