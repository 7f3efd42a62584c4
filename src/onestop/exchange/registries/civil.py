"""The civil registry: the person's own record and the civil-status acts (births, marriages,
deaths) that concern them.

Birth and death answers cover the person's close family as well as the person (``relation``), as
the services that need them are applied for by a parent (a birth benefit) or a relative (a funeral
benefit) under their own national ID.
"""

from __future__ import annotations

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import BadRequest, check, fetch, found, guarded, not_found, pick

REGISTRY = "civil-registry"

PERSON_FIELDS = (
    "national_id",
    "given_name",
    "family_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "place_of_birth",
    "citizenship",
    "marital_status",
    "status",
    "date_of_death",
)
BIRTH_FIELDS = ("relation", "record_number", "registered_on", "registry_office", "child", "mother", "father")
MARRIAGE_FIELDS = ("record_number", "registered_on", "registry_office", "spouse", "status", "dissolved_on")
DEATH_FIELDS = ("relation", "record_number", "registered_on", "registry_office", "deceased")
BIRTH_RELATIONS = ("self", "child")
DEATH_RELATIONS = ("self", "spouse", "parent", "child")


@register("civil-registry.person")
@guarded
def person(request: RegistryRequest) -> RegistryResponse:
    """The person's entry in the population register."""
    records = fetch(REGISTRY, "person", check(request))
    if not records:
        return not_found()
    return found(person=pick(records[-1].data, PERSON_FIELDS))


def _relation(request: RegistryRequest, allowed: tuple[str, ...]) -> str:
    value = request.params.get("relation", "")
    if value and value not in allowed:
        raise BadRequest(f"relation must be one of {', '.join(allowed)}.", parameter="relation")
    return value


@register("civil-registry.birth")
@guarded
def births(request: RegistryRequest) -> RegistryResponse:
    """Birth records: the person's own (``relation: self``) and their children's (``child``)."""
    subject = check(request, params=("relation",))
    relation = _relation(request, BIRTH_RELATIONS)
    records = [r for r in fetch(REGISTRY, "birth", subject) if not relation or r.data["relation"] == relation]
    if not records:
        return not_found()
    return found(births=[pick(r.data, BIRTH_FIELDS) for r in records])


@register("civil-registry.marriage")
@guarded
def marriages(request: RegistryRequest) -> RegistryResponse:
    """Marriage records of the person, dissolved ones included; ``married`` says whether one is in
    force."""
    records = fetch(REGISTRY, "marriage", check(request))
    if not records:
        return not_found()
    rows = [pick(r.data, MARRIAGE_FIELDS) for r in records]
    return found(married=any(row["status"] == "registered" for row in rows), marriages=rows)


@register("civil-registry.death")
@guarded
def deaths(request: RegistryRequest) -> RegistryResponse:
    """Death records concerning the person: their own, or a spouse's, parent's or child's."""
    subject = check(request, params=("relation",))
    relation = _relation(request, DEATH_RELATIONS)
    records = [r for r in fetch(REGISTRY, "death", subject) if not relation or r.data["relation"] == relation]
    if not records:
        return not_found()
    return found(deaths=[pick(r.data, DEATH_FIELDS) for r in records])


# --- What the directory publishes about these services ----------------------------------------

PERSON_ANSWER = {
    "person": s.obj(
        {
            "national_id": s.text(),
            "given_name": s.text(),
            "family_name": s.text(),
            "patronymic": s.text("Empty when the person has none"),
            "sex": s.text(enum=("F", "M")),
            "date_of_birth": s.day(),
            "place_of_birth": s.text(),
            "citizenship": s.text("ISO 3166 alpha-2 country code"),
            "marital_status": s.text(enum=("single", "married", "divorced", "widowed")),
            "status": s.text(enum=("living", "deceased")),
            "date_of_death": s.nullable(s.day()),
        }
    )
}
_OFFICE = {"record_number": s.text(), "registered_on": s.day(), "registry_office": s.text()}
_CHILD = s.obj({**s.PERSON_REF["properties"], "sex": s.text(enum=("F", "M")), "place_of_birth": s.text()})
BIRTH_ANSWER = {
    "births": s.array(
        s.obj(
            {
                "relation": s.text(enum=BIRTH_RELATIONS),
                **_OFFICE,
                "child": _CHILD,
                "mother": s.nullable(s.PERSON_REF),
                "father": s.nullable(s.PERSON_REF),
            }
        )
    )
}
MARRIAGE_ANSWER = {
    "married": s.flag("A marriage of the person is in force"),
    "marriages": s.array(
        s.obj(
            {
                **_OFFICE,
                "spouse": s.PERSON_REF,
                "status": s.text(enum=("registered", "dissolved")),
                "dissolved_on": s.nullable(s.day()),
            }
        )
    ),
}
DEATH_ANSWER = {
    "deaths": s.array(
        s.obj(
            {
                "relation": s.text(enum=DEATH_RELATIONS),
                **_OFFICE,
                "deceased": s.obj(
                    {**s.PERSON_REF["properties"], "date_of_death": s.day(), "place_of_death": s.text()}
                ),
            }
        )
    )
}
BIRTH_PARAMS = (
    s.query_parameter(
        "relation", "Only the person's own birth or only their children's", s.text(enum=BIRTH_RELATIONS)
    ),
)
DEATH_PARAMS = (
    s.query_parameter("relation", "Only deaths of this relation to the person", s.text(enum=DEATH_RELATIONS)),
)
