"""Sign-in, second factor, session, and "My account" pages. Thin: each view
validates, calls a service or selector, and renders."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import clock, lockout, selectors, services, sessions, two_factor
from accounts.forms import (
    CodeForm,
    EnrolmentCodeForm,
    PasswordChangeForm,
    SignInForm,
    SwitchMembershipForm,
    TokenCreateForm,
)
from agencies.middleware import SESSION_KEY
from agencies.models import Membership
from audit.services import audit_record, audit_request, client_ip

# Why the sign-in page was reached after a session ended (the ``reason`` query).
_REASONS = {
    "idle": lambda: (
        _("You were signed out after %(minutes)s minutes without activity. Sign in again to go on.")
        % {"minutes": settings.SESSION_IDLE_SECONDS // 60}
    ),
    "absolute": lambda: (
        _("Your session reached its %(hours)s-hour limit. Sign in again to go on.")
        % {"hours": settings.SESSION_COOKIE_AGE // 3600}
    ),
    "ended": lambda: _(
        "Your session was ended: you signed out elsewhere, your password changed or an admin changed your account."
    ),
    "unknown": lambda: _("Your session ended. Sign in again."),
    "signed_out": lambda: _("You have signed out on every device."),
    "locked": lambda: _lock_message(settings.LOGIN_COOLOFF_SECONDS),
}


def _lock_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed attempts. Sign-in with this username is paused for %(minutes)s minute. "
        "Wait, then try again, or ask your agency admin for help.",
        "Too many failed attempts. Sign-in with this username is paused for %(minutes)s minutes. "
        "Wait, then try again, or ask your agency admin for help.",
        minutes,
    ) % {"minutes": minutes}


def _safe_next(request, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not candidate.startswith((reverse("accounts:logout"), reverse("accounts:login")))
    ):
        return candidate
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return reverse(name) + "?" + urlencode({"next": next_url})


def _second_step(user, next_url: str):
    """Where a person who gave the password goes next, or None when done."""
    if two_factor.second_factor_satisfied(user):
        return None
    if two_factor.has_second_factor(user):
        return _with_next("accounts:two_factor_verify", next_url)
    return _with_next("accounts:two_factor_setup", next_url)


# --- Sign-in and sign-out ------------------------------------------------------------


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(_second_step(request.user, next_url) or next_url)
    notice = _REASONS.get(request.GET.get("reason", ""), lambda: "")()
    lock_message = ""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        ip = client_ip(request)
        status = lockout.lock_status(username=username, ip=ip)
        if status.locked:
            # No password is checked while paused: the answer is the same for
            # a right and a wrong one, and for known and unknown usernames.
            audit_record(action="auth.sign_in_locked", ip_address=ip, details={"scope": status.scope})
            form = SignInForm(request, initial={"username": username})
            lock_message = _lock_message(status.retry_after)
        else:
            form = SignInForm(request, data=request.POST)
            if form.is_valid():
                user = form.get_user()
                login(request, user)  # a new session key; stamped by accounts.signals
                step = _second_step(user, next_url)
                if step:
                    return redirect(step)
                lockout.register_success(username=username, ip=ip)
                if settings.DEMO_MODE:
                    messages.warning(request, _("Demo mode: you signed in without a second factor."))
                return redirect(next_url)
            status = lockout.register_failure(username=username, ip=ip)
            if status.locked:
                audit_record(action="auth.lockout", ip_address=ip, details={"scope": status.scope})
                form = SignInForm(request, initial={"username": username})
                lock_message = _lock_message(status.retry_after)
    else:
        form = SignInForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "notice": notice, "lock_message": lock_message},
        status=429 if lock_message else 200,
    )


@require_http_methods(["GET", "POST"])
def sign_out(request):
    """POST signs the person out everywhere: every session and API token
    ends, and the browser is told to clear what it kept of this site."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return render(request, "accounts/sign_out.html")
    if request.user.is_authenticated:
        services.account_sign_out(
            user=request.user, acting=getattr(request, "membership", None), request_meta=services.request_meta(request)
        )
        logout(request)
    response = redirect(reverse("accounts:login") + "?reason=signed_out")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


# --- Second factor -------------------------------------------------------------------------


def _finish_second_factor(request, device, next_url):
    otp_login(request, device)
    request.session.cycle_key()  # a new session key once the second factor is given
    lockout.register_success(username=request.user.get_username(), ip=client_ip(request))
    return redirect(next_url)


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    next_url = _safe_next(request)
    if two_factor.is_verified(user):
        return redirect(next_url)
    if not two_factor.has_second_factor(user):
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        username, ip = user.get_username(), client_ip(request)
        if lockout.lock_status(username=username, ip=ip).locked:
            return _locked_out(request)
        if form.is_valid():
            device = two_factor.second_factor_verify(
                user=user, code=form.cleaned_data["code"], request_meta=services.request_meta(request)
            )
            if device is not None:
                if device.persistent_id.startswith("otp_static"):
                    left = two_factor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a recovery code. %(count)s recovery code is left.",
                            "You used a recovery code. %(count)s recovery codes are left.",
                            left,
                        )
                        % {"count": left},
                    )
                return _finish_second_factor(request, device, next_url)
            if lockout.register_failure(username=username, ip=ip).locked:
                return _locked_out(request)
            form.add_error("code", _("That code is not right, or it was already used. Wait for the next code."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def _locked_out(request):
    user_id = request.user.pk
    audit_record(
        action="auth.lockout", actor_id=user_id, target_type="user", target_id=user_id, ip_address=client_ip(request)
    )
    logout(request)
    return redirect(reverse("accounts:login") + "?reason=locked")


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code, confirm with a code.
    Replacing a device needs the current one first."""
    user = request.user
    next_url = _safe_next(request, reverse("accounts:profile"))
    if two_factor.has_second_factor(user) and not two_factor.is_verified(user):
        return redirect(_with_next("accounts:two_factor_verify", next_url))
    device = two_factor.totp_enrolment_device(user=user)
    if device is None or (request.method == "POST" and "restart" in request.POST):
        device = two_factor.totp_enrolment_start(user=user)
        form = EnrolmentCodeForm()
    else:
        form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and "restart" not in request.POST and form.is_valid():
        codes = two_factor.totp_enrolment_confirm(
            user=user, device=device, code=form.cleaned_data["code"], request_meta=services.request_meta(request)
        )
        if codes is not None:
            otp_login(request, device)
            request.session.cycle_key()
            lockout.register_success(username=user.get_username(), ip=client_ip(request))
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url, "first_time": True}
            )
        form.add_error("code", _("That code is not right. Check the time on your phone and try the next code."))
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": two_factor.qr_svg(device),
        "manual_key": two_factor.manual_key(device),
        "replacing": two_factor.has_second_factor(user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if not two_factor.is_verified(request.user):
        messages.error(request, _("Set up and use your authenticator app first."))
        return redirect("accounts:profile")
    codes = two_factor.recovery_codes_regenerate(user=request.user, request_meta=services.request_meta(request))
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:profile")})


# --- Session ---------------------------------------------------------------------------------


@require_GET
def session_status(request):
    """For static/js/session.js: seconds left. Never extends the session."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "seconds_left": 0}, status=401)
    return JsonResponse(
        {
            "authenticated": True,
            "seconds_left": sessions.seconds_left(request),
            "warning_seconds": sessions.WARNING_SECONDS,
        }
    )


@login_required
@require_POST
def session_keepalive(request):
    """The "Stay signed in" button: this request is the activity."""
    sessions.session_touch(request, force=True)
    if "application/json" in request.META.get("HTTP_ACCEPT", ""):
        return JsonResponse({"seconds_left": sessions.seconds_left(request)})
    return redirect(_safe_next(request))


# --- Membership switch -----------------------------------------------------------------------------


@login_required
@require_POST
def switch_membership(request):
    """Act through another of one's own memberships (chosen in the header)."""
    form = SwitchMembershipForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    chosen = next((m for m in request.memberships if m.pk == form.cleaned_data["membership"]), None)
    if chosen is None:
        return HttpResponseBadRequest()
    previous = request.membership
    with transaction.atomic():
        request.session[SESSION_KEY] = chosen.pk
        request.membership = chosen
        audit_request(
            request,
            action="membership.switch",
            target_type="membership",
            target_id=chosen.pk,
            details={"from_membership": previous.pk if previous else None},
        )
    return redirect("home")


# --- My account -------------------------------------------------------------------------------------


@login_required
@require_GET
def profile(request):
    user = request.user
    context = {
        "memberships": Membership.objects.filter(user=user).select_related("agency").order_by("agency__name"),
        "sign_ins": selectors.recent_sign_ins(user=user),
        "devices": selectors.totp_devices(user=user),
        "recovery_codes_left": two_factor.recovery_codes_left(user),
        "verified": two_factor.is_verified(user),
        "tokens": selectors.tokens_for(user=user),
        "now": clock.now(),
        "state": selectors.account_state(user=user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        boundary = services.account_password_change(
            user=user,
            new_password=form.cleaned_data["new_password1"],
            acting=getattr(request, "membership", None),
            request_meta=services.request_meta(request),
        )
        update_session_auth_hash(request, user)  # keeps this session, with a new key
        sessions.session_revalidate(request, boundary=boundary)
        messages.success(request, _("Your password is changed. Every other session and every API token has ended."))
        return redirect("accounts:profile")
    state = selectors.account_state(user=user)
    return render(request, "accounts/password_change.html", {"form": form, "must_change": state.must_change_password})


@login_required
@require_http_methods(["GET", "POST"])
def token_create(request):
    if not two_factor.is_verified(request.user):
        messages.error(request, _("Creating an API token needs a second factor. Set one up first."))
        return redirect(_with_next("accounts:two_factor_setup", reverse("accounts:token_create")))
    memberships = request.memberships
    if not memberships:
        raise Http404
    form = TokenCreateForm(
        request.POST or None,
        memberships=memberships,
        initial={"membership": request.membership.pk if request.membership else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                actor=request.user,
                membership=form.cleaned_data["membership"],
                name=form.cleaned_data["name"],
                second_factor_verified=two_factor.is_verified(request.user),
                request_meta=services.request_meta(request),
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            return render(request, "accounts/token_created.html", {"token": token, "secret": secret})
    return render(request, "accounts/token_create.html", {"form": form, "token_days": settings.API_TOKEN_DAYS})


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = selectors.token_for_revoker(request=request, token_id=token_id)
    if token is None:
        audit_request(request, action="accounts.access_denied", target_type="api_token", target_id=token_id)
        raise Http404
    services.api_token_revoke(
        actor=request.user,
        acting=getattr(request, "membership", None),
        token=token,
        request_meta=services.request_meta(request),
    )
    messages.success(request, _("The token is revoked. Requests made with it are refused from now on."))
    return redirect(_safe_next(request, reverse("accounts:profile")))
