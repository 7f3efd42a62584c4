"""``{% load onestop_format %}``: amounts of money and processing times as people read them.

* ``{{ fee.amount|money:fee.currency }}`` → "KZT 1,500.00" / "1 500,00 ₸" (see onestop.core.money);
  with no currency, the deployment's ``ONESTOP_CURRENCY``; a :class:`~onestop.core.money.Money` needs none.
* ``{{ service.statutory_time|duration:service.statutory_time_unit }}`` → "10 business days".

Filters never raise: a value that is not money or not a duration is shown as it is, because a
catalogue typo must not take a page down.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django import template
from django.conf import settings

from onestop.core.durations import BUSINESS, describe_duration
from onestop.core.money import Money, format_money

register = template.Library()
logger = logging.getLogger(__name__)


@register.filter
def money(value: Money | Decimal | int | str | None, currency: str | None = None) -> str:
    if value is None or value == "":
        return ""
    try:
        if isinstance(value, Money):
            return value.format()
        return format_money(value, currency or settings.ONESTOP_CURRENCY)
    except (TypeError, ValueError):
        logger.warning("money filter got %r %r", value, currency)
        return str(value)


@register.filter
def duration(value: str | None, unit: str | None = None) -> str:
    if not value:
        return ""
    try:
        return describe_duration(value, unit or BUSINESS)
    except ValueError:
        logger.warning("duration filter got %r %r", value, unit)
        return str(value)
