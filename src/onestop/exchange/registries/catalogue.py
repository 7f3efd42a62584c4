"""Every built-in registry module, imported so their handlers register, and the list of built-in
data services as data (:data:`BUILTIN_SERVICES`), from which ``directory_bootstrap`` and the admin
publish them in the directory.

The list is country-neutral: member and service codes are the built-in ones, and ``agency_hint``
only suggests which kind of agency keeps a registry. A deployment says which of its agencies keeps
which registry subsystem when it bootstraps the directory (the demo's mapping is in
``onestop.demo.exchange_seed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onestop.exchange.identifiers import ServiceId, SubsystemId
from onestop.exchange.registries import (
    address,
    business,
    civil,
    education,
    health,
    land,
    real_estate,
    social,
    special_records,
    tax,
    vehicles,
)
from onestop.exchange.registries import schema as s

MEMBER_CLASS = "GOV"


@dataclass(frozen=True)
class BuiltinRegistry:
    """A registry subsystem this deployment can host: ``{INSTANCE}/GOV/{member_code}/{subsystem}``."""

    member_code: str
    subsystem: str
    agency_hint: str  # the code an agency keeping it typically has; the deployment maps it
    name: str

    def subsystem_id(self, instance: str) -> SubsystemId:
        return SubsystemId(instance, MEMBER_CLASS, self.member_code, self.subsystem)


CIVIL = BuiltinRegistry("CIVREG", "civil-registry", "civil-registry", "Civil registry")
ADDRESS = BuiltinRegistry("ADDR", "address-registry", "address-registry", "Address registry")
PROPERTY = BuiltinRegistry("PROP", "property-registry", "property-registry", "Real estate register")
LAND = BuiltinRegistry("LAND", "land-cadastre", "land-cadastre", "Land cadastre")
BUSINESS = BuiltinRegistry("BIZ", "business-registry", "business-registry", "Business register")
VEHICLES = BuiltinRegistry("VEH", "vehicle-registry", "vehicle-registry", "Vehicle and driver register")
TAX = BuiltinRegistry("TAX", "tax-authority", "tax-authority", "Tax authority")
SOCIAL = BuiltinRegistry("SOC", "social-insurance", "social-insurance", "Social insurance")
SPECIAL = BuiltinRegistry("LEGSTAT", "special-records", "special-records", "Special records")
EDUCATION = BuiltinRegistry("EDU", "education-registry", "education-registry", "Education register")
HEALTH = BuiltinRegistry("HEALTH", "health-registry", "health-registry", "Health register")

BUILTIN_REGISTRIES: tuple[BuiltinRegistry, ...] = (
    CIVIL,
    ADDRESS,
    PROPERTY,
    LAND,
    BUSINESS,
    VEHICLES,
    TAX,
    SOCIAL,
    SPECIAL,
    EDUCATION,
    HEALTH,
)


@dataclass(frozen=True)
class BuiltinService:
    """One built-in data service: who offers it, the handler that answers it, its names and what
    it answers (the OpenAPI description the directory publishes)."""

    registry: BuiltinRegistry
    service_code: str
    handler: str
    name: dict[str, str]  # en, ru, kk, ka
    description: str
    answer: dict[str, s.Schema]  # properties of a 200 answer besides "found"
    parameters: tuple[s.Schema, ...] = field(default=())
    version: str = "1"

    @property
    def member_code(self) -> str:
        return self.registry.member_code

    @property
    def subsystem(self) -> str:
        return self.registry.subsystem

    @property
    def agency_hint(self) -> str:
        return self.registry.agency_hint

    def service_id(self, instance: str) -> ServiceId:
        return ServiceId(self.registry.subsystem_id(instance), self.service_code)

    @property
    def openapi(self) -> dict[str, Any]:
        return s.document(
            title=self.name["en"],
            service_code=self.service_code,
            version=self.version,
            description=self.description,
            answer=self.answer,
            parameters=self.parameters,
        )


def _names(en: str, ru: str, kk: str, ka: str) -> dict[str, str]:
    return {"en": en, "ru": ru, "kk": kk, "ka": ka}


B = BuiltinService
BUILTIN_SERVICES: tuple[BuiltinService, ...] = (
    B(
        CIVIL,
        "person-v1",
        "civil-registry.person",
        _names("Personal data", "Персональные данные", "Дербес деректер", "პერსონალური მონაცემები"),
        "The person's entry in the population register: names, sex, birth, citizenship, marital status.",
        civil.PERSON_ANSWER,
    ),
    B(
        CIVIL,
        "birth-record-v1",
        "civil-registry.birth",
        _names(
            "Birth records",
            "Актовые записи о рождении",
            "Туу туралы акт жазбалары",
            "დაბადების აქტის ჩანაწერები",
        ),
        "Birth records of the person and of their children, with the parents named.",
        civil.BIRTH_ANSWER,
        civil.BIRTH_PARAMS,
    ),
    B(
        CIVIL,
        "marriage-record-v1",
        "civil-registry.marriage",
        _names(
            "Marriage records",
            "Актовые записи о заключении брака",
            "Неке қию туралы акт жазбалары",
            "ქორწინების აქტის ჩანაწერები",
        ),
        "Marriages of the person, dissolved ones included, and whether one is in force.",
        civil.MARRIAGE_ANSWER,
    ),
    B(
        CIVIL,
        "death-record-v1",
        "civil-registry.death",
        _names(
            "Death records",
            "Актовые записи о смерти",
            "Қайтыс болу туралы акт жазбалары",
            "გარდაცვალების აქტის ჩანაწერები",
        ),
        "Death records of the person's spouse, parents or children (or of the person).",
        civil.DEATH_ANSWER,
        civil.DEATH_PARAMS,
    ),
    B(
        ADDRESS,
        "registered-address-v1",
        "address-registry.registered-address",
        _names(
            "Registered address",
            "Регистрация по месту жительства",
            "Тұрғылықты жері бойынша тіркеу",
            "რეგისტრირებული მისამართი",
        ),
        "The address the person is registered at today and their earlier registrations.",
        address.ADDRESS_ANSWER,
    ),
    B(
        PROPERTY,
        "titles-v1",
        "property-registry.titles",
        _names(
            "Real estate titles",
            "Права на недвижимость",
            "Жылжымайтын мүлікке құқықтар",
            "უძრავ ქონებაზე უფლებები",
        ),
        "Real estate the person holds today, with their share and how they acquired it.",
        real_estate.TITLES_ANSWER,
    ),
    B(
        PROPERTY,
        "encumbrances-v1",
        "property-registry.encumbrances",
        _names(
            "Encumbrances on real estate",
            "Обременения недвижимости",
            "Жылжымайтын мүліктің ауыртпалықтары",
            "უძრავი ქონების ვალდებულებები",
        ),
        "Mortgages, arrests and registered leases in force on the person's real estate.",
        real_estate.ENCUMBRANCES_ANSWER,
    ),
    B(
        LAND,
        "parcel-v1",
        "land-cadastre.parcels",
        _names("Land parcels", "Земельные участки", "Жер учаскелері", "მიწის ნაკვეთები"),
        "Land parcels the person owns or leases, with their area and intended use.",
        land.PARCELS_ANSWER,
    ),
    B(
        BUSINESS,
        "company-v1",
        "business-registry.companies",
        _names(
            "Companies founded or directed",
            "Учреждённые и возглавляемые компании",
            "Құрылтайшысы немесе басшысы болып табылатын компаниялар",
            "დაფუძნებული და სამართავი კომპანიები",
        ),
        "Companies in which the person is a founder or the director.",
        business.COMPANIES_ANSWER,
        business.COMPANIES_PARAMS,
    ),
    B(
        VEHICLES,
        "vehicle-v1",
        "vehicle-registry.vehicles",
        _names(
            "Registered vehicles",
            "Зарегистрированные транспортные средства",
            "Тіркелген көлік құралдары",
            "რეგისტრირებული სატრანსპორტო საშუალებები",
        ),
        "Vehicles registered to the person today.",
        vehicles.VEHICLES_ANSWER,
    ),
    B(
        VEHICLES,
        "driving-licence-v1",
        "vehicle-registry.driving-licence",
        _names("Driving licence", "Водительское удостоверение", "Жүргізуші куәлігі", "მართვის მოწმობა"),
        "The person's driving licence: categories, validity and whether it is suspended.",
        vehicles.LICENCE_ANSWER,
    ),
    B(
        TAX,
        "no-debt-v1",
        "tax-authority.no-debt",
        _names(
            "Tax debt status",
            "Сведения о налоговой задолженности",
            "Салық берешегі туралы мәліметтер",
            "საგადასახადო დავალიანების სტატუსი",
        ),
        "Whether the person owed overdue tax on a given day, with the overdue charges.",
        tax.NO_DEBT_ANSWER,
        tax.NO_DEBT_PARAMS,
    ),
    B(
        SOCIAL,
        "contributions-v1",
        "social-insurance.contributions",
        _names(
            "Income and social contributions",
            "Доходы и социальные отчисления",
            "Табыс және әлеуметтік аударымдар",
            "შემოსავლები და სოციალური შენატანები",
        ),
        "Monthly income and the social contributions paid on it, by employer.",
        social.CONTRIBUTIONS_ANSWER,
        social.CONTRIBUTIONS_PARAMS,
    ),
    B(
        SOCIAL,
        "pension-status-v1",
        "social-insurance.pension-status",
        _names("Pension status", "Пенсионный статус", "Зейнетақы мәртебесі", "საპენსიო სტატუსი"),
        "The pension the person receives: kind, since when and how much.",
        social.PENSION_ANSWER,
    ),
    B(
        SOCIAL,
        "disability-status-v1",
        "social-insurance.disability-status",
        _names(
            "Disability status",
            "Сведения об инвалидности",
            "Мүгедектік туралы мәліметтер",
            "შეზღუდული შესაძლებლობის სტატუსი",
        ),
        "The disability group established for the person and until when.",
        social.DISABILITY_ANSWER,
    ),
    B(
        SOCIAL,
        "family-v1",
        "social-insurance.family",
        _names("Household composition", "Состав семьи", "Отбасы құрамы", "ოჯახის შემადგენლობა"),
        "The household members the person's benefits are computed for.",
        social.FAMILY_ANSWER,
    ),
    B(
        SPECIAL,
        "criminal-record-v1",
        "special-records.criminal-record",
        _names(
            "Criminal record check",
            "Сведения о судимости",
            "Сотталғандығы туралы мәліметтер",
            "ნასამართლობის შემოწმება",
        ),
        "Whether a conviction stands against the person; a clean record says so.",
        special_records.CRIMINAL_RECORD_ANSWER,
    ),
    B(
        EDUCATION,
        "diploma-v1",
        "education-registry.diplomas",
        _names("Diplomas", "Дипломы об образовании", "Білім туралы дипломдар", "განათლების დიპლომები"),
        "Diplomas and certificates of the education the person completed.",
        education.DIPLOMAS_ANSWER,
    ),
    B(
        HEALTH,
        "attachment-v1",
        "health-registry.attachment",
        _names(
            "Clinic attachment",
            "Прикрепление к поликлинике",
            "Емханаға тіркелу",
            "პოლიკლინიკაზე მიმაგრება",
        ),
        "The primary-care clinic the person is attached to.",
        health.ATTACHMENT_ANSWER,
    ),
    B(
        HEALTH,
        "birth-notice-v1",
        "health-registry.birth-notice",
        _names(
            "Medical birth notices",
            "Медицинские свидетельства о рождении",
            "Туу туралы медициналық куәліктер",
            "დაბადების სამედიცინო ცნობები",
        ),
        "The maternity hospital's notices of the births the person gave.",
        health.BIRTH_NOTICE_ANSWER,
    ),
    B(
        HEALTH,
        "death-notice-v1",
        "health-registry.death-notice",
        _names(
            "Medical certificates of death",
            "Медицинские свидетельства о смерти",
            "Қайтыс болу туралы медициналық куәліктер",
            "გარდაცვალების სამედიცინო ცნობები",
        ),
        "Medical certificates of death of the person's close relatives.",
        health.DEATH_NOTICE_ANSWER,
    ),
)
