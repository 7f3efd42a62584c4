"""Back-office tables. An Application bundles one or more services for one citizen (the "one
application" principle); each service becomes a Case at its competent agency, with its own
workflow, SLA clock, evidence, decision and output document.

Status is data (CharField + TextChoices), transitions are code (cases/workflow.py): every change is a
compare-and-set with an append-only CaseEvent.
"""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Agency, EvidenceType, Service
from onestop.centres.models import Centre
from onestop.people.models import Citizen, User
from onestop.queueing.models import Ticket


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("At a counter")
        ONLINE = "online", _("Online")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="applications")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    tracking_number = models.CharField(
        _("tracking number"), max_length=20, unique=True, null=True, blank=True
    )
    centre = models.ForeignKey(Centre, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    operator = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    fee_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    fee_currency = models.CharField(max_length=3, blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # receipt QR / status link

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["citizen", "status"], name="application_citizen_idx")]

    def __str__(self) -> str:
        return self.tracking_number or f"draft #{self.pk}"


class ApplicationItem(models.Model):
    """One service asked for in an application, with the answers to its form. Becomes one Case."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    fee_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    fee_currency = models.CharField(max_length=3, blank=True)
    exemption = models.SlugField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "service"], name="application_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.service_id}"


# The statuses in which a case's SLA clock runs (workflow.CLOCK_RUNNING_STATUSES; a test keeps
# them equal). Spelled out here because the partial indexes below need plain values.
CLOCK_RUNNING = ["in_review", "resubmitted", "submitted"]
# The statuses still waiting for the agency's decision (workflow.OPEN_STATUSES; a test keeps them
# equal): the worklist's partial index holds only these.
OPEN = ["in_review", "information_requested", "resubmitted", "submitted"]

#: The worklist's order, most urgent first: breached, then at risk, then the rest; within each, the
#: earliest statutory deadline (then the id) first. The sweep's verdict outranks the raw date: a case
#: whose clock resumed may be breached yet due later than an untouched one. Defined here because the
#: worklist index is built on exactly this expression; PostgreSQL uses that index only for an ORDER
#: BY that compiles to the same SQL, so the selector and the office view order by this object.
WORKLIST_URGENCY = models.Case(
    models.When(sla_state="breached", then=models.Value(0)),
    models.When(sla_state="at_risk", then=models.Value(1)),
    default=models.Value(2),
    output_field=models.IntegerField(),
)
WORKLIST_ORDER = (WORKLIST_URGENCY, "statutory_due_at", "pk")


class Case(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        RESUBMITTED = "resubmitted", _("Information provided")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RESULT_ISSUED = "result_issued", _("Result issued")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class SlaState(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="cases")
    item = models.OneToOneField(ApplicationItem, on_delete=models.PROTECT, related_name="case")
    number = models.CharField(_("case number"), max_length=24, unique=True)
    # No single-column index on citizen, agency and assignee: case_citizen_idx, case_agency_idx and
    # case_worklist_idx start with them and serve every lookup (and PROTECT check) by them. Every
    # index costs an entry on each insert and on each SLA or status change of the million rows.
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="cases", db_index=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases", db_index=False)
    assignee = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField()
    # SLA clock: deadlines are stored timestamps, moved forward when the clock resumes after a
    # suspension (information requested), swept by a periodic task.
    statutory_due_at = models.DateTimeField(_("statutory deadline"))
    target_due_at = models.DateTimeField(_("target deadline"), null=True, blank=True)
    clock_stopped_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.ON_TRACK)
    at_risk_at = models.DateTimeField(null=True, blank=True)  # when the sweep should mark it at risk
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)  # bumped by every transition

    class Meta:
        ordering = ["statutory_due_at"]
        indexes = [
            # An officer's worklist, most urgent first.
            models.Index(fields=["assignee", "status", "statutory_due_at"], name="case_worklist_idx"),
            # The first page of that worklist in its order (WORKLIST_ORDER): PostgreSQL reads the
            # officer's first 50 entries of this index instead of every open case plus a sort. Partial,
            # so only the open cases (a fifth of the table, less as the years add up) are in it. The
            # agency rides along (PostgreSQL only) so the page's count of the officer's open cases,
            # scoped by agency, is an index-only scan.
            models.Index(
                models.F("assignee"),
                WORKLIST_URGENCY,
                models.F("statutory_due_at"),
                models.F("id"),
                name="case_worklist_open_idx",
                condition=models.Q(status__in=OPEN),
                include=["agency"],
            ),
            models.Index(fields=["agency", "status", "statutory_due_at"], name="case_agency_idx"),
            # The SLA sweep's work: cases whose clock runs and whose next threshold has passed.
            # Partial, so decided cases (most of the table over the years) are not in them at all;
            # the predicates match sla_sweep's filters exactly (workflow.CLOCK_RUNNING_STATUSES).
            models.Index(
                fields=["at_risk_at"],
                name="case_sla_risk_open_idx",
                condition=models.Q(sla_state="on_track", status__in=CLOCK_RUNNING),
            ),
            models.Index(
                fields=["statutory_due_at"],
                name="case_sla_breach_open_idx",
                condition=models.Q(sla_state__in=["at_risk", "on_track"], status__in=CLOCK_RUNNING),
            ),
            models.Index(fields=["citizen", "submitted_at"], name="case_citizen_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """Append-only history of a case: who, when, from, to, why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)  # transition name or "assigned", "reassigned", "sla_at_risk", …
    at = models.DateTimeField()
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor_kind = models.CharField(max_length=16, blank=True)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Document(models.Model):
    """A file in a case: uploaded by the citizen or operator (sniffed, hashed, stored through Django
    storage) or fetched from a registry (with provenance)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        REGISTRY = "registry", _("Fetched from a registry")
        OUTPUT = "output", _("Issued result")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="documents")
    evidence_type = models.ForeignKey(
        EvidenceType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    file = models.FileField(upload_to="cases/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by_kind = models.CharField(max_length=16, blank=True)
    uploaded_by_id = models.CharField(max_length=64, blank=True)
    provenance = models.JSONField(default=dict, blank=True)  # registry: agency, service, request id, when

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class EvidenceItem(models.Model):
    """One evidence requirement of an application item and where it stands."""

    class Status(models.TextChoices):
        TO_BE_FETCHED = "to_be_fetched", _("The state will fetch it")
        FETCHED = "fetched", _("Fetched from the registry")
        TO_BE_UPLOADED = "to_be_uploaded", _("To be uploaded")
        UPLOADED = "uploaded", _("Uploaded")

    item = models.ForeignKey(ApplicationItem, on_delete=models.CASCADE, related_name="evidence")
    evidence_type = models.ForeignKey(EvidenceType, on_delete=models.PROTECT, related_name="+")
    required = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Fetching from the registry: while it is down the item stays "to be fetched" and a periodic
    # task retries it at next_fetch_at (with back-off); nothing else waits for it.
    fetch_attempts = models.PositiveSmallIntegerField(default=0)
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    last_fetch_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "evidence_type"], name="evidence_item_unique")]
        indexes = [
            models.Index(
                fields=["next_fetch_at"],
                name="evidence_fetch_due_idx",
                condition=models.Q(status="to_be_fetched"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.evidence_type_id} {self.status}"


class InformationRequest(models.Model):
    """An officer asks the citizen for more; the SLA clock stops until the citizen answers."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    message = models.TextField(_("what is needed"))
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.requested_at:%Y-%m-%d}"


class ReasonCode(models.Model):
    """A published reason for a decision; a rejection reason names its legal ground."""

    class Outcome(models.TextChoices):
        APPROVAL = "approval", _("Approval")
        REJECTION = "rejection", _("Rejection")

    code = models.SlugField(max_length=40, unique=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    label = models.CharField(_("label"), max_length=200)
    legal_ground = models.CharField(_("legal ground"), max_length=300, blank=True)

    class Meta:
        ordering = ["outcome", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="rejection") | ~models.Q(legal_ground=""),
                name="rejection_reason_cites_legal_ground",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason_codes = models.ManyToManyField(ReasonCode, related_name="+")
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class OutputDocument(models.Model):
    """The issued result: a PDF with a verification code and QR; revocable."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="output_document")
    verification_code = models.CharField(max_length=24, unique=True)
    file = models.FileField(upload_to="outputs/%Y/%m/", max_length=300)
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    valid_until = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.verification_code


class OfficerProfile(models.Model):
    """Which services an officer may handle and whether they are absent; drives assignment."""

    officer = models.OneToOneField(User, on_delete=models.CASCADE, related_name="officer_profile")
    services = models.ManyToManyField(
        Service, blank=True, related_name="+"
    )  # empty: every service of the agency
    absent_from = models.DateField(null=True, blank=True)
    absent_until = models.DateField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)  # round-robin on ties

    def __str__(self) -> str:
        return str(self.officer)


class Webhook(models.Model):
    """An agency system's subscription to its case events, signed with HMAC-SHA256."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=400)
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """Outbox row of one event for one webhook, retried with back-off."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_id} {self.status}"
