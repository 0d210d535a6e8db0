"""Every signed-in request passes here, after django-otp's middleware and
before the active membership is chosen.

1. The session's lifetimes (accounts.sessions): the person's boundary
   (sign-out elsewhere, password change, deactivation, resets), 12 hours
   absolute, 15 minutes idle. An ended session is signed out, audited, and
   the request is sent to sign-in (or answered 401 for script requests).
2. Activity: every request counts, except a background poll
   (``X-Background-Poll: 1``) and the session status endpoint itself.
3. The second factor: until verified, a signed-in person reaches only the
   second-factor pages, sign-out and the language switch. The API is guarded
   by its own authentication classes (a session without the second factor is
   not authenticated there).
4. A temporary password (new account, admin reset) must be replaced before
   anything else.
5. Signed-in responses are never stored by browsers or proxies.
"""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import sessions
from accounts.models import AccountState
from accounts.two_factor import has_second_factor, is_verified, needs_second_factor
from audit.services import audit_record, client_ip

# Reachable before the second factor is given.
_PRE_VERIFY_NAMES = (
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "accounts:logout",
    "accounts:session_status",
    "set_language",
    "javascript-catalog",
)
_PASSWORD_CHANGE_NAMES = ("accounts:password_change", "accounts:logout", "accounts:session_status", "set_language")
_ALWAYS_OPEN_PREFIXES = ("/static/", "/health/")


def _paths(names) -> frozenset[str]:
    return frozenset(reverse(name) for name in names)


def _wants_json(request) -> bool:
    return (
        request.path.startswith("/api/")
        or sessions.is_background_poll(request)
        or "application/json" in request.META.get("HTTP_ACCEPT", "")
    )


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._pre_verify = None
        self._password_change = None

    def _lazy_paths(self):
        if self._pre_verify is None:
            self._pre_verify = _paths(_PRE_VERIFY_NAMES)
            self._password_change = _paths(_PASSWORD_CHANGE_NAMES)

    def __call__(self, request):
        self._lazy_paths()
        response = self._check(request)
        if response is None:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(("/accounts/", "/admin/")):
            response["Cache-Control"] = "no-store"
        return response

    def _check(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(_ALWAYS_OPEN_PREFIXES):
            return None
        state = AccountState.objects.filter(user_id=user.pk).values("sessions_valid_after", "must_change_password")
        state = state.first() or {"sessions_valid_after": None, "must_change_password": False}
        reason = sessions.session_end_reason(request, boundary=state["sessions_valid_after"])
        if reason is not None:
            return self._end(request, reason)
        if not sessions.is_background_poll(request) and request.path != reverse("accounts:session_status"):
            sessions.session_touch(request)

        second_factor_done = is_verified(user) or not needs_second_factor(user)
        if not second_factor_done:
            if request.path.startswith("/api/"):
                return None  # the API's session authentication refuses this session itself
            if request.path not in self._pre_verify:
                step = "accounts:two_factor_verify" if has_second_factor(user) else "accounts:two_factor_setup"
                return self._redirect(request, step)
            return None
        if state["must_change_password"] and request.path not in self._password_change:
            return self._redirect(request, "accounts:password_change")
        return None

    @staticmethod
    def _redirect(request, name, **extra):
        query = {}
        if request.method == "GET" and not _wants_json(request):
            query["next"] = request.get_full_path()
        query.update(extra)
        url = reverse(name) + ("?" + urlencode(query) if query else "")
        if _wants_json(request):
            return JsonResponse({"detail": "second factor or password change required", "location": url}, status=403)
        return redirect(url)

    def _end(self, request, reason: str):
        user_id = request.user.pk
        logout(request)
        audit_record(
            action="auth.session_end",
            actor_id=user_id,
            target_type="user",
            target_id=user_id,
            details={"reason": reason},
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        if _wants_json(request):
            return JsonResponse({"detail": "session ended", "reason": reason}, status=401)
        return self._redirect(request, "accounts:login", reason=reason)
