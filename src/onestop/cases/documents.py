"""Documents of an application: uploads checked, hashed and stored, and who may read them.

An upload is accepted only when it is a PDF, JPEG or PNG no larger than
``settings.ONESTOP_UPLOAD_MAX_BYTES``, and when its first bytes say the same type as its extension: a
``.pdf`` that is really a PNG, or a program renamed ``.pdf``, is refused with a message that says so.
Files are stored through Django's default storage under a random name; the name the person gave is
kept only for display, so it never reaches a file system path.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.cases.errors import NotAllowed, UploadRejected
from onestop.cases.models import Application, ApplicationItem, Case, Document, EvidenceItem
from onestop.cases.selectors import InArray
from onestop.catalog.models import EvidenceType
from onestop.core.audit import Actor, SystemActor, audit_entry
from onestop.core.models import AuditEvent
from onestop.core.statements import (
    insert_select,
    run_chain,
    saved_as,
    update_returning,
    writes_in_one_statement,
)
from onestop.people.models import Role
from onestop.people.scoping import has_role

DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024

StrOrPromise = str | Promise


@dataclass(frozen=True)
class FileKind:
    name: str  # as people call it, in messages
    content_type: str
    extensions: tuple[str, ...]
    magic: tuple[bytes, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",), (b"%PDF-",))
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",))
PNG = FileKind("PNG", "image/png", (".png",), (b"\x89PNG\r\n\x1a\n",))
ALLOWED_KINDS = (PDF, JPEG, PNG)

# Other common kinds, only to tell people what they actually uploaded.
_KNOWN_OTHERS: tuple[tuple[bytes, StrOrPromise], ...] = (
    (b"MZ", gettext_lazy("a Windows program")),
    (b"\x7fELF", gettext_lazy("a program")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive or Office document")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Office document")),
)


def upload_max_bytes() -> int:
    return int(getattr(settings, "ONESTOP_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def display_name(name: str) -> str:
    """The file's own name without any folder a browser may have sent, cut to the column width."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip()
    return (base or "document")[:200]


def _kind_by_extension(name: str) -> FileKind | None:
    suffix = PurePosixPath(name).suffix.lower()
    return next((kind for kind in ALLOWED_KINDS if suffix in kind.extensions), None)


def sniff(head: bytes) -> FileKind | None:
    """The allowed kind these first bytes belong to, if any."""
    return next((kind for kind in ALLOWED_KINDS if head.startswith(kind.magic)), None)


def _describe_other(head: bytes) -> str:
    for magic, label in _KNOWN_OTHERS:
        if head.startswith(magic):
            return str(label)
    return _("something else")


def _check(uploaded_file: Any, name: str) -> FileKind:
    """The file's kind, or UploadRejected saying plainly what is wrong with it."""
    size = uploaded_file.size
    limit = upload_max_bytes()
    if size is None or size == 0:
        raise UploadRejected(_("The file “%(name)s” is empty.") % {"name": name})
    if size > limit:
        raise UploadRejected(
            _("The file “%(name)s” is %(size)s MB; files may be at most %(limit)s MB.")
            % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)}
        )
    expected = _kind_by_extension(name)
    if expected is None:
        raise UploadRejected(
            _("The file “%(name)s” cannot be uploaded: only PDF, JPEG and PNG files are accepted.")
            % {"name": name}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    actual = sniff(head)
    if actual is None:
        raise UploadRejected(
            _(
                "The file “%(name)s” is named as a %(expected)s file but its content is %(actual)s, "
                "not a PDF, JPEG or PNG. Upload the document itself."
            )
            % {"name": name, "expected": expected.name, "actual": _describe_other(head)}
        )
    if actual is not expected:
        raise UploadRejected(
            _(
                "The file “%(name)s” is named as a %(expected)s file but is really a %(actual)s file. "
                "Rename it with the right extension or upload the right file."
            )
            % {"name": name, "expected": expected.name, "actual": actual.name}
        )
    return actual


def _sha256(uploaded_file: Any) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in File(uploaded_file).chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def _actor_kind_id(actor: Actor) -> tuple[str, str]:
    if actor is None:
        return "system", ""
    if isinstance(actor, SystemActor):
        return actor.kind, actor.id
    if getattr(actor, "pk", None) is None:
        return "anonymous", ""
    return "user", str(actor.pk)


def document_snapshot(document: Document) -> dict[str, Any]:
    return {
        "application": document.application_id,
        "case": document.case_id,
        "evidence_type": document.evidence_type_id,
        "source": document.source,
        "original_name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
    }


def document_store(
    *,
    actor: Actor,
    application: Application,
    uploaded_file: Any,
    evidence_type: EvidenceType | None = None,
    case: Case | None = None,
    at: datetime | None = None,
) -> Document:
    """Check, hash and store an uploaded file as a Document of ``application`` (and ``case``).

    Raises UploadRejected (too large, empty, not PDF/JPEG/PNG, or content not matching the
    extension). When ``evidence_type`` is given, the application's evidence items of that type that
    wait for an upload point to the new document and count as uploaded (a new upload replaces
    an earlier one).
    """
    if case is not None and case.application_id != application.pk:
        raise NotAllowed(_("This case belongs to another application."))
    name = display_name(getattr(uploaded_file, "name", "") or "")
    kind = _check(uploaded_file, name)
    checksum = _sha256(uploaded_file)
    now = at or timezone.now()
    extension = kind.extensions[0]
    local = timezone.localtime(now)
    # A random name: the person's file name never reaches the storage path.
    path = f"cases/{local:%Y}/{local:%m}/{secrets.token_urlsafe(24)}{extension}"
    stored = default_storage.save(path, File(uploaded_file, name=path))
    kind_label, actor_id = _actor_kind_id(actor)
    document = Document(
        application=application,
        case=case,
        evidence_type=evidence_type,
        source=Document.Source.UPLOAD,
        file=stored,
        original_name=name,
        content_type=kind.content_type,
        size=uploaded_file.size,
        sha256=checksum,
        uploaded_at=now,
        uploaded_by_kind=kind_label,
        uploaded_by_id=actor_id,
    )
    audit = audit_entry(
        actor=actor, action="document.store", target=document, after=document_snapshot(document)
    )
    try:
        if writes_in_one_statement():
            # Inside a caller's transaction, in a savepoint, as the ORM path's atomic block would.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                _store_in_one_statement(document, audit, application=application, evidence_type=evidence_type)
            return document
        with transaction.atomic():
            document.save(force_insert=True)
            if evidence_type is not None:
                # The application's items first, then their evidence by (item, type): the unique
                # index answers that, whatever the planner thinks of the join (with stale
                # statistics PostgreSQL scanned every item of the evidence type, 5-10 ms and
                # growing with the table, to find the one of this application).
                items = list(
                    ApplicationItem.objects.filter(application=application).values_list("pk", flat=True)
                )
                _waiting_for_upload(EvidenceItem.objects.filter(item_id__in=items), evidence_type).update(
                    status=EvidenceItem.Status.UPLOADED, document=document
                )
            audit.target_id = str(document.pk)
            audit.save(force_insert=True)
    except BaseException:
        # The row never committed, so the stored bytes would be an orphan nobody can reach.
        default_storage.delete(stored)
        raise
    return document


def _waiting_for_upload(
    evidence: QuerySet[EvidenceItem], evidence_type: EvidenceType
) -> QuerySet[EvidenceItem]:
    """The evidence items of ``evidence_type`` that a new upload answers (or replaces)."""
    return evidence.filter(
        evidence_type=evidence_type,
        status__in=[EvidenceItem.Status.TO_BE_UPLOADED, EvidenceItem.Status.UPLOADED],
    )


def _store_in_one_statement(
    document: Document, audit: AuditEvent, *, application: Application, evidence_type: EvidenceType | None
) -> None:
    """``document_store``'s writes as one PostgreSQL statement (decision 0008): the document, the
    evidence items it answers, and its audit entry, which take the new document's id from the
    first step. The evidence is found through the application's items read first (``= ANY(ARRAY(…))``,
    the plan the ORM path gets by reading them apart)."""
    steps: list[tuple[str, str, Sequence[Any]]] = [
        ("stored", *insert_select(document, source=None, returning=["id"]))
    ]
    if evidence_type is not None:
        items = ApplicationItem.objects.filter(application=application).values("pk")
        evidence = _waiting_for_upload(EvidenceItem.objects.filter(InArray(F("item"), items)), evidence_type)
        sql, params, _columns = update_returning(
            evidence,
            {"status": EvidenceItem.Status.UPLOADED, "document_id": RawSQL("(SELECT id FROM stored)", ())},
        )
        steps.append(("evidence", sql, params))
    steps.append(
        ("audit", *insert_select(audit, source="stored", computed={"target_id": "CAST(stored.id AS text)"}))
    )
    [(document_id,)] = run_chain(steps, "SELECT id FROM stored")
    saved_as(document, document_id)


def _is_agency_staff(user: Any, case: Case) -> bool:
    return has_role(user, Role.OFFICER, agency=case.agency) or has_role(
        user, Role.AGENCY_HEAD, agency=case.agency
    )


def application_readable_by(user: Any, application: Application, *, case: Case | None = None) -> bool:
    """Whether ``user`` may read the application's files: the citizen it belongs to, the operator
    who took it, or staff of the agency handling ``case`` (or, without a case, any of its cases)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    citizen_user_id = application.citizen.user_id
    if citizen_user_id is not None and citizen_user_id == user.pk:
        return True
    if application.operator_id is not None and application.operator_id == user.pk:
        return True
    cases = [case] if case is not None else list(application.cases.select_related("agency"))
    return any(_is_agency_staff(user, c) for c in cases)


def document_readable_by(user: Any, document: Document) -> bool:
    """Whether ``user`` may download ``document`` (see :func:`application_readable_by`)."""
    return application_readable_by(user, document.application, case=document.case)


__all__ = [
    "ALLOWED_KINDS",
    "application_readable_by",
    "display_name",
    "document_readable_by",
    "document_store",
    "sniff",
    "upload_max_bytes",
]
