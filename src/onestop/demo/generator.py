"""Turns the demo country's data into a complete plan, deterministically.

:func:`build_country` is pure: the same seed and citizen count give the same plan on every machine
and every run (``random.Random`` with an integer seed is stable across Python versions, and nothing
here iterates over a set or a hash-ordered mapping). ``onestop.demo.seeding`` writes the plan through
the services.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from onestop.core.national_ids import get_validator
from onestop.demo.data import people
from onestop.demo.data.agencies import AGENCIES, local_agency_code
from onestop.demo.data.centres import CENTRES, CentreDef
from onestop.demo.data.places import LOCALITIES
from onestop.demo.data.reference import EXEMPTION_GROUPS, FEE_LABELS
from onestop.demo.data.services import LOCAL_TEMPLATES, OTHER_SERVICES, TOP_SERVICES, ServiceDef

DEFAULT_SEED = 20260101
DEFAULT_CITIZENS = 5000
# The demo deployment follows Kazakhstan's rules whatever the machine's settings say.
COUNTRY = "KZ"

BIRTH_FIRST = date(1940, 1, 1)
BIRTH_LAST = date(2008, 12, 31)


@dataclass(frozen=True)
class ExemptionPlan:
    group: str
    description: dict[str, str]
    discount_percent: int


@dataclass(frozen=True)
class FeePlan:
    label: dict[str, str]
    amount: Decimal
    exemptions: tuple[ExemptionPlan, ...]


@dataclass(frozen=True)
class ServicePlan:
    identifier: str
    name: dict[str, str]
    description: dict[str, str]
    agency: str
    life_events: tuple[str, ...]
    statutory_time: str
    target_time: str
    time_unit: str
    channels: tuple[str, ...]
    evidence: tuple[tuple[str, bool], ...]  # (evidence type code, required)
    outputs: tuple[str, ...]
    legal: tuple[str, ...]
    fees: tuple[FeePlan, ...]
    popularity: int
    region: str = ""  # set for a city's or district's own service


@dataclass(frozen=True)
class StaffPlan:
    username: str
    password: str
    first_name: str
    last_name: str
    email: str
    preferred_language: str
    role: str
    centre: str = ""
    agency: str = ""


@dataclass(frozen=True)
class CitizenPlan:
    national_id: str
    given_name: str
    family_name: str
    patronymic: str
    date_of_birth: date
    sex: str
    phone: str
    email: str
    preferred_language: str


@dataclass(frozen=True)
class DemoCountry:
    seed: int
    services: tuple[ServicePlan, ...]
    centre_services: tuple[tuple[str, tuple[str, ...]], ...]  # (centre code, service identifiers)
    staff: tuple[StaffPlan, ...]
    citizens: tuple[CitizenPlan, ...]


# --- Services ---------------------------------------------------------------------------------


def _fees(definition: ServiceDef) -> tuple[FeePlan, ...]:
    return tuple(
        FeePlan(
            label=FEE_LABELS[fee.label],
            amount=Decimal(fee.amount),
            exemptions=tuple(ExemptionPlan(g, EXEMPTION_GROUPS[g], fee.discount) for g in fee.exempt),
        )
        for fee in definition.fees
    )


def _evidence(codes: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    return tuple((code.removeprefix("?"), not code.startswith("?")) for code in codes)


def _national_service(definition: ServiceDef) -> ServicePlan:
    return ServicePlan(
        identifier=definition.identifier,
        name=definition.name,
        description=definition.description,
        agency=definition.agency,
        life_events=definition.events,
        statutory_time=definition.statutory,
        target_time=definition.target,
        time_unit=definition.unit,
        channels=definition.channels,
        evidence=_evidence(definition.evidence),
        outputs=definition.outputs,
        legal=definition.legal,
        fees=_fees(definition),
        popularity=definition.popularity,
    )


def _local_services(rng: random.Random) -> list[ServicePlan]:
    plans: list[ServicePlan] = []
    for template in LOCAL_TEMPLATES:
        for locality in LOCALITIES:
            # Cities are busier than rural districts; round to look like real statistics.
            share = rng.uniform(0.55, 1.0) if locality.code.endswith("-city") else rng.uniform(0.12, 0.5)
            name = {
                lang: text.format(place=locality.name.get(lang, locality.name["en"]))
                for lang, text in template.name.items()
            }
            plans.append(
                ServicePlan(
                    identifier=f"{template.key}-{locality.code}",
                    name=name,
                    description={},
                    agency=local_agency_code(locality.code),
                    life_events=template.events,
                    statutory_time=template.statutory,
                    target_time=template.target,
                    time_unit=template.unit,
                    channels=template.channels,
                    evidence=_evidence(template.evidence),
                    outputs=template.outputs,
                    legal=template.legal,
                    fees=(),
                    popularity=int(template.popularity * share) // 10 * 10,
                    region=locality.region,
                )
            )
    return plans


def build_services(rng: random.Random) -> tuple[ServicePlan, ...]:
    plans = [_national_service(d) for d in TOP_SERVICES + OTHER_SERVICES] + _local_services(rng)
    return tuple(sorted(plans, key=lambda p: (-p.popularity, p.identifier)))


# --- Centres ----------------------------------------------------------------------------------

# The community centre handles everyday requests only: services at least this popular.
POPULAR_THRESHOLD = 100_000
# Specialist services (rare, needing an expert desk) are left to the halls.
SPECIALIST_THRESHOLD = 3_000


def _offers(centre: CentreDef, service: ServicePlan) -> bool:
    if service.region and service.region != centre.region:
        return False  # a city's own services are offered in that city's region only
    if centre.offers == "mobile":
        return "mobile" in service.channels
    if "counter" not in service.channels:
        return False
    if centre.offers == "all":
        return True
    if centre.offers == "standard":
        return service.popularity >= SPECIALIST_THRESHOLD
    return service.popularity >= POPULAR_THRESHOLD or bool(service.region)


def build_centre_services(services: Sequence[ServicePlan]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((c.code, tuple(s.identifier for s in services if _offers(c, s))) for c in CENTRES)


# --- People -----------------------------------------------------------------------------------


def _female_surname(surname: str) -> str:
    return f"{surname}а"


def _person_name(rng: random.Random, sex: str) -> tuple[str, str, str, bool]:
    """(given name, family name, patronymic, is Kazakh) in Cyrillic."""
    male = sex == "M"
    if rng.random() < 0.68:
        given = rng.choice(people.KAZAKH_MALE if male else people.KAZAKH_FEMALE)
        surname = rng.choice(people.KAZAKH_SURNAMES)
        father = rng.choice(people.KAZAKH_MALE)
        patronymic = f"{father}{'ұлы' if male else 'қызы'}" if rng.random() < 0.8 else ""
        kazakh = True
    else:
        given = rng.choice(people.RUSSIAN_MALE if male else people.RUSSIAN_FEMALE)
        surname = rng.choice(people.RUSSIAN_SURNAMES)
        father = rng.choice(people.RUSSIAN_MALE)
        patronymic = people.RUSSIAN_PATRONYMICS[father][0 if male else 1]
        kazakh = False
    return given, surname if male else _female_surname(surname), patronymic, kazakh


def _latin(text: str) -> str:
    return "".join(people.TRANSLIT.get(ch, ch) for ch in text.lower())


def _phone(rng: random.Random) -> str:
    return f"+7{rng.choice(people.PHONE_PREFIXES)}{rng.randrange(10**7):07d}"


def _language(rng: random.Random, kazakh: bool) -> str:
    roll = rng.random()
    if kazakh:
        return "kk" if roll < 0.55 else "ru" if roll < 0.94 else "en" if roll < 0.98 else "ka"
    return "ru" if roll < 0.9 else "kk" if roll < 0.94 else "en" if roll < 0.98 else "ka"


def build_citizens(rng: random.Random, count: int) -> tuple[CitizenPlan, ...]:
    validator = get_validator(COUNTRY)
    span = (BIRTH_LAST - BIRTH_FIRST).days
    used: set[str] = set()  # membership only; never iterated, so hash order cannot leak in
    citizens: list[CitizenPlan] = []
    while len(citizens) < count:
        sex = "M" if rng.random() < 0.49 else "F"
        born = BIRTH_FIRST + timedelta(days=rng.randrange(span + 1))
        serial = rng.randrange(10_000)
        national_id = ""
        for attempt in range(10_000):
            try:
                candidate = validator.generate(birth_date=born, sex=sex, serial=(serial + attempt) % 10_000)
            except ValueError:
                continue  # no valid check digit for this serial: the IIN rules say take the next one
            if candidate not in used:
                national_id = candidate
                break
        if not national_id:
            continue
        used.add(national_id)
        given, family, patronymic, kazakh = _person_name(rng, sex)
        email = ""
        if rng.random() < 0.35:
            email = f"{_latin(given)}.{_latin(family)}{rng.randrange(100)}@{rng.choice(people.EMAIL_DOMAINS)}"
        citizens.append(
            CitizenPlan(
                national_id=national_id,
                given_name=given,
                family_name=family,
                patronymic=patronymic,
                date_of_birth=born,
                sex=sex,
                phone=_phone(rng) if rng.random() < 0.92 else "",
                email=email,
                preferred_language=_language(rng, kazakh),
            )
        )
    return tuple(citizens)


PASSWORDS = {login.role: login.password for login in people.DEMO_LOGINS}


def _staff_member(
    rng: random.Random, taken: set[str], role: str, *, centre: str = "", agency: str = ""
) -> StaffPlan:
    sex = "M" if rng.random() < 0.45 else "F"
    given, family, _patronymic, kazakh = _person_name(rng, sex)
    # Usernames follow the people's names ("a.nurlanov"), as in a real directory; a role word in
    # them would also trip the password-similarity validator against the role's shared password.
    base = f"{_latin(given)[0]}.{_latin(family)}"
    username, n = base, 1
    while username in taken:
        n += 1
        username = f"{base}{n}"
    taken.add(username)
    return StaffPlan(
        username=username,
        password=PASSWORDS[role],
        first_name=given,
        last_name=family,
        email=f"{username}@staff.dalaria.example",
        preferred_language="kk" if kazakh and rng.random() < 0.5 else "ru",
        role=role,
        centre=centre,
        agency=agency,
    )


def build_staff(rng: random.Random, services: Sequence[ServicePlan]) -> tuple[StaffPlan, ...]:
    staff = [
        StaffPlan(
            username=login.username,
            password=login.password,
            first_name=login.first_name,
            last_name=login.last_name,
            email=f"{login.username}@staff.dalaria.example",
            preferred_language="en",
            role=login.role,
            centre=login.scope if login.role in {"operator", "centre_manager"} else "",
            agency=login.scope if login.role in {"officer", "agency_head"} else "",
        )
        for login in people.DEMO_LOGINS
    ]
    taken = {login.username for login in people.DEMO_LOGINS}  # membership checks only
    for centre in CENTRES:
        staff.append(_staff_member(rng, taken, "centre_manager", centre=centre.code))
        # Roughly one operator per four counters on a shift.
        staff.extend(
            _staff_member(rng, taken, "operator", centre=centre.code)
            for _n in range(max(1, centre.counters // 4))
        )
    service_counts: dict[str, int] = {}
    for service in services:
        service_counts[service.agency] = service_counts.get(service.agency, 0) + 1
    for agency in AGENCIES:
        staff.append(_staff_member(rng, taken, "agency_head", agency=agency.code))
        count = service_counts.get(agency.code, 0)
        officers = 1 if count < 5 else 2 if count < 15 else 3
        staff.extend(_staff_member(rng, taken, "officer", agency=agency.code) for _n in range(officers))
    staff.append(_staff_member(rng, taken, "coordinator"))
    staff.append(_staff_member(rng, taken, "auditor"))
    return tuple(staff)


def build_country(*, seed: int = DEFAULT_SEED, citizens: int = DEFAULT_CITIZENS) -> DemoCountry:
    """The whole demo country for ``seed``: services, what each centre offers, staff and citizens.

    Each part draws from its own generator, so asking for fewer citizens (as the tests do) leaves the
    catalogue and the staff exactly as in the full demo.
    """
    if citizens < 0:
        raise ValueError("the number of citizens cannot be negative")
    services = build_services(random.Random(seed))
    return DemoCountry(
        seed=seed,
        services=services,
        centre_services=build_centre_services(services),
        staff=build_staff(random.Random(seed + 1), services),
        citizens=build_citizens(random.Random(seed + 2), citizens),
    )
