"""Sign-in and failed sign-in go into the audit trail; a new session is stamped.

A failed attempt records no username: it may be a mistyped password or a
person's name typed into the wrong box. The IP and the time are enough to
investigate; the lockout counters carry the rest. Sign-out and session ends
are audited where they happen (accounts.services.account_sign_out, the
session middleware), with their reason.
"""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import sessions
from audit.services import audit_record, client_ip


def _request_meta(request):
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    return {"ip_address": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


@receiver(user_logged_in)
def stamp_and_audit_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.session_start(request)
    audit_record(
        action="auth.sign_in", actor_id=user.pk, target_type="user", target_id=user.pk, **_request_meta(request)
    )


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    audit_record(action="auth.sign_in_failed", **_request_meta(request))
