"""Issued results and receipts as PDF, and their public verification.

Output documents are rendered with fpdf2 and the vendored DejaVu fonts (embedded, so Latin,
Cyrillic with the Kazakh letters and Georgian print the same everywhere), in the citizen's preferred
language. Each carries a verification code — 12 symbols of a 32-letter alphabet, 60 random bits, so
guessing codes at any rate a web server allows finds nothing — printed and as a QR code pointing to
``/verify/<code>``. Receipts carry a QR code to the application's status page.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from onestop.cases.errors import IllegalTransition, NotAllowed
from onestop.cases.models import Application, Case, Decision, OutputDocument
from onestop.catalog.models import DurationUnit, Output
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.core.durations import add_duration
from onestop.core.money import format_money
from onestop.people.models import Citizen, Role
from onestop.people.scoping import has_role

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT_FAMILY = "DejaVu"

# No 0/O or 1/I: a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_GROUP = 4


# --- Verification codes ---------------------------------------------------------------------------


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalise_verification_code(typed: str) -> str | None:
    """The stored form (``ABCD-EFGH-JKLM``) of a code as a person typed it (any case, spaces or
    hyphens anywhere), or None when it cannot be a code at all."""
    raw = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def find_output(typed_code: str) -> OutputDocument | None:
    code = normalise_verification_code(typed_code)
    if code is None:
        return None
    return (
        OutputDocument.objects.select_related("case__agency", "case__service", "case__citizen")
        .filter(verification_code=code)
        .first()
    )


# --- URLs printed on paper ------------------------------------------------------------------------


def _absolute(path: str, base_url: str | None) -> str:
    base = (base_url or settings.ONESTOP_PUBLIC_URL).rstrip("/")
    return f"{base}{path}"


def verify_url(code: str, *, base_url: str | None = None) -> str:
    return _absolute(reverse("cases:verify", args=[code]), base_url)


def application_status_url(application: Application, *, base_url: str | None = None) -> str:
    return _absolute(reverse("cases:application-status", args=[application.token]), base_url)


# --- PDF drawing ----------------------------------------------------------------------------------


@cache
def _font_codepoints() -> frozenset[int]:
    font = TTFont(str(FONT_REGULAR), lazy=True)
    return frozenset(font.getBestCmap())


def printable(text: str) -> bool:
    """Whether the embedded font has a glyph for every character of ``text``."""
    codepoints = _font_codepoints()
    return all(ord(ch) in codepoints or ch in "\n\t" for ch in text)


def _money(amount: Any, currency: str, language: str) -> str:
    text = format_money(amount, currency, language=language)
    # DejaVu has ₸ but not ₾: fall back to the ISO code rather than print an empty box.
    return text if printable(text) else format_money(amount, currency, language="en")


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class _Row:
    label: str
    value: str


class _Sheet(FPDF):
    """An A4 page with the embedded fonts and a footer naming the deployment."""

    def __init__(self, *, title: str, language: str, created: datetime) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT_FAMILY, "", str(FONT_REGULAR))
        self.add_font(FONT_FAMILY, "B", str(FONT_BOLD))
        self.set_title(title)
        self.set_lang(language)
        self.set_creator(settings.ONESTOP_DEPLOYMENT_NAME)
        self.set_creation_date(created)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT_FAMILY, "", 8)
        self.cell(0, 5, settings.ONESTOP_DEPLOYMENT_NAME, align="C")

    def heading(self, text: str, size: int) -> None:
        self.set_font(FONT_FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def line_of_text(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rows(self, rows: Iterable[_Row], *, width: float = 120) -> None:
        label_width = 48
        for row in rows:
            self.set_font(FONT_FAMILY, "", 10)
            y = self.get_y()
            self.multi_cell(label_width, 6, row.label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FONT_FAMILY, "B", 10)
            self.multi_cell(width - label_width, 6, row.value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(max(self.get_y(), y + 6) + 1)

    def qr(self, url: str, *, y: float, size: float = 40) -> None:
        x = self.w - self.r_margin - size
        self.image(_qr_png(url), x=x, y=y, w=size, h=size)


def _full_name(citizen: Citizen) -> str:
    return " ".join(p for p in (citizen.family_name, citizen.given_name, citizen.patronymic) if p)


def _language_of(citizen: Citizen) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return citizen.preferred_language if citizen.preferred_language in codes else settings.LANGUAGE_CODE


def _long_date(day: date | datetime) -> str:
    value = timezone.localtime(day).date() if isinstance(day, datetime) else day
    return date_format(value, "DATE_FORMAT")


def _output_of(case: Case) -> Output | None:
    return case.service.outputs.order_by("code").first()


def _decision_of(case: Case) -> Decision | None:
    try:
        return case.decision
    except Decision.DoesNotExist:
        return None


def _valid_until(output: Output | None, issued: datetime, approved: bool) -> date | None:
    if not approved or output is None or not output.validity:
        return None
    return add_duration(timezone.localdate(issued), output.validity, unit=DurationUnit.CALENDAR_DAYS)


def output_pdf_bytes(
    *,
    case: Case,
    code: str,
    issued_at: datetime,
    valid_until: date | None,
    base_url: str | None = None,
) -> bytes:
    """The output document of ``case`` as PDF bytes, in the citizen's preferred language."""
    citizen = case.citizen
    language = _language_of(citizen)
    decision = _decision_of(case)
    approved = decision is None or decision.outcome == Decision.Outcome.APPROVED
    decided = decision.decided_at if decision is not None else (case.decided_at or issued_at)
    with translation.override(language):
        output = _output_of(case)
        title = output.name if output is not None and approved else _("Decision")
        pdf = _Sheet(title=title, language=language, created=issued_at)
        top = pdf.get_y()
        pdf.qr(verify_url(code, base_url=base_url), y=top)
        pdf.set_right_margin(pdf.r_margin + 45)
        pdf.line_of_text(case.agency.name, size=11, bold=True)
        pdf.ln(4)
        pdf.heading(title, 18)
        pdf.set_right_margin(20)
        pdf.set_y(max(pdf.get_y(), top + 45))
        rows = [
            _Row(_("Service"), case.service.name),
            _Row(_("Case number"), case.number),
            _Row(_("Issued to"), _full_name(citizen)),
            _Row(_("National ID"), citizen.national_id),
            _Row(_("Decision"), _("Approved") if approved else _("Rejected")),
            _Row(_("Decision date"), _long_date(decided)),
            _Row(_("Issued on"), _long_date(issued_at)),
        ]
        if approved:
            rows.append(
                _Row(_("Valid until"), _long_date(valid_until) if valid_until else _("No expiry date"))
            )
        pdf.rows(rows, width=170)
        if decision is not None:
            reasons = list(decision.reason_codes.all())
            if reasons:
                pdf.ln(3)
                pdf.line_of_text(_("Reasons"), bold=True)
                for reason in reasons:
                    ground = f" ({reason.legal_ground})" if reason.legal_ground else ""
                    pdf.line_of_text(f"• {reason.label}{ground}")
            if decision.note:
                pdf.ln(2)
                pdf.line_of_text(decision.note)
        pdf.ln(6)
        pdf.line_of_text(_("Verification code"), bold=True)
        pdf.set_font(FONT_FAMILY, "B", 16)
        pdf.cell(0, 9, code, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.line_of_text(
            _("Anyone can check this document by scanning the QR code or at %(url)s")
            % {"url": verify_url(code, base_url=base_url)},
            size=9,
        )
        return bytes(pdf.output())


def render_output_pdf(
    case: Case, *, at: datetime | None = None, base_url: str | None = None
) -> OutputDocument:
    """Render, store and record the output document of a decided case.

    Called by ``case_issue_result`` inside its transaction (which records the audit event and the
    transition). Raises IllegalTransition when the case already has one.
    """
    if OutputDocument.objects.filter(case=case).exists():
        raise IllegalTransition(_("A result has already been issued for this case."))
    issued_at = at or timezone.now()
    decision = _decision_of(case)
    approved = decision is None or decision.outcome == Decision.Outcome.APPROVED
    valid_until = _valid_until(_output_of(case), issued_at, approved)
    code = new_verification_code()
    while OutputDocument.objects.filter(verification_code=code).exists():  # 2**-60 per try; cheap
        code = new_verification_code()
    content = output_pdf_bytes(
        case=case, code=code, issued_at=issued_at, valid_until=valid_until, base_url=base_url
    )
    local = timezone.localtime(issued_at)
    path = f"outputs/{local:%Y}/{local:%m}/{secrets.token_urlsafe(24)}.pdf"
    stored = default_storage.save(path, ContentFile(content))
    try:
        with transaction.atomic():
            return OutputDocument.objects.create(
                case=case,
                verification_code=code,
                file=stored,
                sha256=hashlib.sha256(content).hexdigest(),
                issued_at=issued_at,
                valid_until=valid_until,
            )
    except BaseException:
        default_storage.delete(stored)
        raise


def output_state(output: OutputDocument, *, today: date | None = None) -> str:
    """``valid``, ``revoked`` or ``expired`` — what a verifier needs to know first."""
    if output.revoked_at is not None:
        return "revoked"
    day = today or timezone.localdate()
    if output.valid_until is not None and output.valid_until < day:
        return "expired"
    return "valid"


def output_revoke(
    *, actor: Actor, output: OutputDocument, reason: str, at: datetime | None = None
) -> OutputDocument:
    """Revoke an issued result: ``/verify`` shows it as revoked from now on, with the date.

    Only staff of the issuing agency (or a system actor) may revoke; the reason is required.
    Raises NotAllowed, or IllegalTransition when it is already revoked.
    """
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_("Give the reason for revoking this document."))
    case = output.case
    if not isinstance(actor, SystemActor) and not (
        has_role(actor, Role.AGENCY_HEAD, agency=case.agency)
        or has_role(actor, Role.OFFICER, agency=case.agency)
    ):
        raise NotAllowed(_("Only the issuing agency may revoke this document."))
    now = at or timezone.now()
    with transaction.atomic():
        updated = OutputDocument.objects.filter(pk=output.pk, revoked_at__isnull=True).update(
            revoked_at=now, revocation_reason=reason[:300]
        )
        if updated != 1:
            raise IllegalTransition(_("This document has already been revoked."))
        output.refresh_from_db()
        audit_record(
            actor=actor,
            action="output.revoke",
            target=output,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat(), "revocation_reason": output.revocation_reason},
            reason=reason,
        )
    return output


# --- Receipt --------------------------------------------------------------------------------------


def render_receipt_pdf(application: Application, *, base_url: str | None = None) -> bytes:
    """The receipt of a submitted application: tracking number, services and fees, date, and a QR
    code to the status page. Only the citizen's initials are printed: the receipt is reachable by
    the application's token alone."""
    citizen = application.citizen
    language = _language_of(citizen)
    submitted = application.submitted_at or application.created_at
    items = list(application.items.select_related("service__agency").order_by("id"))
    currency = application.fee_currency or settings.ONESTOP_CURRENCY
    status_url = application_status_url(application, base_url=base_url)
    with translation.override(language):
        title = _("Application receipt")
        pdf = _Sheet(title=title, language=language, created=submitted)
        top = pdf.get_y()
        pdf.qr(status_url, y=top)
        pdf.set_right_margin(pdf.r_margin + 45)
        pdf.line_of_text(settings.ONESTOP_DEPLOYMENT_NAME, size=11, bold=True)
        pdf.ln(4)
        pdf.heading(title, 18)
        pdf.set_right_margin(20)
        pdf.set_y(max(pdf.get_y(), top + 45))
        pdf.rows(
            [
                _Row(_("Tracking number"), application.tracking_number or _("Not submitted yet")),
                _Row(_("Submitted on"), _long_date(submitted)),
                _Row(_("Applicant"), citizen.initials),
            ],
            width=170,
        )
        pdf.ln(4)
        pdf.line_of_text(_("Services"), bold=True)
        for item in items:
            fee = _money(item.fee_amount, item.fee_currency or currency, language)
            pdf.rows([_Row(fee, f"{item.service.name} — {item.service.agency.name}")], width=170)
        pdf.ln(2)
        pdf.rows([_Row(_("Total fee"), _money(application.fee_total, currency, language))], width=170)
        pdf.ln(6)
        pdf.line_of_text(
            _("Follow your application by scanning the QR code or at %(url)s") % {"url": status_url}, size=9
        )
        return bytes(pdf.output())


__all__ = [
    "find_output",
    "normalise_verification_code",
    "output_revoke",
    "output_state",
    "render_output_pdf",
    "render_receipt_pdf",
    "verify_url",
]
