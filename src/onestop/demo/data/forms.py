"""Application forms of the demo's most used services: typed fields with labels, help texts and
choice labels in the four content languages.

Fields are defined once in ``FIELDS`` and composed per service in ``SERVICE_FORMS``; a top service
not listed there gets ``DEFAULT_FORM``. Every form ends with how the citizen wants the result and a
phone number to reach them.
"""

from __future__ import annotations

from dataclasses import dataclass

from onestop.demo.data import tr


@dataclass(frozen=True)
class FieldDef:
    kind: str
    label: dict[str, str]
    help_text: dict[str, str] | None = None
    required: bool = True
    choices: tuple[tuple[str, dict[str, str]], ...] = ()
    max_length: int | None = None
    # Sample answers for the demo history (text kinds); other kinds are generated from their type.
    samples: tuple[str, ...] = ()


FIRST_ISSUE = ("first", tr("First issue", "Первичная выдача", "Алғаш рет беру", "პირველადი გაცემა"))
EXPIRED = ("expired", tr("Expired", "Истёк срок действия", "Қолданылу мерзімі өтті", "ვადა გაუვიდა"))
LOST = ("lost", tr("Lost or stolen", "Утеря или кража", "Жоғалды немесе ұрланды", "დაკარგვა ან ქურდობა"))
DAMAGED = ("damaged", tr("Damaged", "Повреждение", "Бүлінді", "დაზიანება"))
CHANGED = (
    "changed",
    tr(
        "Change of name or data",
        "Изменение ФИО или данных",
        "Аты-жөнінің немесе деректердің өзгеруі",
        "მონაცემების შეცვლა",
    ),
)

FIELDS: dict[str, FieldDef] = {
    "delivery": FieldDef(
        "choice",
        tr(
            "How do you want to receive the result?",
            "Как вы хотите получить результат?",
            "Нәтижені қалай алғыңыз келеді?",
            "როგორ გსურთ შედეგის მიღება?",
        ),
        choices=(
            (
                "centre",
                tr(
                    "At the service centre",
                    "В центре обслуживания",
                    "Қызмет көрсету орталығында",
                    "მომსახურების ცენტრში",
                ),
            ),
            (
                "online",
                tr(
                    "Electronically in my account",
                    "Электронно в личном кабинете",
                    "Жеке кабинетте электронды түрде",
                    "ელექტრონულად ჩემს კაბინეტში",
                ),
            ),
        ),
    ),
    "contact_phone": FieldDef(
        "phone",
        tr("Phone number", "Номер телефона", "Телефон нөмірі", "ტელეფონის ნომერი"),
        tr(
            "We send a text message when the result is ready.",
            "Мы отправим SMS, когда результат будет готов.",
            "Нәтиже дайын болғанда SMS жібереміз.",
            "შედეგის მზადყოფნისას გამოგიგზავნით SMS-ს.",
        ),
    ),
    "contact_email": FieldDef(
        "email",
        tr("Email address", "Адрес электронной почты", "Электрондық пошта мекенжайы", "ელ. ფოსტის მისამართი"),
        required=False,
    ),
    "purpose": FieldDef(
        "choice",
        tr(
            "What is the certificate for?",
            "Для чего нужна справка?",
            "Анықтама не үшін қажет?",
            "რისთვის გჭირდებათ ცნობა?",
        ),
        choices=(
            ("employment", tr("Employment", "Трудоустройство", "Жұмысқа орналасу", "დასაქმება")),
            (
                "court",
                tr("A court or notary", "Суд или нотариус", "Сот немесе нотариус", "სასამართლო ან ნოტარიუსი"),
            ),
            (
                "abroad",
                tr(
                    "Use abroad",
                    "Для использования за рубежом",
                    "Шетелде пайдалану үшін",
                    "საზღვარგარეთ გამოსაყენებლად",
                ),
            ),
            ("other", tr("Other", "Другое", "Басқа", "სხვა")),
        ),
    ),
    "issue_reason": FieldDef(
        "choice",
        tr(
            "Why do you need the document?",
            "Причина получения документа",
            "Құжатты алу себебі",
            "დოკუმენტის მიღების მიზეზი",
        ),
        choices=(FIRST_ISSUE, EXPIRED, LOST, DAMAGED, CHANGED),
    ),
    "urgent": FieldDef(
        "yes_no",
        tr("Do you need it urgently?", "Нужно срочно?", "Шұғыл қажет пе?", "სასწრაფოდ გჭირდებათ?"),
        tr(
            "Urgent issue costs double the state duty.",
            "Срочное оформление — двойная госпошлина.",
            "Шұғыл рәсімдеу — екі есе мемлекеттік баж.",
            "სასწრაფო გაცემა ორმაგი ბაჟია.",
        ),
    ),
    "new_address": FieldDef(
        "text",
        tr("New address", "Новый адрес", "Жаңа мекенжай", "ახალი მისამართი"),
        tr(
            "Street, house, flat, locality",
            "Улица, дом, квартира, населённый пункт",
            "Көше, үй, пәтер, елді мекен",
            "ქუჩა, სახლი, ბინა, დასახლება",
        ),
        max_length=200,
        samples=(
            "Abai avenue 12, flat 34, Zhelsai",
            "Tauelsizdik street 5, Kokzhiek",
            "Baiterek district, Ayakkum 17",
        ),
    ),
    "move_date": FieldDef(
        "date",
        tr("Date you moved in", "Дата заселения", "Қоныстанған күні", "შესახლების თარიღი"),
    ),
    "residents": FieldDef(
        "number",
        tr(
            "How many people live at the address?",
            "Сколько человек проживает по адресу?",
            "Мекенжайда неше адам тұрады?",
            "რამდენი ადამიანი ცხოვრობს მისამართზე?",
        ),
    ),
    "vin": FieldDef(
        "text",
        tr(
            "Vehicle identification number (VIN)",
            "Идентификационный номер (VIN)",
            "Сәйкестендіру нөмірі (VIN)",
            "საიდენტიფიკაციო ნომერი (VIN)",
        ),
        tr(
            "17 characters, on the registration certificate",
            "17 символов, указан в техпаспорте",
            "17 таңба, тіркеу куәлігінде",
            "17 სიმბოლო, სარეგისტრაციო მოწმობაზე",
        ),
        max_length=17,
        samples=("XW8ZZZ61ZKG012345", "JTMHV05J804123456", "Z94CT41DBMR654321"),
    ),
    "plate": FieldDef(
        "text",
        tr("Registration plate", "Государственный номер", "Мемлекеттік нөмір", "სახელმწიფო ნომერი"),
        required=False,
        max_length=10,
        samples=("123ABC02", "777KZA01", "505DLR15"),
    ),
    "cadastral_number": FieldDef(
        "text",
        tr(
            "Cadastral number of the property",
            "Кадастровый номер объекта",
            "Нысанның кадастрлық нөмірі",
            "ობიექტის საკადასტრო კოდი",
        ),
        max_length=30,
        samples=("20-311-045-123", "03-047-210-1456", "15-002-118-77"),
    ),
    "deal_kind": FieldDef(
        "choice",
        tr("Kind of transaction", "Вид сделки", "Мәміле түрі", "გარიგების სახე"),
        choices=(
            ("sale", tr("Sale", "Купля-продажа", "Сатып алу-сату", "ნასყიდობა")),
            ("gift", tr("Gift", "Дарение", "Сыйға тарту", "ჩუქება")),
            ("inheritance", tr("Inheritance", "Наследование", "Мұрагерлік", "მემკვიდრეობა")),
        ),
    ),
    "child_name": FieldDef(
        "text",
        tr("Child's given name", "Имя ребёнка", "Баланың аты", "ბავშვის სახელი"),
        max_length=60,
        samples=("Айлин", "Нұрислам", "Мария", "Алихан", "Томирис"),
    ),
    "child_birth_date": FieldDef(
        "date",
        tr(
            "Child's date of birth", "Дата рождения ребёнка", "Баланың туған күні", "ბავშვის დაბადების თარიღი"
        ),
    ),
    "spouse_id": FieldDef(
        "national_id",
        tr("Spouse's national ID", "ИИН супруга(-и)", "Жұбайының ЖСН", "მეუღლის პირადი ნომერი"),
        required=False,
    ),
    "event_date": FieldDef("date", tr("Date of the event", "Дата события", "Оқиға күні", "მოვლენის თარიღი")),
    "keep_surname": FieldDef(
        "yes_no",
        tr(
            "Keep your current surname?",
            "Сохранить текущую фамилию?",
            "Қазіргі тегіңізді сақтайсыз ба?",
            "შეინარჩუნებთ ამჟამინდელ გვარს?",
        ),
    ),
    "deceased_id": FieldDef(
        "national_id",
        tr(
            "National ID of the deceased",
            "ИИН умершего",
            "Қайтыс болған адамның ЖСН",
            "გარდაცვლილის პირადი ნომერი",
        ),
    ),
    "iban": FieldDef(
        "text",
        tr("Bank account (IBAN)", "Банковский счёт (IBAN)", "Банк шоты (IBAN)", "საბანკო ანგარიში (IBAN)"),
        tr(
            "20 characters starting with KZ",
            "20 символов, начинается с KZ",
            "KZ-тен басталатын 20 таңба",
            "20 სიმბოლო, იწყება KZ-ით",
        ),
        max_length=34,
        samples=("KZ86125KZT5004100100", "KZ75722C000012345678", "KZ21601A861012345678"),
    ),
    "employer": FieldDef(
        "text",
        tr("Last employer", "Последнее место работы", "Соңғы жұмыс орны", "ბოლო დამსაქმებელი"),
        required=False,
        max_length=120,
        samples=("Kokzhiek Grain LLP", "City Hospital No. 2", "Dalaria Rail JSC"),
    ),
    "school": FieldDef(
        "text",
        tr("School", "Школа", "Мектеп", "სკოლა"),
        max_length=120,
        samples=("School-lyceum No. 12", "Gymnasium No. 3", "Secondary school No. 41"),
    ),
    "business_name": FieldDef(
        "text",
        tr("Business name", "Наименование", "Атауы", "დასახელება"),
        max_length=120,
        samples=("Aqsu Trade", "Nomad Print", "Dala Bakery"),
    ),
    "activity": FieldDef(
        "choice",
        tr("Main activity", "Основной вид деятельности", "Негізгі қызмет түрі", "ძირითადი საქმიანობა"),
        choices=(
            ("retail", tr("Retail trade", "Розничная торговля", "Бөлшек сауда", "საცალო ვაჭრობა")),
            (
                "services",
                tr(
                    "Personal services", "Бытовые услуги", "Тұрмыстық қызметтер", "საყოფაცხოვრებო მომსახურება"
                ),
            ),
            (
                "it",
                tr("Software and IT", "Программирование и ИТ", "Бағдарламалау және АТ", "პროგრამირება და IT"),
            ),
            ("farming", tr("Farming", "Сельское хозяйство", "Ауыл шаруашылығы", "სოფლის მეურნეობა")),
        ),
    ),
    "clinic": FieldDef(
        "text",
        tr(
            "Clinic you want to be attached to",
            "Поликлиника прикрепления",
            "Тіркелетін емхана",
            "სასურველი პოლიკლინიკა",
        ),
        max_length=120,
        samples=("City polyclinic No. 5", "Family clinic Densaulyk", "District hospital Akbidai"),
    ),
    "comment": FieldDef(
        "long_text",
        tr(
            "Anything else the officer should know",
            "Дополнительные сведения для специалиста",
            "Маманға қосымша мәліметтер",
            "დამატებითი ინფორმაცია სპეციალისტისთვის",
        ),
        required=False,
        max_length=1000,
        samples=("", "", "Please call before noon.", "I am abroad until next month."),
    ),
}

CONTACT = ("delivery", "contact_phone", "contact_email")
DEFAULT_FORM: tuple[str, ...] = ("purpose", *CONTACT, "comment")

SERVICE_FORMS: dict[str, tuple[str, ...]] = {
    "address-registration": ("new_address", "move_date", "residents", *CONTACT),
    "address-deregistration": ("move_date", *CONTACT),
    "address-certificate": ("purpose", *CONTACT),
    "id-card": ("issue_reason", "urgent", *CONTACT),
    "passport": ("issue_reason", "urgent", *CONTACT),
    "digital-signature": ("contact_phone", "contact_email"),
    "no-criminal-record": ("purpose", *CONTACT),
    "vehicle-registration": ("vin", "plate", "deal_kind", *CONTACT),
    "vehicle-deregistration": ("vin", "plate", *CONTACT),
    "driving-licence-replacement": ("issue_reason", *CONTACT),
    "driving-licence-issue": ("urgent", *CONTACT),
    "property-certificate": ("cadastral_number", "purpose", *CONTACT),
    "property-registration": ("cadastral_number", "deal_kind", *CONTACT, "comment"),
    "birth-registration": ("child_name", "child_birth_date", "spouse_id", *CONTACT),
    "birth-benefit": ("child_birth_date", "iban", *CONTACT),
    "childcare-benefit": ("child_birth_date", "iban", *CONTACT),
    "large-family-benefit": ("iban", *CONTACT),
    "funeral-benefit": ("deceased_id", "iban", *CONTACT),
    "pension-award": ("employer", "iban", *CONTACT),
    "disability-benefit": ("iban", *CONTACT),
    "civil-status-certificate": ("purpose", "event_date", *CONTACT),
    "marriage-registration": ("spouse_id", "event_date", "keep_surname", *CONTACT),
    "death-registration": ("deceased_id", "event_date", *CONTACT),
    "school-enrolment": ("child_name", "child_birth_date", "school", *CONTACT),
    "sole-proprietor-registration": ("business_name", "activity", *CONTACT),
    "company-registration": ("business_name", "activity", *CONTACT, "comment"),
    "clinic-attachment": ("clinic", *CONTACT),
    "job-seeker-registration": ("employer", *CONTACT, "comment"),
}

# How many of the most used services get a form.
FORM_SERVICES = 30
