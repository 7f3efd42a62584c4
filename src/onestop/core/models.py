"""Kernel tables: the audit trail, its signed checkpoints, regions and business-calendar overrides."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only record of a change of state, written in the same transaction as the change.

    Business transactions only INSERT (``seq`` and ``hash`` empty). The sealer later gives each
    committed row its place in the chain (``seq``) and its hash, in its own order, so no business
    transaction ever waits on a global chain lock.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=16)  # user | system | device | citizen | member
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)  # "<noun>.<verb>", e.g. "service.publish"
    target_type = models.CharField(max_length=80, blank=True)  # "<app_label>.<model>"
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    summary = models.JSONField(
        default=dict, encoder=DjangoJSONEncoder
    )  # {"before": …, "after": …, "reason": …}
    request_id = models.CharField(max_length=64, blank=True)
    # Filled by the sealer.
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["actor_kind", "actor_id"], name="audit_actor_idx"),
            # The sealer's work list: rows with no place in the chain yet.
            models.Index(fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_type}:{self.target_id}"


class AuditCheckpoint(models.Model):
    """A signed (seq, hash) pair: proof of the chain's head at a moment, exportable off the system."""

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)  # hex SHA-256 of the public key, first 16 bytes
    signature = models.CharField(max_length=128)  # base64 Ed25519 signature

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint @{self.seq}"


class AuditChainHead(models.Model):
    """The single row that says where the sealed chain ends (see docs/decisions/0003).

    Only the sealer locks and writes it, so sealers queue behind each other while business
    transactions (which only INSERT audit events) never touch it. Verification compares the chain's
    last row with it, which catches rows cut off (or appended) at the tail.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    event_id = models.BigIntegerField(null=True, blank=True)  # id of the row at ``seq``
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain head @{self.seq}"


class Region(models.Model):
    """A first-level administrative region of the deployment's country."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """An exception to the country's statutory calendar: an extra day off or a working weekend day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    country = models.CharField(_("country"), max_length=2)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["country", "date"], name="calendar_override_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.date} {self.kind}"
