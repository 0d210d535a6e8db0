"""Security headers on every page type, cookies, and the system checks that
fail when a setting is weakened."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import Client, override_settings
from django.urls import reverse

from depok_cases import checks
from tests.accounts.conftest import english, full_sign_in
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

HTTPS_ON = {
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
}


def assert_security_headers(response, *, signed_in: bool):
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    if signed_in:
        assert response["Cache-Control"] == "no-store"


@override_settings(**HTTPS_ON)
def test_headers_on_every_page_type(clock, alice):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    anonymous = Client()
    assert_security_headers(anonymous.get(reverse("accounts:login"), secure=True), signed_in=True)
    assert_security_headers(anonymous.get("/no-such-page/", secure=True), signed_in=False)

    web = full_sign_in(english(Client()), alice.user, clock, secure=True)
    for url in (reverse("home"), reverse("accounts:profile"), reverse("accounts:two_factor_setup")):
        response = web.get(url, secure=True)
        assert response.status_code == 200, url
        assert_security_headers(response, signed_in=True)
    assert_security_headers(web.get("/api/v1/me/", secure=True), signed_in=True)
    assert_security_headers(web.get(reverse("accounts:session_status"), secure=True), signed_in=True)
    assert_security_headers(sign_in(Client(), root).get("/admin/", secure=True), signed_in=True)

    response = web.post(reverse("accounts:logout"), secure=True)
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert_security_headers(response, signed_in=True)


@override_settings(**HTTPS_ON)
def test_cookies_are_secure_httponly_samesite_and_host_prefixed_over_https(clock, alice):
    web = english(Client())
    web.get(reverse("accounts:login"), secure=True)
    csrf = web.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax" and csrf["path"] == "/"
    assert not csrf["domain"]
    full_sign_in(web, alice.user, clock, secure=True)
    session = web.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax" and session["path"] == "/"
    assert not session["domain"]


def _production_settings(**extra) -> dict:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "k7Vq9-" * 11,
            "ALLOWED_HOSTS": "cases.example.org",
            "DATABASE_URL": "postgresql://app:pw@db:5432/depok",
            "REDIS_URL": "redis://redis:6379/0",
            "FIELD_ENCRYPTION_KEYS": "mSs1g0m7rUuGmWbm3g2FzpG4m3lFpbv7wCdgUytNw-k=",
            "BLIND_INDEX_KEY": "b" * 40,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "depok_cases.settings",
        }
    )
    env.update(extra)
    return env


def test_check_deploy_passes_with_production_settings_and_fails_when_weakened():
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, cwd=ROOT, env=_production_settings(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr

    weakened = subprocess.run(
        command,
        cwd=ROOT,
        env=_production_settings(TWO_FACTOR_REQUIRED="false", SESSION_IDLE_SECONDS="7200"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert weakened.returncode != 0
    assert "depok.E001" in weakened.stderr and "depok.E020" in weakened.stderr


def test_production_cookies_use_the_host_prefix():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_production_settings(), capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "__Host-language",
        "True",
        "True",
        "True",
        "True",
        "Lax",
    ]


def ids(errors) -> set[str]:
    return {error.id for error in errors}


def test_our_checks_pass_on_the_project_settings():
    assert not [e for e in run_checks(tags=["security"]) if e.id.startswith("depok.")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SESSION_IDLE_SECONDS": 3600}, "depok.E001"),
        ({"SESSION_IDLE_SECONDS": 0}, "depok.E001"),
        ({"SESSION_COOKIE_AGE": 14 * 24 * 3600}, "depok.E002"),
        ({"SESSION_EXPIRE_AT_BROWSER_CLOSE": False}, "depok.E003"),
        ({"SESSION_COOKIE_HTTPONLY": False}, "depok.E004"),
        ({"SESSION_COOKIE_SAMESITE": "None"}, "depok.E005"),
    ],
)
def test_session_checks_fail_when_weakened(settings, changes, expected):
    for name, value in changes.items():
        setattr(settings, name, value)
    assert expected in ids(checks.check_session_lifetimes(None))


def test_the_middleware_check_fails_without_our_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.OUR_MIDDLEWARE]
    assert "depok.E006" in ids(checks.check_session_lifetimes(None))


@pytest.mark.parametrize(
    ("policy_change", "expected"),
    [
        ({"script-src": ["'self'", "'unsafe-inline'"]}, "depok.E012"),
        ({"style-src": ["'self'", "https:"]}, "depok.E012"),
        ({"frame-ancestors": ["'self'"]}, "depok.E013"),
    ],
)
def test_csp_checks_fail_when_weakened(settings, policy_change, expected):
    settings.SECURE_CSP = {**settings.SECURE_CSP, **policy_change}
    assert expected in ids(checks.check_content_security_policy(None))


def test_csp_check_fails_when_the_policy_is_only_reported(settings):
    settings.SECURE_CSP = {}
    settings.SECURE_CSP_REPORT_ONLY = {"default-src": ["'self'"]}
    assert "depok.E011" in ids(checks.check_content_security_policy(None))


def test_two_factor_check_fails_outside_demo_mode(settings):
    settings.TWO_FACTOR_REQUIRED = False
    settings.DEMO_MODE = False
    assert "depok.E020" in ids(checks.check_two_factor(None))
    settings.DEMO_MODE = True
    assert "depok.E020" not in ids(checks.check_two_factor(None))


def test_api_authentication_check_fails_with_plain_session_auth(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    }
    assert "depok.E021" in ids(checks.check_two_factor(None))


def test_password_hasher_check_wants_argon2_first(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert not checks.check_password_hasher(None)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the test settings' speed-up
    assert "depok.E030" in ids(checks.check_password_hasher(None))


def test_deploy_check_wants_a_shared_cache_and_host_cookies(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.HTTPS = True
    settings.SESSION_COOKIE_NAME = "sessionid"
    found = ids(checks.check_shared_cache_and_cookies(None))
    assert {"depok.E031", "depok.E032"} <= found
