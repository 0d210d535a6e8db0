"""Our own system checks: what ``check --deploy`` does not know about.

Run with every management command; the ``deploy`` ones with ``check --deploy``
(the test settings use a fast hasher and a local cache on purpose).
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

MAX_IDLE_SECONDS = 15 * 60
MAX_SESSION_SECONDS = 12 * 60 * 60
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
OUR_MIDDLEWARE = "accounts.middleware.AccountSecurityMiddleware"
TOKEN_AUTH = "accounts.authentication.MembershipTokenAuthentication"
SESSION_AUTH = "accounts.authentication.VerifiedSessionAuthentication"


@register(Tags.security)
def check_session_lifetimes(app_configs, **kwargs):
    errors = []
    idle = getattr(settings, "SESSION_IDLE_SECONDS", None)
    if not isinstance(idle, int) or not 0 < idle <= MAX_IDLE_SECONDS:
        errors.append(
            Error(
                f"SESSION_IDLE_SECONDS must be between 1 and {MAX_IDLE_SECONDS} (15 minutes).",
                id="depok.E001",
            )
        )
    if not 0 < settings.SESSION_COOKIE_AGE <= MAX_SESSION_SECONDS:
        errors.append(
            Error(f"SESSION_COOKIE_AGE (the absolute limit) must be at most {MAX_SESSION_SECONDS}.", id="depok.E002")
        )
    if not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        errors.append(Error("SESSION_EXPIRE_AT_BROWSER_CLOSE must be True.", id="depok.E003"))
    if not settings.SESSION_COOKIE_HTTPONLY:
        errors.append(Error("SESSION_COOKIE_HTTPONLY must be True.", id="depok.E004"))
    if settings.SESSION_COOKIE_SAMESITE not in ("Lax", "Strict"):
        errors.append(Error("SESSION_COOKIE_SAMESITE must be 'Lax' or 'Strict'.", id="depok.E005"))
    if OUR_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(Error(f"{OUR_MIDDLEWARE} must be in MIDDLEWARE.", id="depok.E006"))
    else:
        position = settings.MIDDLEWARE.index(OUR_MIDDLEWARE)
        otp = "django_otp.middleware.OTPMiddleware"
        if otp not in settings.MIDDLEWARE or settings.MIDDLEWARE.index(otp) > position:
            errors.append(Error(f"{OUR_MIDDLEWARE} must come after {otp}.", id="depok.E007"))
    return errors


@register(Tags.security)
def check_content_security_policy(app_configs, **kwargs):
    errors = []
    policy = getattr(settings, "SECURE_CSP", None) or {}
    if "django.middleware.csp.ContentSecurityPolicyMiddleware" not in settings.MIDDLEWARE:
        errors.append(Error("The Content Security Policy middleware must be installed.", id="depok.E010"))
    if not policy:
        errors.append(Error("SECURE_CSP (the enforced policy) must be set.", id="depok.E011"))
        return errors
    for directive in ("default-src", "script-src", "style-src"):
        sources = list(policy.get(directive, policy.get("default-src", [])))
        if sources != ["'self'"]:
            errors.append(Error(f"SECURE_CSP {directive} must be 'self' only, not {sources}.", id="depok.E012"))
    if list(policy.get("frame-ancestors", [])) != ["'none'"]:
        errors.append(Error("SECURE_CSP frame-ancestors must be 'none'.", id="depok.E013"))
    return errors


@register(Tags.security)
def check_two_factor(app_configs, **kwargs):
    errors = []
    if not settings.TWO_FACTOR_REQUIRED and not settings.DEMO_MODE:
        errors.append(
            Error("TWO_FACTOR_REQUIRED may be off only in demo mode (DEBUG and DEMO_MODE on).", id="depok.E020")
        )
    classes = settings.REST_FRAMEWORK.get("DEFAULT_AUTHENTICATION_CLASSES", [])
    allowed = {TOKEN_AUTH, SESSION_AUTH}
    if TOKEN_AUTH not in classes or any(cls not in allowed for cls in classes):
        errors.append(
            Error(
                "REST_FRAMEWORK DEFAULT_AUTHENTICATION_CLASSES must be the membership token and the verified session.",
                id="depok.E021",
            )
        )
    for name, ceiling in (("LOGIN_FAILURE_LIMIT", 10), ("LOGIN_ACCOUNT_HOURLY_LIMIT", 100)):
        value = getattr(settings, name, 0)
        if not 0 < value <= ceiling:
            errors.append(Error(f"{name} must be between 1 and {ceiling}.", id="depok.E022"))
    if getattr(settings, "LOGIN_COOLOFF_SECONDS", 0) < 60:
        errors.append(Error("LOGIN_COOLOFF_SECONDS must be at least 60.", id="depok.E023"))
    if not 0 < getattr(settings, "API_TOKEN_DAYS", 0) <= 365:
        errors.append(Error("API_TOKEN_DAYS must be between 1 and 365.", id="depok.E024"))
    return errors


@register(Tags.security, deploy=True)
def check_password_hasher(app_configs, **kwargs):
    if not settings.PASSWORD_HASHERS or settings.PASSWORD_HASHERS[0] != ARGON2:
        return [Error(f"PASSWORD_HASHERS must start with {ARGON2}.", id="depok.E030")]
    return []


@register(Tags.security, deploy=True)
def check_shared_cache_and_cookies(app_configs, **kwargs):
    errors = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not settings.DEBUG and backend.rsplit(".", 1)[-1] in {"LocMemCache", "DummyCache"}:
        errors.append(
            Error("The default cache must be shared (Redis): the sign-in lockout counters live there.", id="depok.E031")
        )
    if getattr(settings, "HTTPS", False):
        for name in ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME"):
            if not getattr(settings, name, "").startswith("__Host-"):
                errors.append(Error(f"{name} must start with __Host- when HTTPS is on.", id="depok.E032"))
        for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE"):
            if not getattr(settings, name, False):
                errors.append(Error(f"{name} must be True when HTTPS is on.", id="depok.E033"))
    elif not settings.DEBUG:
        errors.append(Error("HTTPS must be on in production.", id="depok.E034"))
    return errors
