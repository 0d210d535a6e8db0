"""Referrals of a case from one agency to another that receives referrals.

The reason, the summary, the override reason, the outcome and every history
note are free text about a person: encrypted. Who may read a referral is
``referrals.selectors``; who may read its content (and the case) is the gate
in ``cases.selectors`` — once the referral ends, both agencies keep its
metadata (dates, agencies, status), not its content.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Membership, ReferenceItem
from cases.fields import EncryptedTextField
from cases.models import Case, Consent, DisclosureLevel


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    TRANSFER = "transfer", _("Transfer of the case")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


# Sort order of the incoming list: emergencies first.
URGENCY_RANK = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    RETURNED = "returned", _("Returned for changes")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States in which the receiving agency holds (or may hold) its grant.
ACTIVE_GRANT_STATES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
FINAL_STATES = (ReferralStatus.DECLINED, ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN)


class Referral(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("sending agency"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_agency = models.ForeignKey(
        Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReferralKind.choices, default=ReferralKind.REFERRAL)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    requested_services = models.ManyToManyField(
        ReferenceItem, verbose_name=_("requested services"), blank=True, related_name="+"
    )
    reason = EncryptedTextField(_("reason for the referral"))
    summary = EncryptedTextField(_("summary for the receiving agency"))
    grant_level = models.CharField(
        _("access asked for"), max_length=10, choices=DisclosureLevel.choices, default=DisclosureLevel.LIMITED
    )
    consent = models.ForeignKey(
        Consent, verbose_name=_("consent"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    emergency_override = models.BooleanField(_("emergency override of consent"), default=False)
    override_reason = EncryptedTextField(_("reason for the override"))
    override_approved_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    approved_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assigned_to = models.ForeignKey(
        Membership,
        verbose_name=_("receiving caseworker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_referrals",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Set when sent (cases' calendar rules, referrals.deadlines); overdue is
    # this compared with now, at read time.
    due_at = models.DateTimeField(_("answer due by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # When the receiving agency's grant ended (the referral ended, consent was
    # withdrawn, the case archived): from then on it keeps the metadata only.
    access_ended_at = models.DateTimeField(_("access ended at"), null=True, blank=True)
    outcome = EncryptedTextField(_("outcome"))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["to_agency", "status", "due_at"], name="referral_incoming_idx"),
            models.Index(fields=["from_agency", "status", "id"], name="referral_outgoing_idx"),
            models.Index(fields=["status", "due_at"], name="referral_overdue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_agency=models.F("to_agency")), name="referral_to_another_agency"
            )
        ]

    def __str__(self):
        return f"referral #{self.pk}"

    @property
    def is_transfer(self) -> bool:
        return self.kind == ReferralKind.TRANSFER

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATES

    def is_overdue_at(self, now) -> bool:
        return self.status == ReferralStatus.SENT and self.due_at is not None and self.due_at < now


class ReferralEvent(models.Model):
    """One step of a referral's history: who, when, what, why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    note = EncryptedTextField(_("note"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_idx")]

    def __str__(self):
        return f"referralevent #{self.pk}"


class ReferralEscalation(models.Model):
    """An overdue referral whose supervisors were told. The unique referral is
    what makes the beat task notify once however often it runs: the insert
    that wins the constraint sends, every other one fails and sends nothing."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="escalation")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"referralescalation #{self.pk}"


class ReferralCreateRequest(models.Model):
    """An Idempotency-Key seen on referral creation (see cases' twin)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "key"], name="referral_create_key_once")]

    def __str__(self):
        return f"referralcreaterequest #{self.pk}"


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("A referral awaits your approval")
    RETURNED = "returned", _("A referral was returned to you")
    SENT = "sent", _("A new referral for your agency")
    ACCEPTED = "accepted", _("A referral was accepted")
    DECLINED = "declined", _("A referral was declined")
    ASSIGNED = "assigned", _("A referral was assigned to you")
    COMPLETED = "completed", _("A referral was completed")
    WITHDRAWN = "withdrawn", _("A referral was withdrawn")
    OVERDUE = "overdue", _("A referral is overdue")


class Notification(models.Model):
    """An in-app notice to one membership. Its text is made from the kind and
    the referral's register number when shown: nothing about a person."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "read_at", "id"], name="notification_unread_idx")]

    def __str__(self):
        return f"notification #{self.pk}"
