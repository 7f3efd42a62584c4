"""The business register: companies the person founded or directs."""

from __future__ import annotations

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import BadRequest, check, fetch, found, guarded, not_found, pick

REGISTRY = "business-registry"
COMPANY_FIELDS = (
    "registration_number",
    "name",
    "legal_form",
    "registered_on",
    "status",
    "address",
    "activity",
    "roles",
    "share_percent",
)
STATUSES = ("active", "liquidated")


@register("business-registry.companies")
@guarded
def companies(request: RegistryRequest) -> RegistryResponse:
    """Companies in which the person is a founder or the director; ``status=active`` leaves out
    liquidated ones."""
    subject = check(request, params=("status",))
    status = request.params.get("status", "")
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}.", parameter="status")
    records = fetch(REGISTRY, "company", subject)
    if not records:
        return not_found()
    rows = [pick(r.data, COMPANY_FIELDS) for r in records]
    return found(companies=[row for row in rows if not status or row["status"] == status])


COMPANIES_ANSWER = {
    "companies": s.array(
        s.obj(
            {
                "registration_number": s.text("The company's business identification number"),
                "name": s.text(),
                "legal_form": s.text(enum=("LLP", "JSC", "IE", "cooperative")),
                "registered_on": s.day(),
                "status": s.text(enum=STATUSES),
                "address": s.text(),
                "activity": s.text("Main activity"),
                "roles": s.array(s.text(enum=("founder", "director"))),
                "share_percent": s.nullable(s.number("The person's share of the capital")),
            }
        )
    )
}
COMPANIES_PARAMS = (s.query_parameter("status", "Only companies in this state", s.text(enum=STATUSES)),)
