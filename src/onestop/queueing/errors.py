"""Domain errors of the front office.

Services raise these; API views turn them into problem+json (``code`` is the stable problem type
slug, ``status`` the HTTP status, ``extra`` extra members such as the next free slots) and HTML views
show ``message`` in the error summary. Call-next on an empty queue is *not* an error: it returns None.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class QueueingError(Exception):
    """Base class: a request the front office refuses, with a message a person can act on."""

    code: str = "queueing-error"
    status: int = 400
    default_message: Any = _("The request could not be carried out.")
    title: Any = _("The request could not be carried out")

    def __init__(self, message: str | None = None, *, extra: dict[str, Any] | None = None) -> None:
        self.message: str = str(message) if message is not None else str(self.default_message)
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.message)


class ServiceNotOffered(QueueingError):
    code = "service-not-offered"
    status = 400
    default_message = _("This centre does not offer that service.")
    title = _("Service not offered here")


class IllegalTransition(QueueingError):
    code = "illegal-transition"
    status = 409
    default_message = _("The ticket is not in a state that allows this action.")
    title = _("Action not possible for this ticket now")


class WrongCentre(QueueingError):
    code = "wrong-centre"
    status = 403
    default_message = _("You may act only at your own centre.")
    title = _("Not your centre")


class NotSignedIn(QueueingError):
    code = "not-signed-in"
    status = 409
    default_message = _("Sign in to a counter first.")
    title = _("Not signed in to a counter")


class QuotaExceeded(QueueingError):
    code = "quota-exceeded"
    status = 409
    default_message = _("You already have the most bookings allowed for this period.")
    title = _("Booking quota reached")


class SlotFull(QueueingError):
    code = "slot-full"
    status = 409
    default_message = _("That time is fully booked.")
    title = _("Slot full")


class UnknownBooking(QueueingError):
    code = "unknown-booking"
    status = 404
    default_message = _("No booking matches that code or national ID.")
    title = _("Booking not found")


class DeviceNotAllowed(QueueingError):
    code = "device-not-allowed"
    status = 403
    default_message = _("This device may not act for this centre.")
    title = _("Device not allowed")


__all__ = [
    "DeviceNotAllowed",
    "IllegalTransition",
    "NotSignedIn",
    "QueueingError",
    "QuotaExceeded",
    "ServiceNotOffered",
    "SlotFull",
    "UnknownBooking",
    "WrongCentre",
]
