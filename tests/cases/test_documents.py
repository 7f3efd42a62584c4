"""Uploads: only real PDF, JPEG and PNG files within the size limit, hashed and stored under a random
name; downloads only for the people the application concerns."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from onestop.cases import documents
from onestop.cases.documents import document_store
from onestop.cases.errors import NotAllowed, UploadRejected
from onestop.cases.models import Document, EvidenceItem
from onestop.core.models import AuditEvent
from onestop.people.models import Role
from tests.factories.cases import ApplicationFactory, ApplicationItemFactory, CaseFactory
from tests.factories.catalog import EvidenceTypeFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_pdf_is_stored_under_a_random_name_with_its_hash(media_root):
    application = ApplicationFactory()
    document = document_store(
        actor=application.citizen.user,
        application=application,
        uploaded_file=upload("../../etc/My passport.pdf", PDF_BYTES),
    )
    assert document.original_name == "My passport.pdf"
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (document.content_type, document.size, document.source) == (
        "application/pdf",
        len(PDF_BYTES),
        "upload",
    )
    assert "passport" not in document.file.name and ".." not in document.file.name
    assert document.file.name.startswith("cases/") and document.file.name.endswith(".pdf")
    with default_storage.open(document.file.name, "rb") as handle:
        assert handle.read() == PDF_BYTES
    event = AuditEvent.objects.get(action="document.store")
    assert event.target_id == str(document.pk)
    assert event.summary["after"]["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.JPG", JPEG_BYTES, "image/jpeg"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg"),
        ("scan.png", PNG_BYTES, "image/png"),
    ],
)
def test_jpeg_and_png_images_are_accepted(name, content, content_type):
    document = document_store(
        actor=None, application=ApplicationFactory(), uploaded_file=upload(name, content)
    )
    assert document.content_type == content_type


def test_an_upload_for_an_evidence_type_fulfils_the_evidence_item():
    item = ApplicationItemFactory()
    identity = EvidenceTypeFactory()
    evidence = EvidenceItem.objects.create(
        item=item, evidence_type=identity, status=EvidenceItem.Status.TO_BE_UPLOADED
    )
    document = document_store(
        actor=None,
        application=item.application,
        uploaded_file=upload("id.pdf", PDF_BYTES),
        evidence_type=identity,
    )
    evidence.refresh_from_db()
    assert (evidence.status, evidence.document) == (EvidenceItem.Status.UPLOADED, document)
    # Uploading again replaces the earlier file for that evidence.
    again = document_store(
        actor=None,
        application=item.application,
        uploaded_file=upload("id2.png", PNG_BYTES),
        evidence_type=identity,
    )
    evidence.refresh_from_db()
    assert evidence.document == again


def rejected(media_root: Path, name: str, content: bytes) -> str:
    with pytest.raises(UploadRejected) as caught:
        document_store(actor=None, application=ApplicationFactory(), uploaded_file=upload(name, content))
    assert not Document.objects.exists()
    assert stored_files(media_root) == []
    assert caught.value.status == 400
    return caught.value.message


def test_a_file_over_the_size_limit_is_refused(settings, media_root):
    settings.ONESTOP_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    message = rejected(media_root, "big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024))
    assert "at most 2 MB" in message
    assert "big.pdf" in message


def test_a_png_named_pdf_is_refused_saying_what_it_really_is(media_root):
    message = rejected(media_root, "passport.pdf", PNG_BYTES)
    assert "named as a PDF file but is really a PNG file" in message


def test_a_program_renamed_pdf_is_refused(media_root):
    message = rejected(media_root, "invoice.pdf", EXE_BYTES)
    assert "Windows program" in message
    assert "not a PDF, JPEG or PNG" in message


@pytest.mark.parametrize("name", ["virus.exe", "letter.docx", "no-extension", "archive.pdf.zip"])
def test_other_file_types_are_refused_by_extension(media_root, name):
    message = rejected(media_root, name, PDF_BYTES)
    assert "only PDF, JPEG and PNG files are accepted" in message


def test_an_empty_file_is_refused(media_root):
    assert "is empty" in rejected(media_root, "empty.pdf", b"")


def test_a_case_of_another_application_is_refused():
    case = CaseFactory()
    with pytest.raises(NotAllowed):
        document_store(
            actor=None, application=ApplicationFactory(), uploaded_file=upload("a.pdf", PDF_BYTES), case=case
        )


# --- Downloads ------------------------------------------------------------------------------------


@pytest.fixture
def case_document():
    citizen = CitizenFactory(user=UserFactory())
    operator = UserFactory()
    case = CaseFactory(citizen=citizen, application__operator=operator)
    document = document_store(
        actor=None, application=case.application, case=case, uploaded_file=upload("Диплом.pdf", PDF_BYTES)
    )
    return case, document, operator


def download(client, user, document):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("cases:document", args=[document.pk]))


def test_the_citizen_downloads_their_own_document_under_its_original_name(client, case_document):
    case, document, _operator = case_document
    response = download(client, case.citizen.user, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "%D0%94%D0%B8%D0%BF%D0%BB%D0%BE%D0%BC.pdf" in response["Content-Disposition"]


def test_the_operator_who_took_the_application_downloads_it(client, case_document):
    _case, document, operator = case_document
    assert download(client, operator, document).status_code == 200


def test_an_officer_of_the_cases_agency_downloads_it(client, case_document):
    case, document, _operator = case_document
    officer = RoleMembershipFactory(role=Role.OFFICER, agency=case.agency).user
    assert download(client, officer, document).status_code == 200


def test_an_officer_of_another_agency_gets_not_found(client, case_document):
    _case, document, _operator = case_document
    outsider = RoleMembershipFactory(role=Role.OFFICER).user
    assert download(client, outsider, document).status_code == 404


def test_another_citizen_gets_not_found(client, case_document):
    _case, document, _operator = case_document
    other = CitizenFactory(user=UserFactory())
    assert download(client, other.user, document).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, case_document):
    _case, document, _operator = case_document
    response = download(client, None, document)
    assert response.status_code == 302
    assert "next=" in response["Location"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement store is PostgreSQL's")
def test_the_one_statement_store_leaves_what_the_orm_store_leaves(monkeypatch):
    """On PostgreSQL an upload's rows are written in one statement (decision 0008): the same
    document, evidence and audit rows as the ORM path, and another application's evidence of the
    same type untouched."""
    item = ApplicationItemFactory()
    identity = EvidenceTypeFactory()
    mine = EvidenceItem.objects.create(
        item=item, evidence_type=identity, status=EvidenceItem.Status.TO_BE_UPLOADED
    )
    other = EvidenceItem.objects.create(
        item=ApplicationItemFactory(), evidence_type=identity, status=EvidenceItem.Status.TO_BE_UPLOADED
    )

    at = timezone.now()

    def store(one_statement: bool) -> dict:
        with monkeypatch.context() as patch:
            patch.setattr(documents, "writes_in_one_statement", lambda: one_statement)
            sid = transaction.savepoint()
            stored = document_store(
                actor=item.application.citizen.user,
                application=item.application,
                uploaded_file=upload("passport.pdf", PDF_BYTES),
                evidence_type=identity,
                at=at,
            )
            row = Document.objects.get(pk=stored.pk)
            assert stored.file.name == row.file.name  # the caller's copy is the stored row
            audit = AuditEvent.objects.get(action="document.store", target_id=str(stored.pk))
            seen = {
                "document": {
                    f.attname: getattr(row, f.attname)
                    for f in Document._meta.concrete_fields
                    if f.attname not in ("id", "file")
                },
                "mine": EvidenceItem.objects.filter(pk=mine.pk, document=stored).values_list(
                    "status", flat=True
                )[0],
                "other": EvidenceItem.objects.filter(pk=other.pk).values_list("status", "document_id")[0],
                "audit": {
                    f.attname: getattr(audit, f.attname)
                    for f in AuditEvent._meta.concrete_fields
                    if f.attname not in ("id", "occurred_at", "target_id")
                },
            }
            transaction.savepoint_rollback(sid)
            return seen

    fast, orm = store(True), store(False)
    assert fast == orm
    assert fast["mine"] == EvidenceItem.Status.UPLOADED
    assert fast["other"] == (EvidenceItem.Status.TO_BE_UPLOADED, None)
    assert fast["audit"]["target_label"] == "passport.pdf"
