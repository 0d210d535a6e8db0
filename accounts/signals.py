"""Sign-in, sign-out and failed sign-in go into the audit trail.

A failed attempt records no username: it may be a mistyped password or a
person's name typed into the wrong box. The IP and the time are enough to
investigate; the lockout counters carry the rest.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import audit_record, client_ip


def _request_meta(request):
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    return {"ip_address": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit_record(
        action="auth.sign_in", actor_id=user.pk, target_type="user", target_id=user.pk, **_request_meta(request)
    )


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is None:
        return
    audit_record(
        action="auth.sign_out", actor_id=user.pk, target_type="user", target_id=user.pk, **_request_meta(request)
    )


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    audit_record(action="auth.sign_in_failed", **_request_meta(request))
