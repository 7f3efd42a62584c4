"""The people behind the registry records: each demo citizen's home, marriage and children (decided
before any record is written, because a couple of demo citizens shares a marriage and children),
and the relatives who are not demo citizens themselves, each with a national ID of their own."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from onestop.core.national_ids import get_validator
from onestop.demo.cases import DEMO_CITIZENS
from onestop.demo.data import people as names
from onestop.demo.data.places import LOCALITIES, REGIONS, LocalityDef
from onestop.demo.generator import COUNTRY, CitizenPlan, DemoCountry
from onestop.exchange.services import RegistryRecordRow

STREETS = (
    "ул. Абая", "пр. Независимости", "ул. Толе би", "ул. Сатпаева", "ул. Жамбыла", "ул. Пушкина",
    "мкр. Самал", "ул. Кунаева", "ул. Байтурсынова", "ул. Желтоксан", "ул. Мира", "ул. Гагарина",
)  # fmt: skip
CITY_WEIGHT = 3  # a city has this many times the people of a rural district
_KAZAKH_SURNAMES = frozenset(names.KAZAKH_SURNAMES)
_FATHER_OF = {pair[i]: father for father, pair in names.RUSSIAN_PATRONYMICS.items() for i in (0, 1)}


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass
class Person:
    national_id: str
    given: str
    family: str
    patronymic: str
    sex: str
    born: date
    kazakh: bool

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family, self.given, self.patronymic) if p)

    @property
    def male_family(self) -> str:
        """The family name in its male form, which children and wives take (Нұрланова → Нұрланов)."""
        return self.family[:-1] if self.sex == "F" and self.family.endswith("а") else self.family

    @property
    def father_name(self) -> str:
        """The father's given name, read back from the patronymic ("" when there is none)."""
        if self.patronymic in _FATHER_OF:
            return _FATHER_OF[self.patronymic]
        for suffix in ("ұлы", "қызы"):
            if self.patronymic.endswith(suffix):
                return self.patronymic.removesuffix(suffix)
        return ""

    def ref(self) -> dict[str, Any]:
        return {
            "national_id": self.national_id,
            "full_name": self.full_name,
            "date_of_birth": self.born.isoformat(),
        }


@dataclass
class Life:
    """A demo citizen and what is decided about them before their records are written."""

    person: Person
    home: LocalityDef
    rich: bool  # one of the demo citizens people sign in as: every kind of record they can have
    marital: str = "single"  # single | married | divorced | widowed
    spouse: Person | None = None
    wedding: date | None = None
    ended: date | None = None  # the divorce, or the spouse's death
    children: list[Person] = field(default_factory=list)

    @property
    def region_number(self) -> int:
        return next(i for i, r in enumerate(REGIONS) if r.code == self.home.region) + 1


class Builder:
    """The records planned so far, the generator they are drawn from and the national IDs in use."""

    def __init__(self, country: DemoCountry, today: date) -> None:
        self.rng = random.Random(country.seed + 5)
        self.today = today
        self.validator = get_validator(COUNTRY)
        self.taken = {c.national_id for c in country.citizens}  # membership only, never iterated
        self.plans: list[RegistryRecordRow] = []
        self.serial = 0

    def add(
        self,
        registry: str,
        kind: str,
        subject: str,
        data: dict[str, Any],
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> None:
        self.plans.append(RegistryRecordRow(registry, kind, subject, data, since, until))

    def chance(self, p: float, *, rich: bool = False) -> bool:
        """True with probability ``p``, always for ``rich``; draws either way, so a demo citizen's
        riches do not shift everybody else's records."""
        return self.rng.random() < p or rich

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange(max(1, (last - first).days + 1)))

    def digits(self, n: int) -> str:
        return f"{self.rng.randrange(10**n):0{n}d}"

    def new_id(self, born: date, sex: str) -> str:
        for _attempt in range(10_000):
            self.serial = (self.serial + 1) % 10_000
            try:
                candidate = self.validator.generate(birth_date=born, sex=sex, serial=self.serial)
            except ValueError:
                continue  # no check digit for this serial: take the next
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        raise RuntimeError(f"no free national ID left for {born} {sex}")

    def relative(
        self, *, sex: str, born: date, kazakh: bool, family: str = "", father: Person | None = None
    ) -> Person:
        """Someone who is not a demo citizen (a spouse, child or parent); ``family`` is the male form
        of the family name, ``father`` gives the patronymic."""
        male = sex == "M"
        if kazakh:
            given = self.rng.choice(names.KAZAKH_MALE if male else names.KAZAKH_FEMALE)
        else:
            given = self.rng.choice(names.RUSSIAN_MALE if male else names.RUSSIAN_FEMALE)
        base = family or self.rng.choice(names.KAZAKH_SURNAMES if kazakh else names.RUSSIAN_SURNAMES)
        dad = father.given if father else self.rng.choice(names.KAZAKH_MALE if kazakh else names.RUSSIAN_MALE)
        if dad in names.RUSSIAN_PATRONYMICS:
            patronymic = names.RUSSIAN_PATRONYMICS[dad][0 if male else 1]
        else:
            patronymic = f"{dad}{'ұлы' if male else 'қызы'}"
        return Person(
            self.new_id(born, sex), given, base if male else f"{base}а", patronymic, sex, born, kazakh
        )

    def address(self, home: LocalityDef, *, flat: bool = True) -> dict[str, Any]:
        region = next(i for i, r in enumerate(REGIONS) if r.code == home.region)
        return {
            "region": REGIONS[region].name["ru"],
            "locality": home.name["ru"],
            "street": self.rng.choice(STREETS),
            "house": str(self.rng.randint(1, 150)),
            "flat": str(self.rng.randint(1, 220)) if flat else None,
            "postcode": f"{region + 1:02d}{self.rng.randrange(10_000):04d}",
        }

    @staticmethod
    def one_line(address: dict[str, Any]) -> str:
        flat = f", кв. {address['flat']}" if address["flat"] else ""
        return f"{address['locality']}, {address['street']}, д. {address['house']}{flat}"


def _as_person(c: CitizenPlan) -> Person:
    person = Person(c.national_id, c.given_name, c.family_name, c.patronymic, c.sex, c.date_of_birth, False)
    person.kazakh = person.male_family in _KAZAKH_SURNAMES
    return person


def plan_lives(b: Builder, citizens: tuple[CitizenPlan, ...]) -> list[Life]:
    """Every citizen's home, marital status, spouse and children. About half the married men find
    their wife among the demo's married women of their age; the others married someone who is not
    a demo citizen."""
    weights = [CITY_WEIGHT if loc.code.endswith("-city") else 1 for loc in LOCALITIES]
    lives = [
        Life(_as_person(c), b.rng.choices(LOCALITIES, weights)[0], rich=i < DEMO_CITIZENS)
        for i, c in enumerate(citizens)
    ]
    brides: dict[int, list[Life]] = {}  # birth year → married women not yet paired
    for life in lives:
        age = age_on(life.person.born, b.today)
        ever = 0.3 if age < 25 else 0.6 if age < 30 else 0.85
        if age < 20 or not b.chance(ever, rich=life.rich and age >= 22):
            continue
        roll = b.rng.random()
        widowed = 0.25 if age >= 60 else 0.08 if age >= 50 else 0.02
        if life.rich or roll >= widowed + 0.12:
            life.marital = "married"
        else:
            life.marital = "widowed" if roll < widowed else "divorced"
        if life.marital == "married" and life.person.sex == "F":
            brides.setdefault(life.person.born.year, []).append(life)
    for life in lives:
        p = life.person
        if life.marital != "married" or p.sex != "M" or not b.chance(0.5, rich=life.rich):
            continue
        years = range(p.born.year, p.born.year + 6)
        bride = next((brides[y].pop(0) for y in years if brides.get(y)), None)
        if bride is not None:
            _marry(b, life, bride.person)
            _marry(b, bride, p, wedding=life.wedding)
            _children(b, father=life, mother=bride)
    for life in lives:
        p = life.person
        if life.marital == "single" or life.spouse is not None:
            continue
        born = min(b.day_between(years_after(p.born, -4), years_after(p.born, 4)), years_after(b.today, -19))
        kazakh = p.kazakh if b.chance(0.85) else not p.kazakh
        other = "F" if p.sex == "M" else "M"
        family = p.male_family if other == "F" and b.chance(0.6) else ""
        _marry(b, life, b.relative(sex=other, born=born, kazakh=kazakh, family=family))
        if p.sex == "M":
            _children(b, father=life, mother=None)
        else:
            _children(b, father=None, mother=life)
    for life in lives:  # a few women bring up a child on their own
        age = age_on(life.person.born, b.today)
        if life.marital == "single" and life.person.sex == "F" and 25 <= age <= 45 and b.chance(0.06):
            _children(b, father=None, mother=life, most=1)
    return lives


def _marry(b: Builder, life: Life, spouse: Person, *, wedding: date | None = None) -> None:
    older = max(life.person.born, spouse.born)
    life.spouse = spouse
    life.wedding = wedding or min(
        b.day_between(years_after(older, 21), years_after(older, 30)), b.today - timedelta(days=60)
    )
    if life.marital in ("divorced", "widowed"):
        life.ended = b.day_between(life.wedding + timedelta(days=400), b.today - timedelta(days=30))


def _children(b: Builder, *, father: Life | None, mother: Life | None, most: int = 4) -> None:
    """Children of a marriage (or of a mother alone), one to four years apart, born while the
    mother is under 45 and not after today."""
    parent = father or mother
    assert parent is not None
    mum = mother.person if mother else parent.spouse
    dad = father.person if father else parent.spouse
    assert mum is not None
    count = min(most, b.rng.choices((0, 1, 2, 3, 4), (10, 25, 35, 20, 10))[0])
    if parent.rich:
        count = max(count, 2)
    born = (parent.wedding or years_after(mum.born, 24)) + timedelta(days=b.rng.randint(300, 900))
    last = min(b.today, years_after(mum.born, 44))
    kids: list[Person] = []
    for _n in range(count):
        if born > last:
            break
        family = (dad or mum).male_family
        kids.append(
            b.relative(
                sex=b.rng.choice("FM"), born=born, kazakh=(dad or mum).kazakh, family=family, father=dad
            )
        )
        born += timedelta(days=b.rng.randint(365, 1460))
    for life in (father, mother):
        if life is not None:
            life.children = kids
