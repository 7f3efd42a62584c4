"""Published reason codes for the demo's decisions. A rejection always cites the article of Dalaria's
law that allows it, as the Law on Public Services requires."""

from __future__ import annotations

from dataclasses import dataclass

from onestop.demo.data import tr


@dataclass(frozen=True)
class ReasonDef:
    code: str
    outcome: str  # approval | rejection
    label: dict[str, str]
    legal_ground: dict[str, str]
    weight: int = 1  # how often the demo's officers pick it


APPROVALS: tuple[ReasonDef, ...] = (
    ReasonDef(
        "requirements-met",
        "approval",
        tr(
            "All requirements are met",
            "Все требования соблюдены",
            "Барлық талаптар орындалды",
            "ყველა მოთხოვნა დაკმაყოფილებულია",
        ),
        tr(
            "Law on Public Services, art. 10",
            "Закон о государственных услугах, ст. 10",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 10-бап",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 10",
        ),
        weight=8,
    ),
    ReasonDef(
        "registry-confirmed",
        "approval",
        tr(
            "The state registries confirm the applicant's data",
            "Данные заявителя подтверждены государственными реестрами",
            "Өтініш берушінің деректерін мемлекеттік тізілімдер растады",
            "განმცხადებლის მონაცემები დადასტურებულია სახელმწიფო რეესტრებით",
        ),
        tr(
            "Law on Public Services, art. 5 (once-only principle)",
            "Закон о государственных услугах, ст. 5 (принцип однократного предоставления)",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 5-бап (бір реттік ұсыну қағидаты)",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 5 (ერთჯერადობის პრინციპი)",
        ),
        weight=3,
    ),
    ReasonDef(
        "granted-with-exemption",
        "approval",
        tr(
            "Granted; the fee exemption applies",
            "Удовлетворено; применена льгота по оплате",
            "Қанағаттандырылды; төлем бойынша жеңілдік қолданылды",
            "დაკმაყოფილდა; გამოყენებულია საფასურის შეღავათი",
        ),
        tr(
            "Tax Code, art. 616 (exemptions from the state duty)",
            "Налоговый кодекс, ст. 616 (льготы по государственной пошлине)",
            "Салық кодексі, 616-бап (мемлекеттік баж бойынша жеңілдіктер)",
            "საგადასახადო კოდექსი, მუხ. 616 (სახელმწიფო ბაჟის შეღავათები)",
        ),
    ),
)

REJECTIONS: tuple[ReasonDef, ...] = (
    ReasonDef(
        "documents-incomplete",
        "rejection",
        tr(
            "Required documents are missing or incomplete",
            "Не представлены или неполны необходимые документы",
            "Қажетті құжаттар ұсынылмаған немесе толық емес",
            "საჭირო დოკუმენტები არ არის წარმოდგენილი ან არასრულია",
        ),
        tr(
            "Law on Public Services, art. 19(1)(1)",
            "Закон о государственных услугах, ст. 19 п. 1 пп. 1",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 19-бап 1-тармақ 1)",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 19(1)(1)",
        ),
        weight=5,
    ),
    ReasonDef(
        "false-information",
        "rejection",
        tr(
            "The documents contain false or unreliable information",
            "Документы содержат недостоверные сведения",
            "Құжаттарда анық емес мәліметтер бар",
            "დოკუმენტები შეიცავს არასწორ ინფორმაციას",
        ),
        tr(
            "Law on Public Services, art. 19(1)(2)",
            "Закон о государственных услугах, ст. 19 п. 1 пп. 2",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 19-бап 1-тармақ 2)",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 19(1)(2)",
        ),
    ),
    ReasonDef(
        "not-eligible",
        "rejection",
        tr(
            "The applicant does not meet the conditions for the service",
            "Заявитель не соответствует условиям получения услуги",
            "Өтініш беруші қызметті алу шарттарына сәйкес келмейді",
            "განმცხადებელი არ აკმაყოფილებს სერვისის მიღების პირობებს",
        ),
        tr(
            "Law on Public Services, art. 19(1)(3)",
            "Закон о государственных услугах, ст. 19 п. 1 пп. 3",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 19-бап 1-тармақ 3)",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 19(1)(3)",
        ),
        weight=3,
    ),
    ReasonDef(
        "information-not-provided",
        "rejection",
        tr(
            "The information requested was not provided in time",
            "Запрошенные сведения не представлены в срок",
            "Сұралған мәліметтер мерзімінде ұсынылмады",
            "მოთხოვნილი ინფორმაცია დროულად არ იქნა წარმოდგენილი",
        ),
        tr(
            "Law on Public Services, art. 19(1)(4)",
            "Закон о государственных услугах, ст. 19 п. 1 пп. 4",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 19-бап 1-тармақ 4)",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 19(1)(4)",
        ),
        weight=2,
    ),
    ReasonDef(
        "encumbrance",
        "rejection",
        tr(
            "An arrest, encumbrance or court decision prevents the registration",
            "Регистрации препятствует арест, обременение или решение суда",
            "Тіркеуге тыйым, ауыртпалық немесе сот шешімі кедергі келтіреді",
            "რეგისტრაციას ხელს უშლის ყადაღა, ვალდებულება ან სასამართლოს გადაწყვეტილება",
        ),
        tr(
            "Law on State Registration of Rights to Real Estate, art. 32",
            "Закон о государственной регистрации прав на недвижимое имущество, ст. 32",
            "Жылжымайтын мүлікке құқықтарды мемлекеттік тіркеу туралы заң, 32-бап",
            "კანონი უძრავ ქონებაზე უფლებების სახელმწიფო რეგისტრაციის შესახებ, მუხ. 32",
        ),
    ),
    ReasonDef(
        "duplicate-application",
        "rejection",
        tr(
            "An identical application is already being processed",
            "Аналогичное заявление уже находится на рассмотрении",
            "Осындай өтініш қазірдің өзінде қаралуда",
            "იდენტური განცხადება უკვე განხილვის პროცესშია",
        ),
        tr(
            "Law on Public Services, art. 19(1)(5)",
            "Закон о государственных услугах, ст. 19 п. 1 пп. 5",
            "Мемлекеттік көрсетілетін қызметтер туралы заң, 19-бап 1-тармақ 5)",
            "კანონი საჯარო სერვისების შესახებ, მუხ. 19(1)(5)",
        ),
    ),
)

REASON_CODES: tuple[ReasonDef, ...] = APPROVALS + REJECTIONS

# What officers write when they ask the citizen for more, and what citizens answer.
INFORMATION_REQUESTS: tuple[str, ...] = (
    "The scan of your identity document is unreadable; please upload a clear copy.",
    "Please upload the notarised consent of the property owner.",
    "The bank account in the form does not match your name; please confirm the account.",
    "Please provide the certificate from your employer for the last six months.",
    "The medical record is missing the doctor's signature; please upload the signed page.",
)
INFORMATION_ANSWERS: tuple[str, ...] = (
    "Uploaded a new scan.",
    "Attached the requested document.",
    "Corrected the details and attached the certificate.",
)
