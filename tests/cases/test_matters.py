"""Purpose binding: the back office tells the exchange which open application or case an
``X-Road-Issue`` names, for whom, and which agencies handle it. A call for another citizen, about
a closed case, or from an agency that does not handle the matter finds no matter and is refused."""

from __future__ import annotations

import pytest

from onestop.cases.matters import resolve_matter
from onestop.cases.models import Application, Case, EvidenceItem
from onestop.cases.services import application_start, application_submit
from onestop.exchange import directory, purposes
from onestop.exchange.client import ExchangeRefused, exchange_call
from onestop.exchange.models import ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.purposes import Matter
from tests.factories.cases import ApplicationFactory, ApplicationItemFactory, CaseFactory
from tests.factories.catalog import AgencyFactory, ServiceFactory
from tests.factories.exchange import AccessRightFactory, MemberFactory, PurposeFactory
from tests.factories.people import CitizenFactory

pytestmark = pytest.mark.django_db


def test_the_back_office_registers_its_resolver_with_the_exchange():
    assert resolve_matter in purposes._resolvers


def test_a_draft_is_an_open_matter_of_its_citizen_handled_by_the_agencies_of_its_services(
    django_assert_max_num_queries,
):
    citizen = CitizenFactory()
    a, b = AgencyFactory(code="agency-one"), AgencyFactory(code="agency-two")
    application = ApplicationFactory(citizen=citizen, tracking_number="OS-260302-AAAAAA")
    ApplicationItemFactory(application=application, service=ServiceFactory(agency=a))
    ApplicationItemFactory(application=application, service=ServiceFactory(agency=b))

    with django_assert_max_num_queries(1):
        matter = resolve_matter("OS-260302-AAAAAA", citizen.national_id)

    assert matter == Matter(
        kind="application",
        reference="OS-260302-AAAAAA",
        subject=citizen.national_id,
        agency_codes=frozenset({"agency-one", "agency-two"}),
    )


def test_a_submitted_application_is_open_only_for_the_agencies_whose_cases_are_not_final():
    citizen = CitizenFactory()
    application = ApplicationFactory(citizen=citizen, submitted=True)
    open_case = CaseFactory(application=application, citizen=citizen, status=Case.Status.IN_REVIEW)
    closed = CaseFactory(application=application, citizen=citizen, status=Case.Status.CLOSED)

    matter = resolve_matter(application.tracking_number, citizen.national_id)

    assert matter is not None and matter.kind == "application"
    assert matter.agency_codes == frozenset({open_case.agency.code})
    assert closed.agency.code not in matter.agency_codes


def test_a_submitted_application_whose_cases_are_all_over_is_no_matter():
    citizen = CitizenFactory()
    application = ApplicationFactory(citizen=citizen, submitted=True)
    CaseFactory(application=application, citizen=citizen, status=Case.Status.CLOSED)
    CaseFactory(application=application, citizen=citizen, status=Case.Status.WITHDRAWN)

    assert resolve_matter(application.tracking_number, citizen.national_id) is None


def test_an_application_of_another_citizen_is_no_matter():
    citizen, other = CitizenFactory(), CitizenFactory()
    application = ApplicationFactory(citizen=citizen, tracking_number="OS-260302-BBBBBB")
    ApplicationItemFactory(application=application)

    assert resolve_matter("OS-260302-BBBBBB", other.national_id) is None


@pytest.mark.parametrize(
    "status",
    [
        Case.Status.SUBMITTED,
        Case.Status.INFORMATION_REQUESTED,
        Case.Status.APPROVED,
        Case.Status.RESULT_ISSUED,
    ],
)
def test_a_case_that_is_not_final_is_an_open_matter_of_its_agency(status, django_assert_max_num_queries):
    case = CaseFactory(status=status)

    with django_assert_max_num_queries(2):
        matter = resolve_matter(case.number, case.citizen.national_id)

    assert matter == Matter(
        kind="case",
        reference=case.number,
        subject=case.citizen.national_id,
        agency_codes=frozenset({case.agency.code}),
    )


@pytest.mark.parametrize("status", [Case.Status.CLOSED, Case.Status.WITHDRAWN])
def test_a_closed_or_withdrawn_case_is_no_matter(status):
    case = CaseFactory(status=status)

    assert resolve_matter(case.number, case.citizen.national_id) is None


def test_a_case_of_another_citizen_unknown_numbers_and_blanks_are_no_matter():
    case = CaseFactory()

    assert resolve_matter(case.number, CitizenFactory().national_id) is None
    assert resolve_matter("OS-000000-NOSUCH", case.citizen.national_id) is None
    assert resolve_matter("", case.citizen.national_id) is None
    assert resolve_matter(case.number, "") is None


# --- the same rules through a real exchange --------------------------------------------------------


def _call_civil(world, *, client, subject, issue):
    return exchange_call(
        client=client.identifier,
        service=world.civil_evidence.exchange_service,
        subject=subject,
        issue=issue,
    )


def _refusal(world, *, client, subject, issue) -> ExchangeRefused:
    with pytest.raises(ExchangeRefused) as raised:
        _call_civil(world, client=client, subject=subject, issue=issue)
    assert raised.value.error.type == ErrorType.ACCESS_DENIED
    entry = ExchangeLogEntry.objects.filter(side="provider").latest("id")
    assert entry.error_type == ErrorType.ACCESS_DENIED and entry.issue == issue
    return raised.value


def test_the_provider_answers_the_agency_handling_the_open_application(once_only, operator_a):
    # The fetch that would run after the commit does not run here: the test calls by hand.
    application = application_start(
        actor=operator_a,
        citizen=once_only.citizen,
        channel=Application.Channel.COUNTER,
        services=[once_only.passport],
    )

    result = _call_civil(
        once_only,
        client=once_only.back_office_member,
        subject=once_only.citizen.national_id,
        issue=application.tracking_number,
    )

    assert result.status == 200 and result.data == once_only.civil_data


def test_the_provider_refuses_another_citizen_another_agency_and_a_closed_case(
    once_only, operator_a, agency_b
):
    application = application_start(
        actor=operator_a,
        citizen=once_only.citizen,
        channel=Application.Channel.COUNTER,
        services=[once_only.passport],
    )
    EvidenceItem.objects.filter(item__application=application).update(status=EvidenceItem.Status.FETCHED)
    number = application.tracking_number
    # Another agency's back office, with a right of its own on the same service.
    other_back_office = MemberFactory(
        member_class="GOV", member_code="AGENCYB", subsystem_code="back-office", agency=agency_b
    )
    AccessRightFactory(client=other_back_office, service=once_only.civil_service, purposes=[PurposeFactory()])
    directory.reset()
    other = CitizenFactory()

    _refusal(once_only, client=once_only.back_office_member, subject=other.national_id, issue=number)
    _refusal(once_only, client=other_back_office, subject=once_only.citizen.national_id, issue=number)

    submitted = application_submit(actor=operator_a, application=application)
    case = Case.objects.get(application=submitted)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    _refusal(
        once_only,
        client=once_only.back_office_member,
        subject=once_only.citizen.national_id,
        issue=case.number,
    )
    _refusal(
        once_only,
        client=once_only.back_office_member,
        subject=once_only.citizen.national_id,
        issue=number,
    )
