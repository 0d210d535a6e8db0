"""What accounts keeps beyond Django's user: the per-person session boundary
and the API tokens. Second-factor devices are django-otp's own models."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountState(models.Model):
    """Security state of one person, created on first need.

    ``sessions_valid_after`` is the per-person boundary: a browser session
    started (or re-confirmed) before it is over, on its very next request,
    whatever the session engine. Sign-out, password change, deactivation and
    resets move it to "now".
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="account_state"
    )
    sessions_valid_after = models.DateTimeField(_("sessions valid after"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account state")
        verbose_name_plural = _("account states")

    def __str__(self):
        return f"account state #{self.user_id}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self, *, now):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A bearer token for the API, bound to one membership (its acting agency).

    Only the SHA-256 of the secret is stored; the secret is shown once.
    """

    membership = models.ForeignKey("agencies.Membership", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("starts with"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by_id = models.BigIntegerField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=30, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["membership", "revoked_at"], name="apitoken_membership_idx")]

    def __str__(self):
        return f"API token #{self.pk}"

    def is_active_at(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
