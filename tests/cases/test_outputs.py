"""Output documents and receipts: PDFs in the citizen's language with embedded fonts, a verification
code and a QR code; revocation by the issuing agency only."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from onestop.cases.errors import IllegalTransition, NotAllowed
from onestop.cases.models import Decision
from onestop.cases.outputs import (
    CODE_ALPHABET,
    find_output,
    normalise_verification_code,
    output_revoke,
    output_state,
    render_output_pdf,
    render_receipt_pdf,
)
from onestop.core.audit import SystemActor
from onestop.core.models import AuditEvent
from onestop.people.models import Role
from tests.factories.cases import ApplicationItemFactory, CaseFactory, ReasonCodeFactory
from tests.factories.catalog import AgencyFactory, OutputFactory, ServiceFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory

pytestmark = pytest.mark.django_db

KAZAKH = "Әділет министрлігі: ғ қ ң ө ұ ү һ і"
GEORGIAN = "იუსტიციის სამინისტრო"
RUSSIAN = "Справка о несудимости"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.ONESTOP_PUBLIC_URL = "https://onestop.example"
    return tmp_path


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def embedded_fonts(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, "the font must be embedded, not referenced"
            names.add(str(font["/BaseFont"]))
    return names


def decided_case(
    *, language="en", agency_name="Ministry of Justice", output_name="Certificate", validity="P1Y", **names
):
    agency = AgencyFactory(name=agency_name, name_en=agency_name)
    output = OutputFactory(name=output_name, name_en=output_name, validity=validity)
    service = ServiceFactory(
        agency=agency, outputs=[output], name="No criminal record", name_en="No criminal record"
    )
    citizen = CitizenFactory(preferred_language=language, **names)
    return CaseFactory(service=service, citizen=citizen, decided=True)


def stored_bytes(output) -> bytes:
    with default_storage.open(output.file.name, "rb") as handle:
        return handle.read()


def test_an_output_carries_agency_service_case_holder_dates_and_code():
    case = decided_case(given_name="Dana", family_name="Abenova")
    issued = datetime.fromisoformat("2026-03-02T10:00:00+05:00")
    output = render_output_pdf(case, at=issued)
    content = stored_bytes(output)
    text = pdf_text(content)
    for expected in (
        "Ministry of Justice",
        "Certificate",
        "No criminal record",
        case.number,
        "Abenova Dana",
        output.verification_code,
    ):
        assert expected in text
    assert "March 2, 2026" in text  # issued on
    assert output.valid_until == date(2027, 3, 2)
    assert "March 2, 2027" in text  # valid until
    assert f"https://onestop.example/verify/{output.verification_code}" in text
    assert output.sha256 and len(output.sha256) == 64
    assert case.citizen.national_id in text


def test_the_verification_code_is_long_random_and_unambiguous():
    codes = {render_output_pdf(decided_case()).verification_code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert not set(code.replace("-", "")) - set(CODE_ALPHABET)  # no 0/O, 1/I
    assert len(CODE_ALPHABET) ** 12 >= 2**60


def test_the_pdf_has_a_qr_code_image():
    content = stored_bytes(render_output_pdf(decided_case()))
    images = PdfReader(io.BytesIO(content)).pages[0].images
    assert len(images) == 1
    assert images[0].image.size[0] == images[0].image.size[1]  # the square QR


@pytest.mark.parametrize(
    ("language", "agency_name", "output_name", "given", "family"),
    [
        ("kk", KAZAKH, "Анықтама", "Әсел", "Жұмабекқызы"),
        ("ru", "Министерство юстиции", RUSSIAN, "Ольга", "Щербакова"),
        ("ka", GEORGIAN, "ცნობა", "ნინო", "ბერიძე"),
    ],
)
def test_kazakh_russian_and_georgian_text_round_trips_with_an_embedded_font(
    language, agency_name, output_name, given, family
):
    case = decided_case(
        language=language,
        agency_name=agency_name,
        output_name=output_name,
        given_name=given,
        family_name=family,
    )
    content = stored_bytes(render_output_pdf(case))
    text = pdf_text(content)
    for expected in (agency_name, output_name, f"{family} {given}"):
        assert expected in text
    assert any("DejaVu" in name for name in embedded_fonts(content))
    assert PdfReader(io.BytesIO(content)).trailer["/Root"]["/Lang"] == language


def test_the_output_uses_the_citizens_language_for_catalogue_names():
    agency = AgencyFactory(name="Ministry of Justice", name_en="Ministry of Justice", name_kk=KAZAKH)
    service = ServiceFactory(
        agency=agency, name_en="No criminal record", name_kk="Сотталмағандығы туралы анықтама"
    )
    case = CaseFactory(service=service, citizen=CitizenFactory(preferred_language="kk"), decided=True)
    text = pdf_text(stored_bytes(render_output_pdf(case)))
    assert KAZAKH in text and "Сотталмағандығы туралы анықтама" in text
    assert "No criminal record" not in text


def test_a_rejection_lists_its_reasons_with_legal_ground_and_no_validity():
    case = decided_case()
    decision = case.decision
    decision.outcome = Decision.Outcome.REJECTED
    decision.save()
    decision.reason_codes.add(ReasonCodeFactory(label="Documents incomplete", legal_ground="Law 5, art. 19"))
    output = render_output_pdf(case)
    text = pdf_text(stored_bytes(output))
    assert "Rejected" in text and "Documents incomplete (Law 5, art. 19)" in text
    assert output.valid_until is None


def test_a_case_gets_only_one_output():
    case = decided_case()
    render_output_pdf(case)
    with pytest.raises(IllegalTransition):
        render_output_pdf(case)


def test_codes_are_found_however_they_are_typed():
    output = render_output_pdf(decided_case())
    typed = output.verification_code.replace("-", " ").lower()
    assert normalise_verification_code(typed) == output.verification_code
    assert find_output(typed) == output
    assert find_output("not a code") is None
    assert find_output("ABCD-EFGH-JKL0") is None  # 0 is not in the alphabet


# --- Revocation -----------------------------------------------------------------------------------


def test_the_agency_head_revokes_an_output_and_it_is_audited():
    output = render_output_pdf(decided_case())
    head = RoleMembershipFactory(role=Role.AGENCY_HEAD, agency=output.case.agency).user
    output_revoke(actor=head, output=output, reason="Issued on a forged passport")
    output.refresh_from_db()
    assert output.revoked_at is not None and output.revocation_reason == "Issued on a forged passport"
    assert output_state(output) == "revoked"
    event = AuditEvent.objects.get(action="output.revoke")
    assert (event.actor_id, event.summary["reason"]) == (str(head.pk), "Issued on a forged passport")


def test_staff_of_another_agency_cannot_revoke():
    output = render_output_pdf(decided_case())
    outsider = RoleMembershipFactory(role=Role.AGENCY_HEAD).user
    with pytest.raises(NotAllowed):
        output_revoke(actor=outsider, output=output, reason="No reason")
    output.refresh_from_db()
    assert output.revoked_at is None
    assert not AuditEvent.objects.filter(action="output.revoke").exists()


def test_revoking_needs_a_reason_and_happens_once():
    output = render_output_pdf(decided_case())
    with pytest.raises(NotAllowed):
        output_revoke(actor=SystemActor("registry-sync"), output=output, reason="  ")
    output_revoke(actor=SystemActor("registry-sync"), output=output, reason="Court order")
    with pytest.raises(IllegalTransition):
        output_revoke(actor=SystemActor("registry-sync"), output=output, reason="Again")


def test_an_output_past_its_validity_is_expired():
    output = render_output_pdf(
        decided_case(validity="P1M"), at=datetime.fromisoformat("2026-01-10T09:00:00+05:00")
    )
    assert output_state(output, today=date(2026, 2, 10)) == "valid"
    assert output_state(output, today=date(2026, 2, 11)) == "expired"


# --- Receipt --------------------------------------------------------------------------------------


def test_the_receipt_lists_tracking_number_services_fees_date_and_only_initials():
    citizen = CitizenFactory(given_name="Dana", family_name="Abenova", preferred_language="en")
    first = ApplicationItemFactory(
        application__citizen=citizen,
        application__submitted=True,
        application__submitted_at=datetime.fromisoformat("2026-04-06T11:00:00+05:00"),
        application__fee_total=Decimal("2500.00"),
        application__fee_currency="KZT",
        service__name_en="Birth certificate copy",
        fee_amount=Decimal("1500.00"),
        fee_currency="KZT",
    )
    application = first.application
    ApplicationItemFactory(
        application=application,
        service__name_en="Address registration",
        fee_amount=Decimal("1000"),
        fee_currency="KZT",
    )
    content = render_receipt_pdf(application)
    text = pdf_text(content)
    for expected in (
        application.tracking_number,
        "Birth certificate copy",
        "Address registration",
        "KZT 1,500.00",
        "KZT 2,500.00",
        "April 6, 2026",
        "D. A.",
        f"https://onestop.example/applications/{application.token}/",
    ):
        assert expected in text
    assert "Abenova" not in text
    assert len(PdfReader(io.BytesIO(content)).pages[0].images) == 1


def test_a_georgian_receipt_prints_lari_amounts_it_can_render():
    item = ApplicationItemFactory(
        application__citizen=CitizenFactory(preferred_language="ka"),
        application__submitted=True,
        application__fee_total=Decimal("25"),
        application__fee_currency="GEL",
        service__name_ka=GEORGIAN,
        fee_amount=Decimal("25"),
        fee_currency="GEL",
    )
    text = pdf_text(render_receipt_pdf(item.application))
    assert GEORGIAN in text
    assert "GEL 25.00" in text  # DejaVu has no ₾ glyph: the ISO code, not an empty box
