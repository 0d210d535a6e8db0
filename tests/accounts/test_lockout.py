"""Lockout on username and IP together, a cool-off, an hourly ceiling per
account, and answers that never tell whether a username exists."""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from audit.models import AuditEvent
from tests.accounts.conftest import confirmed_device, english, page_text, password_step, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}
HOME = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def fail(client, username, times, **extra):
    response = None
    for _ in range(times):
        response = password_step(client, username, "wrong-password-123", **extra)
    return response


@override_settings(LOGIN_FAILURE_LIMIT=5, LOGIN_COOLOFF_SECONDS=900)
def test_lockout_after_repeated_failures_then_cool_off(web, clock, alice):
    confirmed_device(alice.user)
    response = fail(web, "alice", 4, **OFFICE)
    assert response.status_code == 200
    response = fail(web, "alice", 1, **OFFICE)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert response.context["form"]["username"].value() == "alice"  # input kept
    assert AuditEvent.objects.filter(action="auth.lockout").exists()

    # Even the right password is not checked while paused.
    response = password_step(web, "alice", **OFFICE)
    assert response.status_code == 429
    assert "_auth_user_id" not in web.session

    clock.advance(14 * 60)
    assert password_step(web, "alice", **OFFICE).status_code == 429
    clock.advance(61)
    response = password_step(web, "alice", **OFFICE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


@override_settings(LOGIN_FAILURE_LIMIT=5)
def test_a_colleague_behind_the_same_office_ip_still_signs_in(clock, alice, bob):
    attacker = english(Client())
    fail(attacker, "alice", 5, **OFFICE)
    assert password_step(attacker, "alice", **OFFICE).status_code == 429

    colleague = english(Client())
    response = password_step(colleague, "bob", **OFFICE)
    assert response.status_code == 302
    # And Alice herself, from home, is not paused by the office's failures.
    assert password_step(english(Client()), "alice", **HOME).status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_ACCOUNT_HOURLY_LIMIT=7)
def test_a_ceiling_per_account_per_hour_across_addresses(clock, alice):
    for octet in range(1, 8):
        fail(english(Client()), "alice", 1, REMOTE_ADDR=f"192.0.2.{octet}")
    response = password_step(english(Client()), "alice", REMOTE_ADDR="192.0.2.200")
    assert response.status_code == 429
    clock.advance(3600)
    assert password_step(english(Client()), "alice", REMOTE_ADDR="192.0.2.200").status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=5)
def test_unknown_and_known_usernames_get_the_same_answer(clock, alice):
    known, unknown = english(Client()), english(Client())
    first_known = password_step(known, "alice", "wrong-password-123", **OFFICE)
    first_unknown = password_step(unknown, "nobody-here", "wrong-password-123", **OFFICE)
    assert first_known.status_code == first_unknown.status_code == 200
    assert page_text(first_known).replace("alice", "X") == page_text(first_unknown).replace("nobody-here", "X")

    # Lockout comes at the same count, with the same words.
    last_known = fail(known, "alice", 4, **OFFICE)
    last_unknown = fail(unknown, "nobody-here", 4, **OFFICE)
    assert last_known.status_code == last_unknown.status_code == 429
    assert page_text(last_known).replace("alice", "X") == page_text(last_unknown).replace("nobody-here", "X")
    # An inactive account answers like a wrong password too.
    UserFactory(username="gone", is_active=False)
    inactive = password_step(english(Client()), "gone", **HOME)
    other = password_step(english(Client()), "nobody-else", **HOME)
    assert page_text(inactive).replace("gone", "X") == page_text(other).replace("nobody-else", "X")


def test_counters_keep_no_username_in_cache_keys(clock, alice):
    fail(english(Client()), "alice", 2, **OFFICE)
    keys = list(cache._cache.keys())  # LocMemCache in tests
    assert keys
    assert not any("alice" in key for key in keys)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_wrong_second_factor_codes_count_and_end_in_lockout(clock, alice):
    device = confirmed_device(alice.user)
    web = english(Client())
    password_step(web, "alice", **OFFICE)
    for _ in range(2):
        response = web.post(reverse("accounts:two_factor_verify"), {"code": "123456"}, **OFFICE)
        assert response.status_code == 200
        clock.advance(5)
    response = web.post(reverse("accounts:two_factor_verify"), {"code": "123456"}, **OFFICE)
    assert response.status_code == 302
    assert "reason=locked" in response["Location"]
    assert "_auth_user_id" not in web.session  # the half-signed-in session is gone
    # A right password and then a right code do not get in until the cool-off ends.
    assert password_step(web, "alice", **OFFICE).status_code == 429
    clock.advance(15 * 60 + 1)
    password_step(web, "alice", **OFFICE)
    assert (
        web.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device, clock)}, **OFFICE).status_code == 302
    )
