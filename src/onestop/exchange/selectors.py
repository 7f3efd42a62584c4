"""Reads of the exchange for people: the citizen's data tracker (every access to their data, from the
exchange log) and the preview of a registry's answer attached to an application as evidence.

Neither shows who at an agency looked: the tracker names the agency, the data, the purpose and the
case, never a user id or an employee's name (the auditor's screens show those).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.catalog.models import Agency
from onestop.exchange import directory
from onestop.exchange.models import DataService, ExchangeLogEntry, Purpose

# --- The citizen's data tracker ------------------------------------------------------------------

PROVIDED = "provided"
NOT_FOUND = "not_found"
REFUSED = "refused"
FAILED = "failed"

OUTCOME_LABELS = {
    PROVIDED: gettext_lazy("Data provided"),
    NOT_FOUND: gettext_lazy("No record found"),
    REFUSED: gettext_lazy("Refused"),
    FAILED: gettext_lazy("Not provided (the registry failed)"),
}


@dataclass(frozen=True)
class DataAccess:
    """One access to a person's data as the person may see it."""

    at: datetime
    agency: str  # who asked: the calling subsystem's agency, in the current language
    data: str  # which data: the data service's name
    holder: str  # who holds the data: the providing subsystem's agency
    purpose: str  # the purpose's name ("" if the call named none we know)
    issue: str  # the application or case number that caused the call
    outcome: str  # PROVIDED | NOT_FOUND | REFUSED | FAILED
    reference: str  # the exchange's X-Road-Id, to quote to an auditor

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


def outcome_of(status: int, error_type: str) -> str:
    """How a logged exchange ended for the person: their data went out, the registry held nothing,
    the exchange refused the call, or something failed on the way."""
    if 200 <= status < 300 and not error_type:
        return PROVIDED
    if status == 404 and not error_type:
        return NOT_FOUND
    if status >= 500 or status == 0:
        return FAILED
    return REFUSED


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def data_access_entries(
    subject: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    agency_code: str = "",
) -> QuerySet[ExchangeLogEntry]:
    """The exchange log rows about ``subject`` (a national ID), newest first, one per exchange.

    An exchange both sides logged here (a call over loopback HTTP: the client's row and the
    provider's row share the X-Road-Id) is shown once, as the provider saw it, because the
    provider is the one that decided what to give. ``date_from``/``date_to`` are inclusive local
    days; ``agency_code`` keeps the calls made by that agency's subsystems."""
    if not subject:
        return ExchangeLogEntry.objects.none()
    provider_row = ExchangeLogEntry.objects.filter(
        side=ExchangeLogEntry.Side.PROVIDER, x_road_id=OuterRef("x_road_id"), subject=subject
    )
    entries = ExchangeLogEntry.objects.filter(subject=subject).filter(
        Q(side=ExchangeLogEntry.Side.PROVIDER) | ~Exists(provider_row)
    )
    if date_from is not None:
        entries = entries.filter(started_at__gte=_day_start(date_from))
    if date_to is not None:
        entries = entries.filter(started_at__lt=_day_start(date_to + timedelta(days=1)))
    if agency_code:
        clients = [
            info.identifier
            for info in directory.snapshot().members.values()
            if info.agency_code == agency_code
        ]
        entries = entries.filter(client__in=clients)
    return entries.select_related("client_member__agency", "data_service__owner").order_by(
        "-started_at", "-id"
    )


def data_access_rows(entries: Iterable[ExchangeLogEntry]) -> list[DataAccess]:
    """Describe log rows for the person. Rows carry their client member and data service (joined
    by :func:`data_access_entries`); a row logged without them (a refused call from a subsystem the
    directory did not know then) is named from the directory, with one query per kind of name
    missing, never one per row. Purpose names come in one query."""
    entries = list(entries)
    missing_agencies: set[int] = set()
    missing_services: set[str] = set()
    for entry in entries:
        if entry.client_member is None:
            info = directory.member(entry.client)
            if info is not None and info.agency_id is not None:
                missing_agencies.add(info.agency_id)
        if entry.data_service is None and entry.service:
            missing_services.add(entry.service)
    agencies = (
        {a.pk: a.name for a in Agency.objects.filter(pk__in=missing_agencies)} if missing_agencies else {}
    )
    services = (
        {
            s.identifier: s
            for s in DataService.objects.select_related("owner").filter(identifier__in=missing_services)
        }
        if missing_services
        else {}
    )
    codes = {entry.purpose for entry in entries if entry.purpose}
    purposes = {p.code: p.name for p in Purpose.objects.filter(code__in=codes)} if codes else {}

    rows = []
    for entry in entries:
        service = entry.data_service or services.get(entry.service)
        rows.append(
            DataAccess(
                at=entry.started_at,
                agency=_caller_name(entry, agencies),
                data=service.name if service is not None else _service_code(entry.service),
                holder=(service.owner.name if service is not None and service.owner is not None else ""),
                purpose=purposes.get(entry.purpose, ""),
                issue=entry.issue,
                outcome=outcome_of(entry.status, entry.error_type),
                reference=entry.x_road_id,
            )
        )
    return rows


def _caller_name(entry: ExchangeLogEntry, agencies: Mapping[int, str]) -> str:
    member = entry.client_member
    if member is not None:
        return member.agency.name if member.agency is not None else member.name
    info = directory.member(entry.client)
    if info is not None:
        return agencies.get(info.agency_id, info.name) if info.agency_id is not None else info.name
    # A caller the directory does not know (refused): its identifier is all there is, and it names
    # a system, not a person.
    return _("An unknown system (%(identifier)s)") % {"identifier": entry.client}


def _service_code(identifier: str) -> str:
    return identifier.rsplit("/", 1)[-1] if identifier else _("Unknown data")


def data_accesses(
    subject: str,
    *,
    limit: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    agency_code: str = "",
) -> list[DataAccess]:
    """Every access to the data of ``subject`` (a national ID), newest first: when, which agency,
    which data, for which purpose and case, and the outcome. One query for the rows (plus the
    purposes' names), whatever their number."""
    entries = data_access_entries(subject, date_from=date_from, date_to=date_to, agency_code=agency_code)
    if limit is not None:
        entries = entries[:limit]
    return data_access_rows(entries)


def data_access_agencies(subject: str) -> list[Agency]:
    """The agencies whose subsystems asked for data about ``subject``, by name: the choices of the
    tracker's agency filter."""
    if not subject:
        return []
    clients = set(
        ExchangeLogEntry.objects.filter(subject=subject).values_list("client", flat=True).distinct()
    )
    snapshot = directory.snapshot()
    codes = {
        info.agency_code for ident, info in snapshot.members.items() if ident in clients and info.agency_code
    }
    return sorted(Agency.objects.filter(code__in=codes), key=lambda agency: str(agency.name))


# --- A registry's answer, previewed ----------------------------------------------------------------

# The registries answer with English field names; the common ones get a translated label, the rest
# are made readable from the key itself ("date_of_birth" → "Date of birth").
KNOWN_LABELS = {
    "national_id": gettext_lazy("National ID"),
    "given_name": gettext_lazy("Given name"),
    "family_name": gettext_lazy("Family name"),
    "patronymic": gettext_lazy("Patronymic"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "place_of_birth": gettext_lazy("Place of birth"),
    "sex": gettext_lazy("Sex"),
    "citizenship": gettext_lazy("Citizenship"),
    "address": gettext_lazy("Address"),
    "region": gettext_lazy("Region"),
    "locality": gettext_lazy("Locality"),
    "street": gettext_lazy("Street"),
    "house": gettext_lazy("House"),
    "apartment": gettext_lazy("Apartment"),
    "postcode": gettext_lazy("Postcode"),
    "registered_since": gettext_lazy("Registered since"),
    "registered_on": gettext_lazy("Registered on"),
    "deregistered_on": gettext_lazy("Deregistered on"),
    "previous": gettext_lazy("Earlier registrations"),
    "flat": gettext_lazy("Flat"),
    "kind": gettext_lazy("Kind"),
    "marital_status": gettext_lazy("Marital status"),
    "date_of_death": gettext_lazy("Date of death"),
    "as_of": gettext_lazy("As of"),
    "status": gettext_lazy("Status"),
}
# Coded values of the common fields, in words.
KNOWN_VALUES = {
    ("sex", "F"): gettext_lazy("Female"),
    ("sex", "M"): gettext_lazy("Male"),
    ("marital_status", "single"): gettext_lazy("Single"),
    ("marital_status", "married"): gettext_lazy("Married"),
    ("marital_status", "divorced"): gettext_lazy("Divorced"),
    ("marital_status", "widowed"): gettext_lazy("Widowed"),
    ("status", "living"): gettext_lazy("Living"),
    ("status", "deceased"): gettext_lazy("Deceased"),
    ("kind", "permanent"): gettext_lazy("Permanent"),
    ("kind", "temporary"): gettext_lazy("Temporary"),
}
HIDDEN_KEYS = frozenset({"found"})  # the registry's own "record found" flag says nothing to a reader
MAX_DEPTH = 4
# The pages' own way of writing dates ("27 March 2026"), with month names in the reader's language.
DAY_FORMAT = "j F Y"
MOMENT_FORMAT = "j F Y, H:i"
MAX_PREVIEW_BYTES = 256 * 1024

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class AnswerEntry:
    """One field of an answer: a value, a nested group of fields, or a list."""

    label: str
    value: str = ""
    entries: tuple[AnswerEntry, ...] = ()
    items: tuple[AnswerItem, ...] = ()


@dataclass(frozen=True)
class AnswerItem:
    """One element of a list: a value or a group of fields."""

    value: str = ""
    entries: tuple[AnswerEntry, ...] = ()


def humanise_key(key: str) -> str:
    known = KNOWN_LABELS.get(key)
    if known is not None:
        return str(known)
    words = _CAMEL.sub(" ", key).replace("_", " ").replace("-", " ").strip()
    words = " ".join(words.split()).lower()
    return words[:1].upper() + words[1:] if words else key


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                return formats.date_format(date.fromisoformat(value), DAY_FORMAT)
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            moment = parse_datetime(value)
            if moment is not None:
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return formats.date_format(moment, MOMENT_FORMAT)
        return value
    return str(value)


def _entries(data: Mapping[str, Any], depth: int) -> tuple[AnswerEntry, ...]:
    return tuple(_entry(str(key), value, depth) for key, value in data.items() if key not in HIDDEN_KEYS)


def _entry(key: str, value: Any, depth: int) -> AnswerEntry:
    label = humanise_key(key)
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            return AnswerEntry(label, value="…")
        return AnswerEntry(label, entries=_entries(value, depth + 1))
    if isinstance(value, list):
        if not value:
            return AnswerEntry(label, value=_("None"))
        if depth >= MAX_DEPTH:
            return AnswerEntry(label, value="…")
        return AnswerEntry(label, items=tuple(_item(element, depth + 1) for element in value))
    known = KNOWN_VALUES.get((key, value)) if isinstance(value, str) else None
    return AnswerEntry(label, value=str(known) if known is not None else _text(value))


def _item(value: Any, depth: int) -> AnswerItem:
    if isinstance(value, Mapping):
        return AnswerItem(entries=_entries(value, depth + 1) if depth < MAX_DEPTH else ())
    if isinstance(value, list):
        return AnswerItem(value=", ".join(_text(v) for v in value if not isinstance(v, (Mapping, list))))
    return AnswerItem(value=_text(value))


def answer_entries(data: Any) -> tuple[AnswerEntry, ...]:
    """A registry's JSON answer as fields with readable labels and values (dates as dates, yes/no
    for booleans), nested groups and lists kept as such: what a definition list shows."""
    if isinstance(data, Mapping):
        entries = _entries(data, 0)
        if len(entries) == 1 and entries[0].entries:
            # {"person": {…}}: the one group is the record itself; its name adds nothing.
            return entries[0].entries
        return entries
    if isinstance(data, list):
        return (AnswerEntry(_("Records"), items=tuple(_item(element, 1) for element in data)),)
    return (AnswerEntry(_("Answer"), value=_text(data)),)


@dataclass(frozen=True)
class FetchedRecord:
    """Evidence fetched from a registry: where it came from, and what it says."""

    agency_name: str
    service_name: str
    fetched_at: datetime | None
    request_id: str
    x_road_id: str
    entries: tuple[AnswerEntry, ...] | None  # None: the answer could not be read back


class RegistryDocument(Protocol):
    """What :func:`fetched_records` needs of a document fetched from a registry (cases' Document)."""

    @property
    def pk(self) -> Any: ...

    @property
    def provenance(self) -> Any: ...

    @property
    def file(self) -> FieldFile: ...


def _read_answer(file: FieldFile) -> tuple[AnswerEntry, ...] | None:
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_PREVIEW_BYTES + 1)
    except (OSError, ValueError):  # no file, or gone from storage
        return None
    if len(raw) > MAX_PREVIEW_BYTES:
        return None
    try:
        return answer_entries(json.loads(raw))
    except ValueError:  # not JSON (UnicodeDecodeError is a ValueError too)
        return None


def fetched_records(documents: Iterable[RegistryDocument]) -> dict[Any, FetchedRecord]:
    """The provenance and readable answer of each document fetched from a registry, by document
    pk. Agency and data-service names are shown in the reader's language (two queries for all the
    documents); the names stored in the provenance are the fallback."""
    documents = list(documents)
    provenances = {doc.pk: doc.provenance if isinstance(doc.provenance, Mapping) else {} for doc in documents}
    agency_codes = {str(p.get("agency", "")) for p in provenances.values()} - {""}
    service_ids = {str(p.get("service", "")) for p in provenances.values()} - {""}
    agencies = {a.code: a.name for a in Agency.objects.filter(code__in=agency_codes)} if agency_codes else {}
    services = (
        {s.identifier: s.name for s in DataService.objects.filter(identifier__in=service_ids)}
        if service_ids
        else {}
    )
    records = {}
    for doc in documents:
        provenance = provenances[doc.pk]
        fetched_at = parse_datetime(str(provenance.get("fetched_at", "")))
        records[doc.pk] = FetchedRecord(
            agency_name=agencies.get(str(provenance.get("agency", "")), "")
            or str(provenance.get("agency_name", "")),
            service_name=services.get(str(provenance.get("service", "")), "")
            or str(provenance.get("service_name", "")),
            fetched_at=fetched_at,
            request_id=str(provenance.get("request_id", "")),
            x_road_id=str(provenance.get("x_road_id", "")),
            entries=_read_answer(doc.file),
        )
    return records
