"""The notification outbox. Services write a row in their transaction; a task sends it after commit
(the channels — SMS, email — arrive with the notifications issue). Nothing is lost if sending fails."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Audience(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        STAFF = "staff", _("Staff member")

    audience = models.CharField(max_length=8, choices=Audience.choices)
    recipient_id = models.CharField(max_length=64)  # Citizen pk or User pk
    template = models.SlugField(max_length=80)  # e.g. "case.information_requested"
    context = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="en")
    subject_type = models.CharField(max_length=80, blank=True)  # "<app_label>.<model>"
    subject_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "id"], name="notification_pending_idx"),
            models.Index(fields=["audience", "recipient_id"], name="notification_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.audience}:{self.recipient_id}"
