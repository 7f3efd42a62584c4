"""Social insurance: contributions paid for the person, their pension, disability status and the
household the benefits are computed for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import (
    BadRequest,
    check,
    fetch,
    found,
    guarded,
    month_param,
    not_found,
    pick,
)

REGISTRY = "social-insurance"
MONTH_FIELDS = ("period", "employer", "employer_number", "income", "amount")
PENSION_FIELDS = ("kind", "awarded_on", "monthly_amount", "currency")
DISABILITY_FIELDS = ("group", "cause", "established_on", "review_on")
MEMBER_FIELDS = ("relation", "national_id", "full_name", "date_of_birth")


@register("social-insurance.contributions")
@guarded
def contributions(request: RegistryRequest) -> RegistryResponse:
    """Monthly contributions with the income they were paid on, optionally between two months
    (``from``/``to``, ``YYYY-MM``, both included)."""
    subject = check(request, params=("from", "to"))
    first, last = month_param(request, "from"), month_param(request, "to")
    if first and last and first > last:
        raise BadRequest("from must not be after to.", parameter="from")
    records = fetch(REGISTRY, "contributions", subject)
    if not records:
        return not_found()
    account = records[-1].data
    months = [
        pick(m, MONTH_FIELDS)
        for m in account.get("months", [])
        if (not first or m["period"] >= first) and (not last or m["period"] <= last)
    ]
    return found(
        currency=account.get("currency"),
        months=months,
        total_income=f"{sum((Decimal(m['income']) for m in months), Decimal('0.00')):.2f}",
        total_contributions=f"{sum((Decimal(m['amount']) for m in months), Decimal('0.00')):.2f}",
    )


@register("social-insurance.pension-status")
@guarded
def pension_status(request: RegistryRequest) -> RegistryResponse:
    """The pension the person receives; 404 for a person who receives none."""
    records = fetch(REGISTRY, "pension", check(request))
    if not records:
        return not_found()
    return found(pensioner=True, pension=pick(records[-1].data, PENSION_FIELDS))


@register("social-insurance.disability-status")
@guarded
def disability_status(request: RegistryRequest) -> RegistryResponse:
    """The disability group established for the person; ``in_force`` is false once the review
    date has passed without a new decision."""
    records = fetch(REGISTRY, "disability", check(request))
    if not records:
        return not_found()
    disability = pick(records[-1].data, DISABILITY_FIELDS)
    review = disability["review_on"]
    in_force = review is None or date.fromisoformat(review) >= timezone.localdate()
    return found(disability={**disability, "permanent": review is None, "in_force": in_force})


@register("social-insurance.family")
@guarded
def family(request: RegistryRequest) -> RegistryResponse:
    """The household the person's benefits are computed for: the person plus these members."""
    records = fetch(REGISTRY, "family", check(request))
    if not records:
        return not_found()
    members = [pick(m, MEMBER_FIELDS) for m in records[-1].data.get("members", [])]
    today = timezone.localdate()
    under_18 = 0
    for member in members:
        if member["relation"] == "child" and member["date_of_birth"]:
            born = date.fromisoformat(member["date_of_birth"])
            if (today.year - born.year) - ((today.month, today.day) < (born.month, born.day)) < 18:
                under_18 += 1
    return found(household_size=len(members) + 1, children_under_18=under_18, members=members)


CONTRIBUTIONS_ANSWER = {
    "currency": s.text("ISO 4217 currency code"),
    "months": s.array(
        s.obj(
            {
                "period": s.text("YYYY-MM"),
                "employer": s.text(),
                "employer_number": s.text("The employer's business identification number"),
                "income": s.money("Income the contribution was paid on"),
                "amount": s.money("Contribution paid"),
            }
        )
    ),
    "total_income": s.money(),
    "total_contributions": s.money(),
}
CONTRIBUTIONS_PARAMS = (
    s.query_parameter("from", "First month (YYYY-MM)", s.text()),
    s.query_parameter("to", "Last month (YYYY-MM)", s.text()),
)
PENSION_ANSWER = {
    "pensioner": s.flag(),
    "pension": s.obj(
        {
            "kind": s.text(enum=("age", "disability", "survivor", "long-service")),
            "awarded_on": s.day(),
            "monthly_amount": s.money(),
            "currency": s.text(),
        }
    ),
}
DISABILITY_ANSWER = {
    "disability": s.obj(
        {
            "group": s.text(enum=("I", "II", "III")),
            "cause": s.text(
                enum=("general-illness", "since-childhood", "work-injury", "occupational-disease")
            ),
            "established_on": s.day(),
            "review_on": s.nullable(s.day("Null when established without a time limit")),
            "permanent": s.flag(),
            "in_force": s.flag(),
        }
    )
}
FAMILY_ANSWER = {
    "household_size": s.number("The person and the members below", integer=True),
    "children_under_18": s.number(integer=True),
    "members": s.array(
        s.obj(
            {
                "relation": s.text(enum=("spouse", "child", "parent")),
                "national_id": s.nullable(s.text()),
                "full_name": s.text(),
                "date_of_birth": s.nullable(s.day()),
            }
        )
    ),
}
