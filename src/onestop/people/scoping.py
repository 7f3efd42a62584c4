"""What each staff member may see, from their role memberships in force today.

National roles (coordinator, administrator, auditor) see everything; officers and agency heads see
their agencies; operators and centre managers their centres; a user with no role in force sees
nothing. A membership counts only between its ``valid_from`` and ``valid_until`` (both inclusive).
Every screen and API that lists agency or centre data filters through these functions.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone

from onestop.catalog.models import Agency
from onestop.centres.models import Centre
from onestop.people.models import AGENCY_ROLES, CENTRE_ROLES, NATIONAL_ROLES, RoleMembership

M = TypeVar("M", bound=Model)


def in_force(today: date | None = None) -> Q:
    """The condition for memberships in force on ``today`` (default: the deployment's today)."""
    day = today or timezone.localdate()
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def _in_force_on(day: date, valid_from: date | None, valid_until: date | None) -> bool:
    """:func:`in_force` for one membership's dates already read (both bounds inclusive)."""
    return (valid_from is None or valid_from <= day) and (valid_until is None or valid_until >= day)


def _memberships(user: Any) -> QuerySet[RoleMembership]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return RoleMembership.objects.none()
    return RoleMembership.objects.filter(in_force(), user_id=user.pk)


def _is_national(user: Any) -> bool:
    return _memberships(user).filter(role__in=NATIONAL_ROLES).exists()


def roles_of(user: Any) -> set[str]:
    """The roles the user holds today, in any scope."""
    return set(_memberships(user).values_list("role", flat=True))


def has_role(
    user: Any, role: str, *, agency: Agency | int | None = None, centre: Centre | int | None = None
) -> bool:
    """Whether the user holds ``role`` today — in the given agency or centre (an instance or its id),
    if one is named. A national membership covers every agency and centre.

    Every counter action and most views ask this, so it is one plain query written out in SQL (the
    ORM spent several times longer composing it than the database spent answering): the user's
    memberships of that role in force today (the dates as :func:`in_force` reads them), whose scope
    is then matched here as the scoping helpers below match it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    centre_id = centre.pk if isinstance(centre, Centre) else centre
    db = connections[DEFAULT_DB_ALIAS]
    today = db.ops.adapt_datefield_value(timezone.localdate())
    with db.cursor() as cursor:
        cursor.execute(_role_scopes_sql(db.vendor), [user.pk, role, today, today])
        for in_agency, at_centre in cursor.fetchall():
            national = in_agency is None and at_centre is None
            if agency_id is not None and not (national or in_agency == agency_id):
                continue
            if centre_id is not None and not (national or at_centre == centre_id):
                continue
            return True
    return False


@functools.cache
def _role_scopes_sql(vendor: str) -> str:
    """The query of :func:`has_role`: (agency id, centre id) of the user's memberships of one role in
    force on a day (bounds inclusive; a stored date compares correctly with the day on both
    databases, as the ORM's own filter does). Table and column names only; values are parameters."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    meta = RoleMembership._meta
    column = {f.name: quote(str(f.column)) for f in meta.concrete_fields if isinstance(f, Field)}
    since, until = column["valid_from"], column["valid_until"]
    return (
        f"SELECT {column['agency']}, {column['centre']} FROM {quote(meta.db_table)} "
        f"WHERE {column['user']} = %s AND {column['role']} = %s "
        f"AND ({since} IS NULL OR {since} <= %s) AND ({until} IS NULL OR {until} >= %s)"
    )


def agency_ids_visible_to(user: Any) -> frozenset[int] | None:
    """The ids of the agencies whose back-office data the user may see, or None for all of them (a
    national role): the same answer as :func:`agencies_visible_to`, from one plain query, for the
    hot lists that filter by a list of ids rather than by a subquery."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    today = timezone.localdate()
    ids: set[int] = set()
    rows = RoleMembership.objects.filter(user_id=user.pk, role__in=[*NATIONAL_ROLES, *AGENCY_ROLES])
    for role, agency_id, valid_from, valid_until in rows.values_list(
        "role", "agency_id", "valid_from", "valid_until"
    ):
        if not _in_force_on(today, valid_from, valid_until):
            continue
        if role in NATIONAL_ROLES:
            return None
        if agency_id is not None:
            ids.add(agency_id)
    return frozenset(ids)


def agencies_visible_to(user: Any) -> QuerySet[Agency]:
    """Agencies whose back-office data the user may see."""
    if _is_national(user):
        return Agency.objects.all()
    ids = _memberships(user).filter(role__in=AGENCY_ROLES).values("agency_id")
    return Agency.objects.filter(pk__in=ids)


def centres_visible_to(user: Any) -> QuerySet[Centre]:
    """Centres whose front-office data the user may see."""
    if _is_national(user):
        return Centre.objects.all()
    ids = _memberships(user).filter(role__in=CENTRE_ROLES).values("centre_id")
    return Centre.objects.filter(pk__in=ids)


def scope_to_agencies(qs: QuerySet[M], user: Any, *, field: str = "agency") -> QuerySet[M]:
    """``qs`` narrowed to rows whose ``field`` (a path to an Agency) the user may see."""
    if _is_national(user):
        return qs
    ids = _memberships(user).filter(role__in=AGENCY_ROLES).values("agency_id")
    return qs.filter(**{f"{field}__in": ids})


def scope_to_centres(qs: QuerySet[M], user: Any, *, field: str = "centre") -> QuerySet[M]:
    """``qs`` narrowed to rows whose ``field`` (a path to a Centre) the user may see."""
    if _is_national(user):
        return qs
    ids = _memberships(user).filter(role__in=CENTRE_ROLES).values("centre_id")
    return qs.filter(**{f"{field}__in": ids})
