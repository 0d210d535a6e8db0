from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only, hash-chained entry of the audit trail.

    Actor, agency and target are plain ids, not foreign keys: the trail must
    outlive what it talks about, and must never be cascaded away. Details never
    hold a person's identity or free text; they hold ids and codes.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    agency_id = models.BigIntegerField(_("acting agency id"), null=True, blank=True)
    membership_id = models.BigIntegerField(_("membership id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.CharField(_("target type"), max_length=60, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx")]

    def __str__(self):
        return f"#{self.pk} {self.action}"
