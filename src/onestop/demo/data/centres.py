"""Dalaria's service centres: two halls, six centres, a community centre and a mobile unit.

``offers`` says which part of the catalogue a centre serves (see ``onestop.demo.generator``): halls
offer every service with a counter channel, centres all but a few specialist ones, the community
centre the most used ones and the mobile unit those with the mobile channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from onestop.demo.data import tr

Period = tuple[int, time, time]


def weekdays(opens: time, closes: time, *, lunch: tuple[time, time] | None = None) -> list[Period]:
    """Monday to Friday, optionally closed over lunch (small offices close so that staff can eat)."""
    periods: list[Period] = []
    for day in range(5):
        if lunch:
            periods += [(day, opens, lunch[0]), (day, lunch[1], closes)]
        else:
            periods.append((day, opens, closes))
    return periods


def saturday(opens: time, closes: time) -> list[Period]:
    return [(5, opens, closes)]


@dataclass(frozen=True)
class CentreDef:
    code: str
    name: dict[str, str]
    kind: str  # hall | centre | community | mobile
    region: str
    address: dict[str, str]
    latitude: str
    longitude: str
    phone: str
    counters: int
    hours: tuple[Period, ...]
    offers: str  # all | standard | popular | mobile


H = time
CENTRES: tuple[CentreDef, ...] = (
    CentreDef(
        "KOK-HALL",
        tr(
            "Kokterek Public Service Hall",
            "Дом юстиции Коктерека",
            "Көктерек Әділет үйі",
            "კოკტერეკის იუსტიციის სახლი",
        ),
        "hall",
        "kokterek",
        tr(
            "12 Abai Avenue, Kokterek",
            "г. Коктерек, проспект Абая, 12",
            "Көктерек қ., Абай даңғылы, 12",
            "ქ. კოკტერეკი, აბაის გამზირი 12",
        ),
        "51.128207",
        "71.430411",
        "+77172550101",
        20,
        tuple(weekdays(H(9), H(20)) + saturday(H(10), H(17))),
        "all",
    ),
    CentreDef(
        "KOK-KOKTAL",
        tr(
            "Koktal District Service Centre",
            "ЦОН Коктальского района",
            "Көктал ауданының ХҚКО",
            "კოკტალის რაიონის მომსახურების ცენტრი",
        ),
        "centre",
        "kokterek",
        tr(
            "5 Kenesary Street, Kokterek",
            "г. Коктерек, улица Кенесары, 5",
            "Көктерек қ., Кенесары көшесі, 5",
            "ქ. კოკტერეკი, კენესარის ქუჩა 5",
        ),
        "51.160523",
        "71.470356",
        "+77172550202",
        10,
        tuple(weekdays(H(9), H(19)) + saturday(H(9), H(13))),
        "standard",
    ),
    CentreDef(
        "ALT-HALL",
        tr(
            "Altynkol Public Service Hall",
            "Дом юстиции Алтынколя",
            "Алтынкөл Әділет үйі",
            "ალტინკოლის იუსტიციის სახლი",
        ),
        "hall",
        "altynkol",
        tr(
            "1 Republic Square, Altynkol",
            "г. Алтынколь, площадь Республики, 1",
            "Алтынкөл қ., Республика алаңы, 1",
            "ქ. ალტინკოლი, რესპუბლიკის მოედანი 1",
        ),
        "43.238949",
        "76.889709",
        "+77272330303",
        16,
        tuple(weekdays(H(9), H(20)) + saturday(H(10), H(17))),
        "all",
    ),
    CentreDef(
        "ALT-SARYBULAK",
        tr(
            "Sarybulak Service Centre",
            "ЦОН Сарыбулакского района",
            "Сарыбұлақ ауданының ХҚКО",
            "სარიბულაკის მომსახურების ცენტრი",
        ),
        "centre",
        "altynkol",
        tr(
            "27 Tole Bi Street, Sarybulak",
            "с. Сарыбулак, улица Толе би, 27",
            "Сарыбұлақ а., Төле би көшесі, 27",
            "სოფ. სარიბულაკი, ტოლე ბის ქუჩა 27",
        ),
        "43.453210",
        "77.145678",
        "+77272330404",
        6,
        tuple(weekdays(H(9), H(18), lunch=(H(13), H(14)))),
        "standard",
    ),
    CentreDef(
        "ZHL-CENTRE",
        tr(
            "Zhelsai City Service Centre",
            "ЦОН города Желсай",
            "Желсай қаласының ХҚКО",
            "ქალაქ ჟელსაის მომსახურების ცენტრი",
        ),
        "centre",
        "zhelsai",
        tr(
            "44 Dostyk Street, Zhelsai",
            "г. Желсай, улица Достык, 44",
            "Желсай қ., Достық көшесі, 44",
            "ქ. ჟელსაი, დოსტიკის ქუჩა 44",
        ),
        "49.806406",
        "73.085485",
        "+77212440505",
        12,
        tuple(weekdays(H(9), H(19)) + saturday(H(9), H(13))),
        "standard",
    ),
    CentreDef(
        "ZHL-AKBIDAI",
        tr(
            "Akbidai Community Centre",
            "Общественный центр Акбидай",
            "Ақбидай қоғамдық орталығы",
            "აკბიდაის სათემო ცენტრი",
        ),
        "community",
        "zhelsai",
        tr(
            "3 School Street, Akbidai",
            "с. Акбидай, Школьная улица, 3",
            "Ақбидай а., Мектеп көшесі, 3",
            "სოფ. აკბიდაი, სკოლის ქუჩა 3",
        ),
        "50.112233",
        "72.554466",
        "+77212440606",
        4,
        tuple(weekdays(H(9), H(17), lunch=(H(13), H(14)))),
        "popular",
    ),
    CentreDef(
        "TAS-CENTRE",
        tr(
            "Tasbulak City Service Centre",
            "ЦОН города Тасбулак",
            "Тасбұлақ қаласының ХҚКО",
            "ქალაქ ტასბულაკის მომსახურების ცენტრი",
        ),
        "centre",
        "tasbulak",
        tr(
            "9 Satpayev Street, Tasbulak",
            "г. Тасбулак, улица Сатпаева, 9",
            "Тасбұлақ қ., Сәтбаев көшесі, 9",
            "ქ. ტასბულაკი, სატპაევის ქუჩა 9",
        ),
        "52.287305",
        "76.967406",
        "+77182660707",
        8,
        tuple(weekdays(H(9), H(19))),
        "standard",
    ),
    CentreDef(
        "KUM-CENTRE",
        tr(
            "Kumdala City Service Centre",
            "ЦОН города Кумдала",
            "Құмдала қаласының ХҚКО",
            "ქალაქ ყუმდალის მომსახურების ცენტრი",
        ),
        "centre",
        "kumdala",
        tr(
            "18 Baiterek Street, Kumdala",
            "г. Кумдала, улица Байтерек, 18",
            "Құмдала қ., Бәйтерек көшесі, 18",
            "ქ. ყუმდალა, ბაითერეკის ქუჩა 18",
        ),
        "44.848831",
        "65.482268",
        "+77242770808",
        8,
        tuple(weekdays(H(9), H(18), lunch=(H(13), H(14)))),
        "standard",
    ),
    CentreDef(
        "ORK-CENTRE",
        tr(
            "Orkentau City Service Centre",
            "ЦОН города Оркентау",
            "Өркентау қаласының ХҚКО",
            "ქალაქ ორკენტაუს მომსახურების ცენტრი",
        ),
        "centre",
        "orkentau",
        tr(
            "2 Independence Avenue, Orkentau",
            "г. Оркентау, проспект Независимости, 2",
            "Өркентау қ., Тәуелсіздік даңғылы, 2",
            "ქ. ორკენტაუ, დამოუკიდებლობის გამზირი 2",
        ),
        "50.283937",
        "57.166978",
        "+77132880909",
        10,
        tuple(weekdays(H(9), H(19)) + saturday(H(9), H(13))),
        "standard",
    ),
    CentreDef(
        "KUM-MOBILE",
        tr(
            "Kumdala Mobile Service Unit",
            "Мобильный ЦОН Кумдалинской области",
            "Құмдала облысының жылжымалы ХҚКО",
            "ყუმდალის ოლქის მობილური მომსახურების ცენტრი",
        ),
        "mobile",
        "kumdala",
        tr(
            "Based at 18 Baiterek Street, Kumdala; visits Ayakkum District villages",
            "База: г. Кумдала, улица Байтерек, 18; выезды в сёла Аяккумского района",
            "Базасы: Құмдала қ., Бәйтерек көшесі, 18; Аяққұм ауданының ауылдарына барады",
            "ბაზა: ქ. ყუმდალა, ბაითერეკის ქუჩა 18; მიდის აიაყყუმის რაიონის სოფლებში",
        ),
        "44.851200",
        "65.490100",
        "+77242771010",
        4,
        tuple(weekdays(H(10), H(17), lunch=(H(13), H(14)))),
        "mobile",
    ),
)
