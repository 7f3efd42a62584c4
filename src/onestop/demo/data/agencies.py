"""Dalaria's public bodies: national ministries and their committees, regional and local akimats.

The regional akimats head their region's city and district akimats; committees sit under their
ministry. The akimats themselves are built from ``places`` so each region has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from onestop.demo.data import tr
from onestop.demo.data.places import LOCALITIES, REGIONS


@dataclass(frozen=True)
class AgencyDef:
    code: str
    name: dict[str, str]
    level: str  # national | regional | local
    parent: str = ""
    region: str = ""
    description: dict[str, str] | None = None
    # Part of the website/email address; empty means the code.
    domain: str = ""


NATIONAL: tuple[AgencyDef, ...] = (
    AgencyDef(
        "min-justice",
        tr("Ministry of Justice", "Министерство юстиции", "Әділет министрлігі", "იუსტიციის სამინისტრო"),
        "national",
        domain="justice",
        description=tr(
            "Keeps the civil, property and business registers and the law database.",
            "Ведёт реестры актов гражданского состояния, недвижимости и юридических лиц.",
            "Азаматтық хал актілерінің, жылжымайтын мүліктің және заңды тұлғалардың тізілімдерін жүргізеді.",
            "აწარმოებს სამოქალაქო აქტების, უძრავი ქონებისა და იურიდიული პირების რეესტრებს.",
        ),
    ),
    AgencyDef(
        "civil-registry",
        tr(
            "Civil Registry Committee",
            "Комитет регистрации актов гражданского состояния",
            "Азаматтық хал актілерін тіркеу комитеті",
            "სამოქალაქო აქტების რეგისტრაციის კომიტეტი",
        ),
        "national",
        parent="min-justice",
        domain="civreg",
        description=tr(
            "Registers births, marriages, divorces, changes of name and deaths.",
            "Регистрирует рождения, браки, расторжения браков, перемену имени и смерти.",
            "Туу, неке, некені бұзу, есімді өзгерту және қайтыс болу фактілерін тіркейді.",
            "არეგისტრირებს დაბადებას, ქორწინებას, განქორწინებას, სახელის შეცვლასა და გარდაცვალებას.",
        ),
    ),
    AgencyDef(
        "property-registry",
        tr(
            "Real Estate Registration Committee",
            "Комитет регистрации прав на недвижимое имущество",
            "Жылжымайтын мүлікке құқықтарды тіркеу комитеті",
            "უძრავ ქონებაზე უფლებების რეგისტრაციის კომიტეტი",
        ),
        "national",
        parent="min-justice",
        domain="property",
    ),
    AgencyDef(
        "business-registry",
        tr(
            "Business Registration Committee",
            "Комитет регистрации юридических лиц",
            "Заңды тұлғаларды тіркеу комитеті",
            "იურიდიული პირების რეგისტრაციის კომიტეტი",
        ),
        "national",
        parent="min-justice",
        domain="business",
    ),
    AgencyDef(
        "min-interior",
        tr(
            "Ministry of Internal Affairs",
            "Министерство внутренних дел",
            "Ішкі істер министрлігі",
            "შინაგან საქმეთა სამინისტრო",
        ),
        "national",
        domain="police",
    ),
    AgencyDef(
        "migration-service",
        tr(
            "Migration Service Committee",
            "Комитет миграционной службы",
            "Көші-қон қызметі комитеті",
            "მიგრაციის სამსახურის კომიტეტი",
        ),
        "national",
        parent="min-interior",
        domain="migration",
        description=tr(
            "Issues identity cards and passports and keeps the register of residents' addresses.",
            "Выдаёт удостоверения личности и паспорта, ведёт регистрацию населения по месту жительства.",
            "Жеке куәліктер мен паспорттар береді, халықты тұрғылықты жері бойынша тіркейді.",
            "გასცემს პირადობის მოწმობებსა და პასპორტებს, აწარმოებს მცხოვრებთა მისამართების რეესტრს.",
        ),
    ),
    AgencyDef(
        "vehicle-registry",
        tr(
            "Vehicle and Driver Registration Committee",
            "Комитет регистрации транспортных средств и водителей",
            "Көлік құралдары мен жүргізушілерді тіркеу комитеті",
            "სატრანსპორტო საშუალებებისა და მძღოლების რეგისტრაციის კომიტეტი",
        ),
        "national",
        parent="min-interior",
        domain="vehicles",
    ),
    AgencyDef(
        "min-finance",
        tr("Ministry of Finance", "Министерство финансов", "Қаржы министрлігі", "ფინანსთა სამინისტრო"),
        "national",
        domain="finance",
    ),
    AgencyDef(
        "state-revenue",
        tr(
            "State Revenue Committee",
            "Комитет государственных доходов",
            "Мемлекеттік кірістер комитеті",
            "სახელმწიფო შემოსავლების კომიტეტი",
        ),
        "national",
        parent="min-finance",
        domain="revenue",
        description=tr(
            "Collects taxes and customs duties and registers taxpayers and individual entrepreneurs.",
            "Собирает налоги и таможенные платежи, регистрирует налогоплательщиков и ИП.",
            "Салықтар мен кедендік төлемдерді жинайды, салық төлеушілер мен ЖК-ны тіркейді.",
            "აგროვებს გადასახადებსა და საბაჟო მოსაკრებლებს, არეგისტრირებს გადამხდელებს და ინდმეწარმეებს.",
        ),
    ),
    AgencyDef(
        "min-labour",
        tr(
            "Ministry of Labour and Social Protection",
            "Министерство труда и социальной защиты населения",
            "Еңбек және халықты әлеуметтік қорғау министрлігі",
            "შრომისა და სოციალური დაცვის სამინისტრო",
        ),
        "national",
        domain="labour",
    ),
    AgencyDef(
        "pension-fund",
        tr(
            "State Pension and Social Insurance Fund",
            "Государственный фонд пенсионного и социального страхования",
            "Мемлекеттік зейнетақы және әлеуметтік сақтандыру қоры",
            "სახელმწიფო საპენსიო და სოციალური დაზღვევის ფონდი",
        ),
        "national",
        parent="min-labour",
        domain="pension",
        description=tr(
            "Awards and pays pensions, benefits and social insurance payments.",
            "Назначает и выплачивает пенсии, пособия и социальные выплаты.",
            "Зейнетақыларды, жәрдемақыларды және әлеуметтік төлемдерді тағайындайды және төлейді.",
            "ნიშნავს და გასცემს პენსიებს, შემწეობებსა და სოციალურ გასაცემლებს.",
        ),
    ),
    AgencyDef(
        "medical-social-expertise",
        tr(
            "Medical and Social Expertise Committee",
            "Комитет медико-социальной экспертизы",
            "Медициналық-әлеуметтік сараптама комитеті",
            "სამედიცინო-სოციალური ექსპერტიზის კომიტეტი",
        ),
        "national",
        parent="min-labour",
        domain="mse",
    ),
    AgencyDef(
        "min-health",
        tr(
            "Ministry of Health",
            "Министерство здравоохранения",
            "Денсаулық сақтау министрлігі",
            "ჯანდაცვის სამინისტრო",
        ),
        "national",
        domain="health",
    ),
    AgencyDef(
        "health-insurance-fund",
        tr(
            "Social Health Insurance Fund",
            "Фонд социального медицинского страхования",
            "Әлеуметтік медициналық сақтандыру қоры",
            "სოციალური სამედიცინო დაზღვევის ფონდი",
        ),
        "national",
        parent="min-health",
        domain="fms",
    ),
    AgencyDef(
        "min-education",
        tr(
            "Ministry of Education and Science",
            "Министерство образования и науки",
            "Білім және ғылым министрлігі",
            "განათლებისა და მეცნიერების სამინისტრო",
        ),
        "national",
        domain="edu",
    ),
    AgencyDef(
        "min-industry",
        tr(
            "Ministry of Industry and Construction",
            "Министерство промышленности и строительства",
            "Өнеркәсіп және құрылыс министрлігі",
            "მრეწველობისა და მშენებლობის სამინისტრო",
        ),
        "national",
        domain="industry",
    ),
    AgencyDef(
        "construction-committee",
        tr(
            "Construction and Housing Committee",
            "Комитет по делам строительства и жилищно-коммунального хозяйства",
            "Құрылыс және тұрғын үй-коммуналдық шаруашылық істері комитеті",
            "მშენებლობისა და საბინაო-კომუნალური მეურნეობის კომიტეტი",
        ),
        "national",
        parent="min-industry",
        domain="construction",
    ),
    AgencyDef(
        "min-agriculture",
        tr(
            "Ministry of Agriculture",
            "Министерство сельского хозяйства",
            "Ауыл шаруашылығы министрлігі",
            "სოფლის მეურნეობის სამინისტრო",
        ),
        "national",
        domain="agri",
    ),
    AgencyDef(
        "land-committee",
        tr(
            "Land Resources Committee",
            "Комитет по управлению земельными ресурсами",
            "Жер ресурстарын басқару комитеті",
            "მიწის რესურსების მართვის კომიტეტი",
        ),
        "national",
        parent="min-agriculture",
        domain="land",
    ),
    AgencyDef(
        "prosecutor-general",
        tr(
            "Prosecutor General's Office",
            "Генеральная прокуратура",
            "Бас прокуратура",
            "გენერალური პროკურატურა",
        ),
        "national",
        domain="prokuror",
    ),
    AgencyDef(
        "legal-statistics",
        tr(
            "Committee for Legal Statistics and Special Records",
            "Комитет по правовой статистике и специальным учётам",
            "Құқықтық статистика және арнайы есепке алу комитеті",
            "სამართლებრივი სტატისტიკისა და სპეციალური აღრიცხვის კომიტეტი",
        ),
        "national",
        parent="prosecutor-general",
        domain="pravstat",
    ),
    AgencyDef(
        "min-culture",
        tr(
            "Ministry of Culture and Information",
            "Министерство культуры и информации",
            "Мәдениет және ақпарат министрлігі",
            "კულტურისა და ინფორმაციის სამინისტრო",
        ),
        "national",
        domain="culture",
    ),
    AgencyDef(
        "archives-committee",
        tr(
            "State Archives Committee",
            "Комитет государственных архивов",
            "Мемлекеттік мұрағаттар комитеті",
            "სახელმწიფო არქივების კომიტეტი",
        ),
        "national",
        parent="min-culture",
        domain="archives",
    ),
    AgencyDef(
        "min-digital",
        tr(
            "Ministry of Digital Development",
            "Министерство цифрового развития",
            "Цифрлық даму министрлігі",
            "ციფრული განვითარების სამინისტრო",
        ),
        "national",
        domain="digital",
    ),
    AgencyDef(
        "citizens-corporation",
        tr(
            "State Corporation “Services for Citizens”",
            "Государственная корпорация «Услуги для граждан»",
            "«Азаматтарға арналған қызметтер» мемлекеттік корпорациясы",
            "სახელმწიფო კორპორაცია „მომსახურება მოქალაქეებს“",
        ),
        "national",
        parent="min-digital",
        domain="gov4c",
        description=tr(
            "Runs the public service centres and the national certification authority.",
            "Управляет центрами обслуживания населения и национальным удостоверяющим центром.",
            "Халыққа қызмет көрсету орталықтарын және ұлттық куәландырушы орталықты басқарады.",
            "მართავს მომსახურების ცენტრებსა და ეროვნულ სასერტიფიკაციო ცენტრს.",
        ),
    ),
)


def regional_agency_code(region: str) -> str:
    return f"akimat-{region}"


def local_agency_code(locality: str) -> str:
    return f"akimat-{locality}"


REGIONAL: tuple[AgencyDef, ...] = tuple(
    AgencyDef(regional_agency_code(r.code), r.akimat, "regional", region=r.code, domain=r.code)
    for r in REGIONS
)

LOCAL: tuple[AgencyDef, ...] = tuple(
    AgencyDef(
        local_agency_code(loc.code),
        loc.akimat,
        "local",
        parent=regional_agency_code(loc.region),
        region=loc.region,
        domain=loc.code,
    )
    for loc in LOCALITIES
)

# Parents before children, so the generator can create them in this order.
AGENCIES: tuple[AgencyDef, ...] = NATIONAL + REGIONAL + LOCAL
