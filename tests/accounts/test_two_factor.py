"""The second factor: nothing is reachable with a password alone; codes are
single-use; recovery codes work once; resets are audited and never bypass it."""

import pytest
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from agencies.models import Role
from audit.models import AuditEvent
from tests.accounts.conftest import (
    confirmed_device,
    english,
    full_sign_in,
    password_step,
    totp_code,
)
from tests.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_without_the_second_factor_reaches_nothing(web, clock, alice):
    confirmed_device(alice.user)
    response = password_step(web, "alice")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))

    for url in (reverse("home"), reverse("accounts:profile"), reverse("accounts:agency_people"), "/admin/"):
        response = web.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:two_factor_verify")), url
    # A script asking for JSON gets no page either.
    assert web.get(reverse("home"), HTTP_ACCEPT="application/json").status_code == 403
    # The API does not take the half-signed-in session.
    assert web.get("/api/v1/me/").status_code in (401, 403)
    # Token creation is not reachable.
    assert web.post(reverse("accounts:token_create"), {"name": "x", "membership": alice.pk}).status_code == 302
    assert not ApiToken.objects.exists()


def test_an_administrator_needs_the_second_factor_for_the_django_admin(web, clock):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    confirmed_device(root)
    password_step(web, "root")
    response = web.get("/admin/")
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    # The admin's own login form (which would skip the lockout) sends to ours.
    login = Client().get("/admin/login/")
    assert login.status_code == 302
    assert login["Location"].startswith(reverse("accounts:login"))

    verified = full_sign_in(english(Client()), root, clock)
    assert verified.get("/admin/").status_code == 200


def test_a_person_without_a_device_enrols_before_anything_else(web, clock, alice):
    response = password_step(web, "alice")
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    assert web.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))

    page = web.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "qr-code" in body  # drawn here, not fetched
    assert "style=" not in body and "<script>" not in body
    device = TOTPDevice.objects.get(user=alice.user, confirmed=False)
    # A reload shows the same key, so a scanned code keeps working.
    web.get(reverse("accounts:two_factor_setup"))
    assert TOTPDevice.objects.get(user=alice.user, confirmed=False).pk == device.pk

    wrong = web.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "not right" in wrong.content.decode()
    assert wrong.context["form"]["code"].value() == "000000"

    clock.advance(2)  # past django-otp's throttle delay after a wrong code
    done = web.post(reverse("accounts:two_factor_setup"), {"code": totp_code(device, clock)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert web.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="two_factor.enrol", actor_id=alice.user.pk).exists()


def test_enrolling_a_new_phone_needs_the_current_factor(web, clock, alice):
    confirmed_device(alice.user)
    password_step(web, "alice")
    response = web.get(reverse("accounts:two_factor_setup"))
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert not TOTPDevice.objects.filter(user=alice.user, confirmed=False).exists()


def test_a_replayed_code_fails(clock, alice):
    device = confirmed_device(alice.user)
    code = totp_code(device, clock)
    first = english(Client())
    password_step(first, "alice")
    assert first.post(reverse("accounts:two_factor_verify"), {"code": code}).status_code == 302

    clock.advance(5)  # same 30-second step
    attacker = english(Client())
    password_step(attacker, "alice")
    replay = attacker.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert replay.status_code == 200
    assert "already used" in replay.content.decode()
    assert attacker.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="two_factor.verify_failed", actor_id=alice.user.pk).exists()

    clock.advance(30)  # the next step's code works (after django-otp's throttle delay)
    response = attacker.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device, clock)})
    assert response.status_code == 302
    assert attacker.get(reverse("home")).status_code == 200


def test_a_recovery_code_works_once(clock, alice):
    person = alice.user
    web = full_sign_in(english(Client()), person, clock)
    response = web.post(reverse("accounts:recovery_codes_regenerate"))
    codes = response.context["codes"]
    assert StaticToken.objects.filter(device__user=person).count() == 10

    lost_phone = english(Client())
    password_step(lost_phone, "alice")
    response = lost_phone.post(reverse("accounts:two_factor_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert lost_phone.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=person).count() == 9

    clock.advance(60)
    again = english(Client())
    password_step(again, "alice")
    response = again.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert again.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.filter(action="two_factor.verify", actor_id=person.pk).order_by("-id").first()
    assert event.details == {"method": "recovery", "recovery_codes_left": 9}


def test_the_session_key_changes_at_sign_in_and_after_the_second_factor(web, clock, alice):
    device = confirmed_device(alice.user)
    web.get(reverse("accounts:login"))
    web.session.save()
    anonymous_key = web.session.session_key
    password_step(web, "alice")
    after_password = web.cookies["sessionid"].value
    assert after_password != anonymous_key
    web.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device, clock)})
    after_code = web.cookies["sessionid"].value
    assert after_code != after_password
    assert web.session[AUTH_SESSION_KEY] == str(alice.user.pk)


def test_a_password_reset_never_bypasses_the_second_factor(clock, uptd, alice):
    admin = MembershipFactory(agency=uptd, role=Role.AGENCY_ADMIN)
    confirmed_device(alice.user)
    response = sign_in(Client(), admin.user, membership=admin).post(
        reverse("accounts:person_password_reset", args=[alice.user.pk])
    )
    temporary = response.context["password"]
    clock.advance(1)

    web = english(Client())
    response = password_step(web, "alice", temporary)
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert web.get(reverse("accounts:password_change"))["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_an_agency_admin_resets_the_second_factor_audited(clock, uptd, alice):
    admin = MembershipFactory(agency=uptd, role=Role.AGENCY_ADMIN)
    confirmed_device(alice.user)
    alices_session = full_sign_in(english(Client()), alice.user, clock)

    response = sign_in(Client(), admin.user, membership=admin).post(
        reverse("accounts:person_two_factor_reset", args=[alice.user.pk])
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice.user).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert (event.actor_id, event.target_id, event.agency_id) == (admin.user.pk, str(alice.user.pk), uptd.pk)
    # Her sessions ended; at the next sign-in she enrols again.
    clock.advance(1)
    assert alices_session.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
    web = english(Client())
    assert password_step(web, "alice")["Location"].startswith(reverse("accounts:two_factor_setup"))


@override_settings(TWO_FACTOR_REQUIRED=False, DEMO_MODE=True)
def test_demo_mode_allows_password_only_with_a_visible_note(web, clock, alice):
    response = password_step(web, "alice", follow=True)
    assert response.status_code == 200
    assert response.context["active_membership"] == alice
    assert "without a second factor" in response.content.decode()
    assert web.get("/api/v1/me/").status_code == 200
    # Someone who did set up a second factor is still asked for it.
    bob = MembershipFactory(user=UserFactory(username="bob2"), agency=alice.agency)
    confirmed_device(bob.user)
    other = english(Client())
    assert password_step(other, "bob2")["Location"].startswith(reverse("accounts:two_factor_verify"))


@override_settings(TWO_FACTOR_REQUIRED=False, DEMO_MODE=True)
def test_creating_an_api_token_requires_the_second_factor_even_in_demo_mode(web, clock, alice):
    password_step(web, "alice")
    response = web.get(reverse("accounts:token_create"))
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
    web.post(reverse("accounts:token_create"), {"name": "script", "membership": alice.pk})
    assert not ApiToken.objects.exists()
