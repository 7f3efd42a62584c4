"""The demo's back office: application forms of the most used services, reason codes, officer
profiles and a year of case history across the agencies.

Every row goes through a service: ``service_form_set``, ``reason_code_create``,
``officer_profile_set`` and, for the history, ``case_history_import``. The history is drawn with a
fixed seed: each past case follows the workflow (review, sometimes a request for information and the
citizen's answer, a decision with reason codes, the result issued and handed over) with decision
times spread around the service's target and statutory times, so that a few cases are late. The
timeline is then cut at "now": recent cases stop wherever they are, so every status appears, and the
SLA marks (at risk, breached) follow from the deadlines as the sweep would have set them.

On top of that random year, the demo officer and head of the Civil Registry Committee get open
cases in every open state (some at risk, some breached), and the first demo citizens get one
application in every status, so the worklist and "my applications" have something to show.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from onestop.cases.models import Application, Case, ReasonCode
from onestop.cases.services.evidence import application_fetch_evidence, evidence_items_for_imported
from onestop.cases.services.history import (
    HistoricApplication,
    HistoricCase,
    HistoricStep,
    case_history_import,
)
from onestop.cases.services.reference import officer_profile_set, reason_code_create
from onestop.cases.services.sla import case_deadlines
from onestop.catalog.models import Service
from onestop.catalog.services_forms import FormFieldSpec, service_form_set
from onestop.centres.models import Centre
from onestop.core.audit import SystemActor
from onestop.core.calendar import is_business_day
from onestop.core.national_ids import get_validator
from onestop.demo.data.forms import DEFAULT_FORM, FIELDS, FORM_SERVICES, SERVICE_FORMS, FieldDef
from onestop.demo.data.reasons import INFORMATION_ANSWERS, INFORMATION_REQUESTS, REASON_CODES
from onestop.demo.generator import COUNTRY, DemoCountry
from onestop.people.models import Citizen, User

ACTOR = SystemActor("demo-seed")
S = Case.Status

HISTORY_DAYS = 365
CASES_PER_YEAR = 6000
DEMO_AGENCY = "civil-registry"
DEMO_CITIZENS = 3  # the first citizens of the plan get an application in every status
BUNDLE_SHARE = 0.12  # applications that ask for two services at once
ONLINE_SHARE = 0.35
INFO_SHARE = 0.12  # cases where the officer asks the citizen for more
INFO_UNANSWERED = 0.25  # of those, the citizen never answers
WITHDRAW_SHARE = 0.03
REJECT_SHARE = 0.09
LATE_SHARE = 0.06  # decisions after the statutory deadline


@dataclass
class BackOfficeCounts:
    forms: int = 0
    form_fields: int = 0
    reason_codes: int = 0
    officer_profiles: int = 0
    cases: int = 0
    open_cases: int = 0
    breached: int = 0
    at_risk: int = 0
    evidence_fetched: int = 0


# --- forms, reason codes, profiles -----------------------------------------------------------


def form_fields_of(identifier: str) -> list[FormFieldSpec]:
    """The form of a top service (``DEFAULT_FORM`` unless ``SERVICE_FORMS`` names its fields)."""
    specs = []
    for key in SERVICE_FORMS.get(identifier, DEFAULT_FORM):
        definition = FIELDS[key]
        specs.append(
            FormFieldSpec(
                key=key,
                kind=definition.kind,
                label=definition.label,
                help_text=definition.help_text or {},
                required=definition.required,
                choices=definition.choices,
                max_length=definition.max_length,
            )
        )
    return specs


def seed_forms(country: DemoCountry, services: dict[str, Service], counts: BackOfficeCounts) -> None:
    for plan in country.services[:FORM_SERVICES]:
        fields = service_form_set(
            actor=ACTOR, service=services[plan.identifier], fields=form_fields_of(plan.identifier)
        )
        counts.forms += 1
        counts.form_fields += len(fields)


def seed_reason_codes(counts: BackOfficeCounts) -> dict[str, ReasonCode]:
    codes = {
        d.code: reason_code_create(
            actor=ACTOR, code=d.code, outcome=d.outcome, label=d.label, legal_ground=d.legal_ground
        )
        for d in REASON_CODES
    }
    counts.reason_codes = len(codes)
    return codes


def seed_officer_profiles(
    country: DemoCountry, services: dict[str, Service], today: date, counts: BackOfficeCounts
) -> dict[str, list[tuple[User, frozenset[str]]]]:
    """A profile for every officer: the first of an agency handles everything, the others specialise
    in the agency's busier or quieter half; one officer of a large agency is on leave next week.
    Returns agency → [(officer, services they may take; empty = all)]."""
    by_agency: dict[str, list[str]] = {}
    for plan in country.services:
        by_agency.setdefault(plan.agency, []).append(plan.identifier)  # most popular first
    names = [s.username for s in country.staff if s.role == "officer"]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    officers: dict[str, list[tuple[User, frozenset[str]]]] = {}
    on_leave_given = False
    for member in country.staff:
        if member.role != "officer":
            continue
        team = officers.setdefault(member.agency, [])
        identifiers = by_agency.get(member.agency, [])
        qualified: list[str] = []
        if team and len(identifiers) >= 6:
            half = len(identifiers) // 2
            qualified = identifiers[:half] if len(team) % 2 else identifiers[half:]
        absent_from = absent_until = None
        if len(team) == 2 and not on_leave_given and member.agency != DEMO_AGENCY:
            absent_from, absent_until = today + timedelta(days=7), today + timedelta(days=20)
            on_leave_given = True
        officer_profile_set(
            actor=ACTOR,
            officer=users[member.username],
            services=[services[i] for i in qualified],
            absent_from=absent_from,
            absent_until=absent_until,
        )
        team.append((users[member.username], frozenset(qualified)))
        counts.officer_profiles += 1
    return officers


# --- history ----------------------------------------------------------------------------------


def sample_answers(
    rng: random.Random, service: Service, citizen: Citizen, submitted: datetime
) -> dict[str, Any]:
    """Plausible answers to ``service``'s demo form, as ``validate_answers`` would store them."""
    answers: dict[str, Any] = {}
    for key in SERVICE_FORMS.get(service.identifier, DEFAULT_FORM):
        answers[key] = _answer(rng, FIELDS[key], citizen, submitted)
    return {k: v for k, v in answers.items() if v not in ("", None)}


def _answer(rng: random.Random, field: FieldDef, citizen: Citizen, submitted: datetime) -> Any:
    kind = field.kind
    if kind == "choice":
        return rng.choice(field.choices)[0]
    if kind == "yes_no":
        return rng.random() < 0.2
    if kind == "number":
        return rng.randint(1, 6)
    if kind == "date":
        return (submitted.date() - timedelta(days=rng.randint(1, 120))).isoformat()
    if kind == "phone":
        return citizen.phone or "+77010000000"
    if kind == "email":
        return citizen.email
    if kind == "national_id":
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(20000))
        for serial in range(rng.randrange(9000), 10_000):
            try:
                return get_validator(COUNTRY).generate(birth_date=born, sex=rng.choice("MF"), serial=serial)
            except ValueError:
                continue
        return ""
    return rng.choice(field.samples) if field.samples else ""


def _working_moment(rng: random.Random, day: date) -> datetime:
    minute = rng.randrange(9 * 60, 18 * 60)
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _later(start: datetime, span: timedelta, share: float) -> datetime:
    return start + span * share


def plan_timeline(
    rng: random.Random,
    service: Service,
    submitted: datetime,
    officer: User,
    codes: dict[str, list[ReasonCode]],
    now: datetime,
) -> tuple[list[HistoricStep], list[ReasonCode]]:
    """What happened to one case, cut at ``now``: the steps and the decision's reason codes."""
    statutory, _target = case_deadlines(service, submitted)
    span = statutory - submitted
    late = rng.random() < LATE_SHARE
    # Most decisions land between a fifth and nine tenths of the statutory time; late ones after it.
    share = rng.uniform(1.05, 1.8) if late else min(0.95, rng.betavariate(2.2, 3.0) + 0.08)
    review = _later(submitted, span, share * rng.uniform(0.05, 0.3))
    steps = [HistoricStep(S.IN_REVIEW, review, officer)]
    decided_at = _later(submitted, span, share)
    if rng.random() < WITHDRAW_SHARE:
        steps.append(
            HistoricStep(S.WITHDRAWN, _later(review, decided_at - review, 0.5), None, "Applied by mistake.")
        )
        return [s for s in steps if s.at <= now], []
    rejected = rng.random() < REJECT_SHARE
    reasons: list[ReasonCode] = []
    if rng.random() < INFO_SHARE:
        asked = _later(review, decided_at - review, 0.4)
        steps.append(HistoricStep(S.INFORMATION_REQUESTED, asked, officer, rng.choice(INFORMATION_REQUESTS)))
        if rng.random() < INFO_UNANSWERED:
            # No answer: after a month the citizen withdraws or the officer may close it as rejected
            # only after an answer, so the case stays waiting until the citizen withdraws.
            gone = asked + timedelta(days=rng.randint(20, 40))
            steps.append(HistoricStep(S.WITHDRAWN, gone, None, "No longer needed."))
            return [s for s in steps if s.at <= now], []
        answered = asked + timedelta(hours=rng.uniform(4, 24 * 6))
        steps.append(HistoricStep(S.RESUBMITTED, answered, None, rng.choice(INFORMATION_ANSWERS)))
        steps.append(HistoricStep(S.IN_REVIEW, answered + timedelta(hours=rng.uniform(1, 20)), officer))
        pause = answered - asked
        decided_at = max(decided_at + pause, steps[-1].at + timedelta(minutes=20))
    if rejected:
        reasons = [_weighted(rng, codes["rejection"])]
        steps.append(HistoricStep(S.REJECTED, decided_at, officer))
    else:
        reasons = [_weighted(rng, codes["approval"])]
        steps.append(HistoricStep(S.APPROVED, decided_at, officer))
    issued = decided_at + timedelta(minutes=rng.randint(2, 90))
    steps.append(HistoricStep(S.RESULT_ISSUED, issued, officer))
    steps.append(HistoricStep(S.CLOSED, issued + timedelta(days=rng.uniform(0.2, 9)), officer))
    return [s for s in steps if s.at <= now], reasons


def _weighted(rng: random.Random, codes: list[ReasonCode]) -> ReasonCode:
    weights = {d.code: d.weight for d in REASON_CODES}
    return rng.choices(codes, weights=[weights.get(c.code, 1) for c in codes])[0]


def _officer_for(
    rng: random.Random, team: Sequence[tuple[User, frozenset[str]]], identifier: str
) -> User | None:
    qualified = [user for user, services in team if not services or identifier in services]
    return rng.choice(qualified) if qualified else None


def plan_history(
    rng: random.Random,
    *,
    services: Sequence[Service],
    officers: dict[str, list[tuple[User, frozenset[str]]]],
    citizens: Sequence[Citizen],
    centres: Sequence[Centre],
    codes: dict[str, list[ReasonCode]],
    now: datetime,
    days: int,
    cases: int,
) -> list[HistoricApplication]:
    """About ``cases`` past cases over ``days`` business days before ``now``."""
    candidates = [s for s in services if officers.get(s.agency.code)]
    # Square-root popularity: the busiest services still dominate, but every agency gets work.
    weights = [math.sqrt(s.popularity + 100) for s in candidates]
    today = timezone.localtime(now).date()
    workdays = [
        d
        for d in (today - timedelta(days=n) for n in range(days, -1, -1))
        if is_business_day(d, country=COUNTRY)
    ]
    per_day = cases / max(1, len(workdays)) / (1 + BUNDLE_SHARE)
    rows: list[HistoricApplication] = []
    for day in workdays:
        for _n in range(_poisson(rng, per_day)):
            submitted = _working_moment(rng, day)
            if submitted >= now:
                continue
            wanted = [rng.choices(candidates, weights)[0]]
            if rng.random() < BUNDLE_SHARE:
                other = rng.choices(candidates, weights)[0]
                if other.pk != wanted[0].pk:
                    wanted.append(other)
            citizen = rng.choice(citizens)
            online = rng.random() < ONLINE_SHARE
            rows.append(
                HistoricApplication(
                    citizen=citizen,
                    submitted_at=submitted,
                    channel=Application.Channel.ONLINE if online else Application.Channel.COUNTER,
                    centre=None if online or not centres else rng.choice(centres),
                    cases=[_historic_case(rng, s, citizen, submitted, officers, codes, now) for s in wanted],
                )
            )
    return rows


def _historic_case(
    rng: random.Random,
    service: Service,
    citizen: Citizen,
    submitted: datetime,
    officers: dict[str, list[tuple[User, frozenset[str]]]],
    codes: dict[str, list[ReasonCode]],
    now: datetime,
    *,
    officer: User | None = None,
) -> HistoricCase:
    assignee = officer or _officer_for(rng, officers[service.agency.code], service.identifier)
    assert assignee is not None
    steps, reasons = plan_timeline(rng, service, submitted, assignee, codes, now)
    return HistoricCase(
        service=service,
        assignee=assignee,
        steps=steps,
        reason_codes=reasons,
        answers=sample_answers(rng, service, citizen, submitted),
        note="" if not reasons or reasons[0].outcome == "approval" else "See the legal ground cited.",
    )


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is plenty for means of a few dozen.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- the demo people's own cases ---------------------------------------------------------------

# Each final status, and how to get there: (status, steps as (status, hours after submission)).
STATES: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    (S.SUBMITTED, ()),
    (S.IN_REVIEW, ((S.IN_REVIEW, 3),)),
    (S.INFORMATION_REQUESTED, ((S.IN_REVIEW, 2), (S.INFORMATION_REQUESTED, 20))),
    (S.RESUBMITTED, ((S.IN_REVIEW, 2), (S.INFORMATION_REQUESTED, 20), (S.RESUBMITTED, 40))),
    (S.APPROVED, ((S.IN_REVIEW, 2), (S.APPROVED, 30))),
    (S.REJECTED, ((S.IN_REVIEW, 2), (S.REJECTED, 30))),
    (S.RESULT_ISSUED, ((S.IN_REVIEW, 2), (S.APPROVED, 30), (S.RESULT_ISSUED, 31))),
    (S.CLOSED, ((S.IN_REVIEW, 2), (S.APPROVED, 30), (S.RESULT_ISSUED, 31), (S.CLOSED, 60))),
    (S.WITHDRAWN, ((S.IN_REVIEW, 2), (S.WITHDRAWN, 10))),
)


def _scripted_case(
    rng: random.Random,
    service: Service,
    citizen: Citizen,
    submitted: datetime,
    officer: User,
    script: Sequence[tuple[str, float]],
    codes: dict[str, list[ReasonCode]],
) -> HistoricCase:
    steps: list[HistoricStep] = []
    reasons: list[ReasonCode] = []
    for status, hours in script:
        citizen_step = status in {S.RESUBMITTED, S.WITHDRAWN}
        reason = ""
        if status == S.INFORMATION_REQUESTED:
            reason = INFORMATION_REQUESTS[0]
        elif status == S.RESUBMITTED:
            reason = INFORMATION_ANSWERS[1]
        elif status == S.APPROVED:
            reasons = [codes["approval"][0]]
        elif status == S.REJECTED:
            reasons = [c for c in codes["rejection"] if c.code == "documents-incomplete"] or codes[
                "rejection"
            ][:1]
        steps.append(
            HistoricStep(
                status, submitted + timedelta(hours=hours), None if citizen_step else officer, reason
            )
        )
    return HistoricCase(
        service=service,
        assignee=officer,
        steps=steps,
        reason_codes=reasons,
        answers=sample_answers(rng, service, citizen, submitted),
    )


def plan_showcase(
    rng: random.Random,
    *,
    services: Sequence[Service],
    officers: dict[str, list[tuple[User, frozenset[str]]]],
    demo_officer: User,
    demo_head: User,
    citizens: Sequence[Citizen],
    pool: Sequence[Citizen],
    codes: dict[str, list[ReasonCode]],
    now: datetime,
) -> list[HistoricApplication]:
    """An application in every status for each demo citizen, and open work for the demo officer
    in every open state, some fresh, some at risk, some past the statutory deadline."""
    registry = [s for s in services if s.agency.code == DEMO_AGENCY and s.statutory_time]
    rows: list[HistoricApplication] = []
    for index, citizen in enumerate(citizens):
        for position, (_status, script) in enumerate(STATES):
            # The first demo citizen's cases all go to the demo officer: both sides of one case.
            service = registry[(index * len(STATES) + position) % len(registry)]
            submitted = now - timedelta(hours=80 - position * 2, minutes=index * 7)
            officer = (
                demo_officer if index == 0 else _officer_for(rng, officers[DEMO_AGENCY], service.identifier)
            )
            assert officer is not None
            rows.append(
                HistoricApplication(
                    citizen=citizen,
                    submitted_at=submitted,
                    channel=Application.Channel.ONLINE,
                    cases=[_scripted_case(rng, service, citizen, submitted, officer, script, codes)],
                )
            )
    # The worklists: open cases in every open state whose clock is fresh, nearly out, or out.
    for n, (_status, script) in enumerate(STATES[:4] * 3):
        service = registry[n % len(registry)]
        statutory, _target = case_deadlines(service, now)
        age = (statutory - now) * (0.1, 0.85, 1.6)[n // 4]
        submitted = now - age - timedelta(minutes=n)
        # The steps squeeze into the time since submission, keeping their order.
        last = script[-1][1] if script else 0.0
        room = max(0.0, age.total_seconds() / 3600 - 0.1)
        scaled = [(status, hours * min(1.0, room / last)) for status, hours in script] if last else []
        citizen = citizens[0] if n % 5 == 0 else rng.choice(pool)
        officer = demo_head if n % 4 == 1 else demo_officer  # the head handles some escalations
        rows.append(
            HistoricApplication(
                citizen=citizen,
                submitted_at=submitted,
                channel=Application.Channel.COUNTER,
                cases=[_scripted_case(rng, service, citizen, submitted, officer, scaled, codes)],
            )
        )
    return rows


# --- the stage --------------------------------------------------------------------------------


def seed_back_office(
    country: DemoCountry,
    services: dict[str, Service],
    *,
    now: datetime,
    days: int = HISTORY_DAYS,
    cases: int | None = None,
    progress: Any = None,
) -> BackOfficeCounts:
    """Forms, reason codes, officer profiles and ``days`` days of case history (about ``cases``
    cases; by default 1.2 per citizen of the plan, at most ``CASES_PER_YEAR``) before ``now``. ``progress`` (a tqdm bar or None) is advanced by one per part."""
    counts = BackOfficeCounts()
    rng = random.Random(country.seed + 4)

    def step(label: str) -> None:
        if progress is not None:
            progress.set_postfix_str(label)
            progress.update(1)

    seed_forms(country, services, counts)
    step("forms")
    reason_rows = seed_reason_codes(counts)
    codes = {
        outcome: [c for c in reason_rows.values() if c.outcome == outcome]
        for outcome in ("approval", "rejection")
    }
    step("reason codes")
    officers = seed_officer_profiles(country, services, timezone.localtime(now).date(), counts)
    step("officer profiles")
    service_rows = list(Service.objects.select_related("agency").order_by("-popularity", "identifier"))
    citizens = list(Citizen.objects.order_by("pk")[:3000])
    demo_ids = [c.national_id for c in country.citizens[:DEMO_CITIZENS]]
    demo_citizens = sorted(
        Citizen.objects.filter(national_id__in=demo_ids), key=lambda c: demo_ids.index(c.national_id)
    )
    rows = plan_history(
        rng,
        services=service_rows,
        officers=officers,
        citizens=citizens,
        centres=list(Centre.objects.order_by("code")),
        codes=codes,
        now=now,
        days=days,
        cases=cases if cases is not None else min(CASES_PER_YEAR, len(country.citizens) * 6 // 5),
    )
    if citizens:
        staff = {u.username: u for u in User.objects.filter(username__in=["officer", "head"])}
        rows += plan_showcase(
            rng,
            services=service_rows,
            officers=officers,
            demo_officer=staff["officer"],
            demo_head=staff["head"],
            citizens=demo_citizens or citizens[:1],
            pool=citizens,
            codes=codes,
            now=now,
        )
    step("history planned")
    counts.cases = case_history_import(actor=ACTOR, rows=rows, at=now)
    open_cases = Case.objects.filter(
        status__in=[S.SUBMITTED, S.IN_REVIEW, S.INFORMATION_REQUESTED, S.RESUBMITTED]
    )
    counts.open_cases = open_cases.count()
    counts.breached = open_cases.filter(sla_state=Case.SlaState.BREACHED).count()
    counts.at_risk = open_cases.filter(sla_state=Case.SlaState.AT_RISK).count()
    step(f"{counts.cases} cases")
    counts.evidence_fetched = fetch_open_evidence(now=now)
    step(f"{counts.evidence_fetched} registry fetches")
    return counts


def fetch_open_evidence(*, now: datetime) -> int:
    """Fetch, through the real data exchange, the registry evidence of every application that still
    has an open case: the officers see it with its provenance, the citizens see the accesses in
    their data tracker, and the auditors find them in the exchange log. (Closed cases are not
    fetched: purpose binding refuses a look at the data of a finished case.)"""
    open_statuses = [S.SUBMITTED, S.IN_REVIEW, S.INFORMATION_REQUESTED, S.RESUBMITTED, S.APPROVED, S.REJECTED]
    applications = Application.objects.filter(cases__status__in=open_statuses).distinct().order_by("pk")
    fetched = 0
    for application in applications:
        if evidence_items_for_imported(application=application, actor=ACTOR):
            fetched += len(application_fetch_evidence(application=application, actor=ACTOR))
    return fetched


BACK_OFFICE_STEPS = 6


def demo_citizen_national_id() -> str:
    """The national ID printed for the demo eID sign-in: the first demo citizen's (the citizens are
    imported in plan order, so that is the oldest row); empty without citizens."""
    first = Citizen.objects.order_by("pk").values_list("national_id", flat=True).first()
    return first or ""
