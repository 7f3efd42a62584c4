"""The exchange's tables: the directory (members, data services, purposes, access rights), the
built-in registries' records, and the exchange log with its chain head.

Identifiers are stored both as their parts and as one ``identifier`` string
(``INSTANCE/CLASS/CODE/SUBSYSTEM``), which is what headers carry and what the provider looks up.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Agency
from onestop.exchange.identifiers import ServiceId, SubsystemId
from onestop.people.models import User


class Member(models.Model):
    """A member subsystem (``INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM``): one per agency subsystem
    that calls or offers data services."""

    instance = models.CharField(_("instance"), max_length=255)
    member_class = models.CharField(_("member class"), max_length=255)
    member_code = models.CharField(_("member code"), max_length=255)
    subsystem_code = models.CharField(_("subsystem code"), max_length=255)
    identifier = models.CharField(_("identifier"), max_length=1024, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hosted = models.BooleanField(
        _("hosted here"),
        default=False,
        help_text=_("This deployment holds the subsystem's signing key (derived from its own key)."),
    )
    public_key = models.TextField(_("public key (PEM)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("member subsystem")
        verbose_name_plural = _("member subsystems")
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "member_class", "member_code", "subsystem_code"],
                name="exchange_member_parts_unique",
            )
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def subsystem_id(self) -> SubsystemId:
        return SubsystemId(self.instance, self.member_class, self.member_code, self.subsystem_code)


class DataService(models.Model):
    """A service a member subsystem offers, with its OpenAPI description.

    ``handler`` set: this deployment serves it (a built-in registry function) at ``/r1/…``.
    ``endpoint_url`` set: clients here reach it over HTTP at that base URL (the provider's security
    server, another OneStop, or this deployment's own loopback address); empty: clients here call
    the built-in handler in-process. At least one of the two is set."""

    provider = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="services")
    service_code = models.CharField(_("service code"), max_length=255)
    identifier = models.CharField(_("identifier"), max_length=1024, unique=True, editable=False)
    version = models.CharField(_("version"), max_length=20, default="1")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Agency, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    openapi = models.JSONField(_("OpenAPI description"), default=dict, blank=True)
    handler = models.CharField(
        _("built-in handler"),
        max_length=100,
        blank=True,
        help_text=_("The built-in registry function that answers this service, e.g. civil-registry.person."),
    )
    endpoint_url = models.URLField(
        _("remote endpoint"),
        max_length=400,
        blank=True,
        help_text=_("Base URL of the provider's security server; empty for a built-in registry."),
    )
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=5.0)
    personal_data = models.BooleanField(
        _("personal data"),
        default=True,
        help_text=_("Answers are about one person: calls must name them and a purpose."),
    )
    log_bodies = models.BooleanField(
        _("log message bodies"),
        default=False,
        help_text=_("Keep request and response bodies in the exchange log (otherwise only their hashes)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("data service")
        verbose_name_plural = _("data services")
        constraints = [
            models.UniqueConstraint(fields=["provider", "service_code"], name="exchange_service_unique")
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def service_id(self) -> ServiceId:
        return ServiceId(self.provider.subsystem_id, self.service_code)


class Purpose(models.Model):
    """A purpose a call may be made for. ``needs_open_matter``: the call must name (X-Road-Issue)
    an open application or case of the person whose data it asks for, handled by the calling
    agency; otherwise the purpose itself is the legal ground (an inspection under a named law)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    needs_open_matter = models.BooleanField(_("needs an open application or case"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return self.code


class AccessRight(models.Model):
    """Which client subsystem may call which data service, for which purposes. Denied unless a
    right exists and is not revoked."""

    client = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="rights")
    service = models.ForeignKey(DataService, on_delete=models.PROTECT, related_name="rights")
    purposes = models.ManyToManyField(Purpose, related_name="rights", verbose_name=_("purposes"))
    granted_at = models.DateTimeField(_("granted"))
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["client", "service"]
        verbose_name = _("access right")
        verbose_name_plural = _("access rights")
        constraints = [models.UniqueConstraint(fields=["client", "service"], name="exchange_right_unique")]

    def __str__(self) -> str:
        return f"{self.client} → {self.service}"


class RegistryRecord(models.Model):
    """One record of a built-in reference registry (the demo country's civil, address, property,
    business, vehicle, tax and social-insurance registers). A real deployment points the same
    service codes at the agencies' own systems instead."""

    registry = models.CharField(max_length=60)  # "civil-registry", "address-registry", …
    kind = models.CharField(max_length=40)  # "person", "birth", "marriage", "address", "title", …
    subject = models.CharField(max_length=20)  # national ID of the person the record is about
    data = models.JSONField(encoder=DjangoJSONEncoder)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["registry", "kind", "id"]
        indexes = [models.Index(fields=["registry", "kind", "subject"], name="registry_record_idx")]

    def __str__(self) -> str:
        return f"{self.registry}/{self.kind} {self.subject}"


class ExchangeLogEntry(models.Model):
    """One exchange as one side saw it. The request path only INSERTs the row (``seq`` empty); the
    sealer later gives it its place in the chain, its hash and the logging member's signature, as
    the audit trail does (exchange/log.py)."""

    class Side(models.TextChoices):
        CLIENT = "client", _("Client")
        PROVIDER = "provider", _("Provider")

    side = models.CharField(max_length=8, choices=Side.choices)
    logged_by = models.CharField(max_length=1024)  # the subsystem whose key signs the row
    x_road_id = models.CharField(max_length=255)
    request_id = models.CharField(max_length=64)
    client = models.CharField(max_length=1024)
    service = models.CharField(max_length=1024)
    client_member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_service = models.ForeignKey(
        DataService, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_id = models.CharField(max_length=255, blank=True)
    issue = models.CharField(max_length=255, blank=True)
    purpose = models.CharField(max_length=60, blank=True)
    subject = models.CharField(max_length=20, blank=True)  # whose data: the tracker's key
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    status = models.PositiveSmallIntegerField()
    error_type = models.CharField(max_length=80, blank=True)
    request_hash = models.CharField(max_length=100)
    response_hash = models.CharField(max_length=100, blank=True)
    latency_ms = models.FloatField()
    started_at = models.DateTimeField()
    request_body = models.TextField(null=True, blank=True)  # only when the service logs bodies
    response_body = models.TextField(null=True, blank=True)
    # Filled in by the sealer.
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=100, blank=True)
    key_id = models.CharField(max_length=32, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("exchange log entry")
        verbose_name_plural = _("exchange log entries")
        indexes = [
            models.Index(fields=["subject", "started_at"], name="exchange_log_subject_idx"),
            models.Index(fields=["started_at"], name="exchange_log_time_idx"),
            models.Index(fields=["x_road_id"], name="exchange_log_xroad_idx"),
            models.Index(
                fields=["id"], name="exchange_log_unsealed_idx", condition=models.Q(seq__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.x_road_id} {self.status}"


class ExchangeChainHead(models.Model):
    """The last sealed entry of the exchange log's chain (one row), locked by the sealer."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"exchange head {self.seq}"
