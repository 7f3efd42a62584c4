"""Domain errors of the back office.

Services raise these; the API turns them into problem+json (``code`` is the stable problem type
slug, ``status`` the HTTP status, ``extra`` extra members such as per-field ``errors``) and HTML
views show ``message`` in the error summary.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class CaseError(Exception):
    """Base class: a request the back office refuses, with a message a person can act on."""

    code: str = "case-error"
    status: int = 400
    default_message: Any = _("The request could not be carried out.")
    title: Any = _("The request could not be carried out")

    def __init__(self, message: Any = None, *, extra: dict[str, Any] | None = None) -> None:
        self.message: str = str(message) if message is not None else str(self.default_message)
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.message)


class IllegalTransition(CaseError):
    code = "illegal-transition"
    status = 409
    default_message = _("The case is not in a state that allows this action.")
    title = _("Action not possible for this case now")


class NotAllowed(CaseError):
    code = "not-allowed"
    status = 403
    default_message = _("You may not do this.")
    title = _("Not allowed")


class InvalidAnswers(CaseError):
    """``extra["errors"]`` maps a field key (or ``"__all__"``) to its messages."""

    code = "invalid-answers"
    status = 400
    default_message = _("Some answers are missing or not valid.")
    title = _("Check your answers")

    def __init__(
        self,
        message: Any = None,
        *,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        merged = dict(extra or {})
        merged["errors"] = {key: [str(m) for m in messages] for key, messages in (errors or {}).items()}
        super().__init__(message, extra=merged)

    @property
    def errors(self) -> dict[str, list[str]]:
        value: dict[str, list[str]] = self.extra["errors"]
        return value


class UploadRejected(CaseError):
    code = "upload-rejected"
    status = 400
    default_message = _("The file was not accepted.")
    title = _("File not accepted")


class NotFound(CaseError):
    code = "not-found"
    status = 404
    default_message = _("No such case.")
    title = _("Not found")


__all__ = ["CaseError", "IllegalTransition", "InvalidAnswers", "NotAllowed", "NotFound", "UploadRejected"]
