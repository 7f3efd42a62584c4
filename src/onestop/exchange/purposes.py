"""Purpose binding: is there an open matter (an application or case) of this person, handled by the
calling agency, that this call names in ``X-Road-Issue``?

The exchange sits below the back office in the dependency order, so it cannot look at cases
itself. The back office registers a resolver at start-up (cases/apps.py), the way ID validators and
transports are plugged in; the provider asks every registered resolver. No resolver, no open
matter: a deployment without a back office can still grant purposes that need none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Matter:
    """An open application or case that justifies looking at someone's data."""

    kind: str  # "application" | "case"
    reference: str  # tracking or case number, as the citizen knows it
    subject: str  # national ID of the person it concerns
    agency_codes: frozenset[str]  # the agencies handling it (the only ones it lets call)


MatterResolver = Callable[[str, str], "Matter | None"]
_resolvers: list[MatterResolver] = []


def register_matter_resolver(resolver: MatterResolver) -> None:
    """Add a resolver ``(issue, subject) -> Matter | None``; registering the same one twice is a
    no-op (``ready()`` may run more than once in tests)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def find_open_matter(issue: str, subject: str) -> Matter | None:
    """The open matter ``issue`` names for ``subject``, or None."""
    if not issue or not subject:
        return None
    for resolver in _resolvers:
        matter = resolver(issue, subject)
        if matter is not None:
            return matter
    return None
