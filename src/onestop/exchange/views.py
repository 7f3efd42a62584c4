"""The auditor's screens at ``/exchange/``: the exchange log (searchable, paginated), one entry with
its hashes and seal, and "Verify the log".

Only auditors and administrators get in (403 for everyone else). The list never counts the whole
log: it pages by keyset on (started_at, id), newest first, so a page costs the same on a million
rows as on ten. Filters are a GET form (a filtered list has a URL, works without JavaScript); bad
input is shown in an error summary with status 400. Verification is a POST (CSRF) that runs the
walk, records who ran it (``exchange.verify`` in the audit trail) and redirects to the result.

The filter form, the outcome classes and :func:`log_entries` are shared with the REST API
(exchange/api.py), so both search the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from onestop.core.national_ids import validate_national_id
from onestop.exchange import directory
from onestop.exchange.identifiers import IdentifierError, ServiceId, SubsystemId
from onestop.exchange.models import ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.verification import (
    BAD_SIGNATURE,
    CHANGED,
    DELETED,
    INSERTED,
    REORDERED,
    entry_check,
    exchange_log_check,
)
from onestop.people.models import Role, User
from onestop.people.scoping import has_role

PAGE_SIZE = 50
SESSION_RESULT = "exchange_verify_result"

# --- Who may look --------------------------------------------------------------------------------


def may_audit(user: Any) -> bool:
    """Auditors and administrators (national roles) read the exchange log; nobody else does."""
    return isinstance(user, User) and (has_role(user, Role.AUDITOR) or has_role(user, Role.ADMINISTRATOR))


def _auditor(request: HttpRequest) -> User:
    user = request.user
    if not may_audit(user):
        raise PermissionDenied(_("Only auditors and administrators may read the exchange log."))
    assert isinstance(user, User)
    return user


# --- Searching the log (shared with the API) -----------------------------------------------------


class Outcome:
    """How an exchange ended, from its ``X-Road-Error`` type: ``ok`` (no error; a registry that
    holds nothing on the person answers 404 and is still ok), ``refused`` (bad request, unknown or
    disabled service, access denied — the provider would not answer), ``failed`` (the provider
    broke, timed out or could not be reached)."""

    OK = "ok"
    REFUSED = "refused"
    FAILED = "failed"
    CHOICES = (
        (OK, gettext_lazy("Answered")),
        (REFUSED, gettext_lazy("Refused")),
        (FAILED, pgettext_lazy("exchange outcome", "Failed")),
    )
    VALUES = (OK, REFUSED, FAILED)

    REFUSAL_TYPES = (ErrorType.ACCESS_DENIED, ErrorType.UNKNOWN_SERVICE, ErrorType.SERVICE_DISABLED)

    @classmethod
    def of(cls, error_type: str) -> str:
        if not error_type:
            return cls.OK
        if error_type.startswith("Client.") or error_type in cls.REFUSAL_TYPES:
            return cls.REFUSED
        return cls.FAILED

    @classmethod
    def condition(cls, outcome: str) -> Q:
        refused = Q(error_type__startswith="Client.") | Q(error_type__in=[str(t) for t in cls.REFUSAL_TYPES])
        if outcome == cls.OK:
            return Q(error_type="")
        if outcome == cls.REFUSED:
            return refused
        return ~Q(error_type="") & ~refused


# Dates a filter may name: beyond these, "the day after" overflows (and nothing was logged then).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)


class LogFilterForm(forms.Form):
    """The exchange log's filters. Identifiers are checked for their form so a typo is named, not
    silently matched against nothing."""

    date_from = forms.DateField(
        validators=[
            MinValueValidator(
                EARLIEST_DATE, message=gettext_lazy("Enter the start date as a date, for example 2025-03-31.")
            ),
            MaxValueValidator(
                LATEST_DATE, message=gettext_lazy("Enter the start date as a date, for example 2025-03-31.")
            ),
        ],
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter the start date as a date, for example 2025-03-31.")},
    )
    date_to = forms.DateField(
        validators=[
            MinValueValidator(
                EARLIEST_DATE, message=gettext_lazy("Enter the end date as a date, for example 2025-03-31.")
            ),
            MaxValueValidator(
                LATEST_DATE, message=gettext_lazy("Enter the end date as a date, for example 2025-03-31.")
            ),
        ],
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter the end date as a date, for example 2025-03-31.")},
    )
    client = forms.CharField(
        label=gettext_lazy("Client subsystem"),
        required=False,
        max_length=1024,
        help_text=gettext_lazy("INSTANCE/CLASS/CODE/SUBSYSTEM"),
    )
    service = forms.CharField(
        label=gettext_lazy("Data service"),
        required=False,
        max_length=1024,
        help_text=gettext_lazy("INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE (the instance may be left out)"),
    )
    subject = forms.CharField(label=gettext_lazy("National ID of the person"), required=False, max_length=20)
    x_road_id = forms.CharField(label=gettext_lazy("X-Road-Id"), required=False, max_length=255)
    issue = forms.CharField(label=gettext_lazy("Case or application number"), required=False, max_length=255)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Outcome.CHOICES],
        error_messages={"invalid_choice": gettext_lazy("Choose an outcome from the list.")},
    )
    side = forms.ChoiceField(
        label=gettext_lazy("Logged by"),
        required=False,
        choices=[("", gettext_lazy("Either side")), *ExchangeLogEntry.Side.choices],
        error_messages={"invalid_choice": gettext_lazy("Choose a side from the list.")},
    )

    def clean_client(self) -> str:
        value: str = self.cleaned_data["client"].strip()
        if not value:
            return ""
        try:
            return str(SubsystemId.parse(value))
        except IdentifierError as exc:
            raise ValidationError(
                _("The client is not a subsystem identifier INSTANCE/CLASS/CODE/SUBSYSTEM: %(reason)s.")
                % {"reason": exc}
            ) from exc

    def clean_service(self) -> str:
        value: str = self.cleaned_data["service"].strip()
        if not value:
            return ""
        try:
            return str(ServiceId.parse(value, instance=settings.ONESTOP_EXCHANGE_INSTANCE))
        except IdentifierError as exc:
            raise ValidationError(
                _("The data service is not an identifier INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE: %(reason)s.")
                % {"reason": exc}
            ) from exc

    def clean_subject(self) -> str:
        value: str = self.cleaned_data["subject"].strip()
        if not value:
            return ""
        return validate_national_id(value)

    def clean_x_road_id(self) -> str:
        return str(self.cleaned_data["x_road_id"]).strip()

    def clean_issue(self) -> str:
        return str(self.cleaned_data["issue"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be the same as or after the start date."))
        return cleaned


FILTER_FIELDS = tuple(LogFilterForm.base_fields)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def log_entries(filters: dict[str, Any]) -> QuerySet[ExchangeLogEntry]:
    """The log entries matching cleaned filters (a valid :class:`LogFilterForm`'s ``cleaned_data``),
    newest first. Every filter is an equality or a range on an indexed or narrowed column."""
    qs = ExchangeLogEntry.objects.all()
    if filters.get("date_from"):
        qs = qs.filter(started_at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(started_at__lt=_start_of(filters["date_to"] + timedelta(days=1)))
    for name in ("client", "service", "subject", "x_road_id", "issue", "side"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("outcome"):
        qs = qs.filter(Outcome.condition(filters["outcome"]))
    return qs.order_by("-started_at", "-id")


@dataclass(frozen=True)
class Page:
    """One keyset page, newest first."""

    entries: list[ExchangeLogEntry]
    newer_than: int | None  # the id to ask ``?after=`` for the page before, None on the first page
    older_than: int | None  # the id to ask ``?before=`` for the page after, None on the last page


def _cursor(value: str | None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        return -1
    return number if number > 0 else -1


def keyset_page(qs: QuerySet[ExchangeLogEntry], *, before: int | None, after: int | None) -> Page | None:
    """The page of ``qs`` (ordered newest first) just older than entry ``before``, or just newer than
    entry ``after``, or the newest page. None when the cursor entry does not exist."""
    anchor_id = before or after
    if anchor_id is None:
        rows = list(qs[: PAGE_SIZE + 1])
        return Page(rows[:PAGE_SIZE], None, rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None)
    anchor = ExchangeLogEntry.objects.filter(pk=anchor_id).values_list("started_at", flat=True).first()
    if anchor is None:
        return None
    if before:
        older = Q(started_at__lt=anchor) | Q(started_at=anchor, id__lt=anchor_id)
        rows = list(qs.filter(older)[: PAGE_SIZE + 1])
        entries = rows[:PAGE_SIZE]
        return Page(
            entries,
            entries[0].pk if entries else None,
            entries[-1].pk if len(rows) > PAGE_SIZE else None,
        )
    newer = Q(started_at__gt=anchor) | Q(started_at=anchor, id__gt=anchor_id)
    rows = list(qs.filter(newer).order_by("started_at", "id")[: PAGE_SIZE + 1])
    entries = list(reversed(rows[:PAGE_SIZE]))
    return Page(
        entries,
        entries[0].pk if entries and len(rows) > PAGE_SIZE else None,
        entries[-1].pk if entries else None,
    )


# --- Screens -------------------------------------------------------------------------------------


def _crumbs(*trail: tuple[str, str]) -> list[dict[str, str]]:
    crumbs = [{"label": _("Your work"), "url": reverse("people:home")}]
    crumbs.extend({"label": label, "url": url} for label, url in trail)
    return crumbs


@dataclass(frozen=True)
class Row:
    """One entry as the list shows it: identifiers split at ``/`` so long ones can wrap."""

    entry: ExchangeLogEntry
    outcome: str
    client_parts: list[str]
    service_parts: list[str]


def _row(entry: ExchangeLogEntry) -> Row:
    return Row(entry, Outcome.of(entry.error_type), entry.client.split("/"), entry.service.split("/"))


@require_safe
@login_required
def log_list(request: HttpRequest) -> HttpResponse:
    """The exchange log, newest first, with filters and keyset pages."""
    _auditor(request)
    form = LogFilterForm(request.GET or None)
    query = request.GET.copy()
    for cursor in ("before", "after"):
        query.pop(cursor, None)
    context: dict[str, Any] = {
        "form": form,
        "rows": [],
        "page": None,
        "filtered": False,
        "querystring": query.urlencode(),
        "crumbs": _crumbs((_("Exchange log"), "")),
        "cursor_error": "",
    }
    if form.is_bound and not form.is_valid():
        return render(request, "exchange/log_list.html", context, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    context["filtered"] = any(filters.get(name) for name in FILTER_FIELDS)
    before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
    page = None
    if -1 not in (before, after):
        page = keyset_page(log_entries(filters), before=before, after=None if before else after)
    if page is None:
        context["cursor_error"] = _("That page of the log does not exist. Here are the newest entries.")
        page = keyset_page(log_entries(filters), before=None, after=None)
    assert page is not None
    context["page"] = page
    context["rows"] = [_row(entry) for entry in page.entries]
    return render(request, "exchange/log_list.html", context)


@dataclass(frozen=True)
class Party:
    identifier: str
    name: str


def _party(identifier: str) -> Party:
    info = directory.member(identifier)
    return Party(identifier, info.name if info is not None else "")


@require_safe
@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry: every field, its hashes, its seal and (when the service logs them) its bodies."""
    _auditor(request)
    entry = ExchangeLogEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404(_("No such entry in the exchange log."))
    service = directory.service(entry.service)
    context = {
        "entry": entry,
        "outcome": Outcome.of(entry.error_type),
        "client": _party(entry.client),
        "provider": _party(service.provider_identifier) if service is not None else None,
        "logged_by": _party(entry.logged_by),
        "check": entry_check(entry),
        "bodies_logged": entry.request_body is not None or entry.response_body is not None,
        "crumbs": _crumbs(
            (_("Exchange log"), reverse("exchange:log")),
            (_("Entry %(id)s") % {"id": entry.pk}, ""),
        ),
    }
    return render(request, "exchange/entry_detail.html", context)


def _problem_label(kind: str) -> str:
    """The finding in words; the verifier's own line (technical, untranslated) follows it."""
    labels = {
        CHANGED: _("An entry was changed after it was sealed."),
        DELETED: _("Entries were deleted from the log."),
        INSERTED: _("An entry was slipped into the log."),
        REORDERED: _("Entries were moved out of their order."),
        BAD_SIGNATURE: _("An entry's signature is not valid."),
    }
    return labels.get(kind, _("The log does not check out."))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """GET: what verification does, and the last result this auditor got. POST: run it, record it in
    the audit trail and show the result (POST-redirect-GET, so a reload does not run it again)."""
    user = _auditor(request)
    if request.method == "POST":
        report = exchange_log_check(actor=user)
        request.session[SESSION_RESULT] = report.as_dict()
        return redirect("exchange:verify")
    result = request.session.pop(SESSION_RESULT, None)
    problem = result.get("problem") if isinstance(result, dict) else None
    context = {
        "result": result,
        "problem_label": _problem_label(problem["kind"]) if problem else "",
        "crumbs": _crumbs(
            (_("Exchange log"), reverse("exchange:log")),
            (_("Verify the log"), ""),
        ),
    }
    return render(request, "exchange/verify.html", context)
