"""Audit of sign-ins, sign-outs and failed sign-ins.

These events originate inside Django's auth framework, so its signals are the one place to observe
them; the receivers only hand over to :func:`onestop.people.services.auth_event_record`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from onestop.people.models import User
from onestop.people.services import auth_event_record


def _logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    auth_event_record(actor=user, action="auth.login", username=user.get_username(), user=user)


def _logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:  # None when the session had no signed-in user
        auth_event_record(actor=user, action="auth.logout", username=user.get_username(), user=user)


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django masks the password in ``credentials``; only the username is kept.
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    auth_event_record(actor=AnonymousUser(), action="auth.login_failed", username=username[:150])


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="onestop.people.audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="onestop.people.audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="onestop.people.audit_login_failed")
