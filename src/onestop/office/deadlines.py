"""Deadlines in plain words for the back office: "due in 3 business days", "2 days overdue".

Days are counted in the unit of the service's statutory time (business days on the deployment's
calendar, or calendar days) on the local date, as officers read a deadline. While the clock is
stopped (information requested) the time left is frozen at what it was when the clock stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onestop.core import calendar
from onestop.core.durations import CALENDAR


@dataclass(frozen=True)
class Deadline:
    """A deadline as shown: the words, and whether it has passed."""

    words: str
    overdue: bool
    days: int  # days left (negative: days overdue), in the unit of ``business``
    business: bool


def _days_between(start: datetime, end: datetime, *, business: bool) -> int:
    first = timezone.localtime(start).date()
    last = timezone.localtime(end).date()
    if business:
        return calendar.business_days_between(first, last)
    return (last - first).days


def describe_deadline(
    due_at: datetime, *, now: datetime, unit: str, clock_stopped_at: datetime | None = None
) -> Deadline:
    """``due_at`` relative to ``now`` (or to when the clock stopped) in the active language."""
    business = unit != CALENDAR
    reference = clock_stopped_at or now
    days = _days_between(reference, due_at, business=business)
    overdue = due_at < reference
    if overdue:
        late = max(1, -days) if days < 0 else 0
        if late == 0:
            words = _("overdue since today")
        elif business:
            words = ngettext("%(count)d business day overdue", "%(count)d business days overdue", late) % {
                "count": late
            }
        else:
            words = ngettext("%(count)d day overdue", "%(count)d days overdue", late) % {"count": late}
        return Deadline(words=words, overdue=True, days=-late, business=business)
    if days <= 0:
        words = _("due today")
    elif business:
        words = ngettext("due in %(count)d business day", "due in %(count)d business days", days) % {
            "count": days
        }
    else:
        words = ngettext("due in %(count)d day", "due in %(count)d days", days) % {"count": days}
    if clock_stopped_at is not None:
        words = _("%(left)s (clock stopped)") % {"left": words}
    return Deadline(words=words, overdue=False, days=days, business=business)
