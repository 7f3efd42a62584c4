"""Life events, evidence types, outputs, legal acts, fee labels and exemption groups of the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from onestop.demo.data import tr


@dataclass(frozen=True)
class LifeEventDef:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    audience: str = "person"


LIFE_EVENTS: tuple[LifeEventDef, ...] = (
    LifeEventDef(
        "birth",
        tr("Having a baby", "Рождение ребёнка", "Баланың дүниеге келуі", "ბავშვის დაბადება"),
        tr(
            "Register the birth, get the birth certificate and claim the benefits for a new child.",
            "Регистрация рождения, свидетельство о рождении и пособия на ребёнка.",
            "Туу фактісін тіркеу, туу туралы куәлік алу және балаға жәрдемақы рәсімдеу.",
            "დაბადების რეგისტრაცია, დაბადების მოწმობა და ბავშვის შემწეობები.",
        ),
    ),
    LifeEventDef(
        "marriage",
        tr("Getting married or divorced", "Брак и развод", "Неке және ажырасу", "ქორწინება და განქორწინება"),
        tr(
            "Register a marriage or a divorce and change your surname.",
            "Регистрация брака или его расторжения, смена фамилии.",
            "Некені немесе ажырасуды тіркеу, тегін өзгерту.",
            "ქორწინების ან განქორწინების რეგისტრაცია და გვარის შეცვლა.",
        ),
    ),
    LifeEventDef(
        "moving-house",
        tr("Moving house", "Переезд", "Көшу", "საცხოვრებლის შეცვლა"),
        tr(
            "Register at your new address and update your documents.",
            "Регистрация по новому адресу и обновление документов.",
            "Жаңа мекенжай бойынша тіркелу және құжаттарды жаңарту.",
            "ახალ მისამართზე რეგისტრაცია და დოკუმენტების განახლება.",
        ),
    ),
    LifeEventDef(
        "identity-documents",
        tr(
            "Identity documents",
            "Документы, удостоверяющие личность",
            "Жеке басын куәландыратын құжаттар",
            "პირადობის დამადასტურებელი დოკუმენტები",
        ),
        tr(
            "Identity card, passport, digital signature and citizenship.",
            "Удостоверение личности, паспорт, электронная подпись и гражданство.",
            "Жеке куәлік, паспорт, электрондық қолтаңба және азаматтық.",
            "პირადობის მოწმობა, პასპორტი, ელექტრონული ხელმოწერა და მოქალაქეობა.",
        ),
    ),
    LifeEventDef(
        "certificates",
        tr(
            "Certificates and extracts",
            "Справки и выписки",
            "Анықтамалар мен үзінділер",
            "ცნობები და ამონაწერები",
        ),
        tr(
            "Certificates the state issues from its registers, most of them online and at once.",
            "Справки из государственных реестров, большинство — онлайн и сразу.",
            "Мемлекеттік тізілімдерден анықтамалар, көбі онлайн әрі бірден.",
            "ცნობები სახელმწიფო რეესტრებიდან, უმეტესობა ონლაინ და დაუყოვნებლივ.",
        ),
    ),
    LifeEventDef(
        "starting-business",
        tr("Starting a business", "Открытие бизнеса", "Бизнес ашу", "ბიზნესის დაწყება"),
        tr(
            "Register as an entrepreneur or a company, get licences and register for taxes.",
            "Регистрация ИП или юридического лица, лицензии и постановка на налоговый учёт.",
            "ЖК немесе заңды тұлғаны тіркеу, лицензиялар алу және салық есебіне тұру.",
            "ინდმეწარმის ან კომპანიის რეგისტრაცია, ლიცენზიები და საგადასახადო აღრიცხვა.",
        ),
        audience="business",
    ),
    LifeEventDef(
        "running-business",
        tr(
            "Running or closing a business",
            "Ведение и закрытие бизнеса",
            "Бизнесті жүргізу және жабу",
            "ბიზნესის წარმოება და დახურვა",
        ),
        tr(
            "Changes to your company, taxes, cash registers and closing down.",
            "Изменения в компании, налоги, кассовые аппараты и ликвидация.",
            "Компаниядағы өзгерістер, салықтар, кассалық аппараттар және тарату.",
            "ცვლილებები კომპანიაში, გადასახადები, სალარო აპარატები და ლიკვიდაცია.",
        ),
        audience="business",
    ),
    LifeEventDef(
        "buying-property",
        tr(
            "Buying a home or land",
            "Покупка жилья или земли",
            "Тұрғын үй немесе жер сатып алу",
            "საცხოვრებლის ან მიწის შეძენა",
        ),
        tr(
            "Register your ownership, check encumbrances and get the technical passport.",
            "Регистрация права собственности, проверка обременений и технический паспорт.",
            "Меншік құқығын тіркеу, ауыртпалықтарды тексеру және техникалық паспорт.",
            "საკუთრების რეგისტრაცია, ვალდებულებების შემოწმება და ტექნიკური პასპორტი.",
        ),
    ),
    LifeEventDef(
        "buying-vehicle",
        tr("Buying a car", "Покупка автомобиля", "Көлік сатып алу", "ავტომობილის შეძენა"),
        tr(
            "Register the vehicle, get the plates and your driving licence.",
            "Регистрация автомобиля, номерные знаки и водительское удостоверение.",
            "Көлікті тіркеу, нөмір белгілері және жүргізуші куәлігі.",
            "ავტომობილის რეგისტრაცია, სანომრე ნიშნები და მართვის მოწმობა.",
        ),
    ),
    LifeEventDef(
        "education",
        tr("Education", "Образование", "Білім", "განათლება"),
        tr(
            "Kindergarten, school, grants and diplomas.",
            "Детский сад, школа, гранты и дипломы.",
            "Балабақша, мектеп, гранттар және дипломдар.",
            "საბავშვო ბაღი, სკოლა, გრანტები და დიპლომები.",
        ),
    ),
    LifeEventDef(
        "health",
        tr("Health", "Здоровье", "Денсаулық", "ჯანმრთელობა"),
        tr(
            "Register with a clinic, health insurance and medical certificates.",
            "Прикрепление к поликлинике, медицинское страхование и справки.",
            "Емханаға тіркелу, медициналық сақтандыру және анықтамалар.",
            "პოლიკლინიკაზე მიმაგრება, სამედიცინო დაზღვევა და ცნობები.",
        ),
    ),
    LifeEventDef(
        "social-support",
        tr(
            "Social support and disability",
            "Социальная поддержка и инвалидность",
            "Әлеуметтік қолдау және мүгедектік",
            "სოციალური დახმარება და შეზღუდული შესაძლებლობა",
        ),
        tr(
            "Benefits, assistance for low-income families and support for people with disabilities.",
            "Пособия, помощь малообеспеченным семьям и поддержка людей с инвалидностью.",
            "Жәрдемақылар, аз қамтылған отбасыларға көмек және мүгедектігі бар адамдарды қолдау.",
            "შემწეობები, დახმარება შეჭირვებულ ოჯახებს და შშმ პირების მხარდაჭერა.",
        ),
    ),
    LifeEventDef(
        "employment",
        tr(
            "Work and unemployment", "Работа и безработица", "Жұмыс және жұмыссыздық", "სამუშაო და უმუშევრობა"
        ),
        tr(
            "Register as a job seeker, records of your working life and income.",
            "Регистрация в качестве безработного, сведения о стаже и доходах.",
            "Жұмыссыз ретінде тіркелу, еңбек өтілі мен табыс туралы мәліметтер.",
            "სამუშაოს მაძიებლად რეგისტრაცია, სამუშაო სტაჟისა და შემოსავლის ცნობები.",
        ),
    ),
    LifeEventDef(
        "construction",
        tr(
            "Building and renovating",
            "Строительство и ремонт",
            "Құрылыс және жөндеу",
            "მშენებლობა და რემონტი",
        ),
        tr(
            "Planning assignments, construction notices, redevelopment and commissioning.",
            "Архитектурно-планировочное задание, уведомления о строительстве, перепланировка и ввод в эксплуатацию.",
            "Сәулет-жоспарлау тапсырмасы, құрылыс туралы хабарлама, қайта жоспарлау және пайдалануға беру.",
            "არქიტექტურულ-გეგმარებითი დავალება, მშენებლობის შეტყობინება, გადაგეგმარება და ექსპლუატაციაში მიღება.",
        ),
    ),
    LifeEventDef(
        "retirement",
        tr("Retiring", "Выход на пенсию", "Зейнеткерлікке шығу", "პენსიაზე გასვლა"),
        tr(
            "Claim your pension and your pension savings.",
            "Назначение пенсии и выплата пенсионных накоплений.",
            "Зейнетақыны тағайындау және зейнетақы жинақтарын төлеу.",
            "პენსიის დანიშვნა და საპენსიო დანაზოგის გაცემა.",
        ),
    ),
    LifeEventDef(
        "death",
        tr(
            "Death of a relative",
            "Смерть близкого человека",
            "Жақын адамның қайтыс болуы",
            "ახლობლის გარდაცვალება",
        ),
        tr(
            "Register the death, claim the funeral benefit and settle the estate.",
            "Регистрация смерти, пособие на погребение и вопросы наследства.",
            "Қайтыс болуды тіркеу, жерлеуге жәрдемақы және мұра мәселелері.",
            "გარდაცვალების რეგისტრაცია, დაკრძალვის დახმარება და მემკვიდრეობა.",
        ),
    ),
)


@dataclass(frozen=True)
class EvidenceDef:
    code: str
    name: dict[str, str]
    exchange_service: str = ""


# Evidence the state already holds is fetched from its registry through the data exchange;
# the citizen only brings what no register has.
EVIDENCE_TYPES: tuple[EvidenceDef, ...] = (
    # fetched from registries
    EvidenceDef(
        "person-record",
        tr(
            "Personal data from the civil registry",
            "Персональные данные из регистра населения",
            "Халық тіркелімінен дербес деректер",
            "პერსონალური მონაცემები სამოქალაქო რეესტრიდან",
        ),
        "GOV/CIVREG/civil-registry/person-v1",
    ),
    EvidenceDef(
        "birth-record",
        tr("Birth record", "Актовая запись о рождении", "Туу туралы акт жазбасы", "დაბადების აქტის ჩანაწერი"),
        "GOV/CIVREG/civil-registry/birth-record-v1",
    ),
    EvidenceDef(
        "marriage-record",
        tr(
            "Marriage record",
            "Актовая запись о заключении брака",
            "Неке қию туралы акт жазбасы",
            "ქორწინების აქტის ჩანაწერი",
        ),
        "GOV/CIVREG/civil-registry/marriage-record-v1",
    ),
    EvidenceDef(
        "death-record",
        tr(
            "Death record",
            "Актовая запись о смерти",
            "Қайтыс болу туралы акт жазбасы",
            "გარდაცვალების აქტის ჩანაწერი",
        ),
        "GOV/CIVREG/civil-registry/death-record-v1",
    ),
    EvidenceDef(
        "registered-address",
        tr(
            "Registered address",
            "Сведения о регистрации по месту жительства",
            "Тұрғылықты жері бойынша тіркеу туралы мәліметтер",
            "რეგისტრირებული მისამართი",
        ),
        "GOV/ADDR/address-registry/registered-address-v1",
    ),
    EvidenceDef(
        "property-title",
        tr(
            "Registered title to real estate",
            "Сведения о зарегистрированных правах на недвижимость",
            "Жылжымайтын мүлікке тіркелген құқықтар туралы мәліметтер",
            "უძრავ ქონებაზე რეგისტრირებული უფლებები",
        ),
        "GOV/PROP/property-registry/titles-v1",
    ),
    EvidenceDef(
        "encumbrance-record",
        tr(
            "Encumbrances on real estate",
            "Сведения об обременениях недвижимости",
            "Жылжымайтын мүліктің ауыртпалықтары туралы мәліметтер",
            "უძრავი ქონების ვალდებულებები",
        ),
        "GOV/PROP/property-registry/encumbrances-v1",
    ),
    EvidenceDef(
        "land-parcel",
        tr(
            "Land cadastre record",
            "Сведения земельного кадастра",
            "Жер кадастрының мәліметтері",
            "მიწის კადასტრის ჩანაწერი",
        ),
        "GOV/LAND/land-cadastre/parcel-v1",
    ),
    EvidenceDef(
        "company-record",
        tr(
            "Business register record",
            "Сведения из реестра юридических лиц",
            "Заңды тұлғалар тізілімінен мәліметтер",
            "მეწარმეთა რეესტრის ჩანაწერი",
        ),
        "GOV/BIZ/business-registry/company-v1",
    ),
    EvidenceDef(
        "vehicle-record",
        tr(
            "Vehicle register record",
            "Сведения о транспортном средстве",
            "Көлік құралы туралы мәліметтер",
            "სატრანსპორტო საშუალების ჩანაწერი",
        ),
        "GOV/VEH/vehicle-registry/vehicle-v1",
    ),
    EvidenceDef(
        "driver-record",
        tr(
            "Driving licence record",
            "Сведения о водительском удостоверении",
            "Жүргізуші куәлігі туралы мәліметтер",
            "მართვის მოწმობის ჩანაწერი",
        ),
        "GOV/VEH/vehicle-registry/driving-licence-v1",
    ),
    EvidenceDef(
        "tax-no-debt",
        tr(
            "No tax debt",
            "Сведения об отсутствии налоговой задолженности",
            "Салық берешегінің жоқтығы туралы мәліметтер",
            "საგადასახადო დავალიანების არქონა",
        ),
        "GOV/TAX/tax-authority/no-debt-v1",
    ),
    EvidenceDef(
        "income-record",
        tr(
            "Income and contributions",
            "Сведения о доходах и взносах",
            "Табыс пен жарналар туралы мәліметтер",
            "შემოსავლები და შენატანები",
        ),
        "GOV/SOC/social-insurance/contributions-v1",
    ),
    EvidenceDef(
        "pension-status",
        tr(
            "Pension status",
            "Сведения о пенсионном статусе",
            "Зейнетақы мәртебесі туралы мәліметтер",
            "საპენსიო სტატუსი",
        ),
        "GOV/SOC/social-insurance/pension-status-v1",
    ),
    EvidenceDef(
        "disability-status",
        tr(
            "Disability status",
            "Сведения об инвалидности",
            "Мүгедектік туралы мәліметтер",
            "შეზღუდული შესაძლებლობის სტატუსი",
        ),
        "GOV/SOC/social-insurance/disability-status-v1",
    ),
    EvidenceDef(
        "family-composition",
        tr(
            "Family composition",
            "Сведения о составе семьи",
            "Отбасы құрамы туралы мәліметтер",
            "ოჯახის შემადგენლობა",
        ),
        "GOV/SOC/social-insurance/family-v1",
    ),
    EvidenceDef(
        "criminal-record",
        tr(
            "Criminal record check",
            "Сведения о судимости",
            "Сотталғандығы туралы мәліметтер",
            "ნასამართლობის შემოწმება",
        ),
        "GOV/LEGSTAT/special-records/criminal-record-v1",
    ),
    EvidenceDef(
        "education-record",
        tr("Education record", "Сведения об образовании", "Білімі туралы мәліметтер", "განათლების ჩანაწერი"),
        "GOV/EDU/education-registry/diploma-v1",
    ),
    EvidenceDef(
        "clinic-record",
        tr(
            "Clinic attachment and medical records",
            "Сведения о прикреплении и медицинские записи",
            "Тіркелу және медициналық жазбалар туралы мәліметтер",
            "პოლიკლინიკაზე მიმაგრება და სამედიცინო ჩანაწერები",
        ),
        "GOV/HEALTH/health-registry/attachment-v1",
    ),
    EvidenceDef(
        "medical-birth-record",
        tr(
            "Medical record of the birth",
            "Медицинское свидетельство о рождении",
            "Туу туралы медициналық куәлік",
            "დაბადების სამედიცინო ცნობა",
        ),
        "GOV/HEALTH/health-registry/birth-notice-v1",
    ),
    EvidenceDef(
        "medical-death-record",
        tr(
            "Medical certificate of death",
            "Медицинское свидетельство о смерти",
            "Қайтыс болу туралы медициналық куәлік",
            "გარდაცვალების სამედიცინო ცნობა",
        ),
        "GOV/HEALTH/health-registry/death-notice-v1",
    ),
    # brought by the citizen
    EvidenceDef(
        "identity-document",
        tr(
            "Identity document (shown at the counter)",
            "Документ, удостоверяющий личность (предъявляется)",
            "Жеке басын куәландыратын құжат (көрсетіледі)",
            "პირადობის დამადასტურებელი დოკუმენტი (წარდგენა)",
        ),
    ),
    EvidenceDef(
        "photo",
        tr(
            "Photograph 3.5 × 4.5 cm",
            "Фотография 3,5 × 4,5 см",
            "3,5 × 4,5 см фотосурет",
            "ფოტოსურათი 3,5 × 4,5 სმ",
        ),
    ),
    EvidenceDef(
        "old-document",
        tr(
            "The document being replaced",
            "Заменяемый документ",
            "Ауыстырылатын құжат",
            "შესაცვლელი დოკუმენტი",
        ),
    ),
    EvidenceDef(
        "loss-statement",
        tr(
            "Statement of loss or theft",
            "Заявление об утере или краже",
            "Жоғалту немесе ұрлану туралы өтініш",
            "დაკარგვის ან ქურდობის შესახებ განცხადება",
        ),
    ),
    EvidenceDef(
        "owner-consent",
        tr(
            "Consent of the property owner",
            "Согласие собственника жилья",
            "Тұрғын үй иесінің келісімі",
            "ქონების მესაკუთრის თანხმობა",
        ),
    ),
    EvidenceDef(
        "lease-agreement", tr("Lease agreement", "Договор аренды", "Жалға алу шарты", "იჯარის ხელშეკრულება")
    ),
    EvidenceDef(
        "sale-contract",
        tr("Contract of sale", "Договор купли-продажи", "Сатып алу-сату шарты", "ნასყიდობის ხელშეკრულება"),
    ),
    EvidenceDef("power-of-attorney", tr("Power of attorney", "Доверенность", "Сенімхат", "მინდობილობა")),
    EvidenceDef(
        "founding-documents",
        tr(
            "Founding documents (charter, founders' decision)",
            "Учредительные документы",
            "Құрылтай құжаттары",
            "დამფუძნებელი დოკუმენტები",
        ),
    ),
    EvidenceDef(
        "court-decision", tr("Court decision", "Решение суда", "Сот шешімі", "სასამართლოს გადაწყვეტილება")
    ),
    EvidenceDef(
        "medical-fitness",
        tr(
            "Medical certificate of fitness to drive",
            "Медицинская справка для водителей",
            "Жүргізушілерге арналған медициналық анықтама",
            "მძღოლის სამედიცინო ცნობა",
        ),
    ),
    EvidenceDef(
        "exam-result",
        tr(
            "Driving examination result",
            "Результат экзамена на право управления",
            "Жүргізу құқығына емтихан нәтижесі",
            "მართვის გამოცდის შედეგი",
        ),
    ),
    EvidenceDef(
        "customs-declaration",
        tr(
            "Customs declaration for an imported vehicle",
            "Таможенная декларация на ввезённый автомобиль",
            "Әкелінген көлікке кедендік декларация",
            "შემოყვანილი ავტომობილის საბაჟო დეკლარაცია",
        ),
    ),
    EvidenceDef(
        "technical-inspection",
        tr(
            "Technical inspection report",
            "Акт технического осмотра",
            "Техникалық байқау актісі",
            "ტექნიკური დათვალიერების აქტი",
        ),
    ),
    EvidenceDef(
        "project-documents",
        tr("Design documents", "Проектная документация", "Жобалау құжаттамасы", "საპროექტო დოკუმენტაცია"),
    ),
    EvidenceDef(
        "acceptance-act",
        tr(
            "Acceptance certificate signed by the builder",
            "Акт приёмки, подписанный подрядчиком",
            "Мердігер қол қойған қабылдау актісі",
            "მშენებლის მიერ ხელმოწერილი მიღების აქტი",
        ),
    ),
    EvidenceDef(
        "work-record",
        tr(
            "Work record book or employment contracts",
            "Трудовая книжка или трудовые договоры",
            "Еңбек кітапшасы немесе еңбек шарттары",
            "შრომის წიგნაკი ან შრომითი ხელშეკრულებები",
        ),
    ),
    EvidenceDef(
        "bank-account",
        tr(
            "Bank account details",
            "Реквизиты банковского счёта",
            "Банк шотының деректемелері",
            "საბანკო ანგარიშის რეკვიზიტები",
        ),
    ),
    EvidenceDef(
        "foreign-document",
        tr(
            "Document issued abroad, legalised or apostilled",
            "Иностранный документ с апостилем или легализацией",
            "Апостильденген немесе заңдастырылған шетелдік құжат",
            "უცხოური დოკუმენტი აპოსტილით ან ლეგალიზაციით",
        ),
    ),
    EvidenceDef(
        "medical-referral",
        tr(
            "Medical referral from the clinic",
            "Направление из поликлиники",
            "Емханадан жолдама",
            "პოლიკლინიკის მიმართვა",
        ),
    ),
    EvidenceDef(
        "school-certificate",
        tr(
            "School or university certificate",
            "Справка с места учёбы",
            "Оқу орнынан анықтама",
            "ცნობა სასწავლებლიდან",
        ),
    ),
    EvidenceDef(
        "licence-premises",
        tr(
            "Documents on the business premises",
            "Документы на помещение",
            "Үй-жайға арналған құжаттар",
            "ფართის დოკუმენტები",
        ),
    ),
)


@dataclass(frozen=True)
class OutputDef:
    code: str
    name: dict[str, str]
    kind: str
    validity: str = ""


OUTPUTS: tuple[OutputDef, ...] = (
    OutputDef(
        "birth-certificate",
        tr("Birth certificate", "Свидетельство о рождении", "Туу туралы куәлік", "დაბადების მოწმობა"),
        "certificate",
    ),
    OutputDef(
        "marriage-certificate",
        tr(
            "Marriage certificate",
            "Свидетельство о заключении брака",
            "Неке қию туралы куәлік",
            "ქორწინების მოწმობა",
        ),
        "certificate",
    ),
    OutputDef(
        "divorce-certificate",
        tr(
            "Divorce certificate",
            "Свидетельство о расторжении брака",
            "Некені бұзу туралы куәлік",
            "განქორწინების მოწმობა",
        ),
        "certificate",
    ),
    OutputDef(
        "death-certificate",
        tr(
            "Death certificate",
            "Свидетельство о смерти",
            "Қайтыс болу туралы куәлік",
            "გარდაცვალების მოწმობა",
        ),
        "certificate",
    ),
    OutputDef(
        "name-change-certificate",
        tr(
            "Certificate of change of name",
            "Свидетельство о перемене имени",
            "Есімін өзгерту туралы куәлік",
            "სახელის შეცვლის მოწმობა",
        ),
        "certificate",
    ),
    OutputDef(
        "paternity-certificate",
        tr(
            "Certificate of paternity",
            "Свидетельство об установлении отцовства",
            "Әкелікті анықтау туралы куәлік",
            "მამობის დადგენის მოწმობა",
        ),
        "certificate",
    ),
    OutputDef(
        "civil-status-extract",
        tr(
            "Extract from a civil status record",
            "Справка из актовой записи",
            "Акт жазбасынан анықтама",
            "ამონაწერი სამოქალაქო აქტიდან",
        ),
        "certificate",
    ),
    OutputDef(
        "id-card",
        tr("Identity card", "Удостоверение личности", "Жеке куәлік", "პირადობის მოწმობა"),
        "document",
        "P10Y",
    ),
    OutputDef("passport", tr("Passport", "Паспорт", "Паспорт", "პასპორტი"), "document", "P10Y"),
    OutputDef(
        "residence-permit",
        tr("Residence permit", "Вид на жительство", "Тұруға ықтиярхат", "ბინადრობის ნებართვა"),
        "document",
        "P10Y",
    ),
    OutputDef(
        "digital-signature",
        tr(
            "Digital signature certificate",
            "Регистрационное свидетельство ЭЦП",
            "ЭЦҚ тіркеу куәлігі",
            "ელექტრონული ხელმოწერის სერტიფიკატი",
        ),
        "certificate",
        "P1Y",
    ),
    OutputDef(
        "address-registration",
        tr(
            "Address registration record",
            "Отметка о регистрации по месту жительства",
            "Тұрғылықты жері бойынша тіркеу белгісі",
            "მისამართზე რეგისტრაციის ჩანაწერი",
        ),
        "registration",
    ),
    OutputDef(
        "address-certificate",
        tr(
            "Certificate of registered address",
            "Адресная справка",
            "Мекенжай анықтамасы",
            "ცნობა რეგისტრირებული მისამართის შესახებ",
        ),
        "certificate",
        "P30D",
    ),
    OutputDef(
        "property-registration",
        tr(
            "Registration of title to real estate",
            "Регистрация права на недвижимость",
            "Жылжымайтын мүлікке құқықты тіркеу",
            "უძრავ ქონებაზე უფლების რეგისტრაცია",
        ),
        "registration",
    ),
    OutputDef(
        "property-certificate",
        tr(
            "Certificate of registered rights",
            "Справка о зарегистрированных правах",
            "Тіркелген құқықтар туралы анықтама",
            "ცნობა რეგისტრირებული უფლებების შესახებ",
        ),
        "certificate",
        "P30D",
    ),
    OutputDef(
        "technical-passport",
        tr(
            "Technical passport of a dwelling",
            "Технический паспорт жилища",
            "Тұрғын үйдің техникалық паспорты",
            "საცხოვრებლის ტექნიკური პასპორტი",
        ),
        "document",
    ),
    OutputDef(
        "business-registration",
        tr(
            "Business registration",
            "Регистрация юридического лица",
            "Заңды тұлғаны тіркеу",
            "ბიზნესის რეგისტრაცია",
        ),
        "registration",
    ),
    OutputDef(
        "entrepreneur-registration",
        tr(
            "Individual entrepreneur registration",
            "Регистрация индивидуального предпринимателя",
            "Жеке кәсіпкерді тіркеу",
            "ინდმეწარმის რეგისტრაცია",
        ),
        "registration",
    ),
    OutputDef("licence", tr("Licence", "Лицензия", "Лицензия", "ლიცენზია"), "licence"),
    OutputDef(
        "vehicle-registration",
        tr(
            "Vehicle registration certificate and plates",
            "Свидетельство о регистрации ТС и номерные знаки",
            "Көлікті тіркеу куәлігі және нөмір белгілері",
            "ავტომობილის სარეგისტრაციო მოწმობა და ნომრები",
        ),
        "registration",
    ),
    OutputDef(
        "driving-licence",
        tr("Driving licence", "Водительское удостоверение", "Жүргізуші куәлігі", "მართვის მოწმობა"),
        "document",
        "P10Y",
    ),
    OutputDef("certificate", tr("Certificate", "Справка", "Анықтама", "ცნობა"), "certificate", "P30D"),
    OutputDef(
        "benefit-award",
        tr(
            "Decision to award a payment",
            "Решение о назначении выплаты",
            "Төлемді тағайындау туралы шешім",
            "გადაწყვეტილება გასაცემლის დანიშვნის შესახებ",
        ),
        "decision",
    ),
    OutputDef(
        "pension-award",
        tr(
            "Decision to award a pension",
            "Решение о назначении пенсии",
            "Зейнетақы тағайындау туралы шешім",
            "გადაწყვეტილება პენსიის დანიშვნის შესახებ",
        ),
        "decision",
    ),
    OutputDef(
        "payment",
        tr(
            "Payment to the bank account",
            "Выплата на банковский счёт",
            "Банк шотына төлем",
            "გადახდა საბანკო ანგარიშზე",
        ),
        "payment",
    ),
    OutputDef(
        "permit",
        tr(
            "Permit or approval",
            "Разрешение или согласование",
            "Рұқсат немесе келісім",
            "ნებართვა ან შეთანხმება",
        ),
        "decision",
    ),
    OutputDef(
        "waiting-list-place",
        tr("Place on the waiting list", "Место в очереди", "Кезектегі орын", "ადგილი რიგში"),
        "registration",
    ),
    OutputDef(
        "document-copy",
        tr("Duplicate document", "Дубликат документа", "Құжаттың телнұсқасы", "დოკუმენტის დუბლიკატი"),
        "document",
    ),
)


@dataclass(frozen=True)
class LegalDef:
    code: str
    title: dict[str, str]
    path: str


LEGAL_BASE_URL = "https://laws.dalaria.example/"

LEGAL_RESOURCES: tuple[LegalDef, ...] = (
    LegalDef(
        "code-marriage-family",
        tr(
            "Code on Marriage and the Family",
            "Кодекс о браке (супружестве) и семье",
            "Неке (ерлі-зайыптылық) және отбасы туралы кодекс",
            "კოდექსი ქორწინებისა და ოჯახის შესახებ",
        ),
        "code/marriage-family",
    ),
    LegalDef(
        "law-civil-status",
        tr(
            "Law on Civil Status Records",
            "Закон об актах гражданского состояния",
            "Азаматтық хал актілері туралы заң",
            "კანონი სამოქალაქო აქტების შესახებ",
        ),
        "law/civil-status",
    ),
    LegalDef(
        "law-identity-documents",
        tr(
            "Law on Identity Documents",
            "Закон о документах, удостоверяющих личность",
            "Жеке басты куәландыратын құжаттар туралы заң",
            "კანონი პირადობის დამადასტურებელი დოკუმენტების შესახებ",
        ),
        "law/identity-documents",
    ),
    LegalDef(
        "law-migration",
        tr(
            "Law on Migration of the Population",
            "Закон о миграции населения",
            "Халықтың көші-қоны туралы заң",
            "კანონი მოსახლეობის მიგრაციის შესახებ",
        ),
        "law/migration",
    ),
    LegalDef(
        "law-citizenship",
        tr(
            "Law on Citizenship", "Закон о гражданстве", "Азаматтық туралы заң", "კანონი მოქალაქეობის შესახებ"
        ),
        "law/citizenship",
    ),
    LegalDef(
        "law-property-registration",
        tr(
            "Law on State Registration of Rights to Real Estate",
            "Закон о государственной регистрации прав на недвижимое имущество",
            "Жылжымайтын мүлікке құқықтарды мемлекеттік тіркеу туралы заң",
            "კანონი უძრავ ქონებაზე უფლებების რეგისტრაციის შესახებ",
        ),
        "law/property-registration",
    ),
    LegalDef("land-code", tr("Land Code", "Земельный кодекс", "Жер кодексі", "მიწის კოდექსი"), "code/land"),
    LegalDef(
        "entrepreneurship-code",
        tr("Entrepreneurship Code", "Предпринимательский кодекс", "Кәсіпкерлік кодекс", "სამეწარმეო კოდექსი"),
        "code/entrepreneurship",
    ),
    LegalDef(
        "law-permits",
        tr(
            "Law on Permits and Notifications",
            "Закон о разрешениях и уведомлениях",
            "Рұқсаттар және хабарламалар туралы заң",
            "კანონი ნებართვებისა და შეტყობინებების შესახებ",
        ),
        "law/permits",
    ),
    LegalDef(
        "tax-code", tr("Tax Code", "Налоговый кодекс", "Салық кодексі", "საგადასახადო კოდექსი"), "code/tax"
    ),
    LegalDef(
        "law-road-traffic",
        tr(
            "Law on Road Traffic",
            "Закон о дорожном движении",
            "Жол жүрісі туралы заң",
            "კანონი საგზაო მოძრაობის შესახებ",
        ),
        "law/road-traffic",
    ),
    LegalDef(
        "social-code",
        tr("Social Code", "Социальный кодекс", "Әлеуметтік кодекс", "სოციალური კოდექსი"),
        "code/social",
    ),
    LegalDef(
        "health-code",
        tr(
            "Code on Public Health",
            "Кодекс о здоровье народа",
            "Халық денсаулығы туралы кодекс",
            "კოდექსი საზოგადოებრივი ჯანმრთელობის შესახებ",
        ),
        "code/health",
    ),
    LegalDef(
        "law-education",
        tr("Law on Education", "Закон об образовании", "Білім туралы заң", "კანონი განათლების შესახებ"),
        "law/education",
    ),
    LegalDef(
        "law-architecture",
        tr(
            "Law on Architecture, Urban Planning and Construction",
            "Закон об архитектурной, градостроительной и строительной деятельности",
            "Сәулет, қала құрылысы және құрылыс қызметі туралы заң",
            "კანონი არქიტექტურის, ქალაქგეგმარებისა და მშენებლობის შესახებ",
        ),
        "law/architecture",
    ),
    LegalDef(
        "law-housing",
        tr(
            "Law on Housing Relations",
            "Закон о жилищных отношениях",
            "Тұрғын үй қатынастары туралы заң",
            "კანონი საბინაო ურთიერთობების შესახებ",
        ),
        "law/housing",
    ),
    LegalDef(
        "law-digital-signature",
        tr(
            "Law on Electronic Documents and Digital Signatures",
            "Закон об электронном документе и электронной цифровой подписи",
            "Электрондық құжат және электрондық цифрлық қолтаңба туралы заң",
            "კანონი ელექტრონული დოკუმენტისა და ციფრული ხელმოწერის შესახებ",
        ),
        "law/digital-signature",
    ),
    LegalDef(
        "law-legal-statistics",
        tr(
            "Law on State Legal Statistics and Special Records",
            "Закон о государственной правовой статистике и специальных учётах",
            "Мемлекеттік құқықтық статистика және арнайы есепке алу туралы заң",
            "კანონი სამართლებრივი სტატისტიკისა და სპეციალური აღრიცხვის შესახებ",
        ),
        "law/legal-statistics",
    ),
    LegalDef(
        "law-archives",
        tr(
            "Law on the National Archive Fund",
            "Закон о Национальном архивном фонде",
            "Ұлттық мұрағат қоры туралы заң",
            "კანონი ეროვნული საარქივო ფონდის შესახებ",
        ),
        "law/archives",
    ),
    LegalDef(
        "law-public-services",
        tr(
            "Law on Public Services",
            "Закон о государственных услугах",
            "Мемлекеттік көрсетілетін қызметтер туралы заң",
            "კანონი საჯარო მომსახურების შესახებ",
        ),
        "law/public-services",
    ),
)


# Fee labels; the catalogue's fees name what is paid for.
FEE_LABELS: dict[str, dict[str, str]] = {
    "state-duty": tr("State duty", "Государственная пошлина", "Мемлекеттік баж", "სახელმწიფო ბაჟი"),
    "document-cost": tr(
        "Cost of the document blank",
        "Стоимость бланка документа",
        "Құжат бланкісінің құны",
        "დოკუმენტის ბლანკის ღირებულება",
    ),
    "registration-fee": tr(
        "Registration fee", "Сбор за регистрацию", "Тіркеу алымы", "სარეგისტრაციო მოსაკრებელი"
    ),
    "plates": tr(
        "Registration plates",
        "Государственные номерные знаки",
        "Мемлекеттік нөмір белгілері",
        "სახელმწიფო სანომრე ნიშნები",
    ),
    "licence-fee": tr("Licence fee", "Лицензионный сбор", "Лицензиялық алым", "სალიცენზიო მოსაკრებელი"),
    "urgent": tr("Urgent processing", "Срочное оформление", "Шұғыл рәсімдеу", "დაჩქარებული მომსახურება"),
}

EXEMPTION_GROUPS: dict[str, dict[str, str]] = {
    "pensioner": tr("Pensioners", "Пенсионеры", "Зейнеткерлер", "პენსიონერები"),
    "disability": tr(
        "People with disabilities of groups I and II",
        "Лица с инвалидностью I и II групп",
        "I және II топтағы мүгедектігі бар адамдар",
        "I და II ჯგუფის შეზღუდული შესაძლებლობის მქონე პირები",
    ),
    "large-family": tr(
        "Parents in large families (four or more children)",
        "Многодетные родители (четверо и более детей)",
        "Көпбалалы ата-аналар (төрт және одан да көп бала)",
        "მრავალშვილიანი მშობლები (ოთხი ან მეტი შვილი)",
    ),
    "veteran": tr("War veterans", "Ветераны войны", "Соғыс ардагерлері", "ომის ვეტერანები"),
}
