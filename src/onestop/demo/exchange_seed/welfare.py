"""Records about work, welfare and schooling: social insurance (contributions, pensions,
disability, the household), criminal records and diplomas."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from onestop.demo.exchange_seed.assets import CURRENCY
from onestop.demo.exchange_seed.lives import Builder, Life, age_on, years_after

EMPLOYERS = (
    "АО «Далария Темір Жолы»", "ГКП «Городская больница»", "КГУ «Средняя школа»", "АО «Казпочта»",
    "ТОО «Кокторек Сервис»", "ТОО «Алтынколь Агро»", "АО «Дала Энерго»", "ГУ «Аппарат акима»",
)  # fmt: skip
SPECIALITIES = ("юриспруденция", "экономика", "педагогика", "информатика", "медицина", "строительство")
SENTENCES = ("штраф", "исправительные работы", "ограничение свободы на 2 года", "лишение свободы на 3 года")
PENSION_AGE = {"M": 63, "F": 61}
CONTRIBUTION_RATE = Decimal("0.10")  # of the income, to the pension fund
MONTHS = 12  # the contributions of the last twelve full months are kept on line


def _months_before(day: date, count: int) -> list[str]:
    year, month = day.year, day.month
    months = []
    for _n in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(f"{year:04d}-{month:02d}")
    return sorted(months)


def _social(b: Builder, life: Life) -> None:
    p, rich = life.person, life.rich
    age = age_on(p.born, b.today)
    retired = age >= PENSION_AGE[p.sex]
    disability: dict[str, Any] | None = None
    if b.chance(0.04) and not rich:
        group = b.rng.choices(("I", "II", "III"), (15, 45, 40))[0]
        established = b.day_between(max(p.born, years_after(b.today, -15)), b.today - timedelta(days=30))
        review = None if b.chance(0.4) else years_after(established, b.rng.randint(1, 2))
        while review is not None and review < b.today and b.chance(0.85):
            review = years_after(review, 1)  # re-examined on time; the rest are overdue
        cause = b.rng.choices(
            ("general-illness", "since-childhood", "work-injury", "occupational-disease"), (70, 10, 12, 8)
        )[0]
        disability = {
            "group": group,
            "cause": cause,
            "established_on": established.isoformat(),
            "review_on": review.isoformat() if review else None,
        }
        b.add("social-insurance", "disability", p.national_id, disability)
    if age >= 18 and not retired and b.chance(0.72, rich=rich):
        employer = b.rng.choice(EMPLOYERS)
        employer_number = f"{b.rng.randint(90, 99)}{b.rng.randint(1, 12):02d}4{b.digits(7)}"
        base = b.rng.randint(120, 800) * 1000
        months = []
        for period in _months_before(b.today, MONTHS):
            if b.chance(0.07) and not rich:
                continue  # a month without pay (unpaid leave, between jobs)
            income = Decimal(round(base * b.rng.uniform(0.95, 1.1), -2))
            months.append(
                {
                    "period": period,
                    "employer": employer,
                    "employer_number": employer_number,
                    "income": f"{income:.2f}",
                    "amount": f"{income * CONTRIBUTION_RATE:.2f}",
                }
            )
        b.add("social-insurance", "contributions", p.national_id, {"currency": CURRENCY, "months": months})
    pension_kind, awarded = "", b.today
    if retired:
        pension_kind, awarded = "age", years_after(p.born, PENSION_AGE[p.sex])
    elif disability and disability["group"] in ("I", "II") and b.chance(0.5):
        pension_kind, awarded = "disability", date.fromisoformat(disability["established_on"])
    if pension_kind:
        pension = {
            "kind": pension_kind,
            "awarded_on": awarded.isoformat(),
            "monthly_amount": f"{Decimal(b.rng.randint(90, 250) * 1000):.2f}",
            "currency": CURRENCY,
        }
        b.add("social-insurance", "pension", p.national_id, pension)
    members = []
    if life.marital == "married" and life.spouse is not None:
        members.append({"relation": "spouse", **life.spouse.ref()})
    # Children under 18 live with their parents, and about half of those still studying.
    members.extend(
        {"relation": "child", **child.ref()}
        for child in life.children
        if age_on(child.born, b.today) < 18 or (age_on(child.born, b.today) < 23 and b.chance(0.5))
    )
    b.add("social-insurance", "family", p.national_id, {"members": members})


def _criminal_record(b: Builder, life: Life) -> None:
    p = life.person
    convictions = []
    share = 0.025 if p.sex == "M" else 0.005
    if age_on(p.born, b.today) >= 18 and b.chance(share) and not life.rich:
        sentenced = b.day_between(years_after(p.born, 18), b.today - timedelta(days=60))
        convictions.append(
            {
                "article": f"ст. {b.rng.randint(120, 300)} УК",
                "court": f"Районный суд, {life.home.name['ru']}",
                "sentenced_on": sentenced.isoformat(),
                "sentence": b.rng.choice(SENTENCES),
                # A conviction is expunged some years after the sentence has been served.
                "expunged": (b.today - sentenced).days > 8 * 365 and b.chance(0.7),
            }
        )
    b.add("special-records", "record", p.national_id, {"convictions": convictions})


def _diplomas(b: Builder, life: Life) -> None:
    p, rich = life.person, life.rich
    age = age_on(p.born, b.today)
    if age < 17:
        return
    place = life.home.name["ru"]

    def diploma(level: str, institution: str, at_age: int, speciality: str | None) -> None:
        graduated = date(p.born.year + at_age, 6, b.rng.randint(15, 30))
        if graduated > b.today:
            return
        record = {
            "level": level,
            "institution": institution,
            "speciality": speciality,
            "document_number": f"{level[:2].upper()}-{b.digits(8)}",
            "graduated_on": graduated.isoformat(),
            "honours": b.chance(0.08),
        }
        b.add("education-registry", "diploma", p.national_id, record)

    diploma("secondary", f"Средняя школа №{b.rng.randint(1, 60)}, {place}", 17, None)
    if b.chance(0.3) and not rich:
        diploma("vocational", f"Колледж, {place}", 20, b.rng.choice(SPECIALITIES))
    elif age >= 22 and b.chance(0.45, rich=rich):
        speciality = b.rng.choice(SPECIALITIES)
        diploma("bachelor", "Даларийский государственный университет", 21, speciality)
        if age >= 24 and b.chance(0.2, rich=rich):
            diploma("master", "Даларийский государственный университет", 23, speciality)


def welfare_records(b: Builder, life: Life) -> None:
    _social(b, life)
    _criminal_record(b, life)
    _diplomas(b, life)
