"""The public-service catalogue, aligned with CPSV-AP 3.2 (PublicService, PublicOrganisation,
Evidence, Output, Cost, Channel, LegalResource, LifeEvent)."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.models import Region

iso_duration_validator = RegexValidator(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$",
    _("Use an ISO 8601 duration in whole days, weeks, months or years, for example P10D or P1M."),
)
currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 currency code such as KZT."))


class DurationUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar", _("calendar days")
    BUSINESS_DAYS = "business", _("business days")


class Agency(models.Model):
    """A public organisation that is competent for services (CPSV-AP ``PublicOrganisation``)."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        REGIONAL = "regional", _("Regional")
        LOCAL = "local", _("Local")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only services of an active agency can be published.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """A situation in a person's or business's life that calls for services (CPSV-AP ``Event``)."""

    class Audience(models.TextChoices):
        PERSON = "person", _("People")
        BUSINESS = "business", _("Businesses")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.PERSON
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return self.name


class EvidenceType(models.Model):
    """A kind of proof a service needs (CPSV-AP ``Evidence``).

    If ``exchange_service`` names a data service (``MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE``),
    the state fetches it from that registry and the citizen brings nothing; otherwise the citizen
    supplies it.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    exchange_service = models.CharField(
        _("exchange data service"),
        max_length=200,
        blank=True,
        help_text=_("The registry's data service that supplies this evidence, if any."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("evidence type")
        verbose_name_plural = _("evidence types")

    def __str__(self) -> str:
        return self.name

    @property
    def fetched_by_state(self) -> bool:
        return bool(self.exchange_service)


class Output(models.Model):
    """What a service produces (CPSV-AP ``Output``): a certificate, licence, registration, decision."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        LICENCE = "licence", _("Licence")
        REGISTRATION = "registration", _("Registration")
        DOCUMENT = "document", _("Document")
        DECISION = "decision", _("Decision")
        PAYMENT = "payment", _("Payment")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    validity = models.CharField(
        _("validity"),
        max_length=16,
        blank=True,
        validators=[iso_duration_validator],
        help_text=_("How long the output stays valid, as an ISO 8601 duration; empty for indefinitely."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("output")
        verbose_name_plural = _("outputs")

    def __str__(self) -> str:
        return self.name


class LegalResource(models.Model):
    """A law or regulation that a service rests on (CPSV-AP ``LegalResource``, ELI)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("link"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("legal resource")
        verbose_name_plural = _("legal resources")

    def __str__(self) -> str:
        return self.title


class Service(models.Model):
    """A public service (CPSV-AP ``PublicService``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    identifier = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=400, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("competent agency"), on_delete=models.PROTECT, related_name="services"
    )
    life_events = models.ManyToManyField(
        LifeEvent, verbose_name=_("life events"), blank=True, related_name="services"
    )
    outputs = models.ManyToManyField(Output, verbose_name=_("outputs"), blank=True, related_name="services")
    legal_resources = models.ManyToManyField(
        LegalResource, verbose_name=_("legal basis"), blank=True, related_name="services"
    )
    statutory_time = models.CharField(
        _("statutory processing time"), max_length=16, validators=[iso_duration_validator]
    )
    statutory_time_unit = models.CharField(
        _("statutory time counted in"),
        max_length=16,
        choices=DurationUnit.choices,
        default=DurationUnit.BUSINESS_DAYS,
    )
    target_time = models.CharField(
        _("target processing time"), max_length=16, blank=True, validators=[iso_duration_validator]
    )
    target_time_unit = models.CharField(
        _("target time counted in"),
        max_length=16,
        choices=DurationUnit.choices,
        default=DurationUnit.BUSINESS_DAYS,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    popularity = models.PositiveIntegerField(
        _("popularity"),
        default=0,
        help_text=_("Requests a year; orders the catalogue's most used services first."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-popularity", "identifier"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class ServiceChannel(models.Model):
    """A way to obtain a service (CPSV-AP ``Channel``)."""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("At a service centre counter")
        ONLINE = "online", _("Online")
        KIOSK = "kiosk", _("At a self-service kiosk")
        MOBILE = "mobile", _("From a mobile unit")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("channel"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["service", "kind"], name="service_channel_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()


class ServiceEvidence(models.Model):
    """One evidence requirement of a service (CPSV-AP ``Requirement`` fulfilled by ``Evidence``)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="evidence_requirements")
    evidence_type = models.ForeignKey(EvidenceType, on_delete=models.PROTECT, related_name="requirements")
    required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "evidence_type"], name="service_evidence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.evidence_type}"


class Fee(models.Model):
    """A fixed, published fee of a service (CPSV-AP ``Cost``). Amounts are decimals, never floats."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="fees")
    label = models.CharField(_("label"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])

    class Meta:
        ordering = ["id"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.label}: {self.amount} {self.currency}"


class FeeExemption(models.Model):
    """Who pays less or nothing: a beneficiary group and its discount."""

    fee = models.ForeignKey(Fee, on_delete=models.CASCADE, related_name="exemptions")
    group = models.SlugField(
        _("beneficiary group"), max_length=40
    )  # e.g. disability, pensioner, large-family
    description = models.CharField(_("description"), max_length=300)
    discount_percent = models.PositiveSmallIntegerField(
        _("discount (%)"), default=100, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["fee", "group"], name="fee_exemption_unique_group"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=1, discount_percent__lte=100),
                name="fee_exemption_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} -{self.discount_percent}%"


class ServiceFormField(models.Model):
    """One field of a service's application form: typed, required or not, with choices and help,
    in every interface language. The form is rendered accessibly and validated on the server."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("One choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
        YES_NO = "yes_no", _("Yes or no")
        EMAIL = "email", _("Email address")
        PHONE = "phone", _("Phone number")
        NATIONAL_ID = "national_id", _("National ID")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="form_fields")
    key = models.SlugField(_("key"), max_length=60)  # stable name in the stored answers
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=400, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # [{"value": "urgent", "label": {"en": "Urgent", "ru": "Срочно", …}}, …] for choice kinds
    choices = models.JSONField(_("choices"), default=list, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "key"], name="service_form_field_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}.{self.key}"
