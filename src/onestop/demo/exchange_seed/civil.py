"""Records about the person and their family: the civil registry (person, births, marriages,
deaths), the address registry and the health registry (clinic, birth and death notices)."""

from __future__ import annotations

from datetime import date, timedelta

from onestop.demo.data.places import LOCALITIES, LocalityDef
from onestop.demo.exchange_seed.lives import Builder, Life, Person, age_on, years_after
from onestop.demo.generator import COUNTRY

RECENT_BIRTH_DAYS = 365  # the maternity notice is kept for the registration and the benefits
RECENT_DEATH_DAYS = 180  # the medical certificate is kept for the registration and the estate


def _office(place: LocalityDef) -> str:
    return f"Отдел ЗАГС, {place.name['ru']}"


def _birth(
    b: Builder,
    subject: str,
    relation: str,
    child: Person,
    mum: Person | None,
    dad: Person | None,
    where: LocalityDef,
) -> None:
    b.add(
        "civil-registry",
        "birth",
        subject,
        {
            "relation": relation,
            "record_number": f"{child.born.year}-{b.digits(6)}",
            "registered_on": (child.born + timedelta(days=b.rng.randint(2, 25))).isoformat(),
            "registry_office": _office(where),
            "child": {**child.ref(), "sex": child.sex, "place_of_birth": where.name["ru"]},
            "mother": mum.ref() if mum else None,
            "father": dad.ref() if dad else None,
        },
    )


def civil_records(b: Builder, life: Life) -> None:
    p, home = life.person, life.home
    place = home if b.chance(0.75) else b.rng.choice(LOCALITIES)
    b.add(
        "civil-registry",
        "person",
        p.national_id,
        {
            "national_id": p.national_id,
            "given_name": p.given,
            "family_name": p.family,
            "patronymic": p.patronymic,
            "sex": p.sex,
            "date_of_birth": p.born.isoformat(),
            "place_of_birth": place.name["ru"],
            "citizenship": COUNTRY,
            "marital_status": life.marital,
            "status": "living",
            "date_of_death": None,
        },
    )
    father_born = b.day_between(years_after(p.born, -38), years_after(p.born, -22))
    father = b.relative(sex="M", born=father_born, kazakh=p.kazakh, family=p.male_family)
    father.given = p.father_name or father.given
    mother_born = b.day_between(years_after(p.born, -34), years_after(p.born, -19))
    mother = b.relative(
        sex="F", born=mother_born, kazakh=p.kazakh, family=p.male_family if b.chance(0.7) else ""
    )
    _birth(b, p.national_id, "self", p, mother, father, place)
    for child in life.children:
        mum, dad = (p, life.spouse) if p.sex == "F" else (life.spouse, p)
        _birth(b, p.national_id, "child", child, mum, dad, home)
    if life.spouse is not None and life.wedding is not None:
        b.add(
            "civil-registry",
            "marriage",
            p.national_id,
            {
                "record_number": f"{life.wedding.year}-{b.digits(6)}",
                "registered_on": life.wedding.isoformat(),
                "registry_office": _office(home),
                "spouse": life.spouse.ref(),
                "status": "registered" if life.marital == "married" else "dissolved",
                "dissolved_on": life.ended.isoformat() if life.ended else None,
            },
        )
    deaths: list[tuple[str, Person, date]] = []
    if life.marital == "widowed" and life.spouse is not None and life.ended is not None:
        deaths.append(("spouse", life.spouse, life.ended))
    age = age_on(p.born, b.today)
    for parent, share in ((father, (age - 30) / 40), (mother, (age - 35) / 40)):
        # Parents die from their fifties on; the older the citizen, the likelier they have lost one.
        first = max(years_after(parent.born, 50), years_after(p.born, 10))
        if first < b.today and b.chance(min(max(share, 0.0), 0.97)):
            deaths.append(("parent", parent, b.day_between(first, b.today - timedelta(days=3))))
    for relation, dead, died in deaths:
        where = b.rng.choice(LOCALITIES).name["ru"]
        deceased = {**dead.ref(), "date_of_death": died.isoformat(), "place_of_death": where}
        b.add(
            "civil-registry",
            "death",
            p.national_id,
            {
                "relation": relation,
                "record_number": f"{died.year}-{b.digits(6)}",
                "registered_on": (died + timedelta(days=b.rng.randint(1, 3))).isoformat(),
                "registry_office": _office(home),
                "deceased": deceased,
            },
        )
        if (b.today - died).days <= RECENT_DEATH_DAYS:
            notice = {
                "notice_number": f"СМ-{b.digits(7)}",
                "issued_on": died.isoformat(),
                "issued_by": f"Городская больница, {where}",
                "relation": relation,
                "deceased": deceased,
            }
            b.add("health-registry", "death-notice", p.national_id, notice)


def home_and_health_records(b: Builder, life: Life) -> None:
    p, home = life.person, life.home
    since = max(p.born, b.day_between(years_after(b.today, -25), b.today - timedelta(days=30)))
    if since > years_after(p.born, 16) and b.chance(0.35):
        moved_in = b.day_between(max(p.born, years_after(since, -12)), since - timedelta(days=2))
        before = {"kind": "permanent", **b.address(b.rng.choice(LOCALITIES), flat=b.chance(0.7))}
        b.add(
            "address-registry",
            "address",
            p.national_id,
            before,
            since=moved_in,
            until=since - timedelta(days=1),
        )
    now = {"kind": "permanent", **b.address(home, flat=b.chance(0.7))}
    b.add("address-registry", "address", p.national_id, now, since=since)
    number = b.rng.randint(1, 24)
    city = home.code.endswith("-city")
    b.add(
        "health-registry",
        "attachment",
        p.national_id,
        {
            "clinic": f"Городская поликлиника №{number}"
            if city
            else f"Районная поликлиника, {home.name['ru']}",
            "clinic_code": f"{life.region_number:02d}{number:03d}",
            "address": b.one_line(b.address(home, flat=False)),
            "area": str(b.rng.randint(1, 40)),
        },
        since=max(p.born, b.day_between(years_after(b.today, -10), b.today - timedelta(days=10))),
    )
    if p.sex != "F":
        return
    for child in life.children:
        if (b.today - child.born).days <= RECENT_BIRTH_DAYS:
            notice = {
                "notice_number": f"МСР-{b.digits(7)}",
                "issued_on": child.born.isoformat(),
                "facility": f"Перинатальный центр, {home.name['ru']}",
                "child": {
                    "sex": child.sex,
                    "date_of_birth": child.born.isoformat(),
                    "weight_g": b.rng.randint(2600, 4300),
                    "length_cm": b.rng.randint(46, 56),
                },
            }
            b.add("health-registry", "birth-notice", p.national_id, notice)
