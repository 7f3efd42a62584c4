"""The tax authority: whether the person owes overdue tax, worked out from their tax account.

A tax account lists the charges (tax, period, amount, due date) and when each was paid. A charge is
overdue on a day if its due date has passed by then and it was not paid by then, so the answer can
be given for any past day (``as_of``), as a certificate of no debt is dated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from onestop.exchange.registries import RegistryRequest, RegistryResponse, register
from onestop.exchange.registries import schema as s
from onestop.exchange.registries.records import (
    BadRequest,
    check,
    date_param,
    fetch,
    found,
    guarded,
    not_found,
)

REGISTRY = "tax-authority"


def _overdue(charge: dict[str, Any], on: date) -> bool:
    due = date.fromisoformat(charge["due_on"])
    paid = charge.get("paid_on")
    return due < on and (paid is None or date.fromisoformat(paid) > on)


@register("tax-authority.no-debt")
@guarded
def no_debt(request: RegistryRequest) -> RegistryResponse:
    """``has_debt`` and the overdue charges as of ``as_of`` (today by default; not in the future,
    whose payments nobody knows yet)."""
    subject = check(request, params=("as_of",))
    as_of = date_param(request, "as_of")
    if as_of > timezone.localdate():
        raise BadRequest("as_of cannot be in the future.", parameter="as_of")
    records = fetch(REGISTRY, "account", subject)
    if not records:
        return not_found()
    account = records[-1].data
    overdue = [
        {"tax": c["tax"], "period": c["period"], "amount": c["amount"], "due_on": c["due_on"]}
        for c in account.get("charges", [])
        if _overdue(c, as_of)
    ]
    total = sum((Decimal(c["amount"]) for c in overdue), Decimal("0.00"))
    return found(
        as_of=as_of.isoformat(),
        has_debt=bool(overdue),
        debt_total=f"{total:.2f}",
        currency=account.get("currency"),
        tax_office=account.get("tax_office"),
        overdue=overdue,
    )


NO_DEBT_ANSWER = {
    "as_of": s.day("The day the answer is given for"),
    "has_debt": s.flag("Some tax was overdue and unpaid on that day"),
    "debt_total": s.money("Sum of the overdue charges"),
    "currency": s.text("ISO 4217 currency code"),
    "tax_office": s.text("The tax office that keeps the account"),
    "overdue": s.array(s.obj({"tax": s.text(), "period": s.text(), "amount": s.money(), "due_on": s.day()})),
}
NO_DEBT_PARAMS = (
    s.query_parameter("as_of", "The day to answer for (YYYY-MM-DD); today when absent", s.day()),
)
