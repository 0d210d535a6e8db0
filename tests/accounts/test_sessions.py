"""Session lifetimes: 15 minutes idle (background polls do not count, posts
do), 12 hours absolute, and sign-out, password change and deactivation ending
every session and token of the person at once."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken
from agencies.models import Role
from audit.models import AuditEvent
from tests.accounts.conftest import english, full_sign_in
from tests.conftest import sign_in
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

HOME = "/"


def ended(response, reason: str | None = None) -> bool:
    if response.status_code != 302 or not response["Location"].startswith(reverse("accounts:login")):
        return False
    return reason is None or f"reason={reason}" in response["Location"]


def make_token(membership):
    _, secret = services.api_token_create(
        actor=membership.user, membership=membership, name="script", second_factor_verified=True
    )
    return secret


def api_me(secret):
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")


@override_settings(SESSION_IDLE_SECONDS=900)
def test_fifteen_minutes_idle_ends_the_session(clock, alice):
    web = full_sign_in(english(Client()), alice.user, clock)
    clock.advance(14 * 60)
    assert web.get(HOME).status_code == 200  # activity: the clock restarts
    clock.advance(14 * 60)
    assert web.get(HOME).status_code == 200
    clock.advance(15 * 60)
    response = web.get(HOME)
    assert ended(response, "idle")
    assert "next=%2F" in response["Location"]
    assert web.get(HOME).status_code == 302  # it stays ended
    event = AuditEvent.objects.filter(action="auth.session_end").get()
    assert (event.actor_id, event.details) == (alice.user.pk, {"reason": "idle"})
    page = web.get(response["Location"])
    assert "15 minutes without activity" in page.content.decode()


@override_settings(SESSION_IDLE_SECONDS=900)
def test_background_polls_do_not_keep_a_session_alive(clock, alice):
    web = full_sign_in(english(Client()), alice.user, clock)
    for _ in range(3):
        clock.advance(4 * 60)
        poll = web.get(reverse("accounts:session_status"), HTTP_X_BACKGROUND_POLL="1")
        assert poll.status_code == 200
    assert poll.json()["seconds_left"] == 900 - 12 * 60
    # Any page polling with the header does not count either.
    clock.advance(2 * 60)
    assert web.get(HOME, HTTP_X_BACKGROUND_POLL="1").status_code == 200
    clock.advance(60)
    response = web.get(reverse("accounts:session_status"), HTTP_X_BACKGROUND_POLL="1")
    assert response.status_code == 401
    assert response.json()["reason"] == "idle"


@override_settings(SESSION_IDLE_SECONDS=900)
def test_a_post_such_as_an_autosave_counts_as_activity(clock, alice):
    web = full_sign_in(english(Client()), alice.user, clock)
    for _ in range(4):
        clock.advance(10 * 60)
        response = web.post(reverse("accounts:session_keepalive"), HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        assert response.json()["seconds_left"] == 900
    assert web.get(HOME).status_code == 200


def test_the_warning_is_on_every_signed_in_page_and_loads_as_a_file(clock, alice):
    web = full_sign_in(english(Client()), alice.user, clock)
    page = web.get(HOME).content.decode()
    assert "data-session-warning" in page
    assert 'src="/static/js/session.js" defer' in page
    assert "<script>" not in page
    assert "data-session-warning" not in Client().get(reverse("accounts:login")).content.decode()


def test_twelve_hours_is_the_absolute_limit(clock, alice):
    web = full_sign_in(english(Client()), alice.user, clock)
    for _ in range(71):  # busy all day: a page every 10 minutes
        clock.advance(10 * 60)
        assert web.get(HOME).status_code == 200
    clock.advance(10 * 60)  # 12 hours since sign-in
    assert ended(web.get(HOME), "absolute")


def test_sign_out_ends_every_session_and_token_at_once(clock, alice):
    phone = full_sign_in(english(Client()), alice.user, clock)
    clock.advance(30)  # the next code: a code is good for one sign-in
    laptop = full_sign_in(english(Client()), alice.user, clock, REMOTE_ADDR="10.0.0.2")
    secret = make_token(alice)
    assert api_me(secret).status_code == 200

    clock.advance(1)
    response = laptop.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert ended(laptop.get(HOME))
    assert ended(phone.get(HOME), "ended")
    assert api_me(secret).status_code == 401
    token = ApiToken.objects.get()
    assert token.revoke_reason == "signed_out"
    assert AuditEvent.objects.filter(action="auth.sign_out", actor_id=alice.user.pk).exists()


def test_a_password_change_ends_other_sessions_and_tokens_but_not_this_one(clock, alice):
    other = full_sign_in(english(Client()), alice.user, clock)
    secret = make_token(alice)
    clock.advance(30)
    web = full_sign_in(english(Client()), alice.user, clock)
    old_key = web.cookies["sessionid"].value
    new_password = "a-different-long-passphrase-77"
    bad = web.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": new_password, "new_password2": new_password},
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors["old_password"]
    response = web.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert web.cookies["sessionid"].value != old_key
    assert web.get(HOME).status_code == 200
    assert ended(other.get(HOME))
    assert api_me(secret).status_code == 401
    alice.user.refresh_from_db()
    assert alice.user.check_password(new_password)
    assert AuditEvent.objects.filter(action="auth.password_change", actor_id=alice.user.pk).exists()


def test_deactivation_ends_every_session_and_token_at_once(clock, uptd, alice):
    admin = MembershipFactory(agency=uptd, role=Role.AGENCY_ADMIN)
    web = full_sign_in(english(Client()), alice.user, clock)
    secret = make_token(alice)
    clock.advance(1)
    response = sign_in(Client(), admin.user, membership=admin).post(
        reverse("accounts:person_account_active", args=[alice.user.pk]), {"active": "0"}
    )
    assert response.status_code == 302
    assert ended(web.get(HOME))
    assert api_me(secret).status_code == 401
    event = AuditEvent.objects.get(action="account.deactivate")
    assert (event.actor_id, event.target_id, event.details) == (
        admin.user.pk,
        str(alice.user.pk),
        {"tokens_revoked": 1},
    )
    # The deactivated person cannot sign in, and hears only the usual answer.
    login = english(Client()).post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert login.status_code == 200
    assert "username or password is not right" in login.content.decode()


def test_turning_a_membership_off_stops_its_tokens(clock, uptd, alice):
    admin = MembershipFactory(agency=uptd, role=Role.AGENCY_ADMIN)
    secret = make_token(alice)
    sign_in(Client(), admin.user, membership=admin).post(
        reverse("accounts:person_membership_active", args=[alice.user.pk, alice.pk]), {"active": "0"}
    )
    assert api_me(secret).status_code == 401
