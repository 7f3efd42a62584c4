"""The Republic of Dalaria: its regions and the cities and districts that have their own akimat.

Dalaria is fictional. It follows Kazakhstan's rules (IIN national IDs, holidays, tenge) so that the
platform's Kazakh deployment can be shown without using any real person's or office's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from onestop.demo.data import tr

COUNTRY_NAME = tr(
    "Republic of Dalaria",
    "Республика Далария",
    "Далария Республикасы",
    "დალარიის რესპუბლიკა",
)


@dataclass(frozen=True)
class RegionDef:
    code: str
    name: dict[str, str]
    # The name of the regional akimat in each language (grammar differs too much for a template).
    akimat: dict[str, str]


@dataclass(frozen=True)
class LocalityDef:
    """A city or district with its own local akimat."""

    code: str
    region: str
    name: dict[str, str]
    akimat: dict[str, str]


REGIONS: tuple[RegionDef, ...] = (
    RegionDef(
        "kokterek",
        tr("Kokterek City", "город Коктерек", "Көктерек қаласы", "ქალაქი კოკტერეკი"),
        tr(
            "Akimat of Kokterek City",
            "Акимат города Коктерек",
            "Көктерек қаласының әкімдігі",
            "ქალაქ კოკტერეკის აკიმატი",
        ),
    ),
    RegionDef(
        "altynkol",
        tr("Altynkol Region", "Алтынкольская область", "Алтынкөл облысы", "ალტინკოლის ოლქი"),
        tr(
            "Akimat of Altynkol Region",
            "Акимат Алтынкольской области",
            "Алтынкөл облысының әкімдігі",
            "ალტინკოლის ოლქის აკიმატი",
        ),
    ),
    RegionDef(
        "zhelsai",
        tr("Zhelsai Region", "Желсайская область", "Желсай облысы", "ჟელსაის ოლქი"),
        tr(
            "Akimat of Zhelsai Region",
            "Акимат Желсайской области",
            "Желсай облысының әкімдігі",
            "ჟელსაის ოლქის აკიმატი",
        ),
    ),
    RegionDef(
        "tasbulak",
        tr("Tasbulak Region", "Тасбулакская область", "Тасбұлақ облысы", "ტასბულაკის ოლქი"),
        tr(
            "Akimat of Tasbulak Region",
            "Акимат Тасбулакской области",
            "Тасбұлақ облысының әкімдігі",
            "ტასბულაკის ოლქის აკიმატი",
        ),
    ),
    RegionDef(
        "kumdala",
        tr("Kumdala Region", "Кумдалинская область", "Құмдала облысы", "ყუმდალის ოლქი"),
        tr(
            "Akimat of Kumdala Region",
            "Акимат Кумдалинской области",
            "Құмдала облысының әкімдігі",
            "ყუმდალის ოლქის აკიმატი",
        ),
    ),
    RegionDef(
        "orkentau",
        tr("Orkentau Region", "Оркентауская область", "Өркентау облысы", "ორკენტაუს ოლქი"),
        tr(
            "Akimat of Orkentau Region",
            "Акимат Оркентауской области",
            "Өркентау облысының әкімдігі",
            "ორკენტაუს ოლქის აკიმატი",
        ),
    ),
)

LOCALITIES: tuple[LocalityDef, ...] = (
    LocalityDef(
        "baiterek",
        "kokterek",
        tr("Baiterek District", "Байтерекский район", "Бәйтерек ауданы", "ბაითერეკის რაიონი"),
        tr(
            "Akimat of Baiterek District",
            "Акимат Байтерекского района",
            "Бәйтерек ауданының әкімдігі",
            "ბაითერეკის რაიონის აკიმატი",
        ),
    ),
    LocalityDef(
        "koktal",
        "kokterek",
        tr("Koktal District", "Коктальский район", "Көктал ауданы", "კოკტალის რაიონი"),
        tr(
            "Akimat of Koktal District",
            "Акимат Коктальского района",
            "Көктал ауданының әкімдігі",
            "კოკტალის რაიონის აკიმატი",
        ),
    ),
    LocalityDef(
        "altynkol-city",
        "altynkol",
        tr("Altynkol City", "город Алтынколь", "Алтынкөл қаласы", "ქალაქი ალტინკოლი"),
        tr(
            "Akimat of Altynkol City",
            "Акимат города Алтынколь",
            "Алтынкөл қаласының әкімдігі",
            "ქალაქ ალტინკოლის აკიმატი",
        ),
    ),
    LocalityDef(
        "sarybulak",
        "altynkol",
        tr("Sarybulak District", "Сарыбулакский район", "Сарыбұлақ ауданы", "სარიბულაკის რაიონი"),
        tr(
            "Akimat of Sarybulak District",
            "Акимат Сарыбулакского района",
            "Сарыбұлақ ауданының әкімдігі",
            "სარიბულაკის რაიონის აკიმატი",
        ),
    ),
    LocalityDef(
        "zhelsai-city",
        "zhelsai",
        tr("Zhelsai City", "город Желсай", "Желсай қаласы", "ქალაქი ჟელსაი"),
        tr(
            "Akimat of Zhelsai City",
            "Акимат города Желсай",
            "Желсай қаласының әкімдігі",
            "ქალაქ ჟელსაის აკიმატი",
        ),
    ),
    LocalityDef(
        "akbidai",
        "zhelsai",
        tr("Akbidai District", "Акбидайский район", "Ақбидай ауданы", "აკბიდაის რაიონი"),
        tr(
            "Akimat of Akbidai District",
            "Акимат Акбидайского района",
            "Ақбидай ауданының әкімдігі",
            "აკბიდაის რაიონის აკიმატი",
        ),
    ),
    LocalityDef(
        "tasbulak-city",
        "tasbulak",
        tr("Tasbulak City", "город Тасбулак", "Тасбұлақ қаласы", "ქალაქი ტასბულაკი"),
        tr(
            "Akimat of Tasbulak City",
            "Акимат города Тасбулак",
            "Тасбұлақ қаласының әкімдігі",
            "ქალაქ ტასბულაკის აკიმატი",
        ),
    ),
    LocalityDef(
        "kokzhiek",
        "tasbulak",
        tr("Kokzhiek District", "Кокжиекский район", "Көкжиек ауданы", "კოკჟიეკის რაიონი"),
        tr(
            "Akimat of Kokzhiek District",
            "Акимат Кокжиекского района",
            "Көкжиек ауданының әкімдігі",
            "კოკჟიეკის რაიონის აკიმატი",
        ),
    ),
    LocalityDef(
        "kumdala-city",
        "kumdala",
        tr("Kumdala City", "город Кумдала", "Құмдала қаласы", "ქალაქი ყუმდალა"),
        tr(
            "Akimat of Kumdala City",
            "Акимат города Кумдала",
            "Құмдала қаласының әкімдігі",
            "ქალაქ ყუმდალის აკიმატი",
        ),
    ),
    LocalityDef(
        "ayakkum",
        "kumdala",
        tr("Ayakkum District", "Аяккумский район", "Аяққұм ауданы", "აიაყყუმის რაიონი"),
        tr(
            "Akimat of Ayakkum District",
            "Акимат Аяккумского района",
            "Аяққұм ауданының әкімдігі",
            "აიაყყუმის რაიონის აკიმატი",
        ),
    ),
    LocalityDef(
        "orkentau-city",
        "orkentau",
        tr("Orkentau City", "город Оркентау", "Өркентау қаласы", "ქალაქი ორკენტაუ"),
        tr(
            "Akimat of Orkentau City",
            "Акимат города Оркентау",
            "Өркентау қаласының әкімдігі",
            "ქალაქ ორკენტაუს აკიმატი",
        ),
    ),
    LocalityDef(
        "tauken",
        "orkentau",
        tr("Tauken District", "Таукенский район", "Таукен ауданы", "ტაუკენის რაიონი"),
        tr(
            "Akimat of Tauken District",
            "Акимат Таукенского района",
            "Таукен ауданының әкімдігі",
            "ტაუკენის რაიონის აკიმატი",
        ),
    ),
)
