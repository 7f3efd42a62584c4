"""Records about what a person owns and owes: real estate, land, companies, vehicles and the
driving licence, and the tax account charged on them."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from onestop.demo.exchange_seed.lives import Builder, Life, age_on, years_after

CURRENCY = "KZT"
BANKS = ("АО «Халык Банк»", "АО «Отбасы банк»", "АО «Банк ЦентрКредит»", "АО «Kaspi Bank»")
FIRM_WORDS = (
    "Алтын Дала", "Нұр Құрылыс", "Сапа Сервис", "Дала Агро", "Жібек Жолы", "Тау Тас", "Арман Трейд",
    "Кокторек Логистик", "Береке", "Шаңырақ", "Меркурий", "Восток Строй", "Айбын", "Ақ Бидай",
)  # fmt: skip
ACTIVITIES = (
    "розничная торговля", "строительство", "грузоперевозки", "общественное питание",
    "IT-услуги", "сельское хозяйство", "ремонт автомобилей", "бытовые услуги",
)  # fmt: skip
FORM_PREFIX = {"LLP": "ТОО", "JSC": "АО", "cooperative": "ПК"}
CARS = (
    ("Toyota", "Camry", "B"), ("Hyundai", "Accent", "B"), ("Lada", "Granta", "B"), ("Kia", "Rio", "B"),
    ("Chevrolet", "Cobalt", "B"), ("Volkswagen", "Polo", "B"), ("Toyota", "Land Cruiser", "B"),
    ("Hyundai", "Tucson", "B"), ("ГАЗ", "Газель", "B"), ("КамАЗ", "65115", "C"),
)  # fmt: skip
COLOURS = ("белый", "чёрный", "серебристый", "серый", "синий", "красный")
PLATE_LETTERS = "ABCEHKMOPTXY"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
AREAS = {"apartment": (32, 120), "house": (70, 260), "garage": (16, 30), "commercial": (40, 400)}
PARCEL_HECTARES = {"individual-housing": (0.06, 0.15), "gardening": (0.04, 0.1), "agriculture": (5, 400)}
# What a year's tax costs per object, in tenge.
TAX_RANGES = {"property": (3_000, 40_000), "land": (1_000, 15_000), "vehicle": (8_000, 60_000)}
TAX_YEARS = 3  # charges of the last three tax years are on the account
DEBTORS = 0.07  # of the taxpayers with charges, those who left one unpaid
LATE_PAYERS = 0.1


def _letters(b: Builder, n: int) -> str:
    return "".join(b.rng.choices(PLATE_LETTERS, k=n))


def _homes(b: Builder, life: Life, taxed: Counter[str]) -> None:
    p, rich = life.person, life.rich
    age = age_on(p.born, b.today)
    if age < 22 or not b.chance(0.3 if age < 30 else 0.65, rich=rich):
        return
    city = life.home.code.endswith("-city")
    kinds = ["apartment" if city or b.chance(0.3) else "house"]
    if b.chance(0.12, rich=rich):
        kinds.append(b.rng.choice(("garage", "commercial")))
    sold = b.chance(0.08)  # an earlier home, sold since: its title has ended
    if sold:
        kinds.append("apartment")
    for n, kind in enumerate(kinds):
        since = b.day_between(years_after(p.born, 20), b.today - timedelta(days=90))
        until = None
        if sold and n == len(kinds) - 1:
            until = b.day_between(since + timedelta(days=200), b.today - timedelta(days=5))
        encumbrances: list[dict[str, Any]] = []
        if (n == 0 and rich) or b.chance(0.2):
            end = years_after(since, b.rng.randint(10, 20))
            encumbrances.append(
                {
                    "kind": "mortgage",
                    "holder": b.rng.choice(BANKS),
                    "registered_on": since.isoformat(),
                    "until": end.isoformat(),
                }
            )
        if b.chance(0.01) and not rich:
            encumbrances.append(
                {
                    "kind": "arrest",
                    "holder": f"Частный судебный исполнитель, {life.home.name['ru']}",
                    "registered_on": b.day_between(since, b.today).isoformat(),
                    "until": None,
                }
            )
        if since.year < 2000 and b.chance(0.5):
            basis = "privatisation"
        elif kind == "house" and b.chance(0.2):
            basis = "construction"
        else:
            basis = b.rng.choice(("purchase", "purchase", "purchase", "inheritance", "gift"))
        title = {
            "cadastral_number": f"{life.region_number:02d}-{b.digits(3)}-{b.digits(3)}-{b.digits(4)}",
            "kind": kind,
            "address": b.one_line(b.address(life.home, flat=kind == "apartment")),
            "area_m2": round(b.rng.uniform(*AREAS[kind]), 1),
            "share": "1/2" if life.marital == "married" and b.chance(0.3) else "1/1",
            "registered_on": since.isoformat(),
            "basis": basis,
            "encumbrances": encumbrances,
        }
        b.add("property-registry", "title", p.national_id, title, since=since, until=until)
        if until is None:
            taxed["property"] += 1


def _land(b: Builder, life: Life, taxed: Counter[str]) -> None:
    p, rich = life.person, life.rich
    city = life.home.code.endswith("-city")
    if age_on(p.born, b.today) < 25 or not b.chance(0.1 if city else 0.25, rich=rich):
        return
    purpose = b.rng.choice(tuple(PARCEL_HECTARES))
    own = b.chance(0.8, rich=rich)
    since = b.day_between(years_after(p.born, 22), b.today - timedelta(days=60))
    parcel = {
        "cadastral_number": f"{life.region_number:02d}-{b.digits(3)}-{b.digits(3)}-{b.digits(3)}",
        "locality": life.home.name["ru"],
        "area_ha": round(b.rng.uniform(*PARCEL_HECTARES[purpose]), 2),
        "purpose": purpose,
        "right": "ownership" if own else "lease",
        "registered_on": since.isoformat(),
        "lease_until": None if own else years_after(since, b.rng.choice((10, 25, 49))).isoformat(),
    }
    b.add("land-cadastre", "parcel", p.national_id, parcel)
    if own:
        taxed["land"] += 1


def _companies(b: Builder, life: Life) -> None:
    p, rich = life.person, life.rich
    if not 25 <= age_on(p.born, b.today) <= 70 or not b.chance(0.08, rich=rich):
        return
    for _n in range(1 if b.chance(0.8) else 2):
        since = b.day_between(years_after(p.born, 23), b.today - timedelta(days=30))
        form = b.rng.choices(("LLP", "IE", "JSC", "cooperative"), (65, 30, 2, 3))[0]
        roles = b.rng.choices((["founder", "director"], ["founder"], ["director"]), (60, 30, 10))[0]
        if rich:
            form, roles = "LLP", ["founder", "director"]
        share: float | None
        if form == "IE":  # an individual entrepreneur is their own business
            name, roles, share = f"ИП «{p.family} {p.given[0]}.»", ["founder"], 100.0
        else:
            name = f"{FORM_PREFIX[form]} «{b.rng.choice(FIRM_WORDS)}»"
            share = b.rng.choice((100.0, 50.0, 50.0, 33.33, 25.0)) if "founder" in roles else None
        company = {
            "registration_number": f"{since:%y%m}{'6' if form == 'IE' else '4'}{b.digits(7)}",
            "name": name,
            "legal_form": form,
            "registered_on": since.isoformat(),
            "status": "active" if b.chance(0.85, rich=rich) else "liquidated",
            "address": b.one_line(b.address(life.home)),
            "activity": b.rng.choice(ACTIVITIES),
            "roles": roles,
            "share_percent": share,
        }
        b.add("business-registry", "company", p.national_id, company)


def _vehicles(b: Builder, life: Life, taxed: Counter[str]) -> None:
    p, rich = life.person, life.rich
    age = age_on(p.born, b.today)
    adult = years_after(p.born, 18)
    drives = age >= 18 and b.chance(0.45 if 25 <= age <= 65 else 0.2, rich=rich)
    if drives:
        for n in range(2 if b.chance(0.12) else 1):
            make, model, category = CARS[0] if rich and n == 0 else b.rng.choice(CARS)
            year = b.rng.randint(max(1995, adult.year), b.today.year)
            since = b.day_between(max(date(year, 1, 1), adult), b.today - timedelta(days=7))
            until = None
            if b.chance(0.1) and not rich and since < b.today - timedelta(days=110):
                until = b.day_between(since + timedelta(days=100), b.today - timedelta(days=2))  # sold
            vehicle = {
                "plate": f"{b.rng.randint(100, 999)}{_letters(b, 3)}{life.region_number:02d}",
                "vin": "".join(b.rng.choices(VIN_CHARS, k=17)),
                "make": make,
                "model": model,
                "year": year,
                "colour": b.rng.choice(COLOURS),
                "category": category,
                "registered_on": since.isoformat(),
                "certificate_number": f"{_letters(b, 2)} {b.digits(8)}",
            }
            b.add("vehicle-registry", "vehicle", p.national_id, vehicle, since=since, until=until)
            if until is None:
                taxed["vehicle"] += 1
    if age < 18 or not (drives or b.chance(0.3 if age <= 75 else 0.05)):
        return
    expired = b.chance(0.1) and not rich  # licences run ten years; some were never renewed
    years_ago = b.rng.uniform(10.2, 14) if expired else b.rng.uniform(0.1, 9.9)
    issued = max(adult, b.today - timedelta(days=int(years_ago * 365.25)))
    licence = {
        "number": f"{_letters(b, 2)}{b.digits(6)}",
        "categories": ["B", "C"] if p.sex == "M" and b.chance(0.15) else ["B"],
        "issued_on": issued.isoformat(),
        "valid_until": years_after(issued, 10).isoformat(),
        "suspended": b.chance(0.015) and not rich,
    }
    b.add("vehicle-registry", "driving-licence", p.national_id, licence)


def _tax_account(b: Builder, life: Life, taxed: Counter[str]) -> None:
    """Every adult has a tax account; a year's property, land and vehicle taxes fall due on
    1 October of the next year. Most pay before; a few pay late; a minority leave one unpaid."""
    p = life.person
    if age_on(p.born, b.today) < 18:
        return
    charges: list[dict[str, Any]] = []
    for year in range(b.today.year - TAX_YEARS, b.today.year):
        due = date(year + 1, 10, 1)
        for tax in ("property", "land", "vehicle"):
            for _n in range(taxed[tax]):
                amount = Decimal(b.rng.randint(*TAX_RANGES[tax]))
                paid: date | None = b.day_between(due - timedelta(days=200), due - timedelta(days=1))
                if paid is not None and paid > b.today:
                    paid = None  # not paid yet, and not due yet either
                charges.append(
                    {
                        "tax": tax,
                        "period": str(year),
                        "amount": f"{amount:.2f}",
                        "due_on": due.isoformat(),
                        "paid_on": paid.isoformat() if paid else None,
                    }
                )
    fallen_due = [c for c in charges if date.fromisoformat(c["due_on"]) < b.today]
    if fallen_due and b.chance(LATE_PAYERS) and not life.rich:
        charge = b.rng.choice(fallen_due)
        late = date.fromisoformat(charge["due_on"]) + timedelta(days=b.rng.randint(10, 200))
        charge["paid_on"] = late.isoformat() if late <= b.today else None
    if fallen_due and b.chance(DEBTORS) and not life.rich:
        b.rng.choice(fallen_due)["paid_on"] = None
    account = {
        "tax_office": f"Управление государственных доходов, {life.home.name['ru']}",
        "registered_on": max(years_after(p.born, 16), date(1996, 1, 1)).isoformat(),
        "currency": CURRENCY,
        "charges": charges,
    }
    b.add("tax-authority", "account", p.national_id, account)


def asset_records(b: Builder, life: Life) -> None:
    taxed: Counter[str] = Counter()
    _homes(b, life, taxed)
    _land(b, life, taxed)
    _companies(b, life)
    _vehicles(b, life, taxed)
    _tax_account(b, life, taxed)
